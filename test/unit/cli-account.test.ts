import { PassThrough } from 'node:stream';
import { IAMServiceException } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { asIamError, ask, configFrom, confirmationPolicy } from '../../cli/account.js';
import type { CliIo } from '../../cli/command.js';
import { AwsAccessError, UsageError } from '../../cli/errors.js';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.js';
import { runCli } from '../../cli/main.js';
import { needsRole, planRelease } from '../../cli/release/plan.js';
import { fixQuestion } from '../../cli/scan/fix.js';
import { scanDocument } from '../../cli/scan/report.js';
import { DEFAULT_CONFIG } from '../../core/config.js';
import type { MissingProfile, ScanReport } from '../../core/scan.js';
import type { ProfileSnapshot, RoleSnapshot } from '../../core/snapshots.js';

const MANAGED = {
  'auto-instance-profile:managed': 'true',
  'auto-instance-profile:source-role-id': 'AROA1',
  team: 'web',
};

function io(stdin?: CliIo['stdin']): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    ...(stdin === undefined ? {} : { stdin }),
    env: {},
    out: () => out,
    err: () => err,
  };
}

function terminal(input: string | undefined): PassThrough & { isTTY: boolean } {
  const stream = Object.assign(new PassThrough(), { isTTY: true });
  if (input === undefined) stream.end();
  else stream.write(input);
  return stream;
}

const profile = (tags: Record<string, string>, roleNames: string[] = ['web']): ProfileSnapshot => ({
  name: 'web',
  id: 'AIPAweb',
  path: '/',
  tags,
  roleNames,
});

describe('configFrom', () => {
  it('keeps the stack’s default exclusions unless --exclude-path is given', () => {
    // Act
    const config = configFrom(undefined);

    // Assess
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('reads the SDK’s retry variables as the functions do, and nothing else of theirs', () => {
    // Act
    const config = configFrom(undefined, { AWS_MAX_ATTEMPTS: '5', AWS_RETRY_MODE: 'adaptive', DRY_RUN: 'true' });

    // Assess
    expect(config).toEqual({ ...DEFAULT_CONFIG, iamRetry: { mode: 'adaptive', maxAttempts: 5 } });
  });

  it('takes repeated and comma-separated paths, and "" for none', () => {
    // Act
    const many = configFrom(['/a/,/b/', '/c/']);
    const none = configFrom(['']);

    // Assess
    expect(many.excludedPathPrefixes).toEqual(['/a/', '/b/', '/c/']);
    expect(none.excludedPathPrefixes).toEqual([]);
  });

  it('calls a path that does not start with / a usage error', () => {
    // Act
    const parse = () => configFrom(['teams/']);

    // Assess
    expect(parse).toThrow(
      new UsageError('--exclude-path entries must start with "/" and be at most 512 characters, not "teams/"'),
    );
  });
});

describe('confirmation', () => {
  it('needs no question with --yes, asks on a terminal, and refuses (exit 2) anywhere else', () => {
    // Act
    const policies = [confirmationPolicy(true, io(), 'fix'), confirmationPolicy(false, io(terminal('')), 'fix')];
    const piped = () => confirmationPolicy(false, io(), 'fix');

    // Assess
    expect(policies).toEqual(['yes', 'ask']);
    expect(piped).toThrow(UsageError);
  });

  it.each([
    ['y\n', true],
    ['YES\n', true],
    ['n\n', false],
    ['\n', false],
    [undefined, false],
  ])('takes %j as %s', async (input, agreed) => {
    // Prepare
    const cli = io(terminal(input));

    // Act
    const answer = await ask(cli, 'Create 2 instance profiles?');

    // Assess
    expect(answer).toBe(agreed);
    expect(cli.err()).toBe('Create 2 instance profiles? [y/N] ');
  });
});

describe('asIamError', () => {
  it('makes an IAM error answer one line with exit code 255', () => {
    // Prepare
    const denied = new IAMServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: {},
      message: 'User: alice is not authorized to perform: iam:GetAccountAuthorizationDetails',
    });

    // Act
    const error = asIamError(denied);

    // Assess
    expect(error).toBeInstanceOf(AwsAccessError);
    expect((error as Error).message).toBe(
      'An error occurred (AccessDenied) calling IAM: User: alice is not authorized to perform: iam:GetAccountAuthorizationDetails',
    );
    expect(exitCodeFor(error)).toBe(EXIT.aws);
  });

  it('leaves our own errors as they are', () => {
    // Prepare
    const ours = new Error('a bug');

    // Act
    const error = asIamError(ours);

    // Assess
    expect(error).toBe(ours);
  });
});

