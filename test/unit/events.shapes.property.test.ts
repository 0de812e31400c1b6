/**
 * Properties over the shapes of CloudTrail records of the IAM calls we handle (issue: every record shape
 * AWS produces). Whatever the userIdentity type, eventVersion, optional fields (present, absent or null),
 * error-code form, partition and extra fields at any level, a record with eventSource iam.amazonaws.com
 * and a handled eventName either becomes the trigger the event table says or is acknowledged with a
 * logged reason: the adapter never throws on it, and the batch never returns it for the DLQ.
 */
import { GetInstanceProfileCommand, GetRoleCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import type { SQSRecord } from 'aws-lambda';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import {
  CLOUDTRAIL_DETAIL_TYPE,
  errorCodeForms,
  fromEventBridge,
  fromSqsRecord,
  HANDLED_EVENTS,
  IAM_CLOUDTRAIL_SOURCE,
  IAM_EVENT_SOURCE,
  kindOf,
} from '../../core/events.js';
import type { IamSender } from '../../core/iam/client.js';
import { isRoleName } from '../../core/names.js';
import { BATCH_SIZE } from '../../core/pipeline-settings.js';
import { OPT_IN_TAG, SKIP_TAG } from '../../core/tags.js';
import { type ProcessDeps, processBatch } from '../../functions/remediator/process.js';
import { RecordingCounter, RecordingLog } from './support/fakes.js';

/** Cases of the adapter's property: the issue asks for at least 10,000. */
const RUNS = 10_000;
/**
 * Each property takes 3 to 5 s on the 2-core machine (more than vitest's 5 s default when other work
 * shares it): a limit of its own keeps a slow machine from failing a property that holds.
 */
const PROPERTY_TIMEOUT_MS = 60_000;
/** Batches through processBatch, each of up to BATCH_SIZE records. */
const BATCH_RUNS = 1_000;

const handledNames = Object.keys(HANDLED_EVENTS);
const handledCodes = Object.values(HANDLED_EVENTS).flatMap((h) =>
  Object.keys(h.failures ?? {}).flatMap(errorCodeForms),
);
const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov');
const account = fc.constantFrom('123456789012', '111122223333', '000000000000');
/** IAM's role-name characters, `[\w+=,.@-]`, a few of each kind: cheaper to draw from than a regular expression. */
const nameChar = fc.constantFrom(...'aBz09_+=,.@-');
/** Extra fields, as a later eventVersion or EventBridge may add them. */
const extra = fc.oneof(
  { arbitrary: fc.constant({}), weight: 3 },
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !['__proto__', 'constructor'].includes(k)),
    fc.jsonValue({ maxDepth: 1 }),
    { maxKeys: 2 },
  ),
);
/** Optional: absent, null, or present. */
const optional = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof(fc.constant(undefined), fc.constant(null), value) as fc.Arbitrary<T | null | undefined>;

/** Every userIdentity type CloudTrail documents, in any partition, with extra fields. */
const userIdentity = fc
  .record({
    type: fc.constantFrom(
      'Root',
      'IAMUser',
      'AssumedRole',
      'Role',
      'FederatedUser',
      'Directory',
      'AWSAccount',
      'AWSService',
      'IdentityCenterUser',
      'SAMLUser',
      'WebIdentityUser',
      'Unknown',
    ),
    partition,
    account,
    invokedBy: optional(fc.constantFrom('signin.amazonaws.com', 'cloudformation.amazonaws.com', 'sso.amazonaws.com')),
    sourceIdentity: optional(fc.string({ maxLength: 20 })),
    extra,
  })
  .map(({ type, partition: p, account: a, invokedBy, sourceIdentity, extra: more }) => ({
    type,
    ...(type === 'AWSService' ? {} : { principalId: `AIDAEXAMPLE:${type}`, accountId: a }),
    ...(['AWSAccount', 'AWSService', 'Unknown', 'IdentityCenterUser'].includes(type)
      ? {}
      : { arn: `arn:${p}:sts::${a}:assumed-role/someone/session` }),
    ...(invokedBy === undefined ? {} : { invokedBy }),
    ...(type === 'AssumedRole'
      ? {
          sessionContext: {
            sessionIssuer: { type: 'Role', arn: `arn:${p}:iam::${a}:role/someone`, accountId: a },
            attributes: { mfaAuthenticated: 'false', creationDate: '2026-11-28T18:00:00Z' },
            ...(sourceIdentity === undefined ? {} : { sourceIdentity }),
          },
        }
      : {}),
    ...more,
  }));
