/** cli/main.ts: the dispatcher: help, version, unknown commands and options, and errors as exit codes. */
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/exit-codes.js';
import { runCli } from '../../cli/main.js';
import { cliIo as io } from '../support/cli-io.js';

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

  it.each([
    [['scan', '--jsn'], 'auto-instance-profile scan: unknown option --jsn (did you mean --json?)'],
    [
      ['fix', '--exclude-pth', '/x/'],
      'auto-instance-profile fix: unknown option --exclude-pth (did you mean --exclude-path?)',
    ],
    [
      ['doctor', '--org', '--rolename', 'x'],
      'auto-instance-profile doctor: unknown option --rolename (did you mean --role-name?)',
    ],
    [['--hlep'], 'auto-instance-profile: unknown option --hlep (did you mean --help?)'],
    [['--verison'], 'auto-instance-profile: unknown option --verison (did you mean --version?)'],
  ])("%j: offers the option meant among the command's own, and exits 2", async (args, message) => {
    // Prepare
    const cli = io();

    // Act
    const code = await runCli(args, cli);

    // Assess
    expect(code).toBe(2);
    expect(cli.err().split('\n')[0]).toContain(message);
    expect(cli.out()).toBe('');
  });

  it('reads a command that ends after Ctrl-C as interrupted, exit 130, with no error line for what the stop broke', async () => {
    // Prepare: Ctrl-C already pressed; the region does not exist, which would be exit 255
    const controller = new AbortController();
    controller.abort();
    const cli = io({ signal: controller.signal });

    // Act
    const code = await runCli(['doctor', '--region', 'us-east-9'], cli);

    // Assess
    expect(code).toBe(130);
    expect(cli.err()).toBe('');
  });

  it('lists every exit code in the help, 130 and 141 among them', async () => {
    // Prepare
    const cli = io();

    // Act
    await runCli(['--help'], cli);

    // Assess
    const codes = [
      ...cli
        .out()
        .slice(cli.out().indexOf('Exit codes:'))
        .matchAll(/^ {2}(\d+) /gm),
    ].map((m) => m[1]);
    expect(codes).toEqual(['0', '1', '2', '130', '141', '255']);
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
        // A row's continuation (a second line of description, first column empty) has no first column to align.
        .filter((row) => /^ {2}\S/.test(row))
        .map((row) => row.search(/(?<=^ {2}\S+(?: \S+)* {2,})\S/));
      expect(new Set(columns).size, section).toBe(1);
    }
  });
});

describe('account commands, before any AWS call', () => {
  it.each([
    [['fix'], 'fix changes IAM: pass --yes to confirm when not on a terminal'],
    [['release'], 'needs the name of a role: release ROLE'],
    [['release', 'a', 'b'], 'unexpected argument "b"'],
    [['release', 'no/slash'], '"no/slash" is not a valid role name'],
    [
      ['scan', '--exclude-path', 'x'],
      '--exclude-path entries must be paths that start with "/", at most 512 characters, without commas or whitespace, not "x"',
    ],
    [['prune', '--delete'], 'unknown option --delete'],
  ])('%j exits 2: %s', async (args, message) => {
    // Prepare: no credentials at all, so that reaching AWS would exit 255 instead.
    const cli = io();

    // Act
    const code = await runCli(args, cli);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(cli.err()).toContain(message);
  });

  it.each(['scan', 'fix', 'release', 'prune'])(
    '%s --help lists --profile, --region, --json and the exit codes',
    async (name) => {
      // Prepare
      const cli = io();

      // Act
      const code = await runCli([name, '--help'], cli);

      // Assess
      expect(code).toBe(EXIT.ok);
      for (const text of ['--profile', '--region', '--json', 'Exit codes:', '255']) expect(cli.out()).toContain(text);
    },
  );
});
