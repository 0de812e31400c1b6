import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import {
  DELETE_SIGNAL_MAX_AGE_SECONDS,
  decide,
  type Facts,
  type ProfileSnapshot,
  type RoleSnapshot,
} from '../../core/decide.js';
import type { Caller } from '../../core/events.js';
import type { OwnershipRecord } from '../../core/ownership.js';
import { MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_SECONDS } from '../../core/pipeline-settings.js';
import { EC2_TRUST_URL_ENCODED } from '../support/policies.js';
import { eventTrigger, scanTrigger } from './support/triggers.js';

const LAMBDA_TRUST = EC2_TRUST_URL_ENCODED.replace('ec2', 'lambda');
const NOW = new Date('2026-11-28T12:00:00Z');

const trigger = eventTrigger('role-created', 'app-role', {
  eventTime: new Date(NOW.getTime() - 60_000),
  caller: { arn: 'arn:aws:iam::123456789012:user/alice' },
});
const role: RoleSnapshot = {
  name: 'app-role',
  path: '/teams/',
  arn: 'arn:aws:iam::123456789012:role/teams/app-role',
  id: 'AROAEXAMPLE',
  trustPolicy: EC2_TRUST_URL_ENCODED,
  tags: {},
};
const profile = (overrides: Partial<ProfileSnapshot>): ProfileSnapshot => ({
  name: 'app-role',
  id: 'AIPAPROFILE',
  createDate: new Date('2026-11-01T00:00:00Z'),
  path: '/teams/',
  tags: { 'auto-instance-profile:managed': 'true' },
  roleNames: [],
  ...overrides,
});
/** The ownership record that proves the profile (`profile()`) ours, bound to the role with `roleId`. */
const recorded = (roleId = 'AROAEXAMPLE', profileId = 'AIPAPROFILE'): OwnershipRecord => ({
  profileName: 'app-role',
  owned: { profileId, roleId, source: 'created', at: '2026-11-01T00:00:00.000Z' },
  intents: [],
  version: 3,
});

/** Far below the instance profile quota, as most accounts are. */
const LOW_USAGE = { used: 10, quota: 1000 };
const facts = (overrides: Partial<Facts> = {}): Facts => ({ trigger, now: NOW, profileUsage: LOW_USAGE, ...overrides });

