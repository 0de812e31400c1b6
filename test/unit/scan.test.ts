import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import type { ProfileSnapshot, RoleSnapshot } from '../../core/decide.js';
import type { ListedRole } from '../../core/iam/list-account.js';
import { classify, decideListed, type RoleDecision } from '../../core/scan.js';
import { EC2_TRUST_URL_ENCODED } from '../support/policies.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const CONTEXT = { now: NOW, scanId: 'scan-1' };
const LAMBDA_TRUST = EC2_TRUST_URL_ENCODED.replace('ec2', 'lambda');
const MANAGED = { 'auto-instance-profile:managed': 'true' };

const listed = (name: string, overrides: Partial<RoleSnapshot> = {}, profileNames: string[] = []): ListedRole => ({
  role: {
    name,
    path: '/',
    arn: `arn:aws:iam::123456789012:role/${name}`,
    id: `AROA${name}`,
    trustPolicy: EC2_TRUST_URL_ENCODED,
    tags: {},
    ...overrides,
  },
  profileNames,
});

/** A profile reader over a fixed set of profiles, recording what it was asked. */
function reader(profiles: ProfileSnapshot[] = []) {
  const asked: string[] = [];
  const read = async (name: string) => {
    asked.push(name);
    return profiles.find((profile) => profile.name.toLowerCase() === name.toLowerCase()) ?? 'absent';
  };
  return { asked, read };
}

const profile = (name: string, tags: Record<string, string>, roleNames: string[] = []): ProfileSnapshot => ({
  name,
  id: `AIPA${name}`,
  path: '/',
  tags,
  roleNames,
});

describe('decideListed', () => {
  it('plans a profile for an EC2 role in no profile, from the listing alone', async () => {
    // Prepare
    const { asked, read } = reader();

    // Act
    const decision = await decideListed(listed('web'), 'absent', DEFAULT_CONFIG, CONTEXT, read);

    // Assess
    expect(decision.plan).toMatchObject({ kind: 'create', roleName: 'web', profile: { name: 'web', path: '/' } });
    expect(decision.known).toMatchObject({ roleProfiles: [], sameNameProfile: 'absent' });
    expect(asked).toEqual([]);
  });

  it('reads the same-name profile only when one exists and the role is in no profile', async () => {
    // Prepare
    const { asked, read } = reader([profile('web', {})]);

    // Act
    const decision = await decideListed(listed('web'), 'exists', DEFAULT_CONFIG, CONTEXT, read);

    // Assess
    expect(decision.plan).toMatchObject({ kind: 'conflict', reason: 'profile-not-managed', profileName: 'web' });
    expect(decision.known.sameNameProfile).toEqual(profile('web', {}));
    expect(asked).toEqual(['web']);
  });

  it('plans to adopt our own empty profile of the role’s name, as the record proves it ours', async () => {
    // Prepare
    const { read } = reader([profile('web', MANAGED)]);
    const asked: string[] = [];
    const readRecord = async (name: string) => {
      asked.push(name);
      return {
        profileName: 'web',
        owned: { profileId: 'AIPAweb', roleId: 'AROAweb', source: 'created' as const, at: NOW.toISOString() },
        intents: [],
        version: 1,
      };
    };

    // Act
    const decision = await decideListed(listed('web'), 'exists', DEFAULT_CONFIG, CONTEXT, read, readRecord);

    // Assess
    expect(decision.plan).toMatchObject({ kind: 'adopt', profileName: 'web' });
    expect(asked).toEqual(['web']);
  });

  it('reports an empty profile only tagged as ours as a conflict: without a record, nothing proves it ours', async () => {
    // Prepare
    const { read } = reader([profile('web', MANAGED)]);

    // Act
    const decision = await decideListed(listed('web'), 'exists', DEFAULT_CONFIG, CONTEXT, read);

    // Assess
    expect(decision.plan).toMatchObject({ kind: 'conflict', reason: 'profile-unrecorded', profileName: 'web' });
  });

  it('plans a profile when the same-name profile went away between the listing and the read', async () => {
    // Prepare
    const { asked, read } = reader();

    // Act
    const decision = await decideListed(listed('web'), 'exists', DEFAULT_CONFIG, CONTEXT, read);

    // Assess
    expect(decision.plan.kind).toBe('create');
    expect(asked).toEqual(['web']);
  });

  it.each([
    ['in a profile', listed('web', {}, ['web']), 'already-in-profile'],
    ['opted out', listed('web', { tags: { 'auto-instance-profile:skip': 'true' } }), 'opted-out'],
    ['under an excluded path', listed('web', { path: '/aws-service-role/x/' }), 'excluded-path'],
    ['for another service', listed('web', { trustPolicy: LAMBDA_TRUST }), 'no-ec2-trust'],
  ])('leaves a role %s alone without reading anything', async (_, role, reason) => {
    // Prepare
    const { asked, read } = reader([profile('web', {})]);

    // Act
    const decision = await decideListed(role, 'exists', DEFAULT_CONFIG, CONTEXT, read);

    // Assess
    expect(decision.plan).toMatchObject({ kind: 'nothing', reason });
    expect(asked).toEqual([]);
  });

  it('decides as a found-by-scan trigger: no event id is recorded on the profile', async () => {
    // Act
    const decision = await decideListed(listed('web'), 'absent', DEFAULT_CONFIG, CONTEXT, reader().read);

    // Assess
    const plan = decision.plan.kind === 'create' ? decision.plan : undefined;
    expect(plan?.profile.tags.map((tag) => tag.Key)).toEqual([
      'auto-instance-profile:managed',
      'auto-instance-profile:source-role-id',
      'auto-instance-profile:source-role-arn',
    ]);
  });
});

