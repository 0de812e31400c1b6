/**
 * Every entry point as a user starts it, through npm: each answers `--help` with exit 0, its usage on stdout and no
 * stack trace, and a mistyped option with one line and exit 2. In the acceptance tier: some build, synthesize or
 * start the CDK CLI first.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs a command from the repository's root; never throws. */
function run(command: string, args: readonly string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { timeout: 110_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** A stack trace's line: `    at fn (file:1:2)`. */
const STACK_LINE = /^\s+at .+[:(]/m;

describe('every entry point answers --help', () => {
  it.each([
    ['npm run cli', ['run', '-s', 'cli', '--', '--help'], 'Usage: auto-instance-profile <command>'],
    ['npm run cli -- scan', ['run', '-s', 'cli', '--', 'scan', '--help'], 'Usage: auto-instance-profile scan'],
    ['npm run invoke', ['run', '-s', 'invoke', '--', '--help'], 'Usage: npm run invoke -- [options] EVENT.json'],
    ['npm start', ['start', '-s', '--', '--help'], 'Usage: npm start -- [options]'],
    ['npm run bench', ['run', '-s', 'bench', '--', '--help'], 'Usage: npm run bench -- [--only SECTION,…]'],
    ['npm run build', ['run', '-s', 'build', '--', '--help'], 'Usage: npm run build'],
    ['npm run synth:org-access', ['run', '-s', 'synth:org-access', '--', '--help'], 'Usage: npm run synth:org-access'],
    ['npm run synth', ['run', '-s', 'synth', '--', '--help'], 'cdk synth'],
  ])(
    '%s --help: exit 0, its usage on stdout, no stack trace',
    async (_name, args, usage) => {
      // Act
      const { code, stdout, stderr } = await run('npm', args);

      // Assess
      expect(code, stderr).toBe(0);
      expect(stdout).toContain(usage);
      expect(`${stdout}${stderr}`).not.toMatch(STACK_LINE);
      expect(stderr).not.toMatch(/ERR_PARSE_ARGS|Error/);
    },
    120_000,
  );

  it('node toolchain/python-tools.mjs --help: exit 0 before it looks for any tool', async () => {
    // Act
    const { code, stdout } = await run(process.execPath, ['toolchain/python-tools.mjs', '--help']);

    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: node toolchain/python-tools.mjs [moto|aws|cfn-lint [args…]]');
  });

  it('npm run invoke with a mistyped option: exit 2 and the option it meant, in one line', async () => {
    // Act
    const { code, stdout, stderr } = await run('npm', ['run', '-s', 'invoke', '--', '--sqss', 'event.json']);

    // Assess
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe('npm run invoke: unknown option --sqss (did you mean --sqs?) (see npm run invoke -- --help)\n');
  });
});
