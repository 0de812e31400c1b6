/**
 * The event adapter: turns an SQS record or an EventBridge event carrying a CloudTrail record into a
 * {@link RoleTrigger}, the only thing the rest of the service sees. Nothing downstream knows where the
 * trigger came from, which is what lets a scan or another event source slot in later.
 *
 * Pure: no SDK, no I/O.
 */
import { UnsupportedEventError } from './errors.js';

/** EventBridge's `source` for IAM. */
export const IAM_EVENT_SOURCE = 'aws.iam';
/** EventBridge's `detail-type` for CloudTrail API calls. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** CloudTrail's `eventSource` for IAM. */
export const IAM_CLOUDTRAIL_SOURCE = 'iam.amazonaws.com';

/** What happened to the role. New CloudTrail event names map onto these in {@link HANDLED_EVENTS}. */
export type TriggerKind = 'role-created';

/** Who made the call, from CloudTrail's `userIdentity`; logged with every decision. */
export interface Caller {
  readonly arn?: string | undefined;
  readonly type?: string | undefined;
  /** The AWS service that made the call on someone's behalf, e.g. `cloudformation.amazonaws.com`. */
  readonly invokedBy?: string | undefined;
}

/** The target role and the context needed to decide about it. */
export interface RoleTrigger {
  readonly kind: TriggerKind;
  readonly roleName: string;
  /** CloudTrail's `eventID`: unique per API call, recorded on the profiles we create. */
  readonly eventId?: string | undefined;
  /** EventBridge's event `id`: the correlation id of every log line about this trigger. */
  readonly correlationId?: string | undefined;
  /** When the call happened; decides whether a missing role is "not visible yet" or "gone". */
  readonly eventTime?: Date | undefined;
  readonly eventName?: string | undefined;
  readonly caller: Caller;
}

/** A well-formed event that needs no work, e.g. a call that failed. */
export interface IgnoredEvent {
  readonly kind: 'ignored';
  readonly reason: 'failed-call';
  readonly roleName?: string | undefined;
  readonly eventName: string;
  readonly errorCode: string;
  readonly eventId?: string | undefined;
  readonly correlationId?: string | undefined;
}

/** What the adapter makes of one event. */
export type Adapted = RoleTrigger | IgnoredEvent;

/**
 * How each handled CloudTrail event maps to a trigger kind: `success` for a call that succeeded, and
 * `failures[errorCode]` for the failed calls that still need work. Other failed calls are ignored.
 */
export const HANDLED_EVENTS: Readonly<
  Record<string, { readonly success: TriggerKind; readonly failures?: Readonly<Record<string, TriggerKind>> }>
> = {
  CreateRole: { success: 'role-created' },
};

/** The shape of an SQS record the adapter needs: Lambda's SQSRecord satisfies it. */
export interface SqsRecordLike {
  readonly messageId: string;
  readonly body: string;
}

/** Adapts one SQS record whose body is an EventBridge event. Throws {@link UnsupportedEventError}. */
export function fromSqsRecord(record: SqsRecordLike): Adapted {
  let event: unknown;
  try {
    event = JSON.parse(record.body);
  } catch (cause) {
    throw new UnsupportedEventError('record body is not JSON', { cause });
  }
  return fromEventBridge(event);
}

/** Adapts one EventBridge event carrying a CloudTrail record. Throws {@link UnsupportedEventError}. */
export function fromEventBridge(event: unknown): Adapted {
  if (!isRecord(event)) throw new UnsupportedEventError('event is not an object');
  if (event.source !== IAM_EVENT_SOURCE) throw new UnsupportedEventError(`unsupported source ${String(event.source)}`);
  if (event['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) {
    throw new UnsupportedEventError(`unsupported detail-type ${String(event['detail-type'])}`);
  }
  const detail = event.detail;
  if (!isRecord(detail)) throw new UnsupportedEventError('event has no detail');
  if (detail.eventSource !== IAM_CLOUDTRAIL_SOURCE) {
    throw new UnsupportedEventError(`unsupported eventSource ${String(detail.eventSource)}`);
  }
  const eventName = stringOr(detail.eventName);
  const handled = eventName === undefined ? undefined : HANDLED_EVENTS[eventName];
  if (eventName === undefined || handled === undefined) {
    throw new UnsupportedEventError(`unsupported eventName ${String(detail.eventName)}`);
  }

  const request = isRecord(detail.requestParameters) ? detail.requestParameters : {};
  const roleName = stringOr(request.roleName);
  const eventId = stringOr(detail.eventID);
  const correlationId = stringOr(event.id);
  const errorCode = stringOr(detail.errorCode);
  const kind = errorCode === undefined ? handled.success : handled.failures?.[errorCode];
  if (kind === undefined) {
    return {
      kind: 'ignored',
      reason: 'failed-call',
      roleName,
      eventName,
      errorCode: errorCode ?? '',
      eventId,
      correlationId,
    };
  }
  if (roleName === undefined || !isRoleName(roleName)) {
    throw new UnsupportedEventError('event has no valid requestParameters.roleName');
  }
  return {
    kind,
    roleName,
    eventId,
    correlationId,
    eventTime: dateOr(event.time) ?? dateOr(detail.eventTime),
    eventName,
    caller: callerOf(detail.userIdentity),
  };
}

/** IAM's role name rule: 1 to 64 of letters, digits and `+=,.@_-`. */
export function isRoleName(name: string): boolean {
  return /^[\w+=,.@-]{1,64}$/.test(name);
}

function callerOf(identity: unknown): Caller {
  if (!isRecord(identity)) return {};
  return { arn: stringOr(identity.arn), type: stringOr(identity.type), invokedBy: stringOr(identity.invokedBy) };
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function dateOr(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
