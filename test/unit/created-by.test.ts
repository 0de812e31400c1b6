import { CloudTrailClient, LookupEventsCommand, type LookupEventsCommandInput } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cloudTrailCreators, EVENT_HISTORY_LAG_MS, LOOKUP_INTERVAL_MS, windows } from '../../core/created-by.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const cloudtrail = mockClient(CloudTrailClient);
const noSleep = async () => {};

/** CloudTrail's history: one successful CreateRole per role, at its time, by its caller. */
function serveHistory(roles: readonly { name: string; time: Date; invokedBy?: string; arn?: string }[]): void {
  cloudtrail.on(LookupEventsCommand).callsFake((input: LookupEventsCommandInput) => {
    const start = input.StartTime?.getTime() ?? 0;
    const end = input.EndTime?.getTime() ?? Number.POSITIVE_INFINITY;
    const matching = roles
      .filter((role) => role.time.getTime() >= start && role.time.getTime() <= end)
      .sort((a, b) => b.time.getTime() - a.time.getTime());
    const from = Number(input.NextToken ?? '0');
    const page = matching.slice(from, from + 50);
    return {
      Events: page.map((role) => ({
        EventName: 'CreateRole',
        CloudTrailEvent: JSON.stringify({
          eventName: 'CreateRole',
          requestParameters: { roleName: role.name },
          userIdentity: { type: 'AssumedRole', arn: role.arn, invokedBy: role.invokedBy },
        }),
      })),
      NextToken: from + 50 < matching.length ? String(from + 50) : undefined,
    };
  });
}

const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

beforeEach(() => {
  cloudtrail.reset();
});

describe('cloudTrailCreators', () => {
  it('finds each creator from CreateRole in a window around its CreateDate, spacing calls at 2 a second', async () => {
    // Prepare
    serveHistory([
      { name: 'by-stack', time: minutesAgo(30), invokedBy: 'cloudformation.amazonaws.com' },
      { name: 'by-person', time: minutesAgo(600), arn: 'arn:aws:iam::123456789012:user/alice' },
    ]);
    const waits: number[] = [];
    const finder = cloudTrailCreators(new CloudTrailClient({}), {
      now: NOW,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });

    // Act
    const creators = await finder.find([
      { name: 'by-stack', createDate: minutesAgo(30) },
      { name: 'by-person', createDate: minutesAgo(600) },
    ]);

    // Assess
    expect(creators.get('by-stack')).toMatchObject({
      known: true,
      caller: { invokedBy: 'cloudformation.amazonaws.com' },
    });
    expect(creators.get('by-person')).toMatchObject({
      known: true,
      caller: { arn: 'arn:aws:iam::123456789012:user/alice' },
    });
    expect(finder.calls).toBe(2);
    const inputs = cloudtrail.commandCalls(LookupEventsCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toMatchObject({
      LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateRole' }],
      StartTime: minutesAgo(601),
      EndTime: minutesAgo(599),
    });
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeLessThanOrEqual(LOOKUP_INTERVAL_MS);
  });

  it('leaves roles older than 90 days unknown, without a call', async () => {
    // Prepare
    const finder = cloudTrailCreators(new CloudTrailClient({}), { now: NOW, sleep: noSleep });

    // Act
    const creators = await finder.find([{ name: 'old', createDate: new Date('2026-01-01T00:00:00Z') }]);

    // Assess
    expect(creators.get('old')).toEqual({ known: false, reason: 'older-than-event-history' });
    expect(finder.calls).toBe(0);
  });

  it('looks a role up whatever its tags: CloudFormation puts none on roles, so no tag short-cuts the history', async () => {
    // Prepare: a role as CloudFormation makes it, with the stack's tags the old shortcut read; its event says who.
    serveHistory([{ name: 'stack-role', time: minutesAgo(90), arn: 'arn:aws:iam::123456789012:user/alice' }]);
    const finder = cloudTrailCreators(new CloudTrailClient({}), { now: NOW, sleep: noSleep });
    const tagged = {
      name: 'stack-role',
      createDate: minutesAgo(90),
      tags: { 'aws:cloudformation:stack-id': 'arn:aws:cloudformation:us-east-1:123456789012:stack/s/1' },
    };

    // Act
    const creators = await finder.find([tagged]);

    // Assess
    expect(creators.get('stack-role')).toEqual({
      known: true,
      caller: expect.objectContaining({ arn: 'arn:aws:iam::123456789012:user/alice' }),
    });
    expect(finder.calls).toBe(1);
  });

  it('calls a role not found pending while it is younger than CloudTrail’s delivery lag, unknown after', async () => {
    // Prepare: an empty history; one role just made, one made just over the lag ago.
    serveHistory([]);
    const finder = cloudTrailCreators(new CloudTrailClient({}), { now: NOW, sleep: noSleep });
    const young = new Date(NOW.getTime() - EVENT_HISTORY_LAG_MS + 60_000);
    const settled = new Date(NOW.getTime() - EVENT_HISTORY_LAG_MS - 60_000);

    // Act
    const creators = await finder.find([
      { name: 'young', createDate: young },
      { name: 'settled', createDate: settled },
    ]);

    // Assess
    expect(creators.get('young')).toEqual({ known: false, reason: 'not-in-event-history-yet' });
    expect(creators.get('settled')).toEqual({ known: false, reason: 'not-in-event-history' });
    expect(EVENT_HISTORY_LAG_MS).toBe(3_600_000);
  });

  it.each([
    ['made by one apply, within a minute', (i: number) => minutesAgo(10 + i / 60), 12],
    ['made days apart', (i: number) => minutesAgo(10 + i * 120), 600],
  ])('600 candidates %s: %i LookupEvents calls', async (_, createdAt, calls) => {
    // Prepare
    const roles = Array.from({ length: 600 }, (_, i) => ({ name: `role-${i}`, time: createdAt(i) }));
    serveHistory(roles);
    const finder = cloudTrailCreators(new CloudTrailClient({}), { now: NOW, sleep: noSleep });

    // Act
    const creators = await finder.find(roles.map((role) => ({ name: role.name, createDate: role.time })));

    // Assess
    expect([...creators.values()].every((creator) => creator.known)).toBe(true);
    expect(finder.calls).toBe(calls);
  });

  it('stops at its budget and leaves the rest unknown, or pending when young', async () => {
    // Prepare
    const roles = Array.from({ length: 5 }, (_, i) => ({ name: `role-${i}`, time: minutesAgo(10 + i * 120) }));
    serveHistory(roles);
    const finder = cloudTrailCreators(new CloudTrailClient({}), { now: NOW, sleep: noSleep, budget: 3 });

    // Act
    const creators = await finder.find(roles.map((role) => ({ name: role.name, createDate: role.time })));

    // Assess: the oldest are looked up first; of the two left, the one within CloudTrail's lag is pending.
    expect(finder.calls).toBe(3);
    expect(creators.get('role-1')).toEqual({ known: false, reason: 'over-lookup-budget' });
    expect(creators.get('role-0')).toEqual({ known: false, reason: 'not-in-event-history-yet' });
    expect([...creators.values()].filter((creator) => creator.known)).toHaveLength(3);
  });
});

describe('windows', () => {
  it('merges the windows of roles made within two minutes of each other', () => {
    expect(
      windows([
        { name: 'a', time: 0 },
        { name: 'b', time: 90_000 },
        { name: 'c', time: 600_000 },
      ]).map((window) => window.roles.map((role) => role.name)),
    ).toEqual([['a', 'b'], ['c']]);
  });
});
