#!/usr/bin/env node
// `npm run cli -- <command> [options]`: the repository's one way to run its CLI. Builds dist/ first when
// the CLI bundle is missing or older than its sources, with the build's output on stderr so that stdout
// stays the command's own (`npm run -s cli -- doctor --json | jq`), then runs the
// CLI bundle (dist/cli/index.mjs, the bin).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundlePath, REPO_ROOT as root } from '../toolchain/bundles.mjs';

const bundle = bundlePath('cli');
const sources = ['cli', 'core', 'package.json', 'package-lock.json', 'scripts/build.mjs', 'toolchain'];

/** The newest modification time under a path, in ms; 0 when it does not exist. */
function newest(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

if (newest(bundle) < Math.max(...sources.map((source) => newest(join(root, source))))) {
  process.stderr.write('building dist/ (the CLI bundle is missing or older than its sources) …\n');
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

await import(pathToFileURL(bundle).href);
