#!/usr/bin/env node
// What `npm publish` would ship, checked (.ci/run): `npm pack --dry-run` lists the files, and this fails on any that a
// consumer does not need (tests, fixtures, sources, the CLI's source map, build metadata) or on a missing one.
// test/acceptance/package.test.ts holds the real tarball to the same rules.
import { execFileSync } from 'node:child_process';

/** Every file the package ships, and why: anything else is a mistake. */
export const SHIPPED = [
  { path: /^package\.json$/, why: 'the manifest' },
  { path: /^(README\.md|LICENSE|CHANGELOG\.md)$/, why: 'what it is, its license, its versions' },
  { path: /^dist\/index\.mjs$/, why: 'the constructs (import from auto-instance-profile)' },
  { path: /^dist\/index\.d\.ts$/, why: "the constructs' types" },
  { path: /^dist\/cli\/index\.mjs$/, why: 'the auto-instance-profile bin' },
  // A function's code asset is its whole directory, source map included: NODE_OPTIONS=--enable-source-maps.
  { path: /^dist\/(remediator|reconcile)\/index\.mjs(\.map)?$/, why: "a function's code, as the construct deploys it" },
];

/** The files that must be there for the package to work. */
export const REQUIRED = [
  'package.json',
  'dist/index.mjs',
  'dist/index.d.ts',
  'dist/cli/index.mjs',
  'dist/remediator/index.mjs',
  'dist/reconcile/index.mjs',
];

/** What is wrong with a list of packed paths: each unexpected file, each missing one. */
export function packProblems(paths) {
  const unexpected = paths
    .filter((path) => !SHIPPED.some((rule) => rule.path.test(path)))
    .map((path) => `${path} would ship, and nothing a consumer runs needs it`);
  const missing = REQUIRED.filter((path) => !paths.includes(path)).map((path) => `${path} is missing`);
  return [...unexpected, ...missing];
}

/** The paths `npm pack --dry-run` lists, without running prepack (which builds): dist/ as it is now. */
export function dryRunPaths(cwd = process.cwd()) {
  const output = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd, encoding: 'utf8' });
  const [packed] = JSON.parse(output);
  return packed.files.map((file) => file.path);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [first] = process.argv.slice(2);
  if (first === '--help' || first === '-h') {
    console.log(
      'Usage: node scripts/check-pack.mjs [--unexpected-only]\n\nLists what npm pack would ship (dist/ as built) and fails on a file no consumer needs, or, without\n--unexpected-only, on a missing one (the library needs npm run build:package first).',
    );
  } else {
    const paths = dryRunPaths();
    const problems = packProblems(paths).filter(
      (problem) => first !== '--unexpected-only' || !problem.endsWith(' is missing'),
    );
    for (const problem of problems) console.error(`npm pack: ${problem}`);
    console.log(`npm pack --dry-run: ${paths.length} files${problems.length === 0 ? ', each one needed' : ''}`);
    if (problems.length > 0) process.exitCode = 1;
  }
}
