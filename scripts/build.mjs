#!/usr/bin/env node
// Bundles each entry point into dist/<name>/index.mjs: ESM, minified, source maps, with the AWS SDK
// and Powertools inside the bundle rather than taken from the Lambda runtime.
import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { build } from 'esbuild';

/** What we bundle. A missing entry (a function not written yet) is skipped, not an error. */
export const ENTRIES = [
  { name: 'remediator', entry: 'functions/remediator/index.ts' },
  { name: 'reconcile', entry: 'functions/reconcile/index.ts' },
  { name: 'cli', entry: 'cli/index.ts', banner: '#!/usr/bin/env node' },
  // The developer's invoke tool: built, not run through tsx, because the integration tests start it per case.
  { name: 'invoke', entry: 'scripts/invoke.ts' },
];

/** esbuild options shared by every bundle, and by the bench's baseline so that they compare fairly. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // Node 20 is the oldest runtime we run on (this machine); Lambda runs nodejs22.x.
  target: 'node20',
  // Prefer the SDK's ESM builds: the CJS ones crash bundled ESM with `Dynamic require of "node:https"`.
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
};

async function main() {
  for (const { name, entry, banner } of ENTRIES) {
    if (!existsSync(entry)) continue;
    const result = await build({
      ...BUNDLE_OPTIONS,
      entryPoints: [entry],
      outfile: `dist/${name}/index.mjs`,
      banner: banner ? { js: banner } : undefined,
      write: false,
    });
    // Each file is swapped in whole: a test or the sandbox loading dist/ meanwhile never sees a half-written one.
    for (const file of result.outputFiles) {
      await mkdir(dirname(file.path), { recursive: true });
      const temporary = `${file.path}.${process.pid}.tmp`;
      // A bundle with a shebang is a command (the CLI's bin), so it is made executable.
      await writeFile(temporary, file.contents, { mode: banner && file.path.endsWith('.mjs') ? 0o755 : 0o644 });
      await rename(temporary, file.path);
      if (file.path.endsWith('.mjs'))
        console.log(`dist/${name}/index.mjs ${(file.contents.length / 1024).toFixed(1)} KiB`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
