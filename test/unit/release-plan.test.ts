/** cli/release/plan.ts: what `release` does with the profile of a role's name, ours only. */
import { describe, expect, it } from 'vitest';
import { needsRole, planRelease } from '../../cli/release/plan.js';
import type { ProfileSnapshot, RoleSnapshot } from '../../core/snapshots.js';

const MANAGED = {
  'auto-instance-profile:managed': 'true',
  'auto-instance-profile:source-role-id': 'AROA1',
  team: 'web',
};

const profile = (tags: Record<string, string>, roleNames: string[] = ['web']): ProfileSnapshot => ({
  name: 'web',
  id: 'AIPAweb',
  path: '/',
  tags,
  roleNames,
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
