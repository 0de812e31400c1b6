/**
 * toolchain/python-tools.mjs, against stand-in commands on a PATH of their own (the package index cannot be
 * reached from here): a `python3` that answers the module's probe as told and makes fake venvs, whose
 * `python -m pip` records its arguments and succeeds, fails as an unreachable index does, or hangs.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePythonTools, PythonToolsError, withPythonTools } from '../../toolchain/python-tools.mjs';

/** What the stand-ins themselves run. */
const SYSTEM_COMMANDS = ['mkdir', 'cp', 'dirname', 'grep', 'sleep'];

const REQUIREMENTS = `# pinned
moto[server]==5.2.1
awscli==1.45.11   # the AWS CLI v1
boto3==1.43.11
cfn-lint==1.51.0
`;
const PIP_INSTALL = ['install', '--disable-pip-version-check', '--no-input'];

/** The system's python3: answers the probe with $FAKE_PROBE; `-m venv DIR` makes DIR/bin/python a fake venv python. */
const SYSTEM_PYTHON = `#!/bin/sh
if [ "$1" = "-c" ]; then echo "$FAKE_PROBE"; exit 0; fi
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
  echo "$3" >> "$VENV_LOG"
  mkdir -p "$3/bin" && cp "$(dirname "$0")/venv-python" "$3/bin/python"
  exit $?
fi
exit 1
`;

/** A venv's python: its pip logs its arguments and does as $FAKE_PIP says; its probe reports what pip installed. */
const VENV_PYTHON = `#!/bin/sh
venv="$(dirname "$0")/.."
if [ "$1" = "-c" ]; then
  if [ ! -f "$venv/installed" ]; then echo '{"version":"3.12.1","venv":true,"moto":null,"cfnLint":null,"awscli":null}'; exit 0; fi
  awscli=null
  if grep -q '^awscli==' "$venv/installed"; then awscli='"1.45.11"'; fi
  echo '{"version":"3.12.1","venv":true,"moto":"5.2.1","cfnLint":"1.51.0","awscli":'"$awscli"'}'
  exit 0
fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then
  shift 2
  echo "$*" >> "$PIP_LOG"
  case "$FAKE_PIP" in
    offline)
      echo "WARNING: Retrying (Retry(total=4)) after connection broken by 'NewConnectionError: Failed to establish a new connection: [Errno -3] Temporary failure in name resolution'" >&2
      echo "ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)" >&2
      echo "ERROR: No matching distribution found for moto[server]==5.2.1" >&2
      exit 1;;
    hang) sleep 60; exit 1;;
    slow) sleep 2;;
  esac
  for requirement in "$@"; do echo "$requirement"; done > "$venv/installed"
  exit 0
fi
exit 1
`;

const SHIPPED = {
  version: '3.11.7',
  executable: '/opt/python/bin/python3.11',
  venv: true,
  moto: '5.2.1',
  cfnLint: '1.51.0',
  awscli: null,
};
const BARE = {
  version: '3.11.7',
  executable: '/usr/bin/python3.11',
  venv: true,
  moto: null,
  cfnLint: null,
  awscli: null,
};
const AWS_CLI_V2 = '#!/bin/sh\necho "aws-cli/2.17.0 Python/3.11.9 Linux/6.1 exe/x86_64"\n';
const STAND_IN = '#!/bin/sh\nexit 0\n';

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    // The whole group: a stand-in pip may still be sleeping in it.
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {}
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Machine {
  /** The project's root: requirements-dev.txt, and the module's copy in scripts/ for the CLI. */
  readonly root: string;
  readonly bin: string;
  readonly env: Record<string, string>;
  /** Each pip call's arguments. */
  pipCalls(): string[][];
  /** Each venv made. */
  venvs(): string[];
}

