/**
 * Makes sure the bundles the sandbox runs (the remediator and the invoke tool that runs it) exist and are
 * newer than what they were built from (toolchain/bundles.mjs reads it from each bundle's esbuild metafile),
 * building them if not, so that `npm ci && npm start` works on a fresh clone and a rebuild happens only when
 * something changed.
 */
import { execFile } from 'node:child_process';
import { SandboxError } from './errors.js';

/** Runs the project's build (scripts/build.mjs) and resolves with its output; rejects with it on failure. */
export function buildBundles(root: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['scripts/build.mjs'], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout.trim());
      else reject(new SandboxError(`the build failed:\n${stdout}${stderr}`, { cause: error }));
    });
  });
}
