/**
 * The functions' Lambda code: the bundles `npm run build` writes with esbuild on this machine, one per
 * function, at `dist/<name>/index.mjs`. No Docker and no bundling at synth time, so synth works offline
 * and deploys what the tests ran.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Code } from 'aws-cdk-lib/aws-lambda';
import { BUNDLE_FILE, DIST_DIR, REPO_ROOT } from '../toolchain/bundles.mjs';

/** Where `npm run build` puts the bundles: `dist/`, one directory per bundle (toolchain/bundles.mjs). */
export const BUNDLES_DIR = join(REPO_ROOT, DIST_DIR);

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
  const entry = join(dir, BUNDLE_FILE);
  if (!existsSync(entry)) {
    throw new Error(`The ${name} bundle ${entry} is missing: run \`npm run build\` first.`);
  }
  return Code.fromAsset(dir);
}