describe('decide', () => {
  it('asks for the role first', () => {
    // Act
    const step = decide(facts(), DEFAULT_CONFIG);

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'role' });
  });

  it('leaves roles made by an ignored caller alone without reading them', () => {
    // Prepare
    const config = { ...DEFAULT_CONFIG, ignoredCallers: ['cloudformation.amazonaws.com'] };
    const fromCfn = facts({
      trigger: eventTrigger('role-created', 'app-role', { caller: { invokedBy: 'cloudformation.amazonaws.com' } }),
    });

    // Act
    const step = decide(fromCfn, config);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'ignored-caller' });
  });

  it('asks for the role profiles once the role may be assumed by EC2', () => {
    // Act
    const step = decide(facts({ role }), DEFAULT_CONFIG);

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'roleProfiles' });
  });

  it('plans a profile with the role name and path, tagged as ours', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: [] }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({
      kind: 'create',
      roleName: 'app-role',
      profile: {
        name: 'app-role',
        path: '/teams/',
        tags: [
          { Key: 'auto-instance-profile:managed', Value: 'true' },
          { Key: 'auto-instance-profile:source-role-id', Value: 'AROAEXAMPLE' },
          { Key: 'auto-instance-profile:source-role-arn', Value: role.arn },
          { Key: 'auto-instance-profile:source-event-id', Value: 'evt-1' },
        ],
      },
    });
  });

  it('leaves out the role ARN tag when the ARN is longer than a tag value may be', () => {
    // Prepare
    const deep = { ...role, arn: `arn:aws:iam::123456789012:role/${'p/'.repeat(120)}app-role` };

    // Act
    const step = decide(facts({ role: deep, roleProfiles: [] }), DEFAULT_CONFIG);

    // Assess
    expect(step.kind).toBe('create');
    const keys = step.kind === 'create' ? step.profile.tags.map((t) => t.Key) : [];
    expect(keys).not.toContain('auto-instance-profile:source-role-arn');
    expect(keys).toContain('auto-instance-profile:source-role-id');
  });

  it.each([
    ['a comma in the role name', 'web,app', '/'],
    ['parentheses in the path', 'app-role', '/team(a)/'],
    ['a hash and a bang in the path', 'app-role', '/ops#1!/'],
  ])('leaves out the role ARN tag when IAM would refuse it as a tag value: %s', (_case, name, path) => {
    // Prepare
    const odd = { ...role, name, path, arn: `arn:aws:iam::123456789012:role${path}${name}` };

    // Act
    const step = decide(facts({ role: odd, roleProfiles: [] }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'create', profile: { name, path } });
    const keys = step.kind === 'create' ? step.profile.tags.map((t) => t.Key) : [];
    expect(keys).toEqual([
      'auto-instance-profile:managed',
      'auto-instance-profile:source-role-id',
      'auto-instance-profile:source-event-id',
    ]);
  });

  it.each([
    ['the role is tagged skip', { ...role, tags: { 'auto-instance-profile:skip': 'TRUE' } }, 'opted-out'],
    ['the role is a service-linked role', { ...role, path: '/aws-service-role/ec2.amazonaws.com/' }, 'excluded-path'],
    ['EC2 may not assume the role', { ...role, trustPolicy: LAMBDA_TRUST }, 'no-ec2-trust'],
    ['the trust policy cannot be read', { ...role, trustPolicy: '%%%' }, 'trust-unreadable'],
    [
      'a Deny blocks EC2',
      {
        ...role,
        trustPolicy: {
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
            { Effect: 'Deny', Principal: '*', Action: '*' },
          ],
        },
      },
      'ec2-denied',
    ],
  ])('does nothing when %s, after one read', (_case, snapshot, reason) => {
    // Act
    const step = decide(facts({ role: snapshot }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason });
  });

  it('does nothing when the role is already in an instance profile', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: ['made-by-terraform'] }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'already-in-profile' });
    expect(step.kind === 'nothing' && step.note).toContain('made-by-terraform');
  });

  it('reads the same-name profile when a write said it exists', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: [], sameNameProfile: 'exists' }), DEFAULT_CONFIG);

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'sameNameProfile' });
  });

  it('reads the record before it adopts an empty profile tagged as ours', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: [], sameNameProfile: profile({}) }), DEFAULT_CONFIG);

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'ownership' });
  });

  it('adopts an empty profile the record proves ours and binds to the role, without writing the record again', () => {
    // Act
    const step = decide(
      facts({ role, roleProfiles: [], sameNameProfile: profile({}), ownership: recorded() }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'adopt', roleName: 'app-role', profileName: 'app-role', bind: undefined });
  });

  it('confirms, as it adopts, a profile its own create made but did not finish (proven by the intent)', () => {
    // Prepare: the create's intent; the run stopped after CreateInstanceProfile, before AddRoleToInstanceProfile
    const made = profile({
      tags: { 'auto-instance-profile:managed': 'true', 'auto-instance-profile:creation-id': 'run-1' },
      createDate: new Date('2026-11-01T00:00:01Z'),
    });
    const ownership = {
      profileName: 'app-role',
      intents: [{ creationId: 'run-1', roleId: 'AROAEXAMPLE', at: '2026-11-01T00:00:00.800Z' }],
      version: 1,
    };

    // Act
    const step = decide(facts({ role, roleProfiles: [], sameNameProfile: made, ownership }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({
      kind: 'adopt',
      bind: { profileId: 'AIPAPROFILE', roleId: 'AROAEXAMPLE', source: 'created', version: 1 },
    });
  });

  it.each([
    ['the record has nothing for it (a forged tag on another team’s empty profile)', 'absent' as const],
    ['the record is about an earlier profile of the name', recorded('AROAEXAMPLE', 'AIPAEARLIER')],
    ['there is no table', 'no-table' as const],
  ])('never adopts an empty profile tagged as ours when %s: it is a conflict', (_case, ownership) => {
    // Act
    const step = decide(facts({ role, roleProfiles: [], sameNameProfile: profile({}), ownership }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'conflict', reason: 'profile-unrecorded', profileName: 'app-role' });
  });

  it('has converged when the same-name profile already holds the role', () => {
    // Act
    const step = decide(
      facts({ role, roleProfiles: [], sameNameProfile: profile({ roleNames: ['app-role'] }) }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'already-in-profile' });
  });

  it('has converged when the same-name profile holds the role under another case, as IAM names are one name whatever the case', () => {
    // Act
    const step = decide(
      facts({ role, roleProfiles: [], sameNameProfile: profile({ name: 'App-Role', roleNames: ['APP-ROLE'] }) }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'already-in-profile' });
  });

  it.each([
    ['is not ours and empty', profile({ tags: {} }), 'profile-not-managed', []],
    [
      'is not ours and holds another role',
      profile({ tags: { owner: 'x' }, roleNames: ['other'] }),
      'profile-not-managed',
      ['other'],
    ],
    ['is ours but holds another role', profile({ roleNames: ['other'] }), 'profile-holds-other-role', ['other']],
  ])('reports a conflict when the same-name profile %s', (_case, existing, reason, holders) => {
    // Act
    const step = decide(facts({ role, roleProfiles: [], sameNameProfile: existing }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'conflict', reason, profileName: 'app-role', profileRoles: holders });
  });

  it('creates again when the same-name profile vanished after a write said it exists', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: [], sameNameProfile: 'absent' }), DEFAULT_CONFIG);

    // Assess
    expect(step.kind).toBe('create');
  });

  it.each([
    ['within the retry window', 119_000, 'retry'],
    ['after the retry window', 121_000, 'nothing'],
  ])('treats a missing role %s as %s', (_case, ageMs, kind) => {
    // Prepare
    const aged = eventTrigger('role-created', 'app-role', { eventTime: new Date(NOW.getTime() - ageMs) });

    // Act
    const step = decide(facts({ trigger: aged, role: 'absent' }), DEFAULT_CONFIG);

    // Assess
    expect(step.kind).toBe(kind);
  });

  it('treats a missing role as gone when there is no event time (a scan)', () => {
    // Prepare
    const scan = scanTrigger('app-role');

    // Act
    const step = decide(facts({ trigger: scan, role: 'absent' }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'role-gone' });
  });
});