describe('planRelease', () => {
  /** The role `web` as GetRole reads it: its id is the one the profile is bound to. */
  const role: RoleSnapshot = {
    name: 'web',
    path: '/',
    arn: 'arn:aws:iam::123456789012:role/web',
    id: 'AROA1',
    trustPolicy: {},
    tags: {},
  };

  it('hands our profile over by removing our tags only', () => {
    // Act
    const plan = planRelease('web', profile(MANAGED), 'hand-over', role);

    // Assess
    expect(plan).toEqual({
      kind: 'untag',
      profileName: 'web',
      tagKeys: ['auto-instance-profile:managed', 'auto-instance-profile:source-role-id'],
    });
  });

  it('deletes our profile after removing its role', () => {
    // Act
    const plan = planRelease('web', profile(MANAGED), 'delete', role);

    // Assess
    expect(plan).toEqual({ kind: 'delete', profileName: 'web', roleNames: ['web'] });
  });

  it('asks for the role only when our profile holds it', () => {
    // Assess
    expect(needsRole('web', profile(MANAGED))).toBe(true);
    expect(needsRole('web', profile(MANAGED, []))).toBe(false);
    expect(needsRole('web', profile({ team: 'web' }))).toBe(false);
    expect(needsRole('web', 'absent')).toBe(false);
  });

  it('deletes our empty leftover without a role to bind it to', () => {
    // Act
    const plan = planRelease('web', profile(MANAGED, []), 'delete', 'absent');

    // Assess
    expect(plan).toEqual({ kind: 'delete', profileName: 'web', roleNames: [] });
  });

  it.each([
    ['a missing profile', 'absent' as const, 'hand-over' as const, 'there is no instance profile named web'],
    [
      'a profile that is not ours',
      profile({ team: 'web' }),
      'delete' as const,
      'instance profile web is not ours (no auto-instance-profile:managed=true); nothing was changed',
    ],
    [
      'a profile whose tag is not exactly true (IAM’s StringEquals)',
      profile({ ...MANAGED, 'auto-instance-profile:managed': ' TRUE ' }),
      'hand-over' as const,
      'instance profile web is not ours (no auto-instance-profile:managed=true); nothing was changed',
    ],
    [
      'our profile holding another role, for --delete',
      profile(MANAGED, ['api']),
      'delete' as const,
      'instance profile web holds role api, not web; nothing was changed',
    ],
    [
      'our profile bound to an earlier role of the name',
      profile({ ...MANAGED, 'auto-instance-profile:source-role-id': 'AROAOLD' }),
      'delete' as const,
      'instance profile web is not bound to role web (its auto-instance-profile:source-role-id is AROAOLD, ' +
        "the role's id is AROA1); nothing was changed",
    ],
  ])('refuses %s, naming the profile that exists', (_, found, mode, reason) => {
    // Act
    const plan = planRelease('web', found, mode, role);

    // Assess
    expect(plan).toEqual({ kind: 'refuse', profileName: found === 'absent' ? null : 'web', reason });
  });
});

describe('scanDocument', () => {
  it('is the summary with created filled in, the role names of the missing, the conflicts and the pending, and the settings', () => {
    // Prepare
    const report = {
      scanId: 's',
      summary: { scanned: 4, ec2Roles: 3, missing: 1, conflicts: 1, optedOut: 1, pending: 1, created: 0 },
      missing: [
        {
          roleName: 'web',
          plan: { kind: 'adopt', roleName: 'web', profileName: 'web', retag: [], note: '' },
          known: {},
        },
      ],
      conflicts: [
        {
          roleName: 'db',
          plan: { kind: 'conflict', reason: 'profile-not-managed', profileName: 'db', profileRoles: [], note: '' },
          known: {},
        },
      ],
      pending: [
        {
          roleName: 'new',
          plan: { kind: 'nothing', reason: 'creator-pending', note: '' },
          known: {},
        },
      ],
      pages: { roles: 1, profiles: 1 },
      iamCalls: 4,
    } satisfies ScanReport;
    const identity = { command: 'fix', account: '123456789012', region: 'us-east-1', caller: 'arn' };
    const settings = {
      from: 'defaults',
      region: 'us-east-1',
      excludedPathPrefixes: ['/aws-service-role/'],
      ignoredCallers: ['cloudformation.amazonaws.com'],
      unknownCreator: 'remediate',
      instanceProfileQuotaPercent: 95,
      optOutTag: 'auto-instance-profile:skip',
      creatorLookup: true,
    } as const;

    // Act
    const document = scanDocument(identity, report, settings, 1);

    // Assess
    expect(document).toEqual({
      ...identity,
      summary: { scanned: 4, ec2Roles: 3, missing: 1, conflicts: 1, optedOut: 1, pending: 1, created: 1 },
      missing: ['web'],
      conflicts: ['db'],
      pending: ['new'],
      settings,
    });
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
      '--exclude-path entries must start with "/" and be at most 512 characters, not "x"',
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

describe('fixQuestion', () => {
  const create = (roleName: string): MissingProfile => ({
    roleName,
    plan: { kind: 'create', roleName, profile: { name: roleName, path: '/', tags: [] }, note: 'no profile' },
    known: {},
  });
  const link = (roleName: string): MissingProfile => ({
    roleName,
    plan: { kind: 'adopt', roleName, profileName: roleName, retag: [], note: 'ours, empty' },
    known: {},
  });

  it.each([
    [[create('a'), create('b')], '', 'Create 2 instance profiles?'],
    [[create('a'), link('b')], '', 'Create 1 instance profile and link 1 role to its empty instance profile?'],
    [[link('a'), link('b')], '', 'Link 2 roles to their empty instance profiles?'],
    [
      [create('a'), link('b'), link('c')],
      ' in 2 accounts',
      'Create 1 instance profile and link 2 roles to their empty instance profiles in 2 accounts?',
    ],
  ])('asks what fix will do: %#', (missing, where, question) => {
    // Act
    const asked = fixQuestion(missing, where);

    // Assess
    expect(asked).toBe(question);
  });
});
