/** `confirm`'s rule (which profiles a person may record as the service's) and its command line, without AWS. */
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../cli/command.js';
import { isProfileName, MAX_CONFIRM_PROFILES } from '../../cli/commands/confirm.js';
import { runCli } from '../../cli/main.js';
import { planConfirm } from '../../cli/ownership/confirm.js';
import type { OwnershipRecord } from '../../core/ownership.js';
import type { ProfileSnapshot } from '../../core/snapshots.js';

const NOW = new Date('2026-12-01T03:00:00Z');
const BY = 'arn:aws:iam::123456789012:user/platform-admin';
const profile = (overrides: Partial<ProfileSnapshot> = {}): ProfileSnapshot => ({
  name: 'legacy-web',
  id: 'AIPALEGACY',
  path: '/',
  tags: { 'auto-instance-profile:managed': 'true' },
  roleNames: ['legacy-web'],
  roleIds: ['AROALEGACY'],
  ...overrides,
});

describe('planConfirm', () => {
  it('records a profile tagged as ours holding its same-name role, bound to that role, by the caller', () => {
    // Act
    const plan = planConfirm('legacy-web', profile(), 'absent', BY, NOW);

    // Assess
    expect(plan).toEqual({
      kind: 'record',
      profileName: 'legacy-web',
      owned: { profileId: 'AIPALEGACY', roleId: 'AROALEGACY', source: 'operator', at: NOW.toISOString(), by: BY },
      version: 'absent',
    });
  });

  it('records an empty one bound to nobody, over a record of an earlier profile of the name (conditional on it)', () => {
    // Prepare
    const earlier: OwnershipRecord = {
      profileName: 'legacy-web',
      owned: { profileId: 'AIPAEARLIER', roleId: 'AROAOLD', source: 'created', at: 'then' },
      intents: [],
      version: 7,
    };

    // Act
    const plan = planConfirm('legacy-web', profile({ roleNames: [], roleIds: [] }), earlier, BY, NOW);

    // Assess
    expect(plan).toMatchObject({ kind: 'record', owned: { roleId: '' }, version: 7 });
  });

  it('changes nothing for a profile the record proves already', () => {
    // Prepare
    const recorded: OwnershipRecord = {
      profileName: 'legacy-web',
      owned: { profileId: 'AIPALEGACY', roleId: 'AROALEGACY', source: 'cloudtrail', at: 'then' },
      intents: [],
      version: 2,
    };

    // Act
    const plan = planConfirm('legacy-web', profile(), recorded, BY, NOW);

    // Assess
    expect(plan).toEqual({
      kind: 'recorded',
      profileName: 'legacy-web',
      note: 'already recorded (cloudtrail), bound to role id AROALEGACY',
    });
  });

  it.each([
    ['no such profile', 'absent' as const, 'there is no instance profile named legacy-web'],
    ['no managed tag', profile({ tags: {} }), 'is not tagged auto-instance-profile:managed=true'],
    [
      'a managed tag that is not exactly true',
      profile({ tags: { 'auto-instance-profile:managed': 'True' } }),
      'tagged auto-instance-profile:managed=True, not exactly true',
    ],
    [
      'another role in it',
      profile({ roleNames: ['team-app'], roleIds: ['AROATEAM'] }),
      'holds role team-app, not its same-name role',
    ],
  ])('refuses %s, saying why', (_what, read, reason) => {
    // Act
    const plan = planConfirm('legacy-web', read, 'absent', BY, NOW);

    // Assess
    expect(plan).toMatchObject({ kind: 'refuse', reason: expect.stringContaining(reason) });
  });
});

describe('confirm’s command line', () => {
  function io(): CliIo & { out: () => string; err: () => string } {
    let out = '';
    let err = '';
    return {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text) },
      // No credentials, no region: any AWS call would fail with 255, not 2.
      env: {},
      out: () => out,
      err: () => err,
    };
  }

  it.each([
    [[], 'needs the names of instance profiles'],
    [['bad/name'], '"bad/name" is not a valid instance profile name'],
    [['legacy-web', '--role-arn', 'operator'], '--role-arn must be a role ARN'],
    [['legacy-web'], "confirm changes the service's record: pass --yes to confirm when not on a terminal"],
  ])('%j is a usage error (exit code 2) before anything is read or changed', async (args, message) => {
    // Prepare
    const cli = io();

    // Act
    const code = await runCli(['confirm', ...args], cli);

    // Assess
    expect(code).toBe(2);
    expect(cli.err()).toContain(message);
    expect(cli.out()).toBe('');
  });

  it('prints its help: what it takes, the operator role, the policy it needs (not among the options), the exit codes', async () => {
    // Prepare
    const cli = io();

    // Act
    const code = await runCli(['confirm', '--help'], cli);

    // Assess
    expect(code).toBe(0);
    expect(cli.out()).toContain('Usage: auto-instance-profile confirm PROFILE [PROFILE…] [options]');
    expect(cli.out()).toContain('OperatorRoleArn');
    expect(cli.out()).toContain('The IAM policy it needs: auto-instance-profile policy confirm;');
    expect(cli.out()).not.toMatch(/\n {2}permissions /);
    expect(cli.out()).toMatch(/\n {2}2 +usage error/);
  });

  it('takes IAM’s profile names, and at most a hundred at once', () => {
    // Act + Assess
    expect(isProfileName('a'.repeat(128))).toBe(true);
    expect(isProfileName('a'.repeat(129))).toBe(false);
    expect(isProfileName('web+app=1,x.y@z_w-v')).toBe(true);
    expect(MAX_CONFIRM_PROFILES).toBe(100);
  });
});