describe('classify', () => {
  const decision = (roleName: string, plan: RoleDecision['plan']): RoleDecision => ({ roleName, plan, known: {} });
  const nothing = (roleName: string, reason: Extract<RoleDecision['plan'], { kind: 'nothing' }>['reason']) =>
    decision(roleName, { kind: 'nothing', reason, note: '' });

  it('counts every kind of role once, and lists the missing and the conflicting by name', () => {
    // Prepare
    const decisions = [
      decision('create-me', {
        kind: 'create',
        roleName: 'create-me',
        profile: { name: 'create-me', path: '/', tags: [] },
        note: '',
      }),
      decision('adopt-me', { kind: 'adopt', roleName: 'adopt-me', profileName: 'adopt-me', retag: [], note: '' }),
      decision('blocked', {
        kind: 'conflict',
        reason: 'profile-not-managed',
        profileName: 'blocked',
        profileRoles: [],
        note: '',
      }),
      nothing('covered', 'already-in-profile'),
      nothing('skipped', 'opted-out'),
      nothing('service', 'excluded-path'),
      nothing('lambda', 'no-ec2-trust'),
      nothing('denied', 'ec2-denied'),
      nothing('garbled', 'trust-unreadable'),
      nothing('too-new', 'creator-pending'),
      nothing('not-tagged', 'not-opted-in'),
    ];

    // Act
    const result = classify(decisions);

    // Assess: an EC2 role that selection=opt-in leaves out is not selected, not missing nor an EC2 role to serve
    expect(result.summary).toEqual({
      scanned: 11,
      ec2Roles: 5,
      missing: 2,
      conflicts: 1,
      optedOut: 1,
      notSelected: 1,
      pending: 1,
      created: 0,
    });
    expect(result.missing.map((d) => d.roleName)).toEqual(['create-me', 'adopt-me']);
    expect(result.conflicts.map((d) => [d.roleName, d.plan.reason])).toEqual([['blocked', 'profile-not-managed']]);
    expect(result.pending.map((d) => d.roleName)).toEqual(['too-new']);
    expect(result.notSelected.map((d) => d.roleName)).toEqual(['not-tagged']);
  });

  it('reports an empty account as consistent', () => {
    // Act
    const result = classify([]);

    // Assess
    expect(result).toEqual({
      summary: {
        scanned: 0,
        ec2Roles: 0,
        missing: 0,
        conflicts: 0,
        optedOut: 0,
        notSelected: 0,
        pending: 0,
        created: 0,
      },
      missing: [],
      conflicts: [],
      pending: [],
      notSelected: [],
    });
  });
});
