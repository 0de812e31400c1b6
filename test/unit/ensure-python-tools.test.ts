/**
 * scripts/ensure-python-tools.sh installs only the Python tools that are missing, so an AWS CLI v2 the user
 * already has is never shadowed by the pinned v1 from pip. Run against stand-in commands on a PATH of its
 * own: a `python3` without moto whose pip records what it was asked to install.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const SCRIPT = 'scripts/ensure-python-tools.sh';
/** The system commands the script itself uses. */
const SYSTEM_COMMANDS = ['bash', 'grep', 'sed', 'paste', 'cut', 'dirname', 'cat'];

const FAKE_PYTHON = `#!/bin/sh
# moto is not installed; pip writes the requirements it was given to $PIP_LOG.
if [ "$1" = "-c" ]; then exit 1; fi
if [ "$1" = "-m" ] && [ "$2" = "pip" ]; then cat > "$PIP_LOG"; exit 0; fi
exit 1
`;

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A PATH holding the system commands, a python3 without moto, and the given stand-in commands. */
function machine(commands: Record<string, string>): { readonly path: string; readonly pipLog: string } {
  const bin = mkdtempSync(join(tmpdir(), 'ensure-python-tools-'));
  dirs.push(bin);
  for (const name of SYSTEM_COMMANDS) {
    const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).stdout.trim();
    symlinkSync(found, join(bin, name));
  }
  for (const [name, script] of Object.entries({ python3: FAKE_PYTHON, ...commands })) {
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  }
  return { path: bin, pipLog: join(bin, 'pip.log') };
}

function run(path: string, pipLog: string): { status: number | null; installed: string[] } {
  const result = spawnSync(SCRIPT, { env: { PATH: path, PIP_LOG: pipLog }, encoding: 'utf8' });
  const installed = readFileSync(pipLog, 'utf8').trim().split('\n');
  return { status: result.status, installed };
}

const AWS_CLI_V2 = '#!/bin/sh\necho "aws-cli/2.17.0 Python/3.11.9 Linux/6.1 exe/x86_64"\n';
const CFN_LINT = '#!/bin/sh\necho "cfn-lint 1.51.0"\n';

describe('scripts/ensure-python-tools.sh', () => {
  it('installs moto alone when an AWS CLI v2 is already on the PATH', () => {
    // Prepare
    const { path, pipLog } = machine({ aws: AWS_CLI_V2, 'cfn-lint': CFN_LINT });

    // Act
    const { status, installed } = run(path, pipLog);

    // Assess
    expect(status).toBe(0);
    expect(installed).toEqual([expect.stringMatching(/^moto\[server\]==/)]);
  });

  it('installs the pinned AWS CLI too when there is none', () => {
    // Prepare
    const { path, pipLog } = machine({ 'cfn-lint': CFN_LINT });

    // Act
    const { status, installed } = run(path, pipLog);

    // Assess
    expect(status).toBe(0);
    expect(installed).toEqual([expect.stringMatching(/^moto\[server\]==/), expect.stringMatching(/^awscli==/)]);
  });
});
