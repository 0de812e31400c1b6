#!/usr/bin/env node
import { execFileSync } from 'node:child_process';
// What `npm pack` and `npm publish` ship beyond `npm run build`'s bundles (package.json's `prepack` runs it):
//   dist/index.mjs   the constructs (infra/index.ts), bundled, with only aws-cdk-lib and constructs left as imports
//   dist/index.d.ts  their types, in one file that imports only aws-cdk-lib and constructs
// and, for the packed copy only, package.json without optionalDependencies: those are the Node.js 24 binaries this
// repository's scripts run on, which a consumer must not download. `--restore` (postpack) puts package.json back.
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { generateDtsBundle } from 'dts-bundle-generator';
import { build } from 'esbuild';
import { isStale } from '../toolchain/bundles.mjs';

/** The constructs' entry point. */
export const LIBRARY_ENTRY = 'infra/index.ts';
/** The constructs' bundle, at the top of dist/ so that it finds the functions' bundles in dist/<name>/. */
export const LIBRARY_BUNDLE = 'dist/index.mjs';
/** Their types. */
export const LIBRARY_TYPES = 'dist/index.d.ts';
/** The packages a consumer brings (peerDependencies): the only imports the library keeps. */
export const PEERS = ['aws-cdk-lib', 'constructs'];

/** What the library was built from (esbuild's metafile): a fresh library is not built again. */
const LIBRARY_META = 'dist/index.meta.json';
/** What the library is built from beyond its inputs. */
const LIBRARY_BUILD_INPUTS = ['package-lock.json', 'scripts/package.mjs', 'tsconfig.package.json', 'tsconfig.json'];

const MANIFEST = 'package.json';
const BACKUP = '.package.json.prepack';

/** Whether the library or its types are missing or older than a file they were built from. */
function libraryIsStale() {
  try {
    const built = Math.min(statSync(LIBRARY_BUNDLE).mtimeMs, statSync(LIBRARY_TYPES).mtimeMs);
    const inputs = Object.keys(JSON.parse(readFileSync(LIBRARY_META, 'utf8')).inputs);
    const sources = inputs.filter((input) => !input.startsWith('node_modules/'));
    return [...sources, ...LIBRARY_BUILD_INPUTS].some((input) => statSync(input).mtimeMs > built);
  } catch {
    return true;
  }
}

async function buildLibrary() {
  if (!libraryIsStale()) {
    // stderr: npm pack --json prints its document on stdout, after prepack's output.
    console.error(`${LIBRARY_BUNDLE}, ${LIBRARY_TYPES}: up to date`);
    return;
  }
  const { metafile } = await build({
    entryPoints: [LIBRARY_ENTRY],
    outfile: LIBRARY_BUNDLE,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    // aws-cdk-lib and constructs must be the consumer's own: a construct of another copy is not a construct.
    external: PEERS.flatMap((peer) => [peer, `${peer}/*`]),
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
  });
  const [types] = generateDtsBundle([{ filePath: LIBRARY_ENTRY, output: { noBanner: true } }], {
    preferredConfigPath: 'tsconfig.package.json',
  });
  const imports = [...(types ?? '').matchAll(/from '([^']+)'/g)].map((match) => match[1] ?? '');
  const strays = imports.filter(
    (specifier) => !PEERS.some((peer) => specifier === peer || specifier.startsWith(`${peer}/`)),
  );
  if (strays.length > 0)
    throw new Error(`${LIBRARY_TYPES} would import ${strays.join(', ')}: only ${PEERS.join(' and ')} may be`);
  writeFileSync(LIBRARY_TYPES, types ?? '');
  // Last: a build cut short leaves no metafile, so it counts as stale.
  writeFileSync(LIBRARY_META, JSON.stringify(metafile));
  console.error(`${LIBRARY_BUNDLE}, ${LIBRARY_TYPES}`);
}

function stripManifest() {
  restoreManifest();
  const text = readFileSync(MANIFEST, 'utf8');
  const { optionalDependencies: _repositoryOnly, ...manifest } = JSON.parse(text);
  writeFileSync(BACKUP, text);
  writeFileSync(MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
}

function restoreManifest() {
  if (existsSync(BACKUP)) renameSync(BACKUP, MANIFEST);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [first] = process.argv.slice(2);
  if (first === '--help' || first === '-h') {
    console.log(
      `Usage: node scripts/package.mjs [--library | --restore]\n\nBuilds ${LIBRARY_BUNDLE} and ${LIBRARY_TYPES}, then takes optionalDependencies out of package.json for\nnpm pack (prepack). --library builds only; --restore puts package.json back (postpack).`,
    );
  } else if (first === '--restore') restoreManifest();
  else if (first === '--library') await buildLibrary();
  else if (first === undefined) {
    // The functions' bundles and the CLI, built again only when stale: a fresh dist/ is not rewritten under the tests.
    if (['remediator', 'reconcile', 'cli'].some((name) => isStale(name)))
      execFileSync('npm', ['run', 'build'], { stdio: ['ignore', 2, 2] });
    await buildLibrary();
    stripManifest();
  } else {
    console.error(`scripts/package.mjs: unknown option "${first}" (see --help)`);
    process.exitCode = 2;
  }
}