/** A machine: a project root and a PATH with the stand-ins (python3 unless `python3: null`) and the given commands. */
function machine(
  options: { probe?: object; pip?: 'ok' | 'offline' | 'hang' | 'slow'; commands?: Record<string, string | null> } = {},
): Machine {
  const base = mkdtempSync(join(tmpdir(), 'python-tools-'));
  dirs.push(base);
  const root = join(base, 'project');
  const bin = join(base, 'bin');
  mkdirSync(join(root, 'toolchain'), { recursive: true });
  mkdirSync(bin);
  writeFileSync(join(root, 'requirements-dev.txt'), REQUIREMENTS);
  copyFileSync('toolchain/python-tools.mjs', join(root, 'toolchain/python-tools.mjs'));
  for (const name of SYSTEM_COMMANDS) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, name));
  }
  const commands = { python3: SYSTEM_PYTHON, 'venv-python': VENV_PYTHON, ...options.commands };
  for (const [name, script] of Object.entries(commands)) {
    if (script === null) continue;
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  }
  const pipLog = join(base, 'pip.log');
  const venvLog = join(base, 'venv.log');
  const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []);
  return {
    root,
    bin,
    env: {
      PATH: bin,
      FAKE_PROBE: JSON.stringify(options.probe ?? BARE),
      FAKE_PIP: options.pip ?? 'ok',
      PIP_LOG: pipLog,
      VENV_LOG: venvLog,
    },
    pipCalls: () => lines(pipLog).map((line) => line.split(' ')),
    venvs: () => lines(venvLog),
  };
}

/** The module's CLI, run from the machine's project root, in a process group of its own. */
function cli(
  m: Machine,
  env: Record<string, string> = m.env,
  args: readonly string[] = [],
): ChildProcess & { output: Promise<{ code: number | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [join(m.root, 'toolchain/python-tools.mjs'), ...args], { env, detached: true });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once('close', (code) => resolve({ code, stdout, stderr })),
  );
  return Object.assign(child, { output });
}

