import { describe, expect, it } from 'vitest';
import { INTENT_WINDOW_SECONDS, type OwnershipRecord } from '../../core/ownership.js';
import {
  EVENT_HISTORY_LAG_MS,
  INTENT_GRACE_SECONDS,
  isPending,
  type ListedProfileFacts,
  learnedOwnership,
  profilesToSurvey,
  progressAfter,
  type ReadProfileFacts,
  rangesToRead,
  recordUpkeep,
  type ServiceCreate,
  sameNameRoleId,
} from '../../core/record-upkeep.js';

const LISTED_AT = new Date('2026-12-01T03:00:00Z');
const NOW = new Date('2026-12-01T03:00:02Z');
const TIMES = { listedAt: LISTED_AT, now: NOW };
const CREATED = new Date('2026-11-30T10:00:05Z');
const OURS = { 'auto-instance-profile:managed': 'true', 'auto-instance-profile:creation-id': 'run-1' };

const listed = (overrides: Partial<ListedProfileFacts> = {}): ListedProfileFacts => ({
  name: 'web',
  id: 'AIPAWEB',
  createDate: CREATED,
  roleNames: ['web'],
  ...overrides,
});
const readAs = (overrides: Partial<ReadProfileFacts> = {}): ReadProfileFacts => ({
  ...listed(),
  tags: OURS,
  roleIds: ['AROAWEB'],
  ...overrides,
});
const intent = (at: string, creationId = 'run-1') => ({ creationId, roleId: 'AROAWEB', at, eventId: 'event-1' });
const record = (overrides: Partial<OwnershipRecord> = {}): OwnershipRecord => ({
  profileName: 'web',
  intents: [],
  version: 3,
  ...overrides,
});
const owned = (profileId: string) => ({
  profileId,
  roleId: 'AROAWEB',
  source: 'created' as const,
  at: '2026-11-01T00:00:00.000Z',
});
/** An intent written just before the profile was created: one its profile answers. */
const ANSWERED = intent('2026-11-30T10:00:04.600Z');
/** An intent of a run that ended long before the listing. */
const STALE = intent('2026-11-30T09:00:00.000Z', 'run-0');
/** An intent written moments before the listing: its create may not have landed yet. */
const FRESH = intent(new Date(LISTED_AT.getTime() - 5000).toISOString(), 'run-2');

