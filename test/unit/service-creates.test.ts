import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  isServiceRoleArn,
  LookupBudget,
  readServiceCreates,
  serviceCreateOf,
  stackRolePrefix,
} from '../../core/service-creates.js';
import { assumedRoleIdentity } from '../../emulator/cloudtrail-event.js';

const ACCOUNT = '123456789012';
const ON_PATH = `arn:aws:iam::${ACCOUNT}:role/auto-instance-profile/AutoInstanceProfile-ServiceRemediatorRole-A1B2C3`;
const PRE_PATH = `arn:aws:iam::${ACCOUNT}:role/AutoInstanceProfile-ServiceRemediatorFunctionServi-1AB2CD3EF4GH`;
const STACK_SET_STACK = 'StackSet-AutoInstanceProfile-0e5125da-7c1f-4b8a-9d2e-3f4a5b6c7d8e';

/** A CreateInstanceProfile record as CloudTrail writes it, by a caller, for a profile id. */
function createRecord(
  overrides: { identity?: Record<string, unknown>; errorCode?: string; profileId?: string; account?: string } = {},
): string {
  return JSON.stringify({
    eventVersion: '1.09',
    userIdentity: overrides.identity ?? assumedRoleIdentity(ON_PATH, 'remediator'),
    eventTime: '2026-11-30T10:00:05Z',
    eventSource: 'iam.amazonaws.com',
    eventName: 'CreateInstanceProfile',
    requestParameters: { instanceProfileName: 'web', path: '/' },
    responseElements:
      overrides.errorCode === undefined
        ? {
            instanceProfile: {
              path: '/',
              instanceProfileName: 'web',
              instanceProfileId: overrides.profileId ?? 'AIPAWEB',
              arn: `arn:aws:iam::${ACCOUNT}:instance-profile/web`,
              createDate: 'Nov 30, 2026 10:00:05 AM',
              roles: [],
            },
          }
        : null,
    eventID: 'event-1',
    recipientAccountId: overrides.account ?? ACCOUNT,
    ...(overrides.errorCode === undefined ? {} : { errorCode: overrides.errorCode }),
  });
}

describe('stackRolePrefix', () => {
  it('is the stack’s name and a hyphen, without a StackSet stack’s uuid, which CloudFormation may cut short', () => {
    // Act + Assess
    expect(stackRolePrefix('AutoInstanceProfile')).toBe('AutoInstanceProfile-');
    expect(stackRolePrefix(STACK_SET_STACK)).toBe('StackSet-AutoInstanceProfile-');
  });
});

describe('isServiceRoleArn', () => {
  it.each([
    ['a role on the service’s path', ON_PATH, 'AutoInstanceProfile', true],
    ['a role on the service’s path, without a stack name', ON_PATH, undefined, true],
    ['a pre-path role named after the stack', PRE_PATH, 'AutoInstanceProfile', true],
    [
      'a pre-path role of a StackSet’s stack, its name cut inside the uuid',
      `arn:aws:iam::${ACCOUNT}:role/StackSet-AutoInstanceProfile-0e5125da-7-ServiceRemed-1TCLUMCY77KXG`,
      STACK_SET_STACK,
      true,
    ],
    [
      'a role named after another stack',
      `arn:aws:iam::${ACCOUNT}:role/Other-Remediator-1AB`,
      'AutoInstanceProfile',
      false,
    ],
    [
      'a role whose name only contains the stack’s',
      `arn:aws:iam::${ACCOUNT}:role/xAutoInstanceProfile-1`,
      'AutoInstanceProfile',
      false,
    ],
    [
      'a stack-named role on another path',
      `arn:aws:iam::${ACCOUNT}:role/teams/AutoInstanceProfile-x`,
      'AutoInstanceProfile',
      false,
    ],
    ['a pre-path role without the stack’s name to tell it', PRE_PATH, undefined, false],
    ['a role of another account', ON_PATH.replace(ACCOUNT, '210987654321'), 'AutoInstanceProfile', false],
    ['a user', `arn:aws:iam::${ACCOUNT}:user/auto-instance-profile/admin`, 'AutoInstanceProfile', false],
    [
      'a role on a path under the service’s',
      `arn:aws:iam::${ACCOUNT}:role/auto-instance-profile/x/y`,
      undefined,
      false,
    ],
  ])('%s: %s', (_what, arn, stackName, expected) => {
    // Act + Assess
    expect(isServiceRoleArn(arn, ACCOUNT, stackName)).toBe(expected);
  });
});