describe('ensurePythonTools', () => {
  it('uses what the system ships and installs nothing', async () => {
    // Prepare
    const m = machine({ probe: SHIPPED, commands: { aws: AWS_CLI_V2, 'cfn-lint': STAND_IN } });

    // Act
    const tools = await ensurePythonTools({ root: m.root, env: m.env });

    // Assess
    expect(tools).toEqual({
      source: 'system',
      moto: ['/opt/python/bin/python3.11', '-m', 'moto.server'],
      cfnLint: join(m.bin, 'cfn-lint'),
      aws: join(m.bin, 'aws'),
      awsShell: 'aws',
      binDir: undefined,
      line: `python tools: the system's python3 3.11.7 (moto 5.2.1, cfn-lint 1.51.0), aws ${join(m.bin, 'aws')}; nothing installed`,
    });
    expect(m.venvs()).toEqual([]);
    expect(m.pipCalls()).toEqual([]);
    expect(existsSync(join(m.root, '.venv'))).toBe(false);
  });

  it('makes .venv/ with every pinned version when the tools are missing, and uses it from then on', async () => {
    // Prepare
    const m = machine({ commands: { 'cfn-lint': STAND_IN } });
    const progress: string[] = [];

    // Act
    const first = await ensurePythonTools({ root: m.root, env: m.env, onProgress: (line) => progress.push(line) });
    const second = await ensurePythonTools({ root: m.root, env: m.env });

    // Assess
    const venvBin = join(m.root, '.venv/bin');
    expect(m.venvs()).toEqual([join(m.root, '.venv')]);
    expect(m.pipCalls()).toEqual([
      [...PIP_INSTALL, 'moto[server]==5.2.1', 'awscli==1.45.11', 'boto3==1.43.11', 'cfn-lint==1.51.0'],
    ]);
    expect(progress).toEqual([
      'python tools: installing moto[server]==5.2.1, awscli==1.45.11, boto3==1.43.11, cfn-lint==1.51.0 into .venv/ (first run only) …',
    ]);
    expect(first).toMatchObject({
      source: 'venv',
      moto: [join(venvBin, 'python'), '-m', 'moto.server'],
      cfnLint: join(venvBin, 'cfn-lint'),
      aws: join(venvBin, 'aws'),
      awsShell: '.venv/bin/aws',
      binDir: venvBin,
    });
    expect(first.line).toBe(
      'python tools: .venv/ with python 3.12.1 (moto 5.2.1, cfn-lint 1.51.0, awscli 1.45.11, pinned in requirements-dev.txt), aws .venv/bin/aws; installed just now',
    );
    expect(second).toEqual({ ...first, line: first.line.replace('installed just now', 'nothing installed') });
  });

  it('keeps an AWS CLI v2 that is on the PATH: pip is not asked for awscli, and the PATH finds the v2 first', async () => {
    // Prepare
    const m = machine({ commands: { aws: AWS_CLI_V2 } });

    // Act
    const tools = await ensurePythonTools({ root: m.root, env: m.env });
    const path = withPythonTools(tools, m.env).PATH;

    // Assess
    expect(m.pipCalls()).toEqual([[...PIP_INSTALL, 'moto[server]==5.2.1', 'boto3==1.43.11', 'cfn-lint==1.51.0']]);
    expect(tools.aws).toBe(join(m.bin, 'aws'));
    expect(tools.awsShell).toBe('aws');
    expect(tools.line).toMatch(
      /\(moto 5\.2\.1, cfn-lint 1\.51\.0, pinned in requirements-dev\.txt\), aws \/.+\/bin\/aws;/,
    );
    expect(path).toBe(`${m.bin}:${join(m.root, '.venv/bin')}`);
  });

  it('installs again when requirements-dev.txt changed since .venv/ was made', async () => {
    // Prepare
    const m = machine({ commands: { aws: AWS_CLI_V2 } });
    await ensurePythonTools({ root: m.root, env: m.env });
    writeFileSync(
      join(m.root, 'requirements-dev.txt'),
      REQUIREMENTS.replace('moto[server]==5.2.1', 'moto[server]==5.3.0'),
    );

    // Act
    const tools = await ensurePythonTools({ root: m.root, env: m.env });

    // Assess
    expect(m.pipCalls().map((args) => args[3])).toEqual(['moto[server]==5.2.1', 'moto[server]==5.3.0']);
    expect(tools.line).toMatch(/installed just now$/);
  });

  it.each([
    [
      'no python3 on the PATH',
      { python3: null },
      BARE,
      /^python tools: Python 3\.9\+ is missing \(no python3 on the PATH\)/,
    ],
    [
      'a Python older than 3.9',
      {},
      { ...BARE, version: '3.8.10' },
      /^python tools: Python 3\.9\+ is needed, python3 is 3\.8\.10/,
    ],
    [
      'a python3 that does not run',
      { python3: '#!/bin/sh\necho "pyenv: python3: command not found" >&2\nexit 127\n' },
      BARE,
      /^python tools: \/.+\/python3 does not run \(pyenv: python3: command not found\)/,
    ],
  ])('says what to install when there is %s', async (_, commands, probe, message) => {
    // Prepare
    const m = machine({ probe, commands });

    // Act
    const result = ensurePythonTools({ root: m.root, env: m.env });

    // Assess
    await expect(result).rejects.toThrow(PythonToolsError);
    await expect(result).rejects.toThrow(message);
    await expect(result).rejects.toThrow(
      /; install it: sudo apt-get install python3 python3-venv \(Debian\/Ubuntu\) or brew install python \(macOS\)$/,
    );
  });

  it('says to install python3-venv when Python has no venv module, and makes nothing', async () => {
    // Prepare
    const m = machine({ probe: { ...BARE, venv: false } });

    // Act
    const result = ensurePythonTools({ root: m.root, env: m.env });

    // Assess
    await expect(result).rejects.toThrow(
      'python tools: python3 3.11.7 has no venv module (ensurepip), needed to install requirements-dev.txt into .venv/; ' +
        'install it: sudo apt-get install python3-venv (Debian/Ubuntu) or brew install python (macOS)',
    );
    expect(m.venvs()).toEqual([]);
    expect(existsSync(join(m.root, '.venv'))).toBe(false);
  });
});

