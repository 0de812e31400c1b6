import { describe, expect, it } from 'vitest';
import { formatRows, parseCommandLine } from '../../cli/args.js';
import { awsSettings } from '../../cli/aws.js';
import type { CliIo } from '../../cli/command.js';
import {
  AwsUnreachableError,
  asAwsAccessError,
  CredentialsRejectedError,
  NoCredentialsError,
  NoRegionError,
  ProfileNotFoundError,
  UsageError,
} from '../../cli/errors.js';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.js';
import { runCli } from '../../cli/main.js';
import { headerLine, progressLine } from '../../cli/output.js';
import { parseProfiles, type SharedProfiles } from '../../cli/shared-config.js';
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

function sdkError(name: string, message: string, code?: string): Error {
  return Object.assign(new Error(message), { name, ...(code === undefined ? {} : { code }) });
}

/** Node's own parseArgs wording, which must never reach the user. */
const NODE_WORDING = /ERR_PARSE_ARGS|To specify a positional argument|Unknown option '|argument is ambiguous/;

describe('runCli', () => {
  it('lists the commands and the exit codes with --help, and exits 0', async () => {
    // Prepare
    const cli = io();

    // Act
    const code = await runCli(['--help'], cli);

    // Assess
    expect(code).toBe(0);
    expect(cli.out()).toContain('doctor');
    expect(cli.out()).toContain('npm run cli -- <command>');
    expect(cli.out()).toMatch(/^ {2}255 {2}no credentials/m);
  });

  it('exits 2 for no command, an unknown command, or an unknown option before the command', async () => {
    // Prepare
    const none = io();
    const unknown = io();
    const option = io();

    // Act
    const codes = [await runCli([], none), await runCli(['frobnicate'], unknown), await runCli(['--nope'], option)];

    // Assess
    expect(codes).toEqual([2, 2, 2]);
    expect(unknown.err()).toContain('unknown command "frobnicate"');
    expect(option.err()).toContain('unknown option --nope');
  });

  it.each([
    [['--nope'], 'unknown option --nope'],
    [['-x'], 'unknown option -x'],
    [['--region'], '--region needs a value'],
    [['--region', '--json'], '--region needs a value'],
    [['--region', ' '], '--region needs a value'],
    [['--json=yes'], '--json takes no value'],
    [['us-east-1'], 'unexpected argument "us-east-1"'],
    [['--timeout', '30'], '--timeout goes with --smoke'],
    [['--smoke', '--timeout', '0'], '--timeout must be a whole number of seconds from 1 to 3600, not "0"'],
    [['--smoke', '--timeout', 'soon'], '--timeout must be a whole number of seconds from 1 to 3600, not "soon"'],
    [['--smoke', '--timeout', '-5'], '--timeout must be a whole number of seconds from 1 to 3600, not "-5"'],
    [['--smoke', '--timeout=-5'], '--timeout must be a whole number of seconds from 1 to 3600, not "-5"'],
  ])('doctor %j: exits 2 and says "%s" in its own words', async (args, message) => {
    // Prepare
    const cli = io();

    // Act
    const code = await runCli(['doctor', ...args], cli);

    // Assess
    expect(code).toBe(2);
    expect(cli.err()).toContain(`auto-instance-profile doctor: ${message}`);
    expect(cli.err()).toContain('--help');
    expect(cli.err()).not.toMatch(NODE_WORDING);
    expect(cli.out()).toBe('');
  });

  it.each([
    ['docter', 'doctor'],
    ['scna', 'scan'],
    ['fxi', 'fix'],
    ['relase', 'release'],
    ['Prune', 'prune'],
  ])('offers "did you mean %s?" for a command one or two edits away', async (typed, meant) => {
    // Prepare
    const cli = io();

    // Act
    const code = await runCli([typed], cli);

    // Assess
    expect(code).toBe(2);
    expect(cli.err()).toContain(`unknown command "${typed}" (did you mean ${meant}?)`);
  });

  it('offers nothing for a command far from every name', async () => {
    // Prepare
    const cli = io();

    // Act
    await runCli(['deploy'], cli);

    // Assess
    expect(cli.err()).toContain('unknown command "deploy"\n');
  });

  it.each(['scan', 'fix', 'release', 'prune'])(
    '%s --help lists an IAM error under exit code 255, as the README does',
    async (command) => {
      // Prepare
      const cli = io();

      // Act
      const code = await runCli([command, '--help'], cli);

      // Assess
      expect(code).toBe(0);
      const exitCodes = cli.out().slice(cli.out().indexOf('Exit codes:'));
      expect(exitCodes).toMatch(
        /\n {2}255 +no credentials, .*an IAM error \(An error occurred \(AccessDenied\) calling IAM/,
      );
      expect(exitCodes).toMatch(/\n {2}0 +/);
      expect(exitCodes).toMatch(/\n {2}1 +/);
      expect(exitCodes).toMatch(/\n {2}2 +usage error/);
    },
  );

  it('prints the version, and the doctor help with its options and exit codes', async () => {
    // Prepare
    const version = io();
    const help = io();

    // Act
    await runCli(['--version'], version);
    const code = await runCli(['doctor', '-h'], help);

    // Assess
    expect(version.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
    expect(code).toBe(0);
    for (const option of ['--profile', '--region', '--json', '--smoke', '--timeout', '--stack-name']) {
      expect(help.out()).toContain(option);
    }
    expect(help.out()).toContain('Exit codes:');
  });

  it('aligns the second column of every help section', async () => {
    // Prepare
    const help = io();

    // Act
    await runCli(['doctor', '--help'], help);

    // Assess: within a section, every row's description starts at the same column
    const sections = help
      .out()
      .split('\n\n')
      .filter((section) => /^\w[^:]*:\n {2}/.test(section));
    expect(sections.length).toBeGreaterThanOrEqual(4);
    for (const section of sections) {
      const columns = section
        .split('\n')
        .slice(1)
        .filter((row) => row !== '')
        .map((row) => row.search(/(?<=^ {2}\S+(?: \S+)* {2,})\S/));
      expect(new Set(columns).size, section).toBe(1);
    }
  });
});

describe('parseCommandLine', () => {
  const options = { name: { type: 'string' }, all: { type: 'boolean', short: 'a' } } as const;

  it('reads inline values, short flags and the positionals a command allows', () => {
    // Prepare: a command line. Act
    const parsed = parseCommandLine(['--name=x', '-a', 'ROLE'], options, { positionals: 1 });

    // Assess
    expect(parsed.values).toEqual({ name: 'x', all: true });
    expect(parsed.positionals).toEqual(['ROLE']);
  });

  it('rejects one positional too many', () => {
    // Prepare: two positionals where one is allowed. Act
    const parse = () => parseCommandLine(['A', 'B'], options, { positionals: 1 });

    // Assess
    expect(parse).toThrow(new UsageError('unexpected argument "B"'));
  });
});

describe('formatRows', () => {
  it('pads the left column to its widest entry', () => {
    // Prepare: rows. Act
    const text = formatRows([
      ['0', 'good'],
      ['255', 'no credentials'],
    ]);

    // Assess
    expect(text).toBe('  0    good\n  255  no credentials');
  });
});

describe('exitCodeFor', () => {
  it.each([
    [new UsageError('bad'), EXIT.usage],
    [new NoCredentialsError(), EXIT.aws],
    [new ProfileNotFoundError('x'), EXIT.aws],
    [new NoRegionError(), EXIT.aws],
    [new AwsUnreachableError('down'), EXIT.aws],
    [new Error('anything else'), EXIT.failed],
  ])('maps %s to %i', (error, code) => {
    // Prepare: the error. Act
    const result = exitCodeFor(error);

    // Assess
    expect(result).toBe(code);
  });

  it('uses the AWS CLI codes: 0, 1, 2 and 255', () => {
    // Prepare, Act: the constants. Assess
    expect(EXIT).toMatchObject({ ok: 0, failed: 1, usage: 2, aws: 255 });
  });
});

describe('asAwsAccessError', () => {
  it('turns an empty credential chain into the AWS CLI line', () => {
    // Prepare
    const error = sdkError('CredentialsProviderError', 'Could not load credentials from any providers');

    // Act
    const result = asAwsAccessError(error, 'GetCallerIdentity');

    // Assess
    expect(result).toBeInstanceOf(NoCredentialsError);
    expect(result?.message).toBe(
      'Unable to locate credentials. You can configure credentials by running "aws configure".',
    );
  });

  it('names rejected credentials and unreachable endpoints, and leaves other errors alone', () => {
    // Prepare
    const rejected = sdkError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    const refused = sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    const denied = sdkError('AccessDenied', 'not allowed');

    // Act
    const results = [rejected, refused, denied].map((error) => asAwsAccessError(error, 'DescribeTrails'));

    // Assess
    expect(results[0]).toBeInstanceOf(CredentialsRejectedError);
    expect(results[0]?.message).toBe(
      'An error occurred (InvalidClientTokenId) when calling the DescribeTrails operation: The security token included in the request is invalid.',
    );
    expect(results[1]).toBeInstanceOf(AwsUnreachableError);
    expect(results[2]).toBeUndefined();
  });
});

describe('parseProfiles', () => {
  it('reads [default] and [profile NAME] from the config file, [NAME] from the credentials file', () => {
    // Prepare
    const config = [
      '# comment',
      '[default]',
      'region = us-east-1',
      '[profile moto]',
      'region=eu-west-1',
      'endpoint_url = http://127.0.0.1:5000',
      's3 =',
      '  addressing_style = path',
      '[sso-session corp]',
      'sso_region = us-east-1',
    ].join('\n');
    const credentials = '[moto]\naws_access_key_id = testing\n';

    // Act
    const fromConfig = parseProfiles(config, 'config');
    const fromCredentials = parseProfiles(credentials, 'credentials');

    // Assess
    expect([...fromConfig.keys()]).toEqual(['default', 'moto']);
    expect(fromConfig.get('moto')).toEqual({
      region: 'eu-west-1',
      endpoint_url: 'http://127.0.0.1:5000',
      s3: '',
    });
    expect(fromCredentials.get('moto')).toEqual({ aws_access_key_id: 'testing' });
  });
});

describe('awsSettings', () => {
  const profiles = (config: string, credentials = ''): SharedProfiles => ({
    config: parseProfiles(config, 'config'),
    credentials: parseProfiles(credentials, 'credentials'),
  });
  const files = profiles(
    '[default]\nregion = ap-south-1\n[profile moto]\nregion = eu-west-1\nendpoint_url = http://127.0.0.1:5000\n',
    '[keys-only]\naws_access_key_id = x\n',
  );

  it('throws ProfileNotFoundError for a profile in neither file, from --profile or AWS_PROFILE', () => {
    // Prepare, Act
    const fromFlag = () => awsSettings({ profile: 'nope' }, {}, files);
    const fromEnv = () => awsSettings({}, { AWS_PROFILE: 'gone' }, files);

    // Assess
    expect(fromFlag).toThrow(new ProfileNotFoundError('nope'));
    expect(fromFlag).toThrow('The config profile (nope) could not be found');
    expect(fromEnv).toThrow('The config profile (gone) could not be found');
  });

  it("takes the named profile's region and endpoint, and the default profile's without one", () => {
    // Prepare, Act
    const named = awsSettings({ profile: 'moto' }, {}, files);
    const keysOnly = awsSettings({ profile: 'keys-only' }, { AWS_DEFAULT_REGION: 'us-east-1' }, files);
    const unnamed = awsSettings({}, {}, files);

    // Assess
    expect(named).toMatchObject({
      profile: 'moto',
      region: 'eu-west-1',
      regionSource: 'profile',
      customSqsEndpoint: true,
      clientConfig: { region: 'eu-west-1', profile: 'moto' },
    });
    expect(keysOnly).toMatchObject({ region: 'us-east-1', regionSource: 'AWS_DEFAULT_REGION' });
    expect(unnamed).toMatchObject({ profile: undefined, region: 'ap-south-1', customSqsEndpoint: false });
  });

  it('throws NoRegionError when nothing names a region', () => {
    // Prepare, Act
    const settings = () => awsSettings({}, {}, profiles(''));

    // Assess
    expect(settings).toThrow(NoRegionError);
  });

  it('counts AWS_ENDPOINT_URL as a custom SQS endpoint, and not the profile one when configured endpoints are ignored', () => {
    // Prepare, Act
    const fromEnv = awsSettings({ region: 'us-east-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, profiles(''));
    const ignored = awsSettings({ profile: 'moto' }, { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, files);

    // Assess
    expect(fromEnv.customSqsEndpoint).toBe(true);
    expect(ignored.customSqsEndpoint).toBe(false);
  });
});

describe('output', () => {
  it('heads a report with the account, the region and the profile', () => {
    // Prepare
    const identity = { command: 'doctor', account: '123456789012', region: 'us-east-1', profile: 'p', caller: 'x' };

    // Act
    const line = headerLine(createStyle(false), 'auto-instance-profile', identity, ['stack S']);

    // Assess
    expect(line).toBe('auto-instance-profile doctor  account 123456789012 · region us-east-1 · profile p · stack S\n');
  });

  it('draws a progress line on a terminal only', () => {
    // Prepare
    let tty = '';
    let piped = '';
    const onTty = progressLine({ write: (text: string) => (tty += text), isTTY: true });
    const onPipe = progressLine({ write: (text: string) => (piped += text), isTTY: false });

    // Act
    for (const line of [onTty, onPipe]) {
      line.update('waiting 1 s');
      line.done();
    }

    // Assess
    expect(tty).toBe('\r\u001b[2Kwaiting 1 s\r\u001b[2K');
    expect(piped).toBe('');
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
