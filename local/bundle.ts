/**
 * Makes sure the remediator bundle exists and is newer than its sources, building it if not, so that
 * `npm ci && npm start` works on a fresh clone and a rebuild happens only when something changed.
 */
import { execFile } from 'node:child_process';
import { type Dirent, readdirSync, statSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { SandboxError } from './errors.js';

/** The bundle the sandbox runs, relative to the repository. */
export const REMEDIATOR_BUNDLE = 'dist/remediator/index.mjs';
/** What the bundle is built from, relative to the repository. */
export const BUNDLE_SOURCES = ['core', 'functions', 'package-lock.json', 'scripts/build.mjs'] as const;

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
  bundle: string = REMEDIATOR_BUNDLE,
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

/** What scripts/build.mjs exports: the entries and the options every bundle shares. */
interface BuildScript {
  readonly ENTRIES: readonly { readonly name: string; readonly entry: string }[];
  readonly BUNDLE_OPTIONS: BuildOptions;
}

/**
 * Rebuilds only the remediator bundle, with the project's own entry and esbuild options, and swaps each
 * output file in with a rename. Unlike a full build, which empties dist/ first, nothing that is loading
 * dist/ at the same moment (a test, the CLI) ever finds a file missing or half written.
 */
export async function rebuildRemediatorInPlace(root: string): Promise<string> {
  const script = pathToFileURL(join(root, 'scripts/build.mjs')).href;
  const { ENTRIES, BUNDLE_OPTIONS } = (await import(script)) as BuildScript;
  const entry = ENTRIES.find((candidate) => candidate.name === 'remediator');
  if (entry === undefined) throw new SandboxError('scripts/build.mjs has no remediator entry');
  const result = await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: [entry.entry],
    outfile: REMEDIATOR_BUNDLE,
    write: false,
  });
  for (const file of result.outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    await writeFile(temporary, file.contents);
    await rename(temporary, file.path);
  }
  return result.outputFiles.map((file) => relative(root, file.path)).join('\n');
}

/** Whether the bundle file exists at all (a fresh clone has no dist/). */
export function bundleExists(root: string, bundle: string = REMEDIATOR_BUNDLE): boolean {
  try {
    return statSync(join(root, bundle)).isFile();
  } catch {
    return false;
  }
}
