/**
 * Makes sure the bundles the sandbox runs (the remediator and the invoke tool that runs it) exist and are
 * newer than their sources, building them if not, so that `npm ci && npm start` works on a fresh clone and
 * a rebuild happens only when something changed.
 */
import { execFile } from 'node:child_process';
import { BUNDLES, isStale } from '../toolchain/bundles.mjs';
import { SandboxError } from './errors.js';

/** What the bundles are built from, relative to the repository. */
export const BUNDLE_SOURCES = [
  'core',
  'functions',
  'scripts/invoke.ts',
  'cli/region.ts',
  'cli/errors.ts',
  'emulator/lambda-shapes.ts',
  'emulator/cloudtrail-event.ts',
  'package-lock.json',
  'scripts/build.mjs',
  'toolchain',
] as const;

/** Whether the bundle is missing or older than any of its sources. */
export function bundleIsStale(
  root: string,
  bundle: string = BUNDLES.remediator.path,
  sources: readonly string[] = BUNDLE_SOURCES,
): boolean {
  return isStale(root, bundle, sources);
}

/** Runs the project's build (scripts/build.mjs) and resolves with its output; rejects with it on failure. */
export function buildBundles(root: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['scripts/build.mjs'], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error === null) resolve(stdout.trim());
      else reject(new SandboxError(`the build failed:\n${stdout}${stderr}`, { cause: error }));
    });
  });
}
