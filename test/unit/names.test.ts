/** core/names.ts: IAM's name rules, the one home of each. */
import { describe, expect, it } from 'vitest';
import { holdsRole, iamNameKey, isRoleName, ROLE_NAME_PATTERN, sameIamName } from '../../core/names.js';

describe('isRoleName', () => {
  it.each([
    ['web', true],
    ['a', true],
    ['Web+App=1,2.3@x_y-z', true],
    ['x'.repeat(64), true],
    ['x'.repeat(65), false],
    ['', false],
    ['with space', false],
    ['slash/name', false],
    ['ünicode', false],
  ])('judges %j a role name: %s', (name, valid) => {
    // Act
    const judged = isRoleName(name);

    // Assess
    expect(judged).toBe(valid);
  });

  it('is the pattern a CloudFormation parameter can take as its AllowedPattern', () => {
    // Assess
    expect(ROLE_NAME_PATTERN.source).toBe('^[\\w+=,.@-]{1,64}$');
    expect(ROLE_NAME_PATTERN.flags).toBe('');
  });
});

describe('sameIamName and holdsRole', () => {
  it('take two names that differ only in case for one name, as IAM does', () => {
    // Assess
    expect(sameIamName('App-Role', 'app-role')).toBe(true);
    expect(sameIamName('app-role', 'app-role2')).toBe(false);
    expect(iamNameKey('App-Role')).toBe(iamNameKey('APP-ROLE'));
  });

  it('find a role in a profile whatever the case it is written in, and no other role', () => {
    // Prepare
    const profile = { roleNames: ['Web'] };

    // Act
    const found = [holdsRole(profile, 'web'), holdsRole(profile, 'WEB'), holdsRole(profile, 'web2')];

    // Assess
    expect(found).toEqual([true, true, false]);
    expect(holdsRole({ roleNames: [] }, 'web')).toBe(false);
  });
});
