#!/usr/bin/env node
// Bundles each entry point of toolchain/bundles.mjs into dist/<name>/index.mjs: ESM, minified, source maps, with the AWS SDK
// and Powertools inside the bundle rather than taken from the Lambda runtime.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { build } from 'esbuild';
import { BUNDLES, metafilePath } from '../toolchain/bundles.mjs';
import { LAMBDA_NODE_MAJOR } from '../toolchain/lambda-node.mjs';

const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * The CLI is the one bundle that runs on the user's own Node (`node dist/cli/index.mjs`, or its `bin`
 * outside npm), not on Lambda's: it targets the oldest Node that package.json's engines admits.
 */
const CLI_TARGET = `node${/^>=(\d+)$/.exec(engines.node)?.[1] ?? fail(`engines.node "${engines.node}" is not >=N`)}`;

/**
 * The AWS SDK's provider for profiles made by `aws login` (`login_session` in ~/.aws/config), which the shared-config
 * provider imports only for such a profile. A function's credentials come from Lambda's environment and never from a
 * profile, so the functions' bundles carry a stand-in that says so instead of the provider and its sign-in client;
 * the CLI, which runs on the user's credentials, keeps the real one.
 */
export const NO_LOGIN_PROFILES = {
  name: 'no-login-profiles',
  setup(build) {
    build.onResolve({ filter: /^@aws-sdk\/credential-provider-login$/ }, () => ({
      path: 'no-login-profiles',
      namespace: 'no-login-profiles',
    }));
    build.onLoad({ filter: /.*/, namespace: 'no-login-profiles' }, () => ({
      contents:
        'export const fromLoginCredentials = () => async () => { throw new Error("A profile made by aws login ' +
        "(login_session) cannot sign this function's calls: export its credentials to the environment, " +
        'e.g. with aws configure export-credentials --format env"); };',
      loader: 'js',
    }));
  },
};

/** What each bundle needs beyond the shared options, by name (the bundles themselves: toolchain/bundles.mjs). */
const EXTRA = {
  cli: { banner: '#!/usr/bin/env node', target: CLI_TARGET },
  remediator: { plugins: [NO_LOGIN_PROFILES] },
  reconcile: { plugins: [NO_LOGIN_PROFILES] },
};

/**
 * A package.json, as the bundles import it: the AWS SDK's clients import their whole package.json
 * (`import packageInfo from "../package.json"`) and read only its `version`, for the user agent, and so does the CLI
 * for `--version`. The rest (scripts, dependency lists, descriptions; ours names the test-only policy evaluator) would
 * be carried in the bundle; esbuild cannot drop a default-imported JSON's unused fields. Only `name` and `version` are
 * kept.
 */
export const PACKAGE_JSON_VERSION_ONLY = {
  name: 'package-json-version-only',
  setup(build) {
    build.onLoad({ filter: /[\\/]package\.json$/ }, async ({ path }) => {
      const { name, version } = JSON.parse(await readFile(path, 'utf8'));
      return { contents: JSON.stringify({ name, version }), loader: 'json' };
    });
  },
};

/** esbuild options shared by every bundle, and by the bench's baseline so that they compare fairly. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  // The function's runtime (nodejs24.x); the invoke tool and the bench run bundles on that same Node.
  target: `node${LAMBDA_NODE_MAJOR}`,
  // Prefer the SDK's ESM builds: the CJS ones crash bundled ESM with `Dynamic require of "node:https"`.
  mainFields: ['module', 'main'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [PACKAGE_JSON_VERSION_ONLY],
};

async function main() {
  for (const { name, entry, path } of Object.values(BUNDLES)) {
    const { banner, target = BUNDLE_OPTIONS.target, plugins = [] } = EXTRA[name] ?? {};
    // A missing entry (a function not written yet) is skipped, not an error.
    if (!existsSync(entry)) continue;
    const result = await build({
      ...BUNDLE_OPTIONS,
      target,
      plugins: [...BUNDLE_OPTIONS.plugins, ...plugins],
      entryPoints: [entry],
      outfile: path,
      banner: banner ? { js: banner } : undefined,
      metafile: true,
      write: false,
    });
    // The metafile goes first and comes back last: a build cut short leaves a bundle without one, which counts as stale.
    const metafile = metafilePath(name);
    await rm(metafile, { force: true });
    // Each file is swapped in whole: a test or the sandbox loading dist/ meanwhile never sees a half-written one.
    for (const file of result.outputFiles) {
      await mkdir(dirname(file.path), { recursive: true });
      const temporary = `${file.path}.${process.pid}.tmp`;
      // A bundle with a shebang is a command (the CLI's bin), so it is made executable.
      await writeFile(temporary, file.contents, { mode: banner && file.path.endsWith('.mjs') ? 0o755 : 0o644 });
      await rename(temporary, file.path);
      if (file.path.endsWith('.mjs')) console.log(`${path} ${(file.contents.length / 1024).toFixed(1)} KiB`);
    }
    // What the bundle was built from: `npm run cli` and the sandbox tell from it whether the bundle is stale.
    await writeFile(`${metafile}.${process.pid}.tmp`, JSON.stringify(result.metafile));
    await rename(`${metafile}.${process.pid}.tmp`, metafile);
  }
}

function fail(message) {
  throw new Error(message);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [first] = process.argv.slice(2);
  if (first === '--help' || first === '-h') {
    console.log(
      'Usage: npm run build\n\nBundles every entry point of toolchain/bundles.mjs into dist/<name>/index.mjs, with its esbuild\nmetafile beside it (dist/<name>.meta.json). Takes no options.',
    );
  } else if (first !== undefined) {
    console.error(`npm run build: takes no arguments, not "${first}" (see npm run build -- --help)`);
    process.exitCode = 2;
  } else await main();
}