describe('decide, when IAM could not answer', () => {
  it.each(['role-created', 'delete-conflict', 'role-deleted'] as const)(
    'returns a %s record for later, whatever was read so far',
    (kind) => {
      // Prepare
      const failure = { reason: 'throttled', detail: 'Throttling after 3 attempts' } as const;

      // Act
      const step = decide(facts({ trigger: eventTrigger(kind, 'app-role'), iamFailure: failure }), DEFAULT_CONFIG);

      // Assess
      expect(step).toEqual({
        kind: 'retry',
        reason: 'throttled',
        note: 'IAM answered Throttling after 3 attempts; the queue delivers the record again later',
      });
    },
  );

  it('still leaves a role made by an ignored caller alone', () => {
    // Prepare
    const byStack = eventTrigger('role-created', 'app-role', { caller: { invokedBy: 'cloudformation.amazonaws.com' } });
    const failure = { reason: 'iam-unavailable', detail: 'ServiceFailure' } as const;

    // Act
    const step = decide(facts({ trigger: byStack, iamFailure: failure }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'ignored-caller' });
  });
});

describe('decide, for every trigger', () => {
  const ownRole = 'arn:aws:iam::123456789012:role/AutoInstanceProfile-FunctionRole';
  const config = { ...DEFAULT_CONFIG, serviceRoleArn: ownRole };

  it.each([
    ['its assumed-role session', { arn: 'arn:aws:sts::123456789012:assumed-role/AutoInstanceProfile-FunctionRole/fn' }],
    ['the session’s issuing role', { arn: 'arn:aws:sts::123456789012:assumed-role/x/y', issuerArn: ownRole }],
  ])('never acts on the service’s own calls, recognised by %s', (_case, caller) => {
    for (const kind of ['role-created', 'trust-changed', 'role-deleted', 'delete-conflict'] as const) {
      // Act
      const step = decide(facts({ trigger: eventTrigger(kind, 'app-role', { caller }) }), config);

      // Assess
      expect(step, kind).toMatchObject({ kind: 'nothing', reason: 'own-call' });
    }
  });

  it('acts on another role’s session that merely shares a prefix with ours', () => {
    // Prepare
    const caller = { arn: 'arn:aws:sts::123456789012:assumed-role/AutoInstanceProfile-FunctionRole2/fn' };

    // Act
    const step = decide(facts({ trigger: eventTrigger('role-created', 'app-role', { caller }) }), config);

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'role' });
  });

  it.each([
    [
      'a principal ARN pattern',
      'arn:aws:sts::*:assumed-role/terraform-ci/*',
      { arn: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/run-42' },
    ],
    ['a service, case-insensitively', 'CloudFormation.amazonaws.com', { invokedBy: 'cloudformation.amazonaws.com' }],
  ])('leaves alone roles created or changed by an ignored caller matched by %s', (_case, entry, caller) => {
    for (const kind of ['role-created', 'trust-changed'] as const) {
      // Act
      const step = decide(facts({ trigger: eventTrigger(kind, 'app-role', { caller }) }), {
        ...DEFAULT_CONFIG,
        ignoredCallers: [entry],
      });

      // Assess
      expect(step, kind).toMatchObject({ kind: 'nothing', reason: 'ignored-caller' });
    }
  });

  it('still releases our profiles when an ignored caller deletes the role, so its delete does not fail', () => {
    // Prepare
    const trigger = eventTrigger('delete-conflict', 'app-role', {
      caller: { invokedBy: 'cloudformation.amazonaws.com' },
    });

    // Act
    const step = decide(facts({ trigger }), DEFAULT_CONFIG);

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'roleProfiles' });
  });

  it('does not match a pattern against a caller with no ARN', () => {
    // Act
    const step = decide(facts({ trigger: eventTrigger('role-created', 'app-role', { caller: {} }) }), {
      ...DEFAULT_CONFIG,
      ignoredCallers: ['arn:*'],
    });

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'role' });
  });
});