describe('recordUpkeep', () => {
  it('keeps a record that names its listed profile, without reading IAM', () => {
    // Act
    const step = recordUpkeep(record({ owned: owned('AIPAWEB') }), listed(), undefined, TIMES);

    // Assess
    expect(step).toEqual({ kind: 'keep', why: 'proves-profile' });
  });

  it('drops the intents past their run beside a record that proves its profile, keeping the pending ones', () => {
    // Act
    const step = recordUpkeep(record({ owned: owned('AIPAWEB'), intents: [STALE, FRESH] }), listed(), undefined, TIMES);

    // Assess
    expect(step).toEqual({ kind: 'prune', owned: owned('AIPAWEB'), intents: [FRESH], dropped: 1, version: 3 });
  });

  it('asks for the profile before confirming an intent: the listing has no tags', () => {
    // Act
    const step = recordUpkeep(record({ intents: [ANSWERED] }), listed(), undefined, TIMES);

    // Assess
    expect(step).toEqual({ kind: 'read-profile' });
  });

  it('asks for the profile before removing a record whose profile the listing does not show', () => {
    // Act: a profile adopted since the listing would be bound in the record, and absent from the listing
    const step = recordUpkeep(record({ owned: owned('AIPAWEB') }), 'absent', undefined, TIMES);

    // Assess
    expect(step).toEqual({ kind: 'read-profile' });
  });

  it('confirms the intent its profile answers, bound to the intent’s role, keeping other pending intents', () => {
    // Act
    const step = recordUpkeep(record({ intents: [STALE, ANSWERED, FRESH] }), listed(), readAs(), TIMES);

    // Assess
    expect(step).toEqual({
      kind: 'confirm',
      owned: { profileId: 'AIPAWEB', roleId: 'AROAWEB', source: 'created', at: NOW.toISOString(), eventId: 'event-1' },
      intents: [FRESH],
      version: 3,
    });
  });

  it('confirms an intent whose profile replaced the one the record named (deleted and made again)', () => {
    // Act
    const step = recordUpkeep(record({ owned: owned('AIPAEARLIER'), intents: [ANSWERED] }), listed(), readAs(), TIMES);

    // Assess
    expect(step).toMatchObject({ kind: 'confirm', owned: { profileId: 'AIPAWEB' } });
  });

  it.each([
    ['its creation id is not the profile’s', readAs({ tags: { ...OURS, 'auto-instance-profile:creation-id': 'x' } })],
    [
      'the profile is not tagged as ours (handed over)',
      readAs({ tags: { 'auto-instance-profile:creation-id': 'run-1' } }),
    ],
    ['the profile was made long after the intent', readAs({ createDate: new Date('2026-11-30T11:00:00Z') })],
  ])('confirms nothing when %s: the intent, past its run, is dropped with the record', (_why, read) => {
    // Act
    const step = recordUpkeep(record({ intents: [ANSWERED] }), listed(), read, TIMES);

    // Assess
    expect(step).toEqual({ kind: 'remove', version: 3 });
  });

  it('removes a record whose profile is gone, with no intent pending', () => {
    // Act
    const step = recordUpkeep(record({ owned: owned('AIPAWEB'), intents: [STALE] }), 'absent', 'absent', TIMES);

    // Assess
    expect(step).toEqual({ kind: 'remove', version: 3 });
  });

  it('removes a record that names an earlier profile of the name (the one there now has another id)', () => {
    // Act
    const step = recordUpkeep(record({ owned: owned('AIPAEARLIER') }), listed(), readAs({ tags: {} }), TIMES);

    // Assess
    expect(step).toEqual({ kind: 'remove', version: 3 });
  });

  it('keeps a record whose only intent may still be answered: its create may not have landed yet', () => {
    // Act
    const step = recordUpkeep(record({ intents: [FRESH] }), 'absent', 'absent', TIMES);

    // Assess
    expect(step).toEqual({ kind: 'keep', why: 'intent-pending' });
  });

  it('forgets a gone profile but keeps a pending intent of the name', () => {
    // Act
    const step = recordUpkeep(record({ owned: owned('AIPAGONE'), intents: [STALE, FRESH] }), 'absent', 'absent', TIMES);

    // Assess
    expect(step).toEqual({ kind: 'prune', owned: undefined, intents: [FRESH], dropped: 1, version: 3 });
  });

  it('keeps a record that names the profile read now, though the listing (older) did not show it', () => {
    // Act: the profile was adopted and bound after the listing
    const step = recordUpkeep(record({ owned: owned('AIPAWEB') }), 'absent', readAs(), TIMES);

    // Assess
    expect(step).toEqual({ kind: 'keep', why: 'proves-profile' });
  });
});

describe('isPending', () => {
  it('holds an intent for its run’s window and the grace after it, measured to the listing', () => {
    // Prepare
    const limit = LISTED_AT.getTime() - (INTENT_WINDOW_SECONDS + INTENT_GRACE_SECONDS) * 1000;

    // Act + Assess
    expect(isPending(intent(new Date(limit).toISOString()), LISTED_AT)).toBe(true);
    expect(isPending(intent(new Date(limit - 1).toISOString()), LISTED_AT)).toBe(false);
    expect(isPending(intent('not a time'), LISTED_AT)).toBe(false);
  });
});

describe('learnedOwnership', () => {
  const create: ServiceCreate = {
    profileName: 'web',
    profileId: 'AIPAWEB',
    eventId: 'event-9',
    eventTime: CREATED,
    issuerArn: 'arn:aws:iam::123456789012:role/auto-instance-profile/AutoInstanceProfile-Remediator-1',
  };

  it('records a tagged profile CloudTrail shows the service made, bound to the same-name role it holds', () => {
    // Act
    const learned = learnedOwnership(create, readAs(), 'absent', NOW);

    // Assess
    expect(learned).toEqual({
      learned: true,
      owned: {
        profileId: 'AIPAWEB',
        roleId: 'AROAWEB',
        source: 'cloudtrail',
        at: NOW.toISOString(),
        eventId: 'event-9',
        by: create.issuerArn,
      },
    });
  });

  it('binds it to nobody when it holds no role, or another role', () => {
    // Act
    const empty = learnedOwnership(create, readAs({ roleNames: [], roleIds: [] }), 'absent', NOW);
    const other = learnedOwnership(create, readAs({ roleNames: ['api'], roleIds: ['AROAAPI'] }), 'absent', NOW);

    // Assess
    expect(empty).toMatchObject({ learned: true, owned: { roleId: '' } });
    expect(other).toMatchObject({ learned: true, owned: { roleId: '' } });
  });

  it.each([
    ['gone', 'absent' as const, 'absent' as const],
    ['gone', readAs({ id: 'AIPAOTHER' }), 'absent' as const],
    ['not-tagged', readAs({ tags: { 'auto-instance-profile:managed': 'TRUE' } }), 'absent' as const],
    ['recorded', readAs(), record({ owned: owned('AIPAWEB') })],
  ])('records nothing when the profile is %s', (why, profile, existing) => {
    // Act
    const learned = learnedOwnership(create, profile, existing, NOW);

    // Assess
    expect(learned).toEqual({ learned: false, why });
  });
});

