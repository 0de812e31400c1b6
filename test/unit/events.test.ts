import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UnsupportedEventError } from '../../core/errors.js';
import { EVENT_PATTERNS, eventPatternFor } from '../../core/event-pattern.js';
import {
  correlationOf,
  DELIVERY,
  errorCodeForms,
  fromEventBridge,
  fromSqsRecord,
  HANDLED_EVENTS,
  reconcileMessage,
} from '../../core/events.js';
import { OPT_IN_TAG } from '../../core/tags.js';

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
      origin: {
        type: 'event',
        eventName: 'CreateRole',
        eventId: '6f0c2a1e-0b4d-4d8e-9a51-3c1f7e2b9d10',
        correlationId: '0463f670-73ef-41f9-bb90-a315ef8c9f0d',
        eventTime: new Date('2026-11-28T18:25:58Z'),
        errorCode: undefined,
        errorMessage: undefined,
        caller: {
          arn: 'arn:aws:iam::123456789012:user/platform-admin',
          type: 'IAMUser',
          invokedBy: undefined,
          issuerArn: undefined,
        },
      },
    });
  });

  it('records the service that called on someone’s behalf', () => {
    // Act
    const trigger = fromEventBridge(load('create-role-by-cloudformation'));

    // Assess
    expect(trigger).toMatchObject({
      origin: { caller: { invokedBy: 'cloudformation.amazonaws.com', type: 'AssumedRole' } },
    });
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
    expect(trigger).toMatchObject({ origin: { eventTime: new Date('2026-11-28T10:00:00Z') } });
  });

  it.each([
    ['not an object', () => 'text'],
    ['another source', (e: Record<string, unknown>) => ({ ...e, source: 'aws.ec2' })],
    ['another detail-type', (e: Record<string, unknown>) => ({ ...e, 'detail-type': 'Scheduled Event' })],
    ['no detail', (e: Record<string, unknown>) => ({ ...e, detail: undefined })],
    [
      'an event name we do not handle',
      (e: { detail: object }) => ({ ...e, detail: { ...e.detail, eventName: 'UntagRole' } }),
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

describe('a handled IAM call that names no usable role', () => {
  it.each([
    ['requestParameters without roleName', { requestParameters: {} }, 'no-role-name'],
    ['requestParameters null', { requestParameters: null }, 'no-role-name'],
    ['requestParameters absent', { requestParameters: undefined }, 'no-role-name'],
    ['a roleName that is not a string', { requestParameters: { roleName: 42 } }, 'no-role-name'],
    ['a roleName IAM could not have taken', { requestParameters: { roleName: 'a b' } }, 'invalid-role-name'],
  ])('is acknowledged, not rejected, with %s', (_case, change, reason) => {
    // Prepare
    const event = load('create-role');
    event.detail = { ...event.detail, ...change };

    // Act
    const adapted = fromEventBridge(event);

    // Assess
    expect(adapted).toEqual({
      kind: 'ignored',
      reason,
      roleName: undefined,
      eventName: 'CreateRole',
      errorCode: undefined,
      eventId: event.detail.eventID,
      correlationId: event.id,
    });
  });
});

describe('an IAM event of another account', () => {
  const OWN = '123456789012';

  it('is taken as today when the function’s own account is not known (the local invoke tool)', () => {
    // Prepare
    const event = { ...load('create-role'), account: '999999999999' };

    // Act
    const adapted = fromEventBridge(event);

    // Assess
    expect(adapted.kind).toBe('role-created');
  });

  it('is taken when both its accounts are the function’s own', () => {
    // Act
    const adapted = fromSqsRecord(
      { messageId: 'm-1', body: JSON.stringify(load('delete-role-conflict')) },
      { ownAccount: OWN },
    );

    // Assess
    expect(adapted.kind).toBe('delete-conflict');
  });

  it.each([
    ['EventBridge’s account is another', { account: '999999999999' }, {}, { event: '999999999999', recipient: OWN }],
    [
      'CloudTrail’s recipientAccountId is another',
      {},
      { recipientAccountId: '999999999999' },
      { event: OWN, recipient: '999999999999' },
    ],
    ['it names no account', { account: undefined }, {}, { event: undefined, recipient: OWN }],
    ['it names no recipient account', {}, { recipientAccountId: undefined }, { event: OWN, recipient: undefined }],
  ])('is refused, naming both accounts and no role, when %s', (_case, envelope, detail, accounts) => {
    // Prepare
    const base = load('delete-role-conflict');
    const event = { ...base, ...envelope, detail: { ...base.detail, ...detail } };

    // Act
    const adapted = fromSqsRecord({ messageId: 'm-1', body: JSON.stringify(event) }, { ownAccount: OWN });

    // Assess
    expect(adapted).toEqual({
      kind: 'ignored',
      reason: 'other-account',
      eventName: 'DeleteRole',
      errorCode: base.detail.errorCode,
      eventId: base.detail.eventID,
      correlationId: base.id,
      accounts: { ...accounts, own: OWN },
    });
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

  // Found by the property tests (events.property.test.ts).
  it.each([
    ['a field whose toString is not a function', { body: '{"source":{"toString":1}}' }],
    ['a body that is not a string', { body: 42 }],
    ['no record at all', null],
  ])('rejects %s with UnsupportedEventError, not a TypeError', (_case, record) => {
    // Act
    const act = () => fromSqsRecord(record as never);

    // Assess
    expect(act).toThrow(UnsupportedEventError);
  });

  it('keeps the event time when SentTimestamp is not a real time, rather than an invalid date', () => {
    // Prepare
    const event = load('create-role');
    const record = {
      messageId: 'm-1',
      body: JSON.stringify(event),
      attributes: { SentTimestamp: '-8640000000000001' },
    };

    // Act
    const trigger = fromSqsRecord(record);

    // Assess
    expect(trigger).toMatchObject({ origin: { eventTime: new Date(event.time) } });
  });

  it('names no role for a failed call whose roleName is not a role name', () => {
    // Prepare
    const event = load('create-role');
    event.detail.errorCode = 'ValidationException';
    event.detail.requestParameters.roleName = 'role/path';

    // Act
    const adapted = fromSqsRecord({ messageId: 'm-1', body: JSON.stringify(event) });

    // Assess
    expect(adapted).toMatchObject({ kind: 'ignored', roleName: undefined });
  });
});

describe('the lifecycle events', () => {
  it.each([
    ['update-assume-role-policy', 'trust-changed', 'UpdateAssumeRolePolicy'],
    ['delete-role', 'role-deleted', 'DeleteRole'],
    ['delete-role-conflict', 'delete-conflict', 'DeleteRole'],
  ])('turns %s into a %s trigger', (fixture, kind, eventName) => {
    // Act
    const trigger = fromEventBridge(load(fixture));

    // Assess
    expect(trigger).toMatchObject({ kind, roleName: 'CLI-EC2-role', origin: { type: 'event', eventName } });
  });

  it.each([
    ['DeleteConflictException', 'the exception’s name, as in recent records'],
    ['DeleteConflict', 'the API’s bare code, as in 2019 records (eventVersion 1.05)'],
  ])('turns a DeleteRole failed with %s (%s) into a delete-conflict trigger', (errorCode) => {
    // Prepare
    const event = load('delete-role-conflict');
    event.detail.errorCode = errorCode;

    // Act
    const trigger = fromEventBridge(event);

    // Assess
    expect(trigger).toMatchObject({ kind: 'delete-conflict', origin: { errorCode } });
  });

  it('keeps the failed call’s error code and message for the log line', () => {
    // Act
    const trigger = fromEventBridge(load('delete-role-conflict'));

    // Assess
    expect(trigger).toMatchObject({
      origin: {
        errorCode: 'DeleteConflictException',
        errorMessage: 'Cannot delete entity, must remove roles from instance profile first.',
      },
    });
  });

  it.each([
    ['DeleteRole', 'NoSuchEntityException'],
    ['DeleteRole', 'NoSuchEntity'],
    ['DeleteRole', 'AccessDenied'],
    ['DeleteRole', 'deleteconflict'],
    ['UpdateAssumeRolePolicy', 'MalformedPolicyDocumentException'],
  ])('ignores %s failed with %s', (eventName, errorCode) => {
    // Prepare
    const event = load('delete-role');
    event.detail.eventName = eventName;
    event.detail.errorCode = errorCode;

    // Act
    const adapted = fromEventBridge(event);

    // Assess
    expect(adapted).toMatchObject({ kind: 'ignored', reason: 'failed-call', eventName, errorCode });
  });

  it('records the issuing role of an assumed-role caller, which tells our own calls apart', () => {
    // Prepare
    const event = load('create-role-by-cloudformation');
    const issuer = 'arn:aws:iam::123456789012:role/cfn-exec';
    event.detail.userIdentity.sessionContext = { sessionIssuer: { type: 'Role', arn: issuer } };

    // Act
    const trigger = fromEventBridge(event);

    // Assess
    expect(trigger).toMatchObject({ origin: { caller: { issuerArn: issuer } } });
  });
});

describe('reconcile messages', () => {
  it('turn into a found-by-scan trigger correlated by the scan id', () => {
    // Prepare
    const message = reconcileMessage('old-ec2-role', 'scan-1', new Date('2026-11-28T00:00:00Z'));

    // Act
    const trigger = fromSqsRecord({ messageId: 'm-1', body: JSON.stringify(message) });

    // Assess
    expect(trigger).toEqual({
      kind: 'found-by-scan',
      roleName: 'old-ec2-role',
      origin: { type: 'scan', scanId: 'scan-1' },
    });
    expect(trigger.kind !== 'ignored' && correlationOf(trigger)).toEqual({ correlationId: 'scan-1' });
  });

  it.each([
    ['a caller', { arn: 'arn:aws:sts::123456789012:assumed-role/terraform-ci/run-7', type: 'AssumedRole' }],
    ['a service that called on someone’s behalf', { invokedBy: 'cloudformation.amazonaws.com', type: 'AssumedRole' }],
    ['unknown', 'unknown' as const],
  ])('carry the creator the pass learnt (%s) into the trigger, for decide to rule on', (_case, creator) => {
    // Prepare
    const message = reconcileMessage('old-ec2-role', 'scan-1', new Date('2026-11-28T00:00:00Z'), creator);

    // Act
    const trigger = fromSqsRecord({ messageId: 'm-1', body: JSON.stringify(message) });

    // Assess
    expect(trigger).toMatchObject({ kind: 'found-by-scan', origin: { type: 'scan', scanId: 'scan-1', creator } });
  });

  it('leave the creator out when the message has none (an older pass), as before', () => {
    // Prepare
    const message = reconcileMessage('old-ec2-role', 'scan-1', new Date('2026-11-28T00:00:00Z'));

    // Act
    const trigger = fromEventBridge(message);

    // Assess
    expect(message.detail).toEqual({ roleName: 'old-ec2-role' });
    expect(trigger.kind !== 'ignored' && trigger.origin).toEqual({ type: 'scan', scanId: 'scan-1' });
  });

  it.each([
    ['no role name', { detail: {} }],
    ['an invalid role name', { detail: { roleName: 'a b' } }],
    ['another detail-type', { 'detail-type': 'Something else' }],
    ['a creator that is not a caller', { detail: { roleName: 'r', creator: 42 } }],
    ['a creator with a field no caller has', { detail: { roleName: 'r', creator: { arn: 'a', admin: 'yes' } } }],
    ['a creator with a field that is not text', { detail: { roleName: 'r', creator: { arn: ['a'] } } }],
  ])('are rejected with %s', (_case, change) => {
    // Prepare
    const message = { ...reconcileMessage('r', 'scan-1', new Date()), ...change };

    // Act
    const act = () => fromEventBridge(message);

    // Assess
    expect(act).toThrow(UnsupportedEventError);
  });
});

describe('errorCodeForms', () => {
  it.each([
    ['DeleteConflict', ['DeleteConflictException', 'DeleteConflict']],
    ['DeleteConflictException', ['DeleteConflictException', 'DeleteConflict']],
    ['AccessDenied', ['AccessDeniedException', 'AccessDenied']],
  ])('gives both forms of %s', (code, forms) => {
    // Act
    const result = errorCodeForms(code);

    // Assess
    expect(result).toEqual(forms);
  });
});

describe('EVENT_PATTERNS', () => {
  it('routes every handled success and handled failure, each on its kind’s delivery path', () => {
    for (const [eventName, handled] of Object.entries(HANDLED_EVENTS)) {
      const successPath = DELIVERY[handled.success];
      expect(JSON.stringify(EVENT_PATTERNS[successPath]), eventName).toContain(`"${eventName}"`);
      for (const [code, kind] of Object.entries(handled.failures ?? {})) {
        for (const errorCode of errorCodeForms(code)) {
          expect(JSON.stringify(EVENT_PATTERNS[DELIVERY[kind]]), errorCode).toContain(`"${errorCode}"`);
        }
      }
    }
  });

  it('sends creates, trust changes, successful deletes and opt-in tagging through the settle delay, successes only', () => {
    // Assess: a replaced role exists again by the time its DeleteRole is seen, and adopts its leftover; of TagRole,
    // only a call that sets the opt-in tag's key (EventBridge matches `key` in each object of the `tags` array)
    expect(EVENT_PATTERNS.settle.detail).toEqual({
      eventSource: ['iam.amazonaws.com'],
      $or: [
        { eventName: ['CreateRole', 'UpdateAssumeRolePolicy', 'DeleteRole'], errorCode: [{ exists: false }] },
        {
          eventName: ['TagRole'],
          errorCode: [{ exists: false }],
          requestParameters: { tags: { key: ['auto-instance-profile:opt-in'] } },
        },
      ],
    });
  });

  it('sends deletes that failed with DeleteConflict, in either form, without delay', () => {
    // Assess
    expect(EVENT_PATTERNS.immediate.detail).toEqual({
      eventSource: ['iam.amazonaws.com'],
      eventName: ['DeleteRole'],
      errorCode: ['DeleteConflictException', 'DeleteConflict'],
    });
  });

  it('adds a new event to the pattern from the table alone', () => {
    // Prepare
    const events = { ...HANDLED_EVENTS, UpdateRole: { success: 'trust-changed' as const } };

    // Act
    const pattern = eventPatternFor('settle', events);

    // Assess
    expect(pattern.detail).toMatchObject({
      $or: [{ eventName: ['CreateRole', 'UpdateAssumeRolePolicy', 'DeleteRole', 'UpdateRole'] }, {}],
    });
  });
});

describe('fromSqsRecord, event time', () => {
  it('caps an event time later than the moment the event entered the queue', () => {
    // Prepare
    const event = load('create-role');
    event.time = '2030-01-01T00:00:00Z';
    const sent = Date.parse('2026-11-28T18:26:00Z');

    // Act
    const trigger = fromSqsRecord({
      messageId: 'm',
      body: JSON.stringify(event),
      attributes: { SentTimestamp: String(sent) },
    });

    // Assess
    expect(trigger).toMatchObject({ origin: { eventTime: new Date(sent) } });
  });

  it('keeps an event time earlier than the send', () => {
    // Prepare
    const event = load('create-role');

    // Act
    const trigger = fromSqsRecord({
      messageId: 'm',
      body: JSON.stringify(event),
      attributes: { SentTimestamp: String(Date.parse('2026-11-28T18:30:00Z')) },
    });

    // Assess
    expect(trigger).toMatchObject({ origin: { eventTime: new Date('2026-11-28T18:25:58Z') } });
  });
});

describe('fromEventBridge, TagRole', () => {
  /** A successful TagRole as CloudTrail records it: `requestParameters.tags` as `[{ key, value }]`, no response. */
  const tagRole = (tags: unknown) => {
    const event = load('create-role');
    event.detail = {
      ...event.detail,
      eventName: 'TagRole',
      requestParameters: { roleName: 'CLI-EC2-role', tags },
      responseElements: null,
    };
    return event;
  };

  it('turns a TagRole that sets the opt-in tag into an opt-in-tagged trigger, whatever its value', () => {
    // Act: the value is the decision's to read, from the role's current tags
    const tagged = fromEventBridge(
      tagRole([
        { key: 'team', value: 'web' },
        { key: OPT_IN_TAG, value: 'True' },
      ]),
    );

    // Assess
    expect(tagged).toMatchObject({
      kind: 'opt-in-tagged',
      roleName: 'CLI-EC2-role',
      origin: { type: 'event', eventName: 'TagRole' },
    });
    expect(DELIVERY['opt-in-tagged']).toBe('settle');
  });

  it.each([
    ['other keys only', [{ key: 'team', value: 'web' }]],
    ['the skip tag', [{ key: 'auto-instance-profile:skip', value: 'true' }]],
    ['the key in another case', [{ key: OPT_IN_TAG.toUpperCase(), value: 'true' }]],
    ['no tags', undefined],
    ['tags that are not a list', { key: OPT_IN_TAG }],
  ])('acknowledges a TagRole with %s as nothing to do (no-handled-tag)', (_case, tags) => {
    // Act
    const adapted = fromEventBridge(tagRole(tags));

    // Assess
    expect(adapted).toMatchObject({ kind: 'ignored', reason: 'no-handled-tag', roleName: 'CLI-EC2-role' });
  });

  it('ignores a TagRole that failed, as any failed call it does not handle', () => {
    // Prepare
    const event = tagRole([{ key: OPT_IN_TAG, value: 'true' }]);
    event.detail.errorCode = 'NoSuchEntityException';

    // Act
    const adapted = fromEventBridge(event);

    // Assess
    expect(adapted).toMatchObject({ kind: 'ignored', reason: 'failed-call' });
  });
});