describe('decide, when the trust policy changed', () => {
  const changed = eventTrigger('trust-changed', 'app-role', { eventTime: new Date(NOW.getTime() - 60_000) });

  it('plans a profile exactly as for a new role when EC2 may now assume it', () => {
    // Act
    const step = decide(facts({ trigger: changed, role, roleProfiles: [] }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({
      kind: 'create',
      roleName: 'app-role',
      profile: { name: 'app-role', path: '/teams/' },
    });
  });

  it('changes nothing when EC2 may no longer assume it, and says that a profile stays', () => {
    // Act
    const step = decide(facts({ trigger: changed, role: { ...role, trustPolicy: LAMBDA_TRUST } }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'no-ec2-trust' });
    expect(step.kind === 'nothing' && step.note).toContain('existing instance profile is left in place');
  });
});

describe('decide, when a DeleteRole failed with DeleteConflict', () => {
  const conflict = eventTrigger('delete-conflict', 'app-role', {
    errorCode: 'DeleteConflictException',
    errorMessage: 'Cannot delete entity, must remove roles from instance profile first.',
    eventTime: NOW,
  });
  /** The role, created a day before the delete signal. */
  const current: RoleSnapshot = { ...role, createDate: new Date(NOW.getTime() - 86_400_000) };
  const BOUND = { 'auto-instance-profile:managed': 'true', 'auto-instance-profile:source-role-id': 'AROAEXAMPLE' };
  const holding = (name: string, tags: Record<string, string>) => profile({ name, tags, roleNames: ['app-role'] });
  const NO_POLICIES = { attached: false, inline: false };
  /** Everything a release needs, the role's same-name profile bound to it. */
  const releasable = (overrides: Partial<Facts> = {}) =>
    facts({
      trigger: conflict,
      role: current,
      roleProfiles: ['app-role'],
      holdingProfiles: [holding('app-role', BOUND)],
      ownership: recorded(),
      rolePolicies: NO_POLICIES,
      ...overrides,
    });

  it('asks which profiles hold the role first, then the role', () => {
    // Act
    const first = decide(facts({ trigger: conflict }), DEFAULT_CONFIG);
    const second = decide(facts({ trigger: conflict, roleProfiles: ['app-role'] }), DEFAULT_CONFIG);

    // Assess
    expect(first).toEqual({ kind: 'need', fact: 'roleProfiles' });
    expect(second).toEqual({ kind: 'need', fact: 'role' });
  });

  it('asks whose the holding profiles are, then the record that proves it, then the role’s policies', () => {
    // Act
    const profiles = decide(facts({ trigger: conflict, role: current, roleProfiles: ['app-role'] }), DEFAULT_CONFIG);
    const record = decide(releasable({ ownership: undefined }), DEFAULT_CONFIG);
    const policies = decide(releasable({ rolePolicies: undefined }), DEFAULT_CONFIG);

    // Assess
    expect(profiles).toEqual({ kind: 'need', fact: 'holdingProfiles' });
    expect(record).toEqual({ kind: 'need', fact: 'ownership' });
    expect(policies).toEqual({ kind: 'need', fact: 'rolePolicies' });
  });

  it('releases the role’s same-name profile bound to its id, naming the conflict it removes', () => {
    // Act
    const step = decide(releasable(), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'release', roleName: 'app-role', profileNames: ['app-role'] });
    expect(step.kind === 'release' && step.note).toContain('must remove roles from instance profile first');
  });

  it('changes nothing, and says so, on a delete signal older than the role (stale)', () => {
    // Act: the record was about an earlier role of that name, deleted and made again since
    const step = decide(
      releasable({ role: { ...current, createDate: new Date(NOW.getTime() + 60_000) } }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'stale-event' });
    expect(step.kind === 'nothing' && step.note).toContain('older than the role');
  });

  it.each([
    ['before the signal’s whole second', 0],
    ['within the signal’s second', 816],
  ])('takes a signal stamped in the second of the role’s CreateDate as stale (created %s)', (_case, ms) => {
    // Act: CloudTrail records 12:00:00Z; IAM's CreateDate of a role made again at once has milliseconds
    const step = decide(releasable({ role: { ...current, createDate: new Date(NOW.getTime() + ms) } }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'stale-event' });
    expect(step.kind === 'nothing' && step.note).toContain('in the second the role was created');
  });

  it('takes a signal of the second after the role’s CreateDate as current', () => {
    // Act
    const step = decide(
      releasable({ role: { ...current, createDate: new Date(NOW.getTime() - 184) } }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step.kind).toBe('release');
  });

  it.each([
    ['attached managed policies', { attached: true, inline: false }],
    ['inline policies', { attached: false, inline: true }],
    ['attached managed policies and inline policies', { attached: true, inline: true }],
  ])('changes nothing while the role still has %s: the delete would fail anyway', (what, rolePolicies) => {
    // Act
    const step = decide(releasable({ rolePolicies }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'policies-remain' });
    expect(step.kind === 'nothing' && step.note).toContain(`still has ${what}`);
  });

  it('leaves alone, and names, the same-name profile the record binds to an earlier role of the name', () => {
    // Act: the tags say this role's id, but the record, which alone decides, names another
    const step = decide(releasable({ ownership: recorded('AROAOLD') }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'held-by-unbound-profile' });
    expect(step.kind === 'nothing' && step.note).toContain('app-role (made for role id AROAOLD)');
  });

  it.each([
    [
      'the record has nothing for the name (a forged tag, with the role’s id copied)',
      'absent' as const,
      'record has no trace',
    ],
    ['the record is about another profile of the name', recorded('AROAEXAMPLE', 'AIPAEARLIER'), 'another profile'],
    ['there is no table to prove it by (the local invoke tool)', 'no-table' as const, 'no ownership table'],
  ])('leaves alone, and names, a profile tagged and bound as ours when %s', (_case, ownership, why) => {
    // Act
    const step = decide(releasable({ ownership }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'held-by-unrecorded-profile' });
    expect(step.kind === 'nothing' && step.note).toContain(why);
  });

  it('releases a profile proven by the intent of the create that made it (no confirmation yet)', () => {
    // Prepare: the create's intent, and IAM's profile carrying its creation id, created within the run
    const intent = { creationId: 'run-1', roleId: 'AROAEXAMPLE', at: '2026-11-01T00:00:00.400Z' };
    const made = holding('app-role', { ...BOUND, 'auto-instance-profile:creation-id': 'run-1' });

    // Act
    const step = decide(
      releasable({
        holdingProfiles: [made],
        ownership: { profileName: 'app-role', intents: [intent], version: 1 },
      }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'release', profileNames: ['app-role'] });
  });

  it('leaves alone, and names, a profile of another name tagged as ours (a forged tag)', () => {
    // Act
    const step = decide(
      releasable({
        roleProfiles: ['app-role', 'prod-web-profile'],
        holdingProfiles: [holding('app-role', BOUND), holding('prod-web-profile', BOUND)],
      }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'held-by-unbound-profile' });
    expect(step.kind === 'nothing' && step.note).toContain('prod-web-profile');
  });

  it.each([' TRUE ', 'True', 'true '])('takes %j as not ours, as IAM’s StringEquals does', (value) => {
    // Act
    const step = decide(
      releasable({ holdingProfiles: [holding('app-role', { ...BOUND, 'auto-instance-profile:managed': value })] }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'held-by-unmanaged-profile' });
  });

  it('changes nothing and names the blocking profile when any holding profile is not ours', () => {
    // Act
    const step = decide(
      releasable({
        roleProfiles: ['app-role', 'team-profile'],
        holdingProfiles: [holding('app-role', BOUND), holding('team-profile', {})],
      }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'held-by-unmanaged-profile' });
    expect(step.kind === 'nothing' && step.note).toContain('team-profile');
  });

  it.each([
    ['the role is in no profile (attached policies conflict)', [], 'not-in-profile'],
    ['the role is already gone (the retry went through)', 'absent' as const, 'role-gone'],
  ])('does nothing when %s', (_case, roleProfiles, reason) => {
    // Act
    const step = decide(facts({ trigger: conflict, roleProfiles }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason });
  });

  it('does not blame the policies when the profile was emptied after the conflict (doctor --smoke on Ctrl-C)', () => {
    // Act: DeleteConflict on a profile, which someone removed the role from before the record was handled
    const step = decide(facts({ trigger: conflict, roleProfiles: [] }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'not-in-profile' });
    expect(step.kind === 'nothing' && step.note).not.toMatch(/conflict is elsewhere/);
    expect(step.kind === 'nothing' && step.note).toContain('nothing of ours holds it');
  });

  it('does nothing, and says so, when the holding profiles were gone by the time they were read', () => {
    // Act: ListInstanceProfilesForRole named one; it was released or deleted before GetInstanceProfile
    const step = decide(releasable({ holdingProfiles: [] }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'not-in-profile' });
    expect(step.kind === 'nothing' && step.note).toContain('no instance profile');
  });

  it('counts only the profiles that still hold the role when they are read', () => {
    // Act: the team's profile let go of the role between the listing and the read
    const step = decide(
      releasable({
        roleProfiles: ['app-role', 'team-profile'],
        holdingProfiles: [holding('app-role', BOUND), profile({ name: 'team-profile', tags: {}, roleNames: [] })],
      }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'release', profileNames: ['app-role'] });
  });

  describe('after a wait (a pause, a dead-letter redrive)', () => {
    const HOUR_MS = 3_600_000;
    /** The conflict as it arrives `ageMs` after it happened, everything else as for a release. */
    const waited = (ageMs: number, overrides: Partial<Facts> = {}) =>
      releasable({ now: new Date(NOW.getTime() + ageMs), ...overrides });

    it('changes nothing on a failed delete-role three days old, reads nothing, and says to retry it', () => {
      // Act: the record waited in the paused delete queue; nothing about the role was read yet
      const bare = decide(facts({ trigger: conflict, now: new Date(NOW.getTime() + 72 * HOUR_MS) }), DEFAULT_CONFIG);
      const known = decide(waited(72 * HOUR_MS), DEFAULT_CONFIG);

      // Assess
      expect(bare).toMatchObject({ kind: 'nothing', reason: 'stale-event' });
      expect(known).toEqual(bare);
      expect(bare.kind === 'nothing' && bare.note).toContain('is 3 d 0 h old, more than the 60 minutes');
      expect(bare.kind === 'nothing' && bare.note).toContain('retry the delete-role');
    });

    it.each([
      ['just past the hour', HOUR_MS + 1000, '60 min'],
      ['two hours', 2 * HOUR_MS + 5 * 60_000, '2 h 5 min'],
    ])('takes a signal %s old as too old', (_case, ageMs, words) => {
      // Act
      const step = decide(waited(ageMs), DEFAULT_CONFIG);

      // Assess
      expect(step).toMatchObject({ kind: 'nothing', reason: 'stale-event' });
      expect(step.kind === 'nothing' && step.note).toContain(`is ${words} old`);
    });

    it.each([
      ['an hour old, to the second', HOUR_MS],
      ['as old as five receives a visibility timeout apart (the way to the dead-letter queue)', 15 * 60_000],
      ['from a clock ahead of ours', -5 * 60_000],
    ])('still releases on a signal %s', (_case, ageMs) => {
      // Act
      const step = decide(waited(ageMs), DEFAULT_CONFIG);

      // Assess
      expect(step.kind).toBe('release');
    });

    it('outlasts every redelivery of a record that is well: MAX_RECEIVE_COUNT receives a visibility timeout apart', () => {
      // Assess
      expect(DELETE_SIGNAL_MAX_AGE_SECONDS).toBeGreaterThan(MAX_RECEIVE_COUNT * VISIBILITY_TIMEOUT_SECONDS);
    });

    it('still cleans up our empty leftover after a wait: that rests on IAM’s state now, not on the signal’s age', () => {
      // Prepare: a successful DeleteRole that waited three days; no role of the name exists now
      const deleted = eventTrigger('role-deleted', 'app-role', { eventTime: NOW });

      // Act
      const step = decide(
        facts({
          trigger: deleted,
          now: new Date(NOW.getTime() + 72 * HOUR_MS),
          sameNameProfile: profile({}),
          ownership: recorded(),
          role: 'absent',
        }),
        DEFAULT_CONFIG,
      );

      // Assess
      expect(step).toMatchObject({ kind: 'cleanup', profileName: 'app-role' });
    });
  });

  it('ignores opt-out, path and trust: the caller asked for the role to go', () => {
    // Act
    const step = decide(
      releasable({
        role: { ...current, tags: { 'auto-instance-profile:skip': 'true' }, trustPolicy: LAMBDA_TRUST },
      }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step.kind).toBe('release');
  });
});

describe('decide, when a DeleteRole succeeded', () => {
  const deleted = eventTrigger('role-deleted', 'app-role');

  it('reads the same-name profile, then whether a role of its name exists again', () => {
    // Act
    const first = decide(facts({ trigger: deleted }), DEFAULT_CONFIG);
    const second = decide(facts({ trigger: deleted, sameNameProfile: profile({}) }), DEFAULT_CONFIG);
    const third = decide(
      facts({ trigger: deleted, sameNameProfile: profile({}), ownership: recorded() }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(first).toEqual({ kind: 'need', fact: 'sameNameProfile' });
    expect(second).toEqual({ kind: 'need', fact: 'ownership' });
    expect(third).toEqual({ kind: 'need', fact: 'role' });
  });

  it('deletes our empty leftover profile, as Terraform leaves it behind, when no role has its name', () => {
    // Act
    const step = decide(
      facts({ trigger: deleted, sameNameProfile: profile({}), ownership: recorded(), role: 'absent' }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'cleanup', profileName: 'app-role' });
  });

  it('never deletes an empty profile tagged as ours that the record does not prove (a forged tag)', () => {
    // Act
    const step = decide(
      facts({ trigger: deleted, sameNameProfile: profile({}), ownership: 'absent', role: 'absent' }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'leftover-unrecorded' });
  });

  it('lets a role made again under the name adopt the leftover, re-tagged to its id (Terraform’s replace)', () => {
    // Act
    const step = decide(
      facts({
        trigger: deleted,
        sameNameProfile: profile({
          tags: { 'auto-instance-profile:managed': 'true', 'auto-instance-profile:source-role-id': 'AROAOLD' },
        }),
        ownership: recorded('AROAOLD'),
        role,
        roleProfiles: [],
      }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({
      kind: 'adopt',
      profileName: 'app-role',
      bind: { profileId: 'AIPAPROFILE', roleId: 'AROAEXAMPLE', source: 'adopted', version: 3 },
      retag: [
        { Key: 'auto-instance-profile:managed', Value: 'true' },
        { Key: 'auto-instance-profile:source-role-id', Value: 'AROAEXAMPLE' },
        { Key: 'auto-instance-profile:source-role-arn', Value: role.arn },
      ],
    });
  });

  it('keeps the leftover when the role made again may not have it (EC2 may not assume it)', () => {
    // Act
    const step = decide(
      facts({
        trigger: deleted,
        sameNameProfile: profile({}),
        ownership: recorded(),
        role: { ...role, trustPolicy: LAMBDA_TRUST },
      }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'role-exists-again' });
  });

  it.each([
    ['there is no such profile', 'absent' as const, 'no-leftover-profile'],
    ['the profile is not ours', profile({ tags: {} }), 'leftover-not-ours'],
    [
      'the profile is not ours, whatever its tags say otherwise',
      profile({ tags: { managed: 'true' } }),
      'leftover-not-ours',
    ],
    [
      'the ownership tag is not exactly true',
      profile({ tags: { 'auto-instance-profile:managed': 'TRUE' } }),
      'leftover-not-ours',
    ],
    ['our profile holds a role (a re-created role took it)', profile({ roleNames: ['app-role'] }), 'leftover-in-use'],
  ])('never deletes when %s', (_case, sameNameProfile, reason) => {
    // Act
    const step = decide(facts({ trigger: deleted, sameNameProfile, role: 'absent' }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason });
  });
});

describe('decide, near the instance profile quota', () => {
  const config = { ...DEFAULT_CONFIG, instanceProfileQuotaPercent: 95 };

  it('asks for the account’s usage before it creates', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: [], profileUsage: undefined }), config);

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'profileUsage' });
  });

  it.each([
    [949, 'create'],
    [950, 'nothing'],
    [1000, 'nothing'],
  ])('with %i of 1000 in use, at 95%%: %s', (used, kind) => {
    // Act
    const step = decide(
      facts({ role, roleProfiles: [], sameNameProfile: 'absent', profileUsage: { used, quota: 1000 } }),
      config,
    );

    // Assess
    expect(step.kind).toBe(kind);
    if (kind === 'nothing') {
      expect(step).toMatchObject({ reason: 'quota-headroom' });
      expect(step.kind === 'nothing' && step.note).toContain('InstanceProfilesQuota');
    }
  });

  it('still adopts a leftover of ours at the threshold: that takes no new profile', () => {
    // Prepare
    const full = { used: 1000, quota: 1000 };

    // Act
    const read = decide(facts({ role, roleProfiles: [], profileUsage: full }), config);
    const step = decide(
      facts({ role, roleProfiles: [], profileUsage: full, sameNameProfile: profile({}), ownership: recorded() }),
      config,
    );

    // Assess
    expect(read).toEqual({ kind: 'need', fact: 'sameNameProfile' });
    expect(step.kind).toBe('adopt');
  });

  it('follows the setting: 100 creates until the quota is full', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: [], profileUsage: { used: 999, quota: 1000 } }), {
      ...config,
      instanceProfileQuotaPercent: 100,
    });

    // Assess
    expect(step.kind).toBe('create');
  });
});

