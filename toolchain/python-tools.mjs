#!/usr/bin/env node
// The Python tools (moto with its server, cfn-lint, and the AWS CLI when there is none on the PATH), found
// the same way by everything that needs them: `npm start`, the tests' global setup, the bench and .ci/run.
// A machine that ships them (python3 imports moto's server, cfn-lint and aws are on the PATH) installs
// nothing. Otherwise they go into a project-local virtual environment, .venv/, with the versions pinned in
// requirements-dev.txt; an `aws` already on the PATH (an AWS CLI v2, say) is kept and never shadowed.
// A plain script (builtins only) so that .ci/run can call it before `npm ci`.
//
//   node toolchain/python-tools.mjs                    makes sure of the tools, prints which are used
//   node toolchain/python-tools.mjs moto|aws|cfn-lint [args…]   runs one of them
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The pinned versions, one requirement a line. */
export const REQUIREMENTS_FILE = 'requirements-dev.txt';
/** The project-local virtual environment, made on first need; ignored by git. */
export const VENV_DIR = '.venv';
/** The oldest Python the pinned tools run on. */
export const MIN_PYTHON = [3, 9];
/** The command a user runs to make sure of the tools, or to see why they cannot be had. */
export const PYTHON_TOOLS_COMMAND = 'node toolchain/python-tools.mjs';
/** Written into the venv last, once its install succeeded: a venv without it is half-made. */
const MARKER = 'auto-instance-profile-tools.json';
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIX_PYTHON = 'sudo apt-get install python3 python3-venv (Debian/Ubuntu) or brew install python (macOS)';
const FIX_VENV = 'sudo apt-get install python3-venv (Debian/Ubuntu) or brew install python (macOS)';
// On globalThis, not in this module: a test runner may load the module more than once in one process.
const PROCESS_TOOLS = Symbol.for('auto-instance-profile.pythonTools');
/** How long to wait for another process that is installing the tools. */
const LOCK_WAIT_MS = 15 * 60_000;

/** The tools cannot be had; the message is the one line that says what is missing and how to fix it. */
export class PythonToolsError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'PythonToolsError';
  }
}

// Prints a JSON object: the interpreter, whether it can make a venv, and the tools it imports (with versions).
const PROBE = `
import json, sys
def spec(name):
    try:
        import importlib.util
        return importlib.util.find_spec(name) is not None
    except Exception:
        return False
def version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return None
print(json.dumps({
    "version": ".".join(str(part) for part in sys.version_info[:3]),
    "executable": sys.executable,
    "venv": spec("venv") and spec("ensurepip"),
    "moto": version("moto") if spec("moto.server") and spec("flask") and spec("flask_cors") else None,
    "cfnLint": version("cfn-lint") if spec("cfnlint") else None,
    "awscli": version("awscli") if spec("awscli") else None,
}))
`;

/**
 * Makes sure of the Python tools and says which are used. Looks, in order, for a finished .venv/ (made by an
 * earlier run for these requirements), for tools the system ships, and else makes .venv/ and installs the
 * pinned versions into it. A failed or interrupted install leaves no .venv/ behind that a later run would use.
 * @param {import('./python-tools.d.mts').PythonToolsOptions} [options]
 * @returns {Promise<import('./python-tools.d.mts').PythonTools>}
 * @throws {PythonToolsError} when they cannot be had: no Python 3.9+, no venv module, no package index.
 */