describe('sameNameRoleId', () => {
  it('reads the id of the one role the profile holds when it has the profile’s name, in any case', () => {
    // Act + Assess
    expect(sameNameRoleId({ name: 'Web', roleNames: ['web'], roleIds: ['AROAWEB'] })).toBe('AROAWEB');
    expect(sameNameRoleId({ name: 'web', roleNames: ['api'], roleIds: ['AROAAPI'] })).toBe('');
    expect(sameNameRoleId({ name: 'web', roleNames: [], roleIds: [] })).toBe('');
  });
});

describe('the event history read incrementally', () => {
  const DAY = 24 * 3600 * 1000;
  const now = new Date('2026-12-01T03:00:00Z');
  const ago = (ms: number) => new Date(now.getTime() - ms);
  const settled = ago(EVENT_HISTORY_LAG_MS);

  it('reads the whole 90 days on a first pass, and counts as read what is older than the lag', () => {
    // Act
    const ranges = rangesToRead({}, now);
    const after = progressAfter({}, ranges, [{ done: true }], now);

    // Assess
    expect(ranges).toEqual([{ from: ago(90 * DAY), to: now }]);
    expect(after).toEqual({ readUntil: settled });
  });

  it('reads only what is new on the next pass', () => {
    // Act
    const ranges = rangesToRead({ readUntil: ago(DAY) }, now);

    // Assess
    expect(ranges).toEqual([{ from: ago(DAY), to: now }]);
  });

  it('keeps the older stretch a pass ran out of budget in as a gap, and reads it first next time', () => {
    // Prepare: the first pass read back to 30 days ago
    const first = rangesToRead({}, now);

    // Act
    const cut = progressAfter({}, first, [{ done: false, reachedBack: ago(30 * DAY) }], now);
    const later = new Date(now.getTime() + DAY);
    const next = rangesToRead(cut, later);
    const closed = progressAfter(cut, next, [{ done: true }, { done: true }], later);

    // Assess
    expect(cut).toEqual({ readUntil: settled, gap: { from: ago(90 * DAY), to: ago(30 * DAY) } });
    expect(next).toEqual([
      { from: new Date(later.getTime() - 90 * DAY), to: ago(30 * DAY) },
      { from: settled, to: later },
    ]);
    expect(closed).toEqual({ readUntil: new Date(later.getTime() - EVENT_HISTORY_LAG_MS) });
  });

  it('leaves what is new for later while the gap is not closed', () => {
    // Prepare
    const progress = { readUntil: settled, gap: { from: ago(90 * DAY), to: ago(30 * DAY) } };
    const ranges = rangesToRead(progress, now);

    // Act
    const after = progressAfter(progress, ranges, [{ done: false, reachedBack: ago(60 * DAY) }], now);

    // Assess
    expect(after).toEqual({ readUntil: settled, gap: { from: ago(90 * DAY), to: ago(60 * DAY) } });
  });

  it('forgets a gap older than the event history', () => {
    // Act
    const ranges = rangesToRead({ readUntil: ago(DAY), gap: { from: ago(120 * DAY), to: ago(91 * DAY) } }, now);

    // Assess
    expect(ranges).toEqual([{ from: ago(DAY), to: now }]);
  });
});

describe('profilesToSurvey', () => {
  const profiles = [listed({ name: 'a', id: 'A' }), listed({ name: 'b', id: 'B' }), listed({ name: 'c', id: 'C' })];

  it('reads every profile no record proves on the first pass', () => {
    // Act
    const survey = profilesToSurvey(profiles, new Set(['B']), { surveyed: false, unrecorded: [] });

    // Assess
    expect(survey.map((profile) => profile.id)).toEqual(['A', 'C']);
  });

  it('reads only those found then on later passes, while still unproven and still the same profile', () => {
    // Act
    const survey = profilesToSurvey(profiles, new Set(['B']), {
      surveyed: true,
      unrecorded: [
        { name: 'a', id: 'A' },
        { name: 'b', id: 'B' },
        { name: 'c', id: 'C-EARLIER' },
      ],
    });

    // Assess
    expect(survey.map((profile) => profile.id)).toEqual(['A']);
  });
});