describe('node toolchain/python-tools.mjs', () => {
  it('prints the one line and exits 0', async () => {
    // Prepare
    const m = machine({ probe: SHIPPED, commands: { aws: AWS_CLI_V2, 'cfn-lint': STAND_IN } });

    // Act
    const { code, stdout, stderr } = await cli(m).output;

    // Assess
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual([
      expect.stringMatching(/^python tools: the system's python3 3\.11\.7 .+; nothing installed$/),
    ]);
    expect(stderr).toBe('');
  });

  it('runs a tool with its arguments: `aws --version` is the AWS CLI v2 on the PATH, after the line on stderr', async () => {
    // Prepare
    const m = machine({ commands: { aws: AWS_CLI_V2 } });

    // Act
    const { code, stdout, stderr } = await cli(m, m.env, ['aws', '--version']).output;

    // Assess
    expect(code).toBe(0);
    expect(stdout).toBe('aws-cli/2.17.0 Python/3.11.9 Linux/6.1 exe/x86_64\n');
    expect(stderr.trim().split('\n').at(-1)).toMatch(
      /^python tools: \.venv\/ .+, aws \/.+\/bin\/aws; installed just now$/,
    );
  });

  it('when the package index cannot be reached: one line saying so, exit 1, no .venv/ left', async () => {
    // Prepare
    const m = machine({ pip: 'offline' });

    // Act
    const { code, stdout, stderr } = await cli(m).output;

    // Assess
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n').at(-1)).toBe(
      'python tools: cannot install requirements-dev.txt into .venv/: the package index cannot be reached ' +
        '(ERROR: No matching distribution found for moto[server]==5.2.1); ' +
        'connect to the network (or set PIP_INDEX_URL to an index you can reach) and run: node toolchain/python-tools.mjs',
    );
    expect(m.pipCalls()).toHaveLength(1);
    expect(existsSync(join(m.root, '.venv'))).toBe(false);
  });

  it('installs once when two runs start together: the second waits for the first and uses its .venv/', async () => {
    // Prepare
    const m = machine({ pip: 'slow' });

    // Act
    const [first, second] = await Promise.all([cli(m).output, cli(m).output]);

    // Assess
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(m.venvs()).toHaveLength(1);
    expect(m.pipCalls()).toHaveLength(1);
    expect([first.stdout, second.stdout].map((out) => out.trim().replace(/.*; /, '')).sort()).toEqual([
      'installed just now',
      'nothing installed',
    ]);
  });

  it('recovers on the next run from an install that was killed half-way', async () => {
    // Prepare: the first run is killed while pip installs.
    const m = machine({ pip: 'hang' });
    const killed = cli(m);
    while (m.pipCalls().length === 0) await sleep(50);
    process.kill(-(killed.pid ?? 0), 'SIGKILL');
    await killed.output;
    const leftBehind = existsSync(join(m.root, '.venv/bin/python'));

    // Act
    const { code, stdout } = await cli(m, { ...m.env, FAKE_PIP: 'ok' }).output;

    // Assess
    expect(leftBehind).toBe(true);
    expect(code).toBe(0);
    expect(m.venvs()).toHaveLength(2);
    expect(m.pipCalls()).toHaveLength(2);
    expect(stdout.trim()).toMatch(/^python tools: \.venv\/ with python 3\.12\.1 .+; installed just now$/);
    const again = await cli(m, { ...m.env, FAKE_PIP: 'ok' }).output;
    expect(again.stdout.trim()).toMatch(/; nothing installed$/);
    expect(m.pipCalls()).toHaveLength(2);
  });
});
