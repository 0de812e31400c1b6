/**
 * Properties of the event adapter (core/events.ts) over generated input: whatever arrives, it rejects with
 * UnsupportedEventError and nothing else, and what it accepts names a valid role with a usable time.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnsupportedEventError } from '../../core/errors.js';
import {
  type Adapted,
  CLOUDTRAIL_DETAIL_TYPE,
  fromEventBridge,
  fromSqsRecord,
  HANDLED_EVENTS,
  IAM_CLOUDTRAIL_SOURCE,
  IAM_EVENT_SOURCE,
  RECONCILE_DETAIL_TYPE,
  RECONCILE_SOURCE,
  type SqsRecordLike,
} from '../../core/events.js';
import { isRoleName } from '../../core/names.js';

/** Runs per property: the issue asks for at least 10,000. */
const RUNS = 10_000;

/** Any value at all, objects without a prototype, dates, maps and big integers among them. */
const anything = fc.anything({
  withNullPrototype: true,
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withSparseArray: true,
  withBoxedValues: true,
});
const anyString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }));
/** Role names IAM accepts, and near misses: too long, empty, a character outside `[\w+=,.@-]`. */
const roleName = fc.oneof(
  { arbitrary: fc.stringMatching(/^[\w+=,.@-]{1,64}$/), weight: 6 },
  fc.constantFrom('', ' ', 'a'.repeat(65), 'web app', 'role/path', 'rôle', 'x\n'),
  anyString,
  anything,
);
const time = fc.oneof(
  fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'not a date' : d.toISOString())),
  anyString,
  anything,
);
/** Mostly `valid`, sometimes anything: near misses that make the adapter decide field by field. */
const mostly = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 6 }, { arbitrary: fc.oneof(anything, awkward), weight: 1 });
/** JSON values that break a careless `String(value)`: an object whose toString is not a function. */
const awkward = fc.constantFrom({ toString: 1 }, { toString: 1, valueOf: 1 }, { __proto__: null }, [{ toString: [] }]);
/** CloudTrail details close to the handled ones, so that many events are accepted and the properties bite. */
const detail = fc.record(
  {
    eventSource: mostly(fc.constant(IAM_CLOUDTRAIL_SOURCE)),
    eventName: mostly(fc.constantFrom(...Object.keys(HANDLED_EVENTS), 'CreateUser')),
    eventID: mostly(fc.uuid()),
    eventTime: time,
    errorCode: fc.option(mostly(fc.constantFrom('DeleteConflictException', 'AccessDenied', '')), { freq: 2 }),
    errorMessage: anyString,
    requestParameters: mostly(fc.record({ roleName })),
    userIdentity: mostly(
      fc.record(
        {
          arn: anyString,
          type: anyString,
          invokedBy: anyString,
          sessionContext: mostly(fc.record({ sessionIssuer: mostly(fc.record({ arn: anyString })) })),
        },
        { requiredKeys: [] },
      ),
    ),
    roleName,
  },
  { requiredKeys: ['eventSource', 'eventName', 'requestParameters', 'roleName'] },
);
const eventLike = fc.record(
  {
    source: mostly(fc.constantFrom(IAM_EVENT_SOURCE, RECONCILE_SOURCE, 'aws.s3')),
    'detail-type': mostly(fc.constantFrom(CLOUDTRAIL_DETAIL_TYPE, RECONCILE_DETAIL_TYPE)),
    id: mostly(fc.uuid()),
    time,
    detail: mostly(detail),
  },
  { requiredKeys: ['source', 'detail-type', 'detail'] },
);
/** Bodies as SQS carries them: JSON of near-events, any JSON, any string. */
const body = fc.oneof(
  { arbitrary: eventLike.map((event) => safeStringify(event)), weight: 6 },
  fc.jsonValue().map((value) => JSON.stringify(value)),
  anyString,
);
const sentTimestamp = fc.oneof(
  fc.integer({ min: 0, max: 4_102_444_800_000 }).map(String),
  fc.constantFrom('1e20', '-1e20', '8640000000000001', '-8640000000000001', 'Infinity', 'NaN', '', '0x10'),
  anyString,
  anything,
);
const sqsRecord = fc.oneof(
  {
    arbitrary: fc.record(
      {
        messageId: fc.oneof(fc.uuid(), anything),
        body: mostly(body),
        attributes: mostly(fc.record({ SentTimestamp: sentTimestamp }, { requiredKeys: [] })),
      },
      { requiredKeys: ['body'] },
    ),
    weight: 6,
  },
  { arbitrary: anything, weight: 1 },
);

/** JSON.stringify that turns what JSON cannot carry (big integers) into strings, as a sender would have to. */
function safeStringify(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? 'null';
}

/** Adapts, and returns what came out or the error thrown. */
function attempt(adapt: () => Adapted): { readonly adapted?: Adapted; readonly error?: unknown } {
  try {
    return { adapted: adapt() };
  } catch (error) {
    return { error };
  }
}

/** The properties every outcome must have; returns whether the input was accepted as a trigger. */
function holds(outcome: { readonly adapted?: Adapted; readonly error?: unknown }): boolean {
  if (outcome.error !== undefined) {
    expect(outcome.error).toBeInstanceOf(UnsupportedEventError);
    return false;
  }
  const { adapted } = outcome;
  if (adapted === undefined) throw new Error('nothing came out');
  if (adapted.kind === 'ignored') {
    // An ignored event is acknowledged without work; a role it names is still a valid one, or none.
    if (adapted.roleName !== undefined) expect(isRoleName(adapted.roleName)).toBe(true);
    return false;
  }
  expect(isRoleName(adapted.roleName)).toBe(true);
  if (adapted.origin.type === 'event' && adapted.origin.eventTime !== undefined) {
    expect(Number.isNaN(adapted.origin.eventTime.getTime())).toBe(false);
  }
  return true;
}

describe('the adapter, on generated input', () => {
  it('fromEventBridge throws only UnsupportedEventError on any value, and accepts only valid roles', () => {
    fc.assert(
      fc.property(fc.oneof(anything, fc.jsonValue(), anyString, awkward), (value) => {
        holds(attempt(() => fromEventBridge(value)));
      }),
      { numRuns: RUNS },
    );
  });

  it('fromEventBridge holds on events close to CloudTrail’s and the reconcile pass’s, many of which it accepts', () => {
    let accepted = 0;
    fc.assert(
      fc.property(eventLike, (event) => {
        if (holds(attempt(() => fromEventBridge(event)))) accepted++;
        // The same event as it arrives in a body, parsed back.
        holds(attempt(() => fromEventBridge(JSON.parse(safeStringify(event)))));
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(RUNS / 100);
  });

  it('fromSqsRecord throws only UnsupportedEventError on any record, and accepts only valid roles with a real time', () => {
    let accepted = 0;
    fc.assert(
      fc.property(sqsRecord, (record) => {
        if (holds(attempt(() => fromSqsRecord(record as SqsRecordLike)))) accepted++;
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(RUNS / 100);
  });
});