describe('decide, for a role found by a scan', () => {
  it('decides from a listing’s facts exactly as for a new role, with no read', () => {
    // Act
    const step = decide(facts({ trigger: scanTrigger('app-role'), role, roleProfiles: [] }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'create', profile: { name: 'app-role' } });
    const tags = step.kind === 'create' ? step.profile.tags.map((t) => t.Key) : [];
    expect(tags).not.toContain('auto-instance-profile:source-event-id');
  });

  it('reads the same-name profile only when the listing showed one', () => {
    // Act
    const step = decide(
      facts({ trigger: scanTrigger('app-role'), role, roleProfiles: [], sameNameProfile: 'exists' }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'sameNameProfile' });
  });

  it('is never left alone as an ignored caller: a scan has no caller', () => {
    // Act
    const step = decide(facts({ trigger: scanTrigger('app-role') }), { ...DEFAULT_CONFIG, ignoredCallers: ['arn:*'] });

    // Assess
    expect(step).toEqual({ kind: 'need', fact: 'role' });
  });
});

describe('decide, with a clock ahead of ours', () => {
  it('says the event time is in the future instead of a negative age, and retries', () => {
    // Prepare
    const ahead = eventTrigger('role-created', 'app-role', { eventTime: new Date(NOW.getTime() + 90_000) });

    // Act
    const step = decide(facts({ trigger: ahead, role: 'absent' }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'retry', reason: 'role-not-visible-yet' });
    expect(step.kind === 'retry' && step.note).toContain('90 s in the future');
  });
});

