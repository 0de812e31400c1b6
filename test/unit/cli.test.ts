import { describe, expect, it } from 'vitest';
import { hasCustomSqsEndpoint } from '../../cli/aws.js';
import type { CliIo } from '../../cli/command.js';
import { runCli } from '../../cli/main.js';
import { createStyle, shouldColor } from '../../cli/style.js';

function io(env: Record<string, string> = {}): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    env,
    out: () => out,
    err: () => err,
  };
}

describe('runCli', () => {
  it('lists the commands with --help and exits 0', async () => {
    // Prepare
    const cli = io();

    // Act
    const code = await runCli(['--help'], cli);

    // Assess
    expect(code).toBe(0);
    expect(cli.out()).toContain('doctor');
  });

  it('exits 2 for no command, an unknown command, or a bad option', async () => {
    // Prepare
    const none = io();
    const unknown = io();
    const badOption = io();

    // Act
    const codes = [
      await runCli([], none),
      await runCli(['frobnicate'], unknown),
      await runCli(['doctor', '--nope'], badOption),
    ];

    // Assess
    expect(codes).toEqual([2, 2, 2]);
    expect(unknown.err()).toContain('unknown command "frobnicate"');
    expect(badOption.err()).toContain('--nope');
  });

  it('prints the version and the doctor usage', async () => {
    // Prepare
    const version = io();
    const help = io();

    // Act
    await runCli(['--version'], version);
    const code = await runCli(['doctor', '--help'], help);

    // Assess
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(code).toBe(0);
    expect(help.out()).toContain('--profile');
    expect(help.out()).toContain('--json');
  });

  it('rejects a blank --region', async () => {
    // Prepare
    const cli = io();

    // Act
    const code = await runCli(['doctor', '--region', ' '], cli);

    // Assess
    expect(code).toBe(2);
    expect(cli.err()).toContain('--region needs a value');
  });
});

describe('shouldColor', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, { FORCE_COLOR: '1' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { TERM: 'dumb' }, false],
  ])('isTTY %s with %j colours: %s', (isTTY, env, expected) => {
    // Prepare: stream and environment. Act
    const result = shouldColor({ isTTY }, env);

    // Assess
    expect(result).toBe(expected);
  });

  it('styles only when enabled', () => {
    // Prepare
    const on = createStyle(true);
    const off = createStyle(false);

    // Act
    const texts = [on.red('x'), off.red('x')];

    // Assess
    expect(texts).toEqual(['\u001b[31mx\u001b[39m', 'x']);
  });
});

describe('hasCustomSqsEndpoint', () => {
  it('is true for AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_SQS, false for none or blanks', () => {
    // Prepare: environments. Act
    const results = [
      hasCustomSqsEndpoint({ AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }),
      hasCustomSqsEndpoint({ AWS_ENDPOINT_URL_SQS: 'http://127.0.0.1:5000' }),
      hasCustomSqsEndpoint({}),
      hasCustomSqsEndpoint({ AWS_ENDPOINT_URL: ' ' }),
    ];

    // Assess
    expect(results).toEqual([true, true, false, false]);
  });
});
