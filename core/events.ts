/**
 * The event adapter: turns an SQS record or an EventBridge event into a {@link RoleTrigger}, the only
 * thing the rest of the service sees. Two sources are understood: CloudTrail-recorded IAM calls (through
 * EventBridge) and the reconcile pass's own messages ({@link RECONCILE_SOURCE}). Which calls are handled,
 * and on which delivery path, is {@link HANDLED_EVENTS}: the one place an event is added.
 *
 * Pure: no SDK, no I/O.
 */
import { UnsupportedEventError } from './errors.js';
import { isRoleName } from './names.js';
import { OPT_IN_TAG } from './tags.js';

/** EventBridge's `source` for IAM. */
export const IAM_EVENT_SOURCE = 'aws.iam';
/** EventBridge's `detail-type` for CloudTrail API calls. */
export const CLOUDTRAIL_DETAIL_TYPE = 'AWS API Call via CloudTrail';
/** CloudTrail's `eventSource` for IAM. */
export const IAM_CLOUDTRAIL_SOURCE = 'iam.amazonaws.com';
/** The `source` of the messages the reconcile pass puts on the remediator's queue, one per candidate role. */
export const RECONCILE_SOURCE = 'auto-instance-profile.reconcile';
/** The `detail-type` of a reconcile message. */
export const RECONCILE_DETAIL_TYPE = 'Role found by reconcile';

/**
 * What happened to the role, which decides the rules that apply:
 * - `role-created`, `trust-changed`, `opt-in-tagged`, `found-by-scan`: the role may need a profile
 *   (`opt-in-tagged`: it was tagged `auto-instance-profile:opt-in` after its creation);
 * - `delete-conflict`: a DeleteRole failed with DeleteConflict; our profiles may be what blocks it;
 * - `role-deleted`: a DeleteRole succeeded; our profile may be left behind, empty.
 */
export type TriggerKind =
  | 'role-created'
  | 'trust-changed'
  | 'opt-in-tagged'
  | 'role-deleted'
  | 'delete-conflict'
  | 'found-by-scan';

/**
 * The two delivery paths. `settle`: the queue with the settle delay, so that the console's or IaC's own
 * profile lands first, and so that a role deleted and made again at once (Terraform's replace) exists again
 * when its DeleteRole is seen and adopts its leftover. `immediate`: the queue without delay, so that a
 * retried `delete-role` works seconds later.
 */
export type Delivery = 'settle' | 'immediate';

/** The delivery path of each trigger kind. */
export const DELIVERY: Readonly<Record<TriggerKind, Delivery>> = {
  'role-created': 'settle',
  'trust-changed': 'settle',
  'opt-in-tagged': 'settle',
  'found-by-scan': 'settle',
  'role-deleted': 'settle',
  'delete-conflict': 'immediate',
};

/** Who made the call, from CloudTrail's `userIdentity`; logged with every decision. */
export interface Caller {
  readonly arn?: string | undefined;
  readonly type?: string | undefined;
  /** The AWS service that made the call on someone's behalf, e.g. `cloudformation.amazonaws.com`. */
  readonly invokedBy?: string | undefined;
  /** For an assumed role, the role's ARN (`sessionContext.sessionIssuer.arn`). */
  readonly issuerArn?: string | undefined;
}

/** A trigger that came from a CloudTrail-recorded IAM call. */
export interface EventOrigin {
  readonly type: 'event';
  /** CloudTrail's `eventName`, e.g. `CreateRole`. */
  readonly eventName: string;
  /** CloudTrail's `eventID`: unique per API call, recorded on the profiles we create. */
  readonly eventId?: string | undefined;
  /** EventBridge's event `id`: the correlation id of every log line about this trigger. */
  readonly correlationId?: string | undefined;
  /** When the call happened; decides whether a missing role is "not visible yet" or "gone". */
  readonly eventTime?: Date | undefined;
  /** The failed call's `errorCode` and `errorMessage`, for the failures we handle. */
  readonly errorCode?: string | undefined;
  readonly errorMessage?: string | undefined;
  readonly caller: Caller;
}

