/**
 * The remediator's Lambda code: the bundle `npm run build` writes with esbuild on this machine.
 * No Docker and no bundling at synth time, so synth works offline and deploys what the tests ran.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from 'aws-cdk-lib/aws-lambda';

/** Where `npm run build` puts the remediator: `dist/remediator/index.mjs`, with its source map. */
export const REMEDIATOR_BUNDLE_DIR = fileURLToPath(new URL('../dist/remediator', import.meta.url));

/** The file Lambda loads; the handler is its `handler` export. */
export const REMEDIATOR_ENTRY_FILE = 'index.mjs';

/** `index.handler`: Lambda's name for the entry file's `handler` export. */
export const REMEDIATOR_HANDLER = 'index.handler';

/** The bundle directory as a Lambda asset. Throws if the bundle has not been built. */
export function remediatorCode(bundleDir: string = REMEDIATOR_BUNDLE_DIR): Code {
  const entry = join(bundleDir, REMEDIATOR_ENTRY_FILE);
  if (!existsSync(entry)) {
    throw new Error(`The remediator bundle ${entry} is missing: run \`npm run build\` first.`);
  }
  return Code.fromAsset(bundleDir);
}
