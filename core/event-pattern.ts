/**
 * The EventBridge rule patterns that feed the remediator, derived from {@link HANDLED_EVENTS}: one rule
 * per delivery path, so that deletes skip the settle delay. Shared by the stack, the sandbox, `doctor`
 * and the tests; adding an event to the table adds it here.
 *
 * Pure: no SDK, no I/O.
 */
import {
  CLOUDTRAIL_DETAIL_TYPE,
  DELIVERY,
  type Delivery,
  errorCodeForms,
  HANDLED_EVENTS,
  type HandledEvent,
  IAM_CLOUDTRAIL_SOURCE,
  IAM_EVENT_SOURCE,
} from './events.js';

/**
 * A pattern on a tagging call's `requestParameters`: one of these keys among its `tags`. EventBridge matches a
 * field inside an array of objects against each object's field ("the array structure is crushed out", aws/event-ruler,
 * the engine of EventBridge's patterns, README "JSON Array Matching"); moto 5.2's EventBridge does not.
 */
export interface TagKeyClause {
  readonly tags: { readonly key: readonly string[] };
}

/** The part of a pattern that selects calls by name and outcome (and, for a tagging call, the keys it sets). */
export type CallClause =
  | {
      readonly eventName: readonly string[];
      readonly errorCode: readonly [{ readonly exists: false }];
      readonly requestParameters?: TagKeyClause;
    }
  | { readonly eventName: readonly string[]; readonly errorCode: readonly string[] };

/** An EventBridge event pattern, in its JSON form. */
export interface EventPattern {
  /** The accounts whose events match: the stack's own ({@link accountEventPatterns}); absent in {@link EVENT_PATTERNS}. */
  readonly account?: readonly string[];
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
  readonly detail: { readonly eventSource: readonly string[] } & (CallClause | { readonly $or: readonly CallClause[] });
}

/**
 * The pattern of one delivery path: successful calls of the events whose success goes that way (one
 * clause, `errorCode` absent; a tagging call, one clause of its own with the tag keys it is handled for), plus one
 * clause per event for the failures it handles (by `errorCode`, in each form CloudTrail records it:
 * `DeleteConflictException` and `DeleteConflict`).
 * Several clauses are joined with `$or`; failed calls we do not handle never match.
 */
export function eventPatternFor(
  delivery: Delivery,
  events: Readonly<Record<string, HandledEvent>> = HANDLED_EVENTS,
): EventPattern {
  const successes = Object.entries(events).filter(([, handled]) => DELIVERY[handled.success] === delivery);
  const untagged = successes.filter(([, handled]) => handled.requestTagKeys === undefined).map(([name]) => name);
  const clauses: CallClause[] = [];
  if (untagged.length > 0) clauses.push({ eventName: untagged, errorCode: [{ exists: false }] });
  for (const [name, { requestTagKeys }] of successes) {
    if (requestTagKeys === undefined) continue;
    const requestParameters = { tags: { key: requestTagKeys } };
    clauses.push({ eventName: [name], errorCode: [{ exists: false }], requestParameters });
  }
  for (const [name, handled] of Object.entries(events)) {
    const codes = Object.entries(handled.failures ?? {})
      .filter(([, kind]) => DELIVERY[kind] === delivery)
      .flatMap(([code]) => errorCodeForms(code));
    if (codes.length > 0) clauses.push({ eventName: [name], errorCode: codes });
  }
  const [only] = clauses;
  if (only === undefined) throw new Error(`no handled event is delivered on the ${delivery} path`);
  return {
    source: [IAM_EVENT_SOURCE],
    'detail-type': [CLOUDTRAIL_DETAIL_TYPE],
    detail: { eventSource: [IAM_CLOUDTRAIL_SOURCE], ...(clauses.length === 1 ? only : { $or: clauses }) },
  };
}

/**
 * The rule pattern of each delivery path: `settle` (CreateRole, UpdateAssumeRolePolicy, DeleteRole succeeded; TagRole
 * with the opt-in tag's key), `immediate` (DeleteRole failed with DeleteConflict).
 */
export const EVENT_PATTERNS: Readonly<Record<Delivery, EventPattern>> = {
  settle: eventPatternFor('settle'),
  immediate: eventPatternFor('immediate'),
};

/**
 * The rule patterns as the stack deploys them: each path's pattern for the events of `account` alone (EventBridge's
 * `account`, the account the event is about). The default bus also receives what other accounts' rules send it, and
 * their IAM calls are none of ours: the stack, the sandbox and the routing tests all use these. `account` may be a
 * CDK token (`Aws.ACCOUNT_ID`), resolved per account when the stack deploys.
 */
export function accountEventPatterns(account: string): Readonly<Record<Delivery, EventPattern>> {
  return {
    settle: { account: [account], ...EVENT_PATTERNS.settle },
    immediate: { account: [account], ...EVENT_PATTERNS.immediate },
  };
}