describe('serviceCreateOf', () => {
  it('reads the service’s own successful create: the profile’s name and id, the event, the role', () => {
    // Act
    const create = serviceCreateOf(createRecord(), 'AutoInstanceProfile');

    // Assess
    expect(create).toEqual({
      profileName: 'web',
      profileId: 'AIPAWEB',
      eventId: 'event-1',
      eventTime: new Date('2026-11-30T10:00:05Z'),
      issuerArn: ON_PATH,
    });
  });

  it.each([
    ['a failed create', createRecord({ errorCode: 'EntityAlreadyExistsException' })],
    [
      'a person’s create',
      createRecord({ identity: { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/admin`, accountId: ACCOUNT } }),
    ],
    [
      'a role that only names itself after the service, on another path',
      createRecord({ identity: assumedRoleIdentity(`arn:aws:iam::${ACCOUNT}:role/ci/auto-instance-profile`, 's') }),
    ],
    ['a create recorded in another account than the role’s', createRecord({ account: '210987654321' })],
    ['a record without the profile’s id', createRecord({ profileId: '' })],
    ['another call', createRecord().replace('"CreateInstanceProfile"', '"DeleteInstanceProfile"')],
    ['no JSON', '{not json'],
    ['nothing', undefined],
  ])('ignores %s', (_what, json) => {
    // Act + Assess
    expect(serviceCreateOf(json, 'AutoInstanceProfile')).toBeUndefined();
  });
});

describe('LookupBudget', () => {
  it('spaces calls CloudTrail’s interval apart and refuses past its limit, without waiting', async () => {
    // Prepare
    let clock = 1000;
    const waits: number[] = [];
    const budget = new LookupBudget(
      2,
      async (ms) => {
        waits.push(ms);
        clock += ms;
      },
      500,
      () => clock,
    );

    // Act
    const taken = [await budget.take(), await budget.take(), await budget.take()];

    // Assess
    expect(taken).toEqual([true, true, false]);
    expect(waits).toEqual([500]);
    expect({ calls: budget.calls, left: budget.left }).toEqual({ calls: 2, left: 0 });
  });
});

describe('readServiceCreates', () => {
  const cloudtrail = mockClient(CloudTrailClient);
  const range = { from: new Date('2026-09-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };
  const event = (time: string, json = createRecord()) => ({ EventTime: new Date(time), CloudTrailEvent: json });

  beforeEach(() => cloudtrail.reset());

  it('reads every page of the range’s CreateInstanceProfile events and hands over the service’s own', async () => {
    // Prepare
    cloudtrail
      .on(LookupEventsCommand)
      .resolvesOnce({ Events: [event('2026-11-30T10:00:05Z')], NextToken: 'next' })
      .resolvesOnce({ Events: [event('2026-10-01T00:00:00Z', createRecord({ errorCode: 'LimitExceeded' }))] });
    const handed: string[] = [];

    // Act
    const result = await readServiceCreates(
      cloudtrail as never,
      range,
      new LookupBudget(10, async () => {}),
      'AutoInstanceProfile',
      async (creates) => {
        handed.push(...creates.map((create) => create.profileId));
      },
    );

    // Assess
    expect(result).toEqual({ done: true });
    expect(handed).toEqual(['AIPAWEB']);
    const inputs = cloudtrail.commandCalls(LookupEventsCommand).map((call) => call.args[0].input);
    expect(inputs).toEqual([
      {
        LookupAttributes: [{ AttributeKey: 'EventName', AttributeValue: 'CreateInstanceProfile' }],
        StartTime: range.from,
        EndTime: range.to,
        MaxResults: 50,
        NextToken: undefined,
      },
      expect.objectContaining({ NextToken: 'next' }),
    ]);
  });

  it('stops when the budget is spent, saying how far back it read', async () => {
    // Prepare
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [event('2026-11-15T00:00:00Z')], NextToken: 'more' });

    // Act
    const result = await readServiceCreates(
      cloudtrail as never,
      range,
      new LookupBudget(1, async () => {}),
      undefined,
      async () => {},
    );

    // Assess
    expect(result).toEqual({ done: false, reachedBack: new Date('2026-11-15T00:00:00Z') });
    expect(cloudtrail.commandCalls(LookupEventsCommand)).toHaveLength(1);
  });

  it('stops before the next page when the pass’s time is up, having handed over every page it read', async () => {
    // Prepare
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [event('2026-11-20T00:00:00Z')], NextToken: 'more' });
    let pages = 0;

    // Act
    const result = await readServiceCreates(
      cloudtrail as never,
      range,
      new LookupBudget(10, async () => {}),
      undefined,
      async () => {
        pages++;
      },
      () => pages >= 2,
    );

    // Assess
    expect(result).toEqual({ done: false, reachedBack: new Date('2026-11-20T00:00:00Z') });
    expect(cloudtrail.commandCalls(LookupEventsCommand)).toHaveLength(2);
  });
});