/** A trigger that came from a scan of the account: the scheduled reconcile, or the CLI. */
export interface ScanOrigin {
  readonly type: 'scan';
  /** The scan's id: the correlation id of every log line about it. */
  readonly scanId?: string | undefined;
  /**
   * Who created the role, when the scan looked it up (core/created-by.ts): the caller of its CreateRole;
   * `'unknown'` (older than CloudTrail's event history, or beyond the pass's lookup budget); or `'pending'`
   * (younger than CloudTrail's delivery lag and not in its history yet: its own event decides). The reconcile pass
   * carries it to the remediator in its message. Undefined when the scan did not look (the CLI's
   * `--no-creator-lookup`; a message of an older pass).
   */
  readonly creator?: Caller | 'unknown' | 'pending' | undefined;
}

/** Where a trigger came from. */
export type TriggerOrigin = EventOrigin | ScanOrigin;

/** The role to decide about, what happened to it, and where that news came from. */
export interface RoleTrigger {
  readonly kind: TriggerKind;
  readonly roleName: string;
  readonly origin: TriggerOrigin;
}

/**
 * Why a handled IAM call needs no work from its event:
 * - `failed-call`: it failed with an error code the table does not handle;
 * - `no-role-name`: the record names no role (`requestParameters` null, absent or without `roleName`);
 * - `invalid-role-name`: it names one IAM could not have taken;
 * - `other-account`: its `account` or `detail.recipientAccountId` is not the function's own account (another
 *   account's rule sent it to this bus, or it was made up): its role is none of ours, whatever its name;
 * - `no-handled-tag`: a tagging call whose request sets none of the tag keys the table handles it for (the rule
 *   routes only those; another reaches the function only when invoked directly).
 * None is retried: another delivery of the same record would be no better, and the scheduled reconcile finds
 * the role, if there is one.
 */
export type IgnoredReason = 'failed-call' | 'no-role-name' | 'invalid-role-name' | 'other-account' | 'no-handled-tag';

/** A well-formed event that needs no work, e.g. a call that failed. */
export interface IgnoredEvent {
  readonly kind: 'ignored';
  readonly reason: IgnoredReason;
  readonly roleName?: string | undefined;
  readonly eventName: string;
  /** The failed call's `errorCode`; absent for a call that succeeded. */
  readonly errorCode?: string | undefined;
  readonly eventId?: string | undefined;
  readonly correlationId?: string | undefined;
  /** With `other-account`: the event's accounts (EventBridge's `account`, CloudTrail's `recipientAccountId`) and ours. */
  readonly accounts?: {
    readonly event?: string | undefined;
    readonly recipient?: string | undefined;
    readonly own: string;
  };
}

/** What the adapter knows of the function that runs it. */
export interface AdaptOptions {
  /**
   * The function's own account: an IAM event of any other account is refused (`other-account`).
   * @default undefined - no account check (the local invoke tool, which has no SERVICE_ROLE_ARN)
   */
  readonly ownAccount?: string | undefined;
}

/** What the adapter makes of one event. */
export type Adapted = RoleTrigger | IgnoredEvent;

/** How one CloudTrail event maps to trigger kinds: when it succeeded, and per `errorCode` when it failed. */
export interface HandledEvent {
  readonly success: TriggerKind;
  /**
   * A tagging call succeeds as {@link success} only when its request's `tags` (`[{ key, value }]`, as CloudTrail
   * records TagRole) set one of these keys; the rule's pattern says so, so that other tagging never reaches the queue.
   * The value is not matched there: the decision reads the role's tags from IAM, as people type `true` and `True`.
   */
  readonly requestTagKeys?: readonly string[];
  /**
   * Failed calls that still need work, by IAM's error code (`DeleteConflict`); each matches every form
   * CloudTrail records it in ({@link errorCodeForms}). Other failures are neither routed nor handled.
   */
  readonly failures?: Readonly<Record<string, TriggerKind>>;
}