describe('a scan that learnt who created the role', () => {
  const found = (creator: Caller | 'unknown' | 'pending') => ({
    kind: 'found-by-scan' as const,
    roleName: 'app-role',
    origin: { type: 'scan' as const, scanId: 'scan-1', creator },
  });

  it('leaves alone a role an ignored caller created, as it leaves its CreateRole event', () => {
    // Act
    const plan = decide(
      facts({ trigger: found({ invokedBy: 'cloudformation.amazonaws.com' }), role, roleProfiles: [] }),
      DEFAULT_CONFIG,
    );

    // Assess
    expect(plan).toMatchObject({ kind: 'nothing', reason: 'ignored-caller' });
  });

  it('leaves alone a role this service created', () => {
    // Prepare
    const config = { ...DEFAULT_CONFIG, serviceRoleArn: 'arn:aws:iam::123456789012:role/svc' };

    // Act
    const plan = decide(
      facts({ trigger: found({ issuerArn: 'arn:aws:iam::123456789012:role/svc' }), role, roleProfiles: [] }),
      config,
    );

    // Assess
    expect(plan).toMatchObject({ kind: 'nothing', reason: 'own-call' });
  });

  it.each([
    ['remediate', 'create'],
    ['skip', 'nothing'],
  ] as const)('with unknownCreator %s, a role of unknown creator gets the plan %s', (unknownCreator, kind) => {
    // Act
    const plan = decide(facts({ trigger: found('unknown'), role, roleProfiles: [], sameNameProfile: 'absent' }), {
      ...DEFAULT_CONFIG,
      unknownCreator,
    });

    // Assess
    expect(plan.kind).toBe(kind);
  });

  it.each(['remediate', 'skip'] as const)(
    'with unknownCreator %s, leaves a role whose CreateRole is not in the event history yet to its own event',
    (unknownCreator) => {
      // Act
      const plan = decide(facts({ trigger: found('pending'), role, roleProfiles: [], sameNameProfile: 'absent' }), {
        ...DEFAULT_CONFIG,
        unknownCreator,
      });

      // Assess: neither remediated nor skipped as of unknown creator, but pending.
      expect(plan).toMatchObject({ kind: 'nothing', reason: 'creator-pending' });
      expect(plan.kind === 'nothing' && plan.note).toContain('its own event decides');
    },
  );

  it('gives a role a person created its profile', () => {
    const plan = decide(
      facts({ trigger: found({ arn: 'arn:aws:iam::123456789012:user/alice' }), role, roleProfiles: [] }),
      DEFAULT_CONFIG,
    );
    expect(plan.kind).toBe('create');
  });
});

