// The bundles this repository builds, in one table: each one's name, its entry point and where
// `npm run build` (scripts/build.mjs) writes it. The build, the CDK app (infra/bundle.ts), the emulator that
// runs the bundles, the sandbox, the bench and the tests all read it here. A plain script, so that Node runs
// the build without a loader; toolchain/ imports nothing of the repository's, and everything may import it.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: what the paths below are relative to. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the build writes the bundles, relative to the repository: one directory per bundle. */
export const DIST_DIR = 'dist';

/** The file in each bundle's directory; Lambda's handler is its `handler` export (`index.handler`). */
export const BUNDLE_FILE = 'index.mjs';

function bundle(name, entry) {
  const dir = `${DIST_DIR}/${name}`;
  return Object.freeze({ name, entry, dir, path: `${dir}/${BUNDLE_FILE}` });
}

/** Every bundle, by name. */
export const BUNDLES = Object.freeze({
  /** The remediator function's handler. */
  remediator: bundle('remediator', 'functions/remediator/index.ts'),
  /** The scheduled reconcile function's handler. */
  reconcile: bundle('reconcile', 'functions/reconcile/index.ts'),
  /** The `auto-instance-profile` CLI, the package's `bin`. */
  cli: bundle('cli', 'cli/index.ts'),
  /** The invoke tool that runs a Lambda bundle as Lambda would; built because the tests start it per case. */
  invoke: bundle('invoke', 'scripts/invoke.ts'),
});

/** The absolute path of a bundle's file. */
export function bundlePath(name, root = REPO_ROOT) {
  return join(root, BUNDLES[name].path);
}

/**
 * Where the build writes a bundle's esbuild metafile, relative to the repository: beside the bundle's directory,
 * not in it, since a function's code asset is the whole directory. It lists every file the bundle was built from.
 */
export function metafilePath(name) {
  return `${DIST_DIR}/${name}.meta.json`;
}

/** What every bundle is built from beyond its inputs: the build itself and the installed dependencies' versions. */
export const BUILD_INPUTS = Object.freeze([
  'package.json',
  'package-lock.json',
  'scripts/build.mjs',
  'toolchain/bundles.mjs',
  'toolchain/lambda-node.mjs',
]);

/**
 * Whether a bundle must be built again: its file or its metafile is missing, or a file it was built from (an input
 * of its metafile, or one of {@link BUILD_INPUTS}) is missing or newer than it. Inputs a plugin made up
 * (`namespace:name`) are no files; those under node_modules/ keep their package's own times through `npm ci`, so
 * the lockfile stands for them.
 */
export function isStale(name, root = REPO_ROOT) {
  let built;
  let inputs;
  try {
    built = statSync(join(root, BUNDLES[name].path)).mtimeMs;
    inputs = Object.keys(JSON.parse(readFileSync(join(root, metafilePath(name)), 'utf8')).inputs);
  } catch {
    return true;
  }
  const sources = inputs.filter((input) => !/^[\w-]+:/.test(input) && !input.startsWith('node_modules/'));
  return [...sources, ...BUILD_INPUTS].some((input) => {
    try {
      return statSync(join(root, input)).mtimeMs > built;
    } catch {
      return true;
    }
  });
}