/**
 * Every CloudTrail event the service handles. The rule patterns (core/event-pattern.ts), the adapter and
 * the routing tests all derive from this table.
 */
export const HANDLED_EVENTS: Readonly<Record<string, HandledEvent>> = {
  CreateRole: { success: 'role-created' },
  UpdateAssumeRolePolicy: { success: 'trust-changed' },
  DeleteRole: { success: 'role-deleted', failures: { DeleteConflict: 'delete-conflict' } },
  // With selection=opt-in, a role tagged opt-in after its creation gets its profile now, not at the next reconcile.
  TagRole: { success: 'opt-in-tagged', requestTagKeys: [OPT_IN_TAG] },
};

/**
 * The forms CloudTrail records one IAM error code in: the exception's name (`DeleteConflictException`, as in
 * recent records: a 2024 record of a failed call carries `NoSuchEntityException`) and the API's bare code
 * (`DeleteConflict`, as in records of 2019, eventVersion 1.05). AWS documents neither, so both are matched.
 * Given either form, returns both, exception first.
 */
export function errorCodeForms(code: string): readonly [string, string] {
  const bare = code.endsWith('Exception') ? code.slice(0, -'Exception'.length) : code;
  return [`${bare}Exception`, bare];
}

/** The trigger kind of a handled event's outcome: its success, or the failure its `errorCode` is a form of. */
export function kindOf(handled: HandledEvent, errorCode: string | undefined): TriggerKind | undefined {
  if (errorCode === undefined) return handled.success;
  const failure = Object.entries(handled.failures ?? {}).find(([code]) => errorCodeForms(code).includes(errorCode));
  return failure?.[1];
}

/** The shape of an SQS record the adapter needs: Lambda's SQSRecord satisfies it. */
export interface SqsRecordLike {
  readonly messageId: string;
  readonly body: string;
  /** SQS's attributes; `SentTimestamp` (epoch ms) is when the event entered the queue. */
  readonly attributes?: { readonly SentTimestamp?: string | undefined } | undefined;
}

/**
 * Adapts one SQS record whose body is an EventBridge event. Throws {@link UnsupportedEventError}.
 * An event time later than the moment the event entered the queue cannot be true: it is capped there,
 * so that a clock ahead of ours cannot keep a missing role "not visible yet" until the DLQ.
 */
export function fromSqsRecord(record: SqsRecordLike, options: AdaptOptions = {}): Adapted {
  if (!isRecord(record) || typeof record.body !== 'string') throw new UnsupportedEventError('record has no body');
  let event: unknown;
  try {
    event = JSON.parse(record.body);
  } catch (cause) {
    throw new UnsupportedEventError('record body is not JSON', { cause });
  }
  const adapted = fromEventBridge(event, options);
  const sent = sentTimestamp(record);
  if (adapted.kind === 'ignored' || adapted.origin.type !== 'event' || sent === undefined) return adapted;
  const { eventTime } = adapted.origin;
  if (eventTime === undefined || eventTime.getTime() <= sent) return adapted;
  return { ...adapted, origin: { ...adapted.origin, eventTime: new Date(sent) } };
}

