/**
 * The built CLI as a user starts it (cli/index.ts, the process's side, and what it runs): it ends quietly when its
 * reader goes away, names a bad endpoint setting, and offers the option a typo meant.
 */
import { execFile, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv, runCli, sharedFiles } from './support/cli.js';

let files: Awaited<ReturnType<typeof sharedFiles>>;
let env: Record<string, string>;

beforeAll(async () => {
  files = await sharedFiles();
  env = cliEnv(files.dir, {
    AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  });
});

afterAll(async () => {
  await files?.remove();
});

/** Runs a command from the repository's root; never throws. */
function run(command: string, args: readonly string[], environment = env) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { env: environment, timeout: 110_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts the built CLI with a stdout whose reader is gone before the CLI writes a byte, as `… | head -1` leaves it
 * once head has read its line; resolves with how it ended.
 */
function withClosedReader(args: readonly string[]) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('the built CLI', () => {
  it.each([[['--help']], [['scan', '--help']], [['scan', '--no-creator-lookup']], [['doctor', '--json']]])(
    '%j, its reader gone: ends quietly, exit 141 as SIGPIPE would have it, no EPIPE stack trace',
    async (args) => {
      // Act
      const ended = await withClosedReader(args);

      // Assess
      expect(ended).toEqual({ code: 141, signal: null, stderr: '' });
    },
  );

  it('in a shell pipeline whose reader leaves at once: the pipeline status the shell gives a command SIGPIPE stopped', async () => {
    // Act: the reader closes its end before the CLI writes, as `head -1` does once it has its line
    const { stdout, stderr } = await run('bash', [
      '-c',
      `"${process.execPath}" ${CLI} scan --help | (exec 0<&-; sleep 0); echo "statuses \${PIPESTATUS[*]}"`,
    ]);

    // Assess
    expect(stdout).toBe('statuses 141 0\n');
    expect(stderr).toBe('');
  });

  it.each([
    ['AWS_ENDPOINT_URL', 'notaurl'],
    ['AWS_ENDPOINT_URL_IAM', 'notaurl'],
    ['AWS_ENDPOINT_URL_STS', 'localhost:4566'],
  ])('with %s=%s: names the variable in one line and exits 255', async (name, value) => {
    // Act
    const { code, stdout, stderr } = await runCli(['scan'], { ...env, [name]: value });

    // Assess
    expect(code).toBe(255);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `Bad value for ${name} "${value}": it must be of the form http://<hostname>/ or https://<hostname>/\n`,
    );
  });

  it('with a mistyped option: exit 2 and the option it meant', async () => {
    // Act
    const { code, stderr } = await runCli(['scan', '--jsn'], env);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      'auto-instance-profile scan: unknown option --jsn (did you mean --json?) (see auto-instance-profile scan --help)\n',
    );
  });
});
