/**
 * The functions' Lambda code: the bundles `npm run build` writes with esbuild on this machine, one per
 * function, at `dist/<name>/index.mjs`. No Docker and no bundling at synth time, so synth works offline
 * and deploys what the tests ran.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code } from 'aws-cdk-lib/aws-lambda';

/** Where `npm run build` puts the bundles: `dist/`, one directory per bundle. */
export const BUNDLES_DIR = fileURLToPath(new URL('../dist', import.meta.url));

/** The file Lambda loads in each bundle directory; the handler is its `handler` export. */
export const BUNDLE_ENTRY_FILE = 'index.mjs';

/** `index.handler`: Lambda's name for the entry file's `handler` export. */
export const BUNDLE_HANDLER = 'index.handler';

/** The directory of the bundle `name` (`dist/<name>`), as `npm run build` writes it. */
export function bundleDir(name: string, bundlesDir: string = BUNDLES_DIR): string {
  return join(bundlesDir, name);
}

/**
 * The bundle `name` (`dist/<name>/index.mjs` and its source map) as a Lambda asset. Throws if it has not
 * been built.
 */
export function bundleCode(name: string, bundlesDir: string = BUNDLES_DIR): Code {
  const dir = bundleDir(name, bundlesDir);
  const entry = join(dir, BUNDLE_ENTRY_FILE);
  if (!existsSync(entry)) {
    throw new Error(`The ${name} bundle ${entry} is missing: run \`npm run build\` first.`);
  }
  return Code.fromAsset(dir);
}