/** Adapts one EventBridge-shaped event: a CloudTrail record or a reconcile message. Throws {@link UnsupportedEventError}. */
export function fromEventBridge(event: unknown, options: AdaptOptions = {}): Adapted {
  if (!isRecord(event)) throw new UnsupportedEventError('event is not an object');
  if (event.source === RECONCILE_SOURCE) return fromReconcileMessage(event);
  if (event.source !== IAM_EVENT_SOURCE) throw new UnsupportedEventError(`unsupported source ${shown(event.source)}`);
  if (event['detail-type'] !== CLOUDTRAIL_DETAIL_TYPE) {
    throw new UnsupportedEventError(`unsupported detail-type ${shown(event['detail-type'])}`);
  }
  const detail = event.detail;
  if (!isRecord(detail)) throw new UnsupportedEventError('event has no detail');
  if (detail.eventSource !== IAM_CLOUDTRAIL_SOURCE) {
    throw new UnsupportedEventError(`unsupported eventSource ${shown(detail.eventSource)}`);
  }
  const eventName = stringOr(detail.eventName);
  const handled = eventName === undefined ? undefined : HANDLED_EVENTS[eventName];
  if (eventName === undefined || handled === undefined) {
    throw new UnsupportedEventError(`unsupported eventName ${shown(detail.eventName)}`);
  }

  const request = isRecord(detail.requestParameters) ? detail.requestParameters : {};
  const roleName = stringOr(request.roleName);
  const eventId = stringOr(detail.eventID);
  const correlationId = stringOr(event.id);
  const errorCode = stringOr(detail.errorCode);
  const { ownAccount } = options;
  if (ownAccount !== undefined) {
    const accounts = {
      event: stringOr(event.account),
      recipient: stringOr(detail.recipientAccountId),
      own: ownAccount,
    };
    // Both must name us: EventBridge's `account` is whose bus event it was, CloudTrail's whose IAM was called.
    if (accounts.event !== ownAccount || accounts.recipient !== ownAccount) {
      // No role named: whatever it names is another account's, none of ours.
      return { kind: 'ignored', reason: 'other-account', eventName, errorCode, eventId, correlationId, accounts };
    }
  }
  const kind = kindOf(handled, errorCode);
  if (kind !== undefined && errorCode === undefined && !setsHandledTag(handled, request)) {
    const named = roleName !== undefined && isRoleName(roleName) ? roleName : undefined;
    return { kind: 'ignored', reason: 'no-handled-tag', roleName: named, eventName, eventId, correlationId };
  }
  // From here on the record is an IAM call we handle: its shape alone never makes it fail (and so never
  // sends it to the DLQ); what cannot be acted on is acknowledged with the reason, for reconcile to cover.
  const reason = kind === undefined ? 'failed-call' : roleName === undefined ? 'no-role-name' : 'invalid-role-name';
  if (kind === undefined || roleName === undefined || !isRoleName(roleName)) {
    return {
      kind: 'ignored',
      reason,
      // Named in the log line only if it is a role name at all: the call failed, perhaps on that very name.
      roleName: roleName !== undefined && isRoleName(roleName) ? roleName : undefined,
      eventName,
      errorCode,
      eventId,
      correlationId,
    };
  }
  return {
    kind,
    roleName,
    origin: {
      type: 'event',
      eventName,
      eventId,
      correlationId,
      eventTime: dateOr(event.time) ?? dateOr(detail.eventTime),
      errorCode,
      errorMessage: errorCode === undefined ? undefined : stringOr(detail.errorMessage),
      caller: callerOf(detail.userIdentity),
    },
  };
}

/** Whether a successful call's request sets a tag key the table handles it for; true when it names none. */
function setsHandledTag(handled: HandledEvent, request: Readonly<Record<string, unknown>>): boolean {
  const keys = handled.requestTagKeys;
  if (keys === undefined) return true;
  const tags = Array.isArray(request.tags) ? (request.tags as unknown[]) : [];
  return tags.some((tag) => isRecord(tag) && typeof tag.key === 'string' && keys.includes(tag.key));
}

/** When the record entered the queue (SQS's `SentTimestamp`, epoch milliseconds), if it says so and it is a real time. */
function sentTimestamp(record: SqsRecordLike): number | undefined {
  const raw = isRecord(record.attributes) ? record.attributes.SentTimestamp : undefined;
  if (typeof raw !== 'string' || !/^\d{1,16}$/.test(raw)) return undefined;
  const sent = Number(raw);
  return Number.isNaN(new Date(sent).getTime()) ? undefined : sent;
}

/**
 * A reconcile message, as the reconcile pass sends it: `{ source, detail-type, id, detail: { roleName, creator } }`.
 * Build it with {@link reconcileMessage}.
 */
