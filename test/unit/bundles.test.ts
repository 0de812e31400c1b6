/**
 * toolchain/bundles.mjs, isStale: a bundle is built again exactly when a file its esbuild metafile lists (or the
 * build itself) changed, so that `npm run cli` and `npm start` rebuild only what is stale, with no list of sources kept
 * by hand.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_INPUTS, BUNDLES, isStale, metafilePath, REPO_ROOT } from '../../toolchain/bundles.mjs';

const OLD = new Date('2026-01-01T00:00:00Z');
const BUILT = new Date('2026-06-01T00:00:00Z');
const LATER = new Date('2026-07-01T00:00:00Z');

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function file(root: string, path: string, time: Date, text = ''): void {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
  utimesSync(join(root, path), time, time);
}

/** A repository with the CLI bundle built at BUILT from two files, a plugin's module and a dependency. */
function builtRepository(): string {
  const root = mkdtempSync(join(tmpdir(), 'aip-bundles-'));
  roots.push(root);
  for (const input of [...BUILD_INPUTS, 'cli/main.ts', 'core/names.ts']) file(root, input, OLD);
  // A dependency keeps its package's own times through npm ci: the lockfile stands for it, whatever its time.
  file(root, 'node_modules/dep/index.js', LATER);
  const inputs = {
    'cli/main.ts': {},
    'core/names.ts': {},
    'no-login-profiles:no-login-profiles': {},
    'node_modules/dep/index.js': {},
  };
  file(root, metafilePath('cli'), BUILT, JSON.stringify({ inputs, outputs: {} }));
  file(root, BUNDLES.cli.path, BUILT);
  return root;
}

describe('isStale', () => {
  it('is fresh when every file the bundle was built from is older than it', () => {
    // Prepare
    const root = builtRepository();

    // Act
    const stale = isStale('cli', root);

    // Assess
    expect(stale).toBe(false);
  });

  it.each([
    ['an input of its metafile changed', (root: string) => utimesSync(join(root, 'core/names.ts'), LATER, LATER)],
    ['the lockfile changed (npm ci of other versions)', (root: string) => file(root, 'package-lock.json', LATER)],
    ['the build script changed', (root: string) => file(root, 'scripts/build.mjs', LATER)],
    ['an input is gone', (root: string) => rmSync(join(root, 'cli/main.ts'))],
    ['its metafile is missing (a build cut short)', (root: string) => rmSync(join(root, metafilePath('cli')))],
    ['the bundle is missing', (root: string) => rmSync(join(root, BUNDLES.cli.path))],
  ])('is stale when %s', (_case, change) => {
    // Prepare
    const root = builtRepository();

    // Act
    change(root);

    // Assess
    expect(isStale('cli', root)).toBe(true);
  });

  it("is told by the build's own metafile, which names each bundle's sources, shared ones and dependencies included", () => {
    // Prepare: npm test builds first. Act
    const inputs = Object.keys(
      (JSON.parse(readFileSync(join(REPO_ROOT, metafilePath('cli')), 'utf8')) as { inputs: object }).inputs,
    );

    // Assess
    expect(inputs).toEqual(expect.arrayContaining(['cli/index.ts', 'cli/main.ts', 'core/names.ts', 'package.json']));
    expect(inputs.some((input) => input.startsWith('node_modules/@aws-sdk/client-iam/'))).toBe(true);
    expect(isStale('cli')).toBe(false);
  });
});
