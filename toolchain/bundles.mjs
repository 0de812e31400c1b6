// The bundles this repository builds, in one table: each one's name, its entry point and where
// `npm run build` (scripts/build.mjs) writes it. The build, the CDK app (infra/bundle.ts), the emulator that
// runs the bundles, the sandbox, the bench and the tests all read it here. A plain script, so that Node runs
// the build without a loader; toolchain/ imports nothing of the repository's, and everything may import it.
import { readdirSync, statSync } from 'node:fs';
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

/** How deep below each source path files are looked at. */
const MAX_DEPTH = 8;

/**
 * The newest modification time (ms) among the files under `paths` (relative to `root`), leaving out
 * node_modules and dot-entries; 0 when none exist.
 */
export function newestModification(root, paths) {
  let newest = 0;
  const visit = (path, depth) => {
    let stats;
    try {
      stats = statSync(path);
    } catch {
      return;
    }
    if (stats.isFile()) newest = Math.max(newest, stats.mtimeMs);
    if (!stats.isDirectory() || depth >= MAX_DEPTH) return;
    let entries;
    try {
      entries = readdirSync(path, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) visit(join(path, entry.name), depth + 1);
    }
  };
  for (const path of paths) visit(join(root, path), 0);
  return newest;
}

/** Whether the file `bundle` (relative to `root`) is missing or older than any file under `sources`. */
export function isStale(root, bundle, sources) {
  let built;
  try {
    built = statSync(join(root, bundle)).mtimeMs;
  } catch {
    return true;
  }
  return newestModification(root, sources) > built;
}