export interface ReconcileMessage {
  readonly source: typeof RECONCILE_SOURCE;
  readonly 'detail-type': typeof RECONCILE_DETAIL_TYPE;
  /** The scan's id, shared by every message of one pass. */
  readonly id: string;
  readonly time: string;
  readonly detail: {
    readonly roleName: string;
    /**
     * Who created the role, as the pass learnt it (core/created-by.ts), so that the remediator holds
     * `ignoredCallers`, its own calls and `unknownCreator` to it as the pass did. Absent when the pass did not
     * look (a message of an older pass): the remediator then decides without it, as before.
     */
    readonly creator?: ScanOrigin['creator'];
  };
}

/** The message the reconcile pass sends for one candidate role, with its creator when the pass learnt it. */
export function reconcileMessage(
  roleName: string,
  scanId: string,
  time: Date,
  creator?: ScanOrigin['creator'],
): ReconcileMessage {
  return {
    source: RECONCILE_SOURCE,
    'detail-type': RECONCILE_DETAIL_TYPE,
    id: scanId,
    time: time.toISOString(),
    detail: creator === undefined ? { roleName } : { roleName, creator },
  };
}

function fromReconcileMessage(event: Readonly<Record<string, unknown>>): RoleTrigger {
  if (event['detail-type'] !== RECONCILE_DETAIL_TYPE) {
    throw new UnsupportedEventError(`unsupported detail-type ${shown(event['detail-type'])}`);
  }
  const detail = isRecord(event.detail) ? event.detail : {};
  const creator = creatorOf(detail.creator);
  return {
    kind: 'found-by-scan',
    roleName: validRoleName(stringOr(detail.roleName), 'detail.roleName'),
    origin: { type: 'scan', scanId: stringOr(event.id), ...(creator === undefined ? {} : { creator }) },
  };
}

/**
 * A reconcile message's creator: `'unknown'`, `'pending'`, a {@link Caller} (its fields strings, as the pass wrote
 * them), or undefined when the message has none. Anything else is no message of ours: {@link UnsupportedEventError}.
 */
function creatorOf(value: unknown): ScanOrigin['creator'] {
  if (value === undefined || value === 'unknown' || value === 'pending') return value;
  const fields = ['arn', 'type', 'invokedBy', 'issuerArn'] as const;
  if (
    !isRecord(value) ||
    !Object.entries(value).every(([k, v]) => fields.includes(k as never) && typeof v === 'string')
  ) {
    throw new UnsupportedEventError(`event has an invalid detail.creator ${shown(value)}`);
  }
  return Object.fromEntries(fields.map((field) => [field, stringOr(value[field])]));
}

function validRoleName(name: string | undefined, field: string): string {
  if (name === undefined || !isRoleName(name)) throw new UnsupportedEventError(`event has no valid ${field}`);
  return name;
}

/** The trigger's correlation id and CloudTrail event id, whatever its origin: the keys of its log lines. */
export function correlationOf(trigger: RoleTrigger): { readonly correlationId?: string; readonly eventId?: string } {
  const { origin } = trigger;
  if (origin.type === 'scan') return origin.scanId === undefined ? {} : { correlationId: origin.scanId };
  return {
    ...(origin.correlationId === undefined ? {} : { correlationId: origin.correlationId }),
    ...(origin.eventId === undefined ? {} : { eventId: origin.eventId }),
  };
}

/** The {@link Caller} in CloudTrail's `userIdentity`; empty for anything that is not one. */
export function callerOf(identity: unknown): Caller {
  if (!isRecord(identity)) return {};
  const session = isRecord(identity.sessionContext) ? identity.sessionContext : {};
  const issuer = isRecord(session.sessionIssuer) ? session.sessionIssuer : {};
  return {
    arn: stringOr(identity.arn),
    type: stringOr(identity.type),
    invokedBy: stringOr(identity.invokedBy),
    issuerArn: stringOr(issuer.arn),
  };
}

/**
 * A value for an error message. Never throws: `String()` does on a JSON object whose `toString` is not a
 * function (`{"toString": 1}`), and on an object without a prototype.
 */
function shown(value: unknown): string {
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
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
