import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnsupportedEventError } from '../../core/errors.js';
import { REMEDIATOR_EVENT_PATTERN } from '../../core/event-pattern.js';
import { fromEventBridge, fromSqsRecord, HANDLED_EVENTS } from '../../core/events.js';

const load = (name: string) => JSON.parse(readFileSync(`test/fixtures/cloudtrail/${name}.json`, 'utf8'));

describe('fromEventBridge', () => {
  it('turns a CreateRole event into a role trigger', () => {
    // Prepare
    const event = load('create-role');

    // Act
    const trigger = fromEventBridge(event);

    // Assess
    expect(trigger).toEqual({
      kind: 'role-created',
      roleName: 'CLI-EC2-role',
      eventId: '6f0c2a1e-0b4d-4d8e-9a51-3c1f7e2b9d10',
      correlationId: '0463f670-73ef-41f9-bb90-a315ef8c9f0d',
      eventTime: new Date('2026-11-28T18:25:58Z'),
      eventName: 'CreateRole',
      caller: { arn: 'arn:aws:iam::123456789012:user/platform-admin', type: 'IAMUser', invokedBy: undefined },
    });
  });

  it('records the service that called on someone’s behalf', () => {
    // Act
    const trigger = fromEventBridge(load('create-role-by-cloudformation'));

    // Assess
    expect(trigger).toMatchObject({ caller: { invokedBy: 'cloudformation.amazonaws.com', type: 'AssumedRole' } });
  });

  it('ignores a failed call', () => {
    // Prepare
    const event = load('create-role');
    event.detail.errorCode = 'EntityAlreadyExistsException';

    // Act
    const adapted = fromEventBridge(event);

    // Assess
    expect(adapted).toMatchObject({
      kind: 'ignored',
      reason: 'failed-call',
      errorCode: 'EntityAlreadyExistsException',
    });
  });

  it('falls back to the CloudTrail event time when the envelope has none', () => {
    // Prepare
    const event = load('create-role');
    delete event.time;
    event.detail.eventTime = '2026-11-28T10:00:00Z';

    // Act
    const trigger = fromEventBridge(event);

    // Assess
    expect(trigger).toMatchObject({ eventTime: new Date('2026-11-28T10:00:00Z') });
  });

  it.each([
    ['not an object', () => 'text'],
    ['another source', (e: Record<string, unknown>) => ({ ...e, source: 'aws.ec2' })],
    ['another detail-type', (e: Record<string, unknown>) => ({ ...e, 'detail-type': 'Scheduled Event' })],
    ['no detail', (e: Record<string, unknown>) => ({ ...e, detail: undefined })],
    ['an event name we do not handle', () => load('update-assume-role-policy')],
    [
      'no role name',
      (e: { detail: { requestParameters: object } }) => ({ ...e, detail: { ...e.detail, requestParameters: {} } }),
    ],
    [
      'an invalid role name',
      (e: { detail: { requestParameters: object } }) => ({
        ...e,
        detail: { ...e.detail, requestParameters: { roleName: 'a b' } },
      }),
    ],
  ])('rejects %s', (_case, mutate) => {
    // Prepare
    const event = (mutate as (e: unknown) => unknown)(load('create-role'));

    // Act
    const act = () => fromEventBridge(event);

    // Assess
    expect(act).toThrow(UnsupportedEventError);
  });
});

describe('fromSqsRecord', () => {
  it('reads the EventBridge event from the record body', () => {
    // Prepare
    const record = { messageId: 'm-1', body: JSON.stringify(load('create-role')) };

    // Act
    const trigger = fromSqsRecord(record);

    // Assess
    expect(trigger).toMatchObject({ kind: 'role-created', roleName: 'CLI-EC2-role' });
  });

  it('rejects a body that is not JSON, keeping the parse error as the cause', () => {
    // Act
    const act = () => fromSqsRecord({ messageId: 'm-1', body: '{not json' });

    // Assess
    expect(act).toThrow(expect.objectContaining({ name: 'UnsupportedEventError', cause: expect.any(SyntaxError) }));
  });
});

describe('REMEDIATOR_EVENT_PATTERN', () => {
  it('routes every event name the adapter handles, and only successful calls', () => {
    // Act
    const names = REMEDIATOR_EVENT_PATTERN.detail.eventName;

    // Assess
    expect([...names].sort()).toEqual(Object.keys(HANDLED_EVENTS).sort());
    expect(REMEDIATOR_EVENT_PATTERN.detail.errorCode).toEqual([{ exists: false }]);
  });
});