/** Role names: valid ones in any case, and what IAM would have refused. */
const validName = fc.string({ unit: nameChar, minLength: 1, maxLength: 64 });
const roleName = fc.oneof(
  { arbitrary: validName, weight: 6 },
  validName.map((n) => n.toUpperCase()),
  fc.constantFrom('', ' ', 'a'.repeat(65), 'web app', 'role/path', 'rôle'),
  fc.string(),
);
/** A tag as CloudTrail records a tagging call's: `{ key, value }`; the opt-in tag's key often, in any case. */
const tag = fc.record({
  key: fc.oneof(
    { arbitrary: fc.constant(OPT_IN_TAG), weight: 6 },
    fc.constantFrom(OPT_IN_TAG.toUpperCase(), SKIP_TAG, 'team'),
    fc.string({ maxLength: 8 }),
  ),
  value: fc.constantFrom('true', 'True', 'false', ''),
});
/** A request's `tags`: absent (most calls have none), a list of tags, or something else. */
const tags = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 2 },
  { arbitrary: fc.array(tag, { minLength: 1, maxLength: 3 }), weight: 8 },
  fc.jsonValue({ maxDepth: 1 }),
);
/** requestParameters: with a role name (and perhaps tags), without one, null, absent, or not an object at all. */
const requestParameters = fc.oneof(
  {
    arbitrary: fc.record({ roleName, tags, extra }).map(({ roleName: n, tags: t, extra: more }) => ({
      ...more,
      roleName: n,
      ...(t === undefined ? {} : { tags: t }),
    })),
    weight: 8,
  },
  fc.constant({}),
  fc.constant(null),
  fc.constant(undefined),
  fc.record({ roleName: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string())) }),
  fc.constantFrom('text', 42, []),
);
const errorCode = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 4 },
  { arbitrary: fc.constantFrom(...handledCodes), weight: 3 },
  fc.constantFrom(
    'NoSuchEntity',
    'NoSuchEntityException',
    'AccessDenied',
    'UnmodifiableEntityException',
    'ValidationError',
  ),
  fc.string({ minLength: 1, maxLength: 30 }),
);
/** One CloudTrail record of a handled IAM call, as EventBridge delivers it, with everything optional varied. */
const iamCallEvent = fc
  .record({
    eventName: fc.constantFrom(...handledNames),
    eventVersion: fc.oneof(
      fc.constantFrom('1.05', '1.06', '1.07', '1.08', '1.09', '1.10', '1.11'),
      fc.string({ maxLength: 5 }),
    ),
    userIdentity: fc.oneof({ arbitrary: userIdentity, weight: 9 }, fc.jsonValue({ maxDepth: 1 })),
    eventTime: optional(fc.date({ min: new Date('2013-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })),
    requestParameters,
    responseElements: optional(fc.record({ role: fc.record({ roleName: fc.string() }) })),
    errorCode,
    errorMessage: optional(fc.string()),
    eventID: optional(fc.uuid()),
    managementEvent: optional(fc.boolean()),
    eventCategory: optional(fc.constant('Management')),
    tlsDetails: optional(fc.record({ tlsVersion: fc.constantFrom('TLSv1.2', 'TLSv1.3') })),
    awsRegion: fc.constantFrom('us-east-1', 'cn-north-1', 'us-gov-west-1', 'us-west-2'),
    detailExtra: extra,
    envelopeExtra: extra,
    id: optional(fc.uuid()),
    time: optional(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
  })
  .map((r) => {
    const detail: Record<string, unknown> = {
      ...r.detailExtra,
      eventVersion: r.eventVersion,
      userIdentity: r.userIdentity,
      eventSource: IAM_CLOUDTRAIL_SOURCE,
      eventName: r.eventName,
      awsRegion: r.awsRegion,
    };
    const optionalFields = {
      eventTime: r.eventTime?.toISOString().replace(/\.\d{3}Z$/, 'Z') ?? r.eventTime,
      requestParameters: r.requestParameters,
      responseElements: r.responseElements,
      errorCode: r.errorCode,
      errorMessage: r.errorCode === undefined ? undefined : r.errorMessage,
      eventID: r.eventID,
      managementEvent: r.managementEvent,
      eventCategory: r.eventCategory,
      tlsDetails: r.tlsDetails,
    };
    for (const [key, value] of Object.entries(optionalFields)) if (value !== undefined) detail[key] = value;
    return {
      ...r.envelopeExtra,
      version: '0',
      ...(r.id === undefined ? {} : { id: r.id }),
      'detail-type': CLOUDTRAIL_DETAIL_TYPE,
      source: IAM_EVENT_SOURCE,
      ...(r.time === undefined ? {} : { time: r.time }),
      resources: [],
      detail,
    } as { detail: Record<string, unknown> } & Record<string, unknown>;
  });

/** The record's event id as the adapter keeps it: a non-empty string, or none. */
function eventIdOf(detail: Record<string, unknown>): string | undefined {
  return typeof detail.eventID === 'string' && detail.eventID !== '' ? detail.eventID : undefined;
}

/** What the record names as the role, if anything. */
function namedRole(detail: Record<string, unknown>): unknown {
  const request = detail.requestParameters;
  return typeof request === 'object' && request !== null && !Array.isArray(request)
    ? (request as Record<string, unknown>).roleName
    : undefined;
}

/** Whether the record's request sets one of these tag keys, exactly as typed. */
function setsTag(detail: Record<string, unknown>, keys: readonly string[]): boolean {
  const request = detail.requestParameters as { tags?: unknown } | null | undefined;
  const list = typeof request === 'object' && request !== null && Array.isArray(request.tags) ? request.tags : [];
  return list.some((t: { key?: unknown }) => typeof t?.key === 'string' && keys.includes(t.key));
}

/** What the adapter must make of a record: the table's trigger, or the reason it needs no work. */
function expected(detail: Record<string, unknown>) {
  const handled = HANDLED_EVENTS[detail.eventName as string];
  if (handled === undefined) throw new Error('the generator made an unhandled eventName');
  const code = typeof detail.errorCode === 'string' && detail.errorCode !== '' ? detail.errorCode : undefined;
  const kind = kindOf(handled, code);
  const role = namedRole(detail);
  if (kind === undefined) return { kind: 'ignored', reason: 'failed-call' } as const;
  if (code === undefined && handled.requestTagKeys !== undefined && !setsTag(detail, handled.requestTagKeys)) {
    return { kind: 'ignored', reason: 'no-handled-tag' } as const;
  }
  if (typeof role !== 'string' || role === '') return { kind: 'ignored', reason: 'no-role-name' } as const;
  if (!isRoleName(role)) return { kind: 'ignored', reason: 'invalid-role-name' } as const;
  return { kind, roleName: role } as const;
}

/** IAM answering every read: a role EC2 may not assume, in no profile, so no decision writes anything. */
const quietIam: IamSender = {
  send: (async (command: unknown) => {
    if (command instanceof GetRoleCommand) {
      const name = command.input.RoleName ?? '';
      return {
        Role: {
          RoleName: name,
          RoleId: 'AROAEXAMPLE',
          Arn: `arn:aws:iam::123456789012:role/${name}`,
          Path: '/',
          CreateDate: new Date('2020-01-01T00:00:00Z'),
          AssumeRolePolicyDocument: encodeURIComponent(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
          ),
        },
      };
    }
    if (command instanceof GetInstanceProfileCommand) {
      throw new NoSuchEntityException({ message: 'not found', $metadata: {} });
    }
    return { InstanceProfiles: [], Roles: [], RoleDetailList: [], $metadata: {} };
  }) as IamSender['send'],
};

describe('the adapter, on every shape of a handled IAM call', () => {
  it(
    'makes the table’s trigger for the named role, or acknowledges the record with its reason; never throws',
    () => {
      let triggers = 0;
      const reasons = new Map<string, number>();
      fc.assert(
        fc.property(iamCallEvent, (event) => {
          // Act
          const direct = fromEventBridge(event);
          const fromQueue = fromSqsRecord({ messageId: 'm', body: JSON.stringify(event) });

          // Assess
          const want = expected(event.detail);
          expect(fromQueue).toEqual(direct);
          if (want.kind === 'ignored') {
            expect(direct).toMatchObject({ kind: 'ignored', reason: want.reason, eventId: eventIdOf(event.detail) });
            reasons.set(want.reason, (reasons.get(want.reason) ?? 0) + 1);
          } else {
            expect(direct).toMatchObject({ kind: want.kind, roleName: want.roleName, origin: { type: 'event' } });
            triggers++;
          }
        }),
        { numRuns: RUNS },
      );
      // The generator reaches every outcome, so that each assertion above was made.
      expect(triggers).toBeGreaterThan(RUNS / 5);
      for (const reason of ['failed-call', 'no-role-name', 'invalid-role-name', 'no-handled-tag']) {
        expect(reasons.get(reason) ?? 0, reason).toBeGreaterThan(RUNS / 100);
      }
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'never returns a record for the DLQ for its shape, and logs one without a usable role once, with its event id',
    async () => {
      let records = 0;
      await fc.assert(
        // Batches of up to ten, as SQS delivers them: 1,000 batches carry over 5,000 records.
        fc.asyncProperty(fc.array(iamCallEvent, { minLength: 1, maxLength: BATCH_SIZE }), async (events) => {
          // Prepare
          const log = new RecordingLog();
          const deps: ProcessDeps = {
            iam: quietIam,
            config: DEFAULT_CONFIG,
            log,
            metrics: new RecordingCounter(),
            now: () => new Date('2030-01-02T00:00:00Z'),
          };
          const batch = events.map(
            (event, i) => ({ messageId: `m-${i}`, body: JSON.stringify(event), eventSource: 'aws:sqs' }) as SQSRecord,
          );
          records += batch.length;

          // Act
          const response = await processBatch(batch, deps);

          // Assess
          expect(response.batchItemFailures).toEqual([]);
          events.forEach((event, i) => {
            const want = expected(event.detail);
            // A call that failed, or tagged no key we handle, is nothing to do: an info line, not a warning.
            if (want.kind !== 'ignored' || want.reason === 'failed-call' || want.reason === 'no-handled-tag') return;
            const lines = log.lines.filter((line) => line.attributes.messageId === `m-${i}`);
            expect(lines).toHaveLength(1);
            expect(lines[0]).toMatchObject({
              level: 'warn',
              attributes: { reason: want.reason, eventId: eventIdOf(event.detail) },
            });
          });
        }),
        { numRuns: BATCH_RUNS },
      );
      expect(records).toBeGreaterThan(RUNS / 2);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