export async function ensurePythonTools(options = {}) {
  const root = options.root ?? REPO_ROOT;
  const env = options.env ?? process.env;
  const progress = options.onProgress ?? (() => {});
  const venv = join(root, VENV_DIR);
  const venvBin = join(venv, process.platform === 'win32' ? 'Scripts' : 'bin');
  // The venv's own directory may be on the PATH already (a parent put it there): it does not count as the system's.
  const path = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && dir !== venvBin);
  const awsOnPath = which('aws', path);
  const requirements = readRequirements(root);

  const ready = readyVenv(venv, venvBin, requirements, awsOnPath);
  if (ready !== undefined) return venvTools(root, venvBin, ready, awsOnPath, false);

  const python = which('python3', path);
  if (python === undefined)
    throw new PythonToolsError(
      `python tools: Python 3.9+ is missing (no python3 on the PATH); install it: ${FIX_PYTHON}`,
    );
  const system = await probe(python, env);
  if (!atLeast(system.version, MIN_PYTHON)) {
    throw new PythonToolsError(
      `python tools: Python 3.9+ is needed, python3 is ${system.version}; install it: ${FIX_PYTHON}`,
    );
  }
  const cfnLintOnPath = which('cfn-lint', path);
  if (system.moto !== null && cfnLintOnPath !== undefined && awsOnPath !== undefined) {
    return {
      source: 'system',
      // The interpreter itself, not a launcher (a pyenv shim) in front of it: moto starts once per test project.
      moto: [system.executable || python, '-m', 'moto.server'],
      cfnLint: cfnLintOnPath,
      aws: awsOnPath,
      awsShell: 'aws',
      binDir: undefined,
      line:
        `python tools: the system's python3 ${system.version} (moto ${system.moto}, cfn-lint ${system.cfnLint ?? 'on the PATH'}), ` +
        `aws ${awsOnPath}; nothing installed`,
    };
  }
  if (!system.venv) {
    throw new PythonToolsError(
      `python tools: python3 ${system.version} has no venv module (ensurepip), needed to install ${REQUIREMENTS_FILE} into ${VENV_DIR}/; install it: ${FIX_VENV}`,
    );
  }
  const unlock = await lock(`${venv}.lock`);
  try {
    // Another process may have installed them while this one waited.
    const waited = readyVenv(venv, venvBin, requirements, awsOnPath);
    if (waited !== undefined) return venvTools(root, venvBin, waited, awsOnPath, false);
    return venvTools(root, venvBin, await install(), awsOnPath, true);
  } finally {
    unlock();
  }

  async function install() {
    const wanted = requirements.lines.filter((line) => awsOnPath === undefined || requirementName(line) !== 'awscli');
    progress(`python tools: installing ${wanted.join(', ')} into ${VENV_DIR}/ (first run only) …`);
    // Whatever is there without a marker is an earlier install that did not finish.
    rmSync(venv, { recursive: true, force: true });
    try {
      await run(python, ['-m', 'venv', venv], env);
      const venvPython = join(venvBin, 'python');
      await run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', ...wanted], env);
      const got = await probe(venvPython, env);
      const awscli = awsOnPath === undefined ? got.awscli : null;
      if (got.moto === null || got.cfnLint === null || (awsOnPath === undefined && awscli === null)) {
        throw new PythonToolsError(
          `python tools: pip finished but ${VENV_DIR}/ lacks moto, cfn-lint or awscli; run ${PYTHON_TOOLS_COMMAND} again`,
        );
      }
      const marker = {
        requirements: requirements.hash,
        python: got.version,
        moto: got.moto,
        cfnLint: got.cfnLint,
        awscli,
      };
      writeFileSync(join(venv, MARKER), `${JSON.stringify(marker, null, 2)}\n`);
      return marker;
    } catch (error) {
      rmSync(venv, { recursive: true, force: true });
      throw installError(error);
    }
  }
}

/**
 * {@link ensurePythonTools} once per process, shared by every caller in it (the tests' global setups of
 * several projects, the bench's runs): the first call makes sure of the tools and announces its line.
 * @param {import('./python-tools.d.mts').PythonToolsOptions & { announce?: (line: string) => void }} [options]
 * @returns {Promise<import('./python-tools.d.mts').PythonTools>}
 */
