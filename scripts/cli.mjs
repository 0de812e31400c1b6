#!/usr/bin/env node
// `npm run cli -- <command> [options]`: the repository's one way to run its CLI. Builds dist/ first when
// the CLI bundle is missing or older than a file it was built from (its esbuild metafile lists them), with the build's
// output on stderr so that stdout stays the command's own (`npm run -s cli -- doctor --json | jq`), then runs the
// CLI bundle (dist/cli/index.mjs, the bin).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundlePath, isStale, REPO_ROOT as root } from '../toolchain/bundles.mjs';

if (isStale('cli')) {
  process.stderr.write('building dist/ (the CLI bundle is missing or older than its sources) …\n');
  const build = spawnSync(process.execPath, [join(root, 'scripts/build.mjs')], {
    cwd: root,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

await import(pathToFileURL(bundlePath('cli')).href);
