import { describe, expect, it } from 'vitest';
import { INTENT_WINDOW_SECONDS, type OwnershipRecord, proveOwnership } from '../../core/ownership.js';

const CREATED = new Date('2026-11-28T12:00:05Z');
const OURS = { 'auto-instance-profile:managed': 'true', 'auto-instance-profile:creation-id': 'run-1' };
const profile = (overrides: Partial<Parameters<typeof proveOwnership>[1]> = {}) => ({
  name: 'web',
  id: 'AIPAWEB',
  createDate: CREATED,
  tags: OURS,
  ...overrides,
});
const owned = (profileId: string, roleId = 'AROAWEB'): OwnershipRecord => ({
  profileName: 'web',
  owned: { profileId, roleId, source: 'created', at: '2026-11-28T12:00:06.000Z' },
  intents: [],
  version: 2,
});
const intended = (at: string, creationId = 'run-1'): OwnershipRecord => ({
  profileName: 'web',
  intents: [{ creationId, roleId: 'AROAWEB', at }],
  version: 1,
});

describe('proveOwnership', () => {
  it('proves a profile whose id the record names, bound to the record’s role', () => {
    // Act
    const proof = proveOwnership(owned('AIPAWEB'), profile());

    // Assess
    expect(proof).toEqual({ proven: true, roleId: 'AROAWEB', by: 'record' });
  });

  it('proves a profile by the intent of the create that made it: its creation id, created within the run', () => {
    // Act: the intent written 400 ms before IAM's second of creation
    const proof = proveOwnership(intended('2026-11-28T12:00:04.600Z'), profile());

    // Assess
    expect(proof).toMatchObject({ proven: true, roleId: 'AROAWEB', by: 'intent' });
  });

  it.each([
    ['no record at all (a forged tag, with anything copied into it)', 'absent' as const, 'unrecorded'],
    ['no table to read', 'no-table' as const, 'no-table'],
    ['a record of another profile of the name (an earlier one)', owned('AIPAEARLIER'), 'recorded-for-another-profile'],
    [
      'an intent whose creation id is not the profile’s',
      intended('2026-11-28T12:00:04.600Z', 'run-2'),
      'recorded-for-another-profile',
    ],
    [
      'an intent written long after the profile was made (another team’s profile, tagged to match)',
      intended('2026-11-28T12:05:00.000Z'),
      'recorded-for-another-profile',
    ],
    [
      'an intent older than its run could have lasted',
      intended(new Date(CREATED.getTime() - (INTENT_WINDOW_SECONDS + 1) * 1000).toISOString()),
      'recorded-for-another-profile',
    ],
  ])('proves nothing from %s', (_case, record, why) => {
    // Act
    const proof = proveOwnership(record, profile());

    // Assess
    expect(proof).toEqual({ proven: false, why });
  });

  it.each([
    ['no tag', {}],
    ['TRUE, which IAM’s StringEquals does not match', { 'auto-instance-profile:managed': 'TRUE' }],
  ])('proves nothing for a profile with %s, whatever the record says: IAM would refuse our writes', (_case, tags) => {
    // Act
    const proof = proveOwnership(owned('AIPAWEB'), profile({ tags }));

    // Assess
    expect(proof).toEqual({ proven: false, why: 'not-tagged' });
  });

  it('proves nothing by an intent when IAM gave no creation time', () => {
    // Act
    const proof = proveOwnership(intended('2026-11-28T12:00:04.600Z'), profile({ createDate: undefined }));

    // Assess
    expect(proof).toEqual({ proven: false, why: 'recorded-for-another-profile' });
  });
});