export function pythonTools(options = {}) {
  const announce = options.announce ?? ((line) => process.stderr.write(`${line}\n`));
  globalThis[PROCESS_TOOLS] ??= ensurePythonTools({ onProgress: announce, ...options }).then((tools) => {
    announce(tools.line);
    return tools;
  });
  return globalThis[PROCESS_TOOLS];
}

/**
 * Makes these the tools {@link pythonTools} gives in this process, without looking again: a test worker
 * takes the ones its global setup found.
 * @param {import('./python-tools.d.mts').PythonTools} tools
 */
export function usePythonTools(tools) {
  globalThis[PROCESS_TOOLS] = Promise.resolve(tools);
}

/**
 * An environment whose PATH also finds the tools (`aws`, `cfn-lint`) when they live in .venv/: appended, so
 * that a command already on the PATH (an AWS CLI v2) stays the one a shell runs.
 * @param {import('./python-tools.d.mts').PythonTools} tools
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {Record<string, string | undefined>}
 */
export function withPythonTools(tools, env) {
  if (tools.binDir === undefined) return { ...env };
  const path = (env.PATH ?? '').split(delimiter).filter((dir) => dir !== '' && dir !== tools.binDir);
  return { ...env, PATH: [...path, tools.binDir].join(delimiter) };
}

function venvTools(root, venvBin, marker, awsOnPath, installedNow) {
  const venvAws = join(venvBin, 'aws');
  const pinned = [`moto ${marker.moto}`, `cfn-lint ${marker.cfnLint}`];
  if (awsOnPath === undefined) pinned.push(`awscli ${marker.awscli}`);
  return {
    source: 'venv',
    moto: [join(venvBin, 'python'), '-m', 'moto.server'],
    cfnLint: join(venvBin, 'cfn-lint'),
    aws: awsOnPath ?? venvAws,
    awsShell: awsOnPath === undefined ? relative(root, venvAws) : 'aws',
    binDir: venvBin,
    line:
      `python tools: ${VENV_DIR}/ with python ${marker.python} (${pinned.join(', ')}, pinned in ${REQUIREMENTS_FILE}), ` +
      `aws ${awsOnPath ?? relative(root, venvAws)}; ${installedNow ? 'installed just now' : 'nothing installed'}`,
  };
}

/** The marker of a finished venv that serves these requirements, or undefined. */
function readyVenv(venv, venvBin, requirements, awsOnPath) {
  let marker;
  try {
    marker = JSON.parse(readFileSync(join(venv, MARKER), 'utf8'));
  } catch {
    return undefined;
  }
  const fits =
    marker.requirements === requirements.hash &&
    (awsOnPath !== undefined || typeof marker.awscli === 'string') &&
    // A venv outlives the Python it was made from (a Homebrew upgrade): its interpreter link must still resolve.
    existsSync(join(venvBin, 'python'));
  return fits ? marker : undefined;
}

function readRequirements(root) {
  const text = readFileSync(join(root, REQUIREMENTS_FILE), 'utf8');
  const lines = text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
  return { lines, hash: createHash('sha256').update(text).digest('hex') };
}

/** `moto[server]==5.2.1` → `moto`. */
function requirementName(line) {
  return (/^[A-Za-z0-9._-]+/.exec(line)?.[0] ?? line).toLowerCase();
}

/** The first executable named `name` in the PATH's directories. */
function which(name, dirs) {
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

function atLeast(version, [major, minor]) {
  const [got = 0, gotMinor = 0] = version.split('.').map(Number);
  return got > major || (got === major && gotMinor >= minor);
}

async function probe(python, env) {
  let stdout;
  try {
    ({ stdout } = await run(python, ['-c', PROBE], env));
  } catch (error) {
    // A launcher with no interpreter behind it (a pyenv shim with no version chosen) is no Python either.
    const said = String(error.output ?? error.message)
      .trim()
      .split('\n')
      .at(-1);
    throw new PythonToolsError(`python tools: ${python} does not run (${said}); install it: ${FIX_PYTHON}`, {
      cause: error,
    });
  }
  try {
    return JSON.parse(stdout.trim().split('\n').at(-1) ?? '');
  } catch (error) {
    throw new PythonToolsError(`python tools: cannot read what ${python} has (it printed: ${stdout.trim()})`, {
      cause: error,
    });
  }
}

/** Runs a command; rejects with its output when it fails. */
function run(command, args, env) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error === null) resolve({ stdout, stderr });
      else reject(Object.assign(error, { output: `${stdout}\n${stderr}`, command: [command, ...args].join(' ') }));
    });
  });
}

