// The bundles this repository builds, in one table: each one's name, its entry point and where
// `npm run build` (scripts/build.mjs) writes it. The build, the CDK app (infra/bundle.ts), the emulator that
// runs the bundles, the sandbox, the bench and the tests all read it here. A plain script, so that Node runs
// the build without a loader; toolchain/ imports nothing of the repository's, and everything may import it.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root: what the paths below are relative to. */
export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Where the build writes the bundles, relative to the repository: one directory per bundle. */
export const DIST_DIR = 'dist';

/** The file in each bundle's directory; Lambda's handler is its `handler` export (`index.handler`). */
export const BUNDLE_FILE = 'index.mjs';

function bundle(name, entry) {
  return Object.freeze({ name, entry, dir: `${DIST_DIR}/${name}`, path: `${DIST_DIR}/${name}/${BUNDLE_FILE}` });
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

/** The absolute path of a bundle's file . */
export function bundlePath(name, root = REPO_ROOT) {
  return join(root, BUNDLES[name].path);
}
