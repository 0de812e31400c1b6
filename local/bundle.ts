/**
 * Makes sure the bundles the sandbox runs (the remediator and the invoke tool that runs it) exist and are
 * newer than their sources, building them if not, so that `npm ci && npm start` works on a fresh clone and
 * a rebuild happens only when something changed.
 */
import { execFile } from 'node:child_process';
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BUNDLES } from '../toolchain/bundles.mjs';
import { SandboxError } from './errors.js';

/** What the bundles are built from, relative to the repository. */
export const BUNDLE_SOURCES = [
  'core',
  'functions',
  'scripts/invoke.ts',
  'cli/region.ts',
  'emulator/lambda-shapes.ts',
  'package-lock.json',
  'scripts/build.mjs',
  'toolchain',
] as const;

const MAX_DEPTH = 8;

/** The newest modification time (ms) among files under the paths; 0 if none exist. */
export function newestModification(root: string, paths: readonly string[]): number {
  let newest = 0;
  const visit = (path: string, depth: number) => {
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path);
    } catch {
      return;
    }
    if (stats.isFile()) newest = Math.max(newest, stats.mtimeMs);
    if (!stats.isDirectory() || depth >= MAX_DEPTH) return;
    let entries: Dirent[];
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

/** Whether the bundle is missing or older than any of its sources. */
export function bundleIsStale(
  root: string,
  bundle: string = BUNDLES.remediator.path,
  sources: readonly string[] = BUNDLE_SOURCES,
): boolean {
  let built: number;
  try {
    built = statSync(join(root, bundle)).mtimeMs;
  } catch {
    return true;
  }
  return newestModification(root, sources) > built;
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