/** The one line for a failed install: the unreachable index is the usual cause, and has its own fix. */
function installError(error) {
  if (error instanceof PythonToolsError) return error;
  const output = String(error.output ?? error.message);
  const last =
    output
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => /^ERROR:|Error/.test(line))
      .at(-1) ??
    output.trim().split('\n').at(-1) ??
    '';
  const unreachable =
    /NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution|Name or service not known|Network is unreachable|ConnectTimeout|ReadTimeout|ProxyError|from versions: none/.test(
      output,
    );
  const reason = unreachable
    ? 'the package index cannot be reached'
    : `${String(error.command ?? 'the install')} failed`;
  return new PythonToolsError(
    `python tools: cannot install ${REQUIREMENTS_FILE} into ${VENV_DIR}/: ${reason} (${last}); ` +
      (unreachable
        ? `connect to the network (or set PIP_INDEX_URL to an index you can reach) and run: ${PYTHON_TOOLS_COMMAND}`
        : `fix that and run: ${PYTHON_TOOLS_COMMAND}`),
    { cause: error },
  );
}

/**
 * Takes the install lock: a directory made atomically, holding the owner's pid. Waits while a live process
 * holds it; takes over one left by a process that is gone.
 */
async function lock(dir) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(dir);
      writeFileSync(join(dir, 'pid'), String(process.pid));
      return () => rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    if (!held(dir)) {
      rmSync(dir, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new PythonToolsError(`python tools: another process holds ${dir} for too long`);
    await sleep(500);
  }
}

/** Whether a live process holds the lock; one that has just made it may not have written its pid yet. */
function held(dir) {
  let pid = 0;
  try {
    pid = Number(readFileSync(join(dir, 'pid'), 'utf8'));
  } catch {}
  if (!Number.isInteger(pid) || pid <= 0) {
    try {
      return Date.now() - statSync(dir).mtimeMs < 10_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

async function main(args) {
  const [tool, ...rest] = args;
  if (tool === '--help' || tool === '-h') {
    console.log(
      `Usage: ${PYTHON_TOOLS_COMMAND} [moto|aws|cfn-lint [args…]]\n\n` +
        "Finds moto, the AWS CLI and cfn-lint (the system's, else installs them once into .venv/ at the versions of\n" +
        'requirements-dev.txt) and prints the one line that says which; with a tool, runs it with the arguments.',
    );
    return 0;
  }
  const quiet = tool !== undefined;
  let tools;
  try {
    tools = await ensurePythonTools({ onProgress: (line) => console.error(line) });
  } catch (error) {
    console.error(error instanceof PythonToolsError ? error.message : String(error));
    return 1;
  }
  if (!quiet) {
    console.log(tools.line);
    return 0;
  }
  const commands = { moto: tools.moto, aws: [tools.aws], 'cfn-lint': [tools.cfnLint] };
  const command = commands[tool];
  if (command === undefined) {
    console.error(`usage: ${PYTHON_TOOLS_COMMAND} [moto|aws|cfn-lint [args…]]`);
    return 2;
  }
  console.error(tools.line);
  const [file = '', ...prefix] = command;
  const child = spawn(file, [...prefix, ...rest], { stdio: 'inherit', env: withPythonTools(tools, process.env) });
  // Stopping this process stops the tool (moto in the foreground), not only this wrapper.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => child.once('close', (code, signal) => resolve(signal === null ? (code ?? 1) : 1)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