describe('decide, with selection opt-in', () => {
  const OPT_IN = { ...DEFAULT_CONFIG, selection: 'opt-in' as const };
  const optedIn: RoleSnapshot = { ...role, tags: { 'auto-instance-profile:opt-in': 'true' } };

  it('gives nothing to an EC2 role without the opt-in tag, with its own reason, before reading its profiles', () => {
    // Act
    const step = decide(facts({ role }), OPT_IN);

    // Assess
    expect(step).toEqual({
      kind: 'nothing',
      reason: 'not-opted-in',
      note: 'selection is opt-in and the role is not tagged auto-instance-profile:opt-in=true',
    });
  });

  it.each([
    ['true', 'true'],
    ['True, as people type it', 'True'],
    [' TRUE  with spaces', ' TRUE '],
  ])('plans a profile for an EC2 role tagged opt-in %s (read as the skip tag is)', (_case, value) => {
    // Act
    const step = decide(
      facts({ role: { ...role, tags: { 'auto-instance-profile:opt-in': value } }, roleProfiles: [] }),
      OPT_IN,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'create', roleName: 'app-role' });
  });

  it.each([
    ['false', { 'auto-instance-profile:opt-in': 'false' }],
    ['yes', { 'auto-instance-profile:opt-in': 'yes' }],
    ['with the key in another case', { 'Auto-Instance-Profile:Opt-In': 'true' }],
  ])('leaves a role tagged opt-in=%s out', (_case, tags) => {
    // Act
    const step = decide(facts({ role: { ...role, tags }, roleProfiles: [] }), OPT_IN);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'not-opted-in' });
  });

  it('lets the skip tag win over the opt-in tag', () => {
    // Act
    const step = decide(
      facts({ role: { ...optedIn, tags: { ...optedIn.tags, 'auto-instance-profile:skip': 'true' } } }),
      OPT_IN,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'opted-out' });
  });

  it('says a role EC2 may not assume is no EC2 role, opted in or not', () => {
    // Act
    const untagged = decide(facts({ role: { ...role, trustPolicy: LAMBDA_TRUST } }), OPT_IN);
    const tagged = decide(facts({ role: { ...optedIn, trustPolicy: LAMBDA_TRUST } }), OPT_IN);

    // Assess
    expect(untagged).toMatchObject({ kind: 'nothing', reason: 'no-ec2-trust' });
    expect(tagged).toMatchObject({ kind: 'nothing', reason: 'no-ec2-trust' });
  });

  it.each(['role-created', 'trust-changed', 'opt-in-tagged', 'found-by-scan'] as const)(
    'holds every trigger that may deliver a profile to it (%s)',
    (kind) => {
      // Prepare
      const trigger = kind === 'found-by-scan' ? scanTrigger('app-role') : eventTrigger(kind, 'app-role');

      // Act
      const without = decide(facts({ trigger, role, roleProfiles: [] }), OPT_IN);
      const tagged = decide(facts({ trigger, role: optedIn, roleProfiles: [] }), OPT_IN);

      // Assess
      expect(without).toMatchObject({ kind: 'nothing', reason: 'not-opted-in' });
      expect(tagged).toMatchObject({ kind: 'create' });
    },
  );

  it('plans a profile for a role tagged opt-in later (TagRole), as for one created with the tag', () => {
    // Prepare
    const tagged = eventTrigger('opt-in-tagged', 'app-role', { eventName: 'TagRole' });

    // Act
    const step = decide(facts({ trigger: tagged, role: optedIn, roleProfiles: [] }), OPT_IN);

    // Assess
    expect(step).toMatchObject({ kind: 'create', roleName: 'app-role' });
  });

  it('still releases the profile we made on a DeleteRole conflict, whatever the role’s tags or the setting', () => {
    // Prepare: the role lost its opt-in tag (or never had it: the setting changed)
    const conflict = eventTrigger('delete-conflict', 'app-role', {
      errorCode: 'DeleteConflictException',
      eventTime: NOW,
    });
    const bound = { 'auto-instance-profile:managed': 'true', 'auto-instance-profile:source-role-id': 'AROAEXAMPLE' };

    // Act
    const step = decide(
      facts({
        trigger: conflict,
        role: { ...role, createDate: new Date(NOW.getTime() - 86_400_000) },
        roleProfiles: ['app-role'],
        holdingProfiles: [profile({ tags: bound, roleNames: ['app-role'] })],
        ownership: recorded(),
        rolePolicies: { attached: false, inline: false },
      }),
      OPT_IN,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'release', profileNames: ['app-role'] });
  });

  it('still deletes our empty leftover once its role is gone, whatever the setting', () => {
    // Act
    const step = decide(
      facts({
        trigger: eventTrigger('role-deleted', 'app-role'),
        sameNameProfile: profile({}),
        ownership: recorded(),
        role: 'absent',
      }),
      OPT_IN,
    );

    // Assess
    expect(step).toMatchObject({ kind: 'cleanup', profileName: 'app-role' });
  });

  it('with opt-out (the default) ignores the opt-in tag: every EC2 role gets its profile', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: [] }), DEFAULT_CONFIG);

    // Assess
    expect(DEFAULT_CONFIG.selection).toBe('opt-out');
    expect(step).toMatchObject({ kind: 'create' });
  });
});
