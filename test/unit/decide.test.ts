import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { decide, type Facts, type ProfileSnapshot, type RoleSnapshot } from '../../core/decide.js';
import type { RoleTrigger } from '../../core/events.js';
import { EC2_TRUST_URL_ENCODED } from '../support/policies.js';

const LAMBDA_TRUST = EC2_TRUST_URL_ENCODED.replace('ec2', 'lambda');
const NOW = new Date('2026-11-28T12:00:00Z');

const trigger: RoleTrigger = {
  kind: 'role-created',
  roleName: 'app-role',
  eventId: 'evt-1',
  eventTime: new Date(NOW.getTime() - 60_000),
  caller: { arn: 'arn:aws:iam::123456789012:user/alice' },
};
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
  path: '/teams/',
  tags: { 'auto-instance-profile:managed': 'true' },
  roleNames: [],
  ...overrides,
});
const facts = (overrides: Partial<Facts> = {}): Facts => ({ trigger, now: NOW, ...overrides });

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
    const fromCfn = facts({ trigger: { ...trigger, caller: { invokedBy: 'cloudformation.amazonaws.com' } } });

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

  it('adopts an empty profile of ours', () => {
    // Act
    const step = decide(facts({ role, roleProfiles: [], sameNameProfile: profile({}) }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'adopt', roleName: 'app-role', profileName: 'app-role' });
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
    const aged = { ...trigger, eventTime: new Date(NOW.getTime() - ageMs) };

    // Act
    const step = decide(facts({ trigger: aged, role: 'absent' }), DEFAULT_CONFIG);

    // Assess
    expect(step.kind).toBe(kind);
  });

  it('treats a missing role as gone when there is no event time (a scan)', () => {
    // Prepare
    const scan = { ...trigger, eventTime: undefined };

    // Act
    const step = decide(facts({ trigger: scan, role: 'absent' }), DEFAULT_CONFIG);

    // Assess
    expect(step).toMatchObject({ kind: 'nothing', reason: 'role-gone' });
  });
});
