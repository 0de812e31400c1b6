/**
 * The doctor's decisions: given what was read from the account, does each part of the pipeline look
 * right, and if not, what should the user do? Pure: no SDK calls, no I/O (the SDK's types only).
 */

import type { AdvancedEventSelector, AdvancedFieldSelector, EventSelector } from '@aws-sdk/client-cloudtrail';
import { accountEventPatterns, EVENT_PATTERNS, type EventPattern } from '../../core/event-pattern.js';
import { CLOUDTRAIL_DETAIL_TYPE, type Delivery, IAM_CLOUDTRAIL_SOURCE } from '../../core/events.js';
import type { MappingFacts } from '../../core/lambda/event-source-mappings.js';
import {
  IAM_EVENT_REGION,
  QUEUE_RETENTION_DAYS,
  STACK_NAME,
  STACK_OUTPUTS,
  STACK_SET_INSTANCE_PREFIX,
} from '../../core/pipeline-settings.js';
import { describeUsage, quotaThresholdReached } from '../../core/quota.js';
import { iamEventRegionFor, partitionOf } from '../../core/regions.js';
import { SETTINGS } from '../../core/settings.js';
import type { ProfileUsage } from '../../core/snapshots.js';
import { MANAGED_TAG } from '../../core/tags.js';
import { describeError } from '../errors.js';
import {
  DELIVERY_QUEUES,
  type DeliveryQueueUrls,
  deliveryView,
  labelOf,
  QUEUE_LABELS,
  type QueueMapping,
} from '../pause/state.js';
import { SMOKE_TEST_TAG } from './smoke-role.js';

/**
 * The checks, in the order they are reported, each with what it checks: the rows of `doctor --help`. `smoke` runs
 * only with `--smoke`.
 */
export const DOCTOR_CHECKS = {
  region: `the region is its partition's IAM event region (${Object.values(IAM_EVENT_REGION).join(', ')})`,
  trail: "a CloudTrail trail is logging IAM's write management events",
  stack: `the ${STACK_NAME} stack, or the stack an organization's StackSet made here (${STACK_SET_INSTANCE_PREFIX}…), is deployed, with its outputs`,
  rule: "the stack's EventBridge rule for creates and trust changes is enabled",
  'delete-rule': "the stack's EventBridge rule for deletes is enabled",
  'event-sources':
    "the remediator's event source mappings poll both queues; paused (all off: auto-instance-profile pause, or by hand) is its own state, not a failure, with since when, how many events wait and the oldest; one on and one off fails",
  'dead-letter-queue': "the stack's dead-letter queue is empty",
  'instance-profiles': `the account's instance profiles are below ${SETTINGS.instanceProfileQuotaPercent.default}% of its quota (GetAccountSummary), where the service stops creating`,
  ownership:
    "the stack's ownership table is reachable; names the profiles tagged as ours that no record proves (a warning: confirm them, or remove the tag); reads the tags of every profile no record names",
  smoke: `with --smoke: a throwaway EC2 role (tag ${SMOKE_TEST_TAG}) gets its instance profile; DeleteRole then removes the role once the service has released it`,
} as const;

/** A check's name: stable, for scripts that read `--json`. */
export type CheckName = keyof typeof DOCTOR_CHECKS;

/** The checks' names, in the order they are reported. */
export const CHECK_NAMES = Object.keys(DOCTOR_CHECKS) as readonly CheckName[];

/**
 * How a check came out: `ok`, `warning` (something to look at that does not stop the service: the doctor still
 * passes), `paused` (the service is paused on purpose: `event-sources` only; the doctor still passes), `failed`, or
 * `not-checked` when it could not run (an earlier check it needs failed, or a call was denied). A check that did not
 * run is not counted as failed.
 */
export type CheckStatus = 'ok' | 'warning' | 'paused' | 'failed' | 'not-checked';

/** Whether a status lets the doctor pass: ok, a warning, or paused. */
export function passes(status: CheckStatus): boolean {
  return status === 'ok' || status === 'warning' || status === 'paused';
}

/** One line of the doctor's report. */
export interface CheckResult {
  readonly name: CheckName;
  readonly status: CheckStatus;
  readonly detail: string;
}

/** A check that could not run because an earlier one failed, an input is missing, or a call was refused. */
export function notChecked(name: CheckName, why: string): CheckResult {
  return { name, status: 'not-checked', detail: `not checked: ${why}` };
}

/** A check whose AWS call failed (AccessDenied, throttling …): not checked, with the SDK's error name and message. */
export function callFailed(name: CheckName, what: string, error: unknown): CheckResult {
  return notChecked(name, `${what} failed: ${describeError(error)}`);
}

/** The counts of a report, by status. */
export function tally(checks: readonly CheckResult[]): Readonly<Record<CheckStatus, number>> {
  const counts = { ok: 0, warning: 0, paused: 0, failed: 0, 'not-checked': 0 };
  for (const check of checks) counts[check.status]++;
  return counts;
}

/** A check as the `--json` reports give it; `ok` stays for scripts written against the first version, `status` says more. */
export function checkView(check: CheckResult) {
  const { name, status, detail } = check;
  return { name, ok: passes(status), status, detail };
}

/**
 * The region must be the one where IAM's events reach EventBridge, since the stack's rule lives there. The
 * partition comes from core/regions.ts, the table the CDK app's region guard reads too.
 */
export function checkRegion(region: string): CheckResult {
  const partition = partitionOf(region);
  const expected = iamEventRegionFor(region);
  if (expected === undefined) {
    return {
      name: 'region',
      status: 'failed',
      detail: `${region} is in the ${partition} partition, which is not supported`,
    };
  }
  if (region !== expected) {
    return {
      name: 'region',
      status: 'failed',
      detail: `${region}: IAM's events reach EventBridge only in ${expected} (the ${partition} partition's IAM region); deploy there (AWS_REGION=${expected} AWS_DEFAULT_REGION=${expected} npm run deploy) and run doctor with --region ${expected}`,
    };
  }
  return { name: 'region', status: 'ok', detail: `${region} is the ${partition} partition's IAM event region` };
}

/** What was read about one trail. `error` is set when its status or selectors could not be read. */
export interface TrailFacts {
  readonly name: string;
  readonly arn?: string | undefined;
  readonly homeRegion?: string | undefined;
  readonly multiRegion: boolean;
  readonly includeGlobalServiceEvents: boolean;
  readonly logging?: boolean | undefined;
  readonly eventSelectors?: readonly EventSelector[] | undefined;
  readonly advancedEventSelectors?: readonly AdvancedEventSelector[] | undefined;
  readonly error?: string | undefined;
}

/** The CloudTrail record fields an IAM write call has, as advanced event selectors see them. */
const IAM_WRITE_EVENT: Readonly<Record<string, string>> = {
  eventCategory: 'Management',
  readOnly: 'false',
  eventSource: IAM_CLOUDTRAIL_SOURCE,
  eventName: 'CreateRole',
  eventType: 'AwsApiCall',
};

/**
 * Whether event selectors log IAM's write management events, and if not, why. No selectors at all is
 * CloudTrail's default: every management event.
 */
export function selectorsLogIamWrites(
  basic: readonly EventSelector[] | undefined,
  advanced: readonly AdvancedEventSelector[] | undefined,
): { readonly ok: boolean; readonly why: string } {
  if (advanced !== undefined && advanced.length > 0) {
    const match = advanced.find((selector) => advancedSelectorMatches(selector, IAM_WRITE_EVENT));
    return match === undefined
      ? { ok: false, why: 'its advanced event selectors do not select IAM write management events' }
      : { ok: true, why: `advanced event selector "${match.Name ?? 'unnamed'}" selects management write events` };
  }
  if (basic !== undefined && basic.length > 0) {
    const logs = basic.some(
      (selector) =>
        selector.IncludeManagementEvents !== false &&
        (selector.ReadWriteType ?? 'All') !== 'ReadOnly' &&
        !(selector.ExcludeManagementEventSources ?? []).includes(IAM_CLOUDTRAIL_SOURCE),
    );
    return logs
      ? { ok: true, why: 'its event selectors include management write events' }
      : { ok: false, why: 'its event selectors leave out management write events' };
  }
  return { ok: true, why: 'it logs all management events (the default)' };
}

/**
 * Whether an advanced event selector selects an event: every field selector must hold (AND); within one,
 * any positive operator value may match (OR) and no negative one may. A field the sample does not know
 * (say userIdentity.arn) makes the selector partial, which cannot be trusted to log every IAM write.
 */
export function advancedSelectorMatches(
  selector: AdvancedEventSelector,
  event: Readonly<Record<string, string>>,
): boolean {
  const fields = selector.FieldSelectors ?? [];
  return fields.length > 0 && fields.every((field) => fieldSelectorMatches(field, event));
}

function fieldSelectorMatches(field: AdvancedFieldSelector, event: Readonly<Record<string, string>>): boolean {
  const value = field.Field === undefined ? undefined : event[field.Field];
  if (value === undefined) return false;
  const positives = [
    ...(field.Equals ?? []).map((v) => value === v),
    ...(field.StartsWith ?? []).map((v) => value.startsWith(v)),
    ...(field.EndsWith ?? []).map((v) => value.endsWith(v)),
  ];
  const negatives = [
    ...(field.NotEquals ?? []).map((v) => value === v),
    ...(field.NotStartsWith ?? []).map((v) => value.startsWith(v)),
    ...(field.NotEndsWith ?? []).map((v) => value.endsWith(v)),
  ];
  return (positives.length === 0 || positives.some(Boolean)) && !negatives.some(Boolean);
}

/** Why one trail does not deliver IAM's write events to EventBridge in `iamRegion`, or undefined if it does. */
export function trailProblem(trail: TrailFacts, iamRegion: string): string | undefined {
  if (trail.error !== undefined) return trail.error;
  if (!trail.multiRegion && trail.homeRegion !== iamRegion) {
    return `a single-region trail in ${trail.homeRegion ?? 'another region'}, not ${iamRegion}`;
  }
  if (!trail.includeGlobalServiceEvents) return 'it excludes global service events, IAM among them';
  if (trail.logging !== true)
    return `it is not logging (aws cloudtrail start-logging --name ${trail.arn ?? trail.name})`;
  const selectors = selectorsLogIamWrites(trail.eventSelectors, trail.advancedEventSelectors);
  return selectors.ok ? undefined : selectors.why;
}

/**
 * EventBridge receives "AWS API Call via CloudTrail" events only while a trail is logging them, so
 * some trail must log IAM's write management events in the partition's IAM region.
 */
export function checkTrails(region: string, trails: readonly TrailFacts[]): CheckResult {
  const iamRegion = iamEventRegionFor(region) ?? region;
  if (trails.length === 0) {
    return {
      name: 'trail',
      status: 'failed',
      detail: `no trail: EventBridge gets "${CLOUDTRAIL_DETAIL_TYPE}" events only while a trail logs them; create a multi-region trail that logs management events, or let the stack create one: npm run deploy -- -c createTrail=true`,
    };
  }
  const good = trails.find((trail) => trailProblem(trail, iamRegion) === undefined);
  if (good !== undefined) {
    const scope = good.multiRegion ? 'multi-region' : `in ${iamRegion}`;
    const why = selectorsLogIamWrites(good.eventSelectors, good.advancedEventSelectors).why;
    return { name: 'trail', status: 'ok', detail: `trail "${good.name}" (${scope}) is logging; ${why}` };
  }
  const problems = trails.map((trail) => `"${trail.name}": ${trailProblem(trail, iamRegion)}`).join('; ');
  // Trails whose status this caller may not read (an organization's, say) may well be logging.
  if (trails.every((trail) => trail.error !== undefined)) return notChecked('trail', problems);
  return { name: 'trail', status: 'failed', detail: `no trail logs IAM write events: ${problems}` };
}

/** What was read about the stack. */
export interface StackFacts {
  readonly name: string;
  readonly status: string;
  readonly statusReason?: string | undefined;
  readonly outputs: Readonly<Record<string, string>>;
  /** Its parameters' values (an organization's member stack takes its settings per OU so: core/ou-settings.ts). */
  readonly parameters?: Readonly<Record<string, string>>;
}

/** The stack's outputs the other checks use, by {@link STACK_OUTPUTS} key. */
export type StackOutputs = { readonly [K in keyof typeof STACK_OUTPUTS]: string };

/** Stack states in which the stack's resources are in place. */
const DEPLOYED_STATES = new Set([
  'CREATE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_ROLLBACK_COMPLETE',
  'IMPORT_COMPLETE',
  'IMPORT_ROLLBACK_COMPLETE',
]);

/** The stack must exist in a settled, deployed state and emit every output the tools look up. */
export function checkStack(
  stackName: string,
  region: string,
  stack: StackFacts | undefined,
): { readonly result: CheckResult; readonly outputs?: StackOutputs } {
  if (stack === undefined) {
    return {
      result: {
        name: 'stack',
        status: 'failed',
        detail: `stack ${stackName} is not deployed in ${region} (npm run deploy)`,
      },
    };
  }
  if (!DEPLOYED_STATES.has(stack.status)) {
    const reason = stack.statusReason === undefined ? '' : `: ${stack.statusReason}`;
    const hint = stack.status.endsWith('_IN_PROGRESS') ? '; run doctor again when it settles' : '';
    return {
      result: { name: 'stack', status: 'failed', detail: `stack ${stackName} is ${stack.status}${reason}${hint}` },
    };
  }
  const keys = Object.keys(STACK_OUTPUTS) as (keyof typeof STACK_OUTPUTS)[];
  const missing = keys.filter((key) => !stack.outputs[STACK_OUTPUTS[key]]).map((key) => STACK_OUTPUTS[key]);
  if (missing.length > 0) {
    return {
      result: {
        name: 'stack',
        status: 'failed',
        detail: `stack ${stackName} (${stack.status}) lacks the outputs ${missing.join(', ')}; deploy this version (npm run deploy)`,
      },
    };
  }
  const outputs = Object.fromEntries(keys.map((key) => [key, stack.outputs[STACK_OUTPUTS[key]] ?? ''])) as StackOutputs;
  const note = stack.status === 'UPDATE_ROLLBACK_COMPLETE' ? ' (its last update rolled back)' : '';
  return { result: { name: 'stack', status: 'ok', detail: `stack ${stackName} is ${stack.status}${note}` }, outputs };
}

/** What the doctor found when it looked for the service's stack. */
export interface StackSearch {
  /** The stack named with `--stack-name`; undefined to look for the service's stack under either name. */
  readonly requested: string | undefined;
  /** The stack named `requested`, or {@link STACK_NAME} when none was requested; undefined when it does not exist. */
  readonly named: StackFacts | undefined;
  /**
   * The stacks named `StackSet-…` ({@link STACK_SET_INSTANCE_PREFIX}), read only when nothing was requested and
   * there is no {@link STACK_NAME}: the stack an organization's StackSet created in this account is one of them.
   */
  readonly stackSetStacks: readonly StackFacts[];
}

/**
 * Whether a stack is a deployment of the service: it has the outputs every version has had. A StackSet's stack
 * has a generated name, so its outputs are what tells it apart from the other StackSets' stacks.
 */
export function isServiceStack(stack: StackFacts): boolean {
  return Boolean(stack.outputs[STACK_OUTPUTS.ruleName]) && Boolean(stack.outputs[STACK_OUTPUTS.functionName]);
}

/**
 * Finds the service's stack and checks it ({@link checkStack}): the one requested; else the single-account
 * stack ({@link STACK_NAME}); else the one stack an organization's StackSet created here
 * (`StackSet-<name>-<uuid>`, docs/organization.md), recognised by its outputs. Returns the name of the stack the
 * other checks read, for the report.
 */
export function checkServiceStack(
  region: string,
  search: StackSearch,
): {
  readonly result: CheckResult;
  readonly outputs?: StackOutputs;
  readonly stackName: string;
  readonly parameters?: Readonly<Record<string, string>> | undefined;
} {
  const name = search.requested ?? STACK_NAME;
  if (search.named !== undefined || search.requested !== undefined) {
    return {
      ...checkStack(name, region, search.named),
      stackName: search.named?.name ?? name,
      parameters: search.named?.parameters,
    };
  }
  const ours = search.stackSetStacks.filter(isServiceStack);
  const [only] = ours;
  if (ours.length > 1) {
    return {
      result: {
        name: 'stack',
        status: 'failed',
        detail: `stack ${STACK_NAME} is not deployed in ${region}, and ${ours.length} StackSet stacks hold the service: ${ours.map((stack) => stack.name).join(', ')}; choose one with --stack-name`,
      },
      stackName: name,
    };
  }
  if (only === undefined) {
    return {
      result: {
        name: 'stack',
        status: 'failed',
        detail: `stack ${STACK_NAME} is not deployed in ${region} (npm run deploy), nor is a stack of an organization's StackSet (${STACK_SET_INSTANCE_PREFIX}…; npm run deploy:org from the management account)`,
      },
      stackName: name,
    };
  }
  const found = checkStack(only.name, region, only);
  const origin = " (created by the organization's StackSet)";
  return {
    ...found,
    result: { ...found.result, detail: found.result.detail + origin },
    stackName: only.name,
    parameters: only.parameters,
  };
}

/** What was read about the rule. */
export interface RuleFacts {
  readonly name: string;
  readonly state?: string | undefined;
  readonly eventPattern?: string | undefined;
  /** The rule's ARN, whose account the deployed pattern names (core/event-pattern.ts, accountEventPatterns). */
  readonly arn?: string | undefined;
}

/** The rule check of each delivery path, and the stack output that names its rule. */
export const RULE_CHECKS: Readonly<
  Record<Delivery, { readonly name: CheckName; readonly output: 'ruleName' | 'deleteRuleName' }>
> = {
  settle: { name: 'rule', output: 'ruleName' },
  immediate: { name: 'delete-rule', output: 'deleteRuleName' },
};

/**
 * The rule of a delivery path must be enabled (ENABLED, or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS,
 * which also passes read-only events). A pattern other than this version's for that path is reported but
 * does not fail the check.
 */
export function checkRule(ruleName: string, rule: RuleFacts | undefined, delivery: Delivery = 'settle'): CheckResult {
  const { name } = RULE_CHECKS[delivery];
  if (rule === undefined) return { name, status: 'failed', detail: `rule ${ruleName} does not exist` };
  if (rule.state === undefined || !rule.state.startsWith('ENABLED')) {
    return {
      name,
      status: 'failed',
      detail: `rule ${ruleName} is ${rule.state ?? 'in an unknown state'} (npm run deploy restores it, or: aws events enable-rule --name ${ruleName})`,
    };
  }
  // The stack's patterns name its own account, which is the rule's.
  const account = rule.arn?.split(':')[4];
  const expected = account === undefined || account === '' ? EVENT_PATTERNS : accountEventPatterns(account);
  const drift = patternMatchesThisVersion(rule.eventPattern, expected[delivery])
    ? ''
    : '; its event pattern differs from this version of the CLI (npm run deploy to update)';
  return { name, status: 'ok', detail: `rule ${ruleName} is ${rule.state}${drift}` };
}

/** Whether a deployed pattern is this version's for a path (by default the settle rule's), ignoring key order and formatting. */
export function patternMatchesThisVersion(
  eventPattern: string | undefined,
  expected: EventPattern = EVENT_PATTERNS.settle,
): boolean {
  if (eventPattern === undefined) return false;
  try {
    return canonicalJson(JSON.parse(eventPattern)) === canonicalJson(expected);
  } catch {
    return false;
  }
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** What was read about the DLQ. */
export interface QueueDepth {
  readonly url: string;
  readonly arn?: string | undefined;
  readonly visible: number;
  readonly inFlight: number;
  readonly delayed: number;
}

/** The DLQ must be empty: anything in it is an event the remediator gave up on. */
export function checkDeadLetterQueue(depth: QueueDepth): CheckResult {
  const total = depth.visible + depth.inFlight + depth.delayed;
  if (total === 0) return { name: 'dead-letter-queue', status: 'ok', detail: 'the dead-letter queue is empty' };
  const redrive =
    depth.arn === undefined ? '' : `, then redrive with aws sqs start-message-move-task --source-arn ${depth.arn}`;
  return {
    name: 'dead-letter-queue',
    status: 'failed',
    detail: `${total} message(s) in the dead-letter queue: read them with aws sqs receive-message --queue-url ${depth.url} --attribute-names All${redrive}`,
  };
}

/** The account's instance profiles and its quota for them, from IAM's GetAccountSummary. */
export type InstanceProfileUsage = ProfileUsage;

/**
 * The service stops creating instance profiles at `percent`% of the quota (core/quota.ts, the remediator's
 * `INSTANCE_PROFILE_QUOTA_PERCENT`), so that people and IaC keep the last ones: the check fails from the
 * same share, by the same rule, when new roles no longer get a profile.
 */
export function checkInstanceProfiles(
  usage: InstanceProfileUsage,
  percent: number = SETTINGS.instanceProfileQuotaPercent.default,
): CheckResult {
  const detail = describeUsage(usage);
  if (!quotaThresholdReached(usage, percent)) return { name: 'instance-profiles', status: 'ok', detail };
  return {
    name: 'instance-profiles',
    status: 'failed',
    detail:
      `${detail}, at or above ${percent}% of InstanceProfilesQuota: the service creates no more instance profiles ` +
      '(and at the quota CreateInstanceProfile answers LimitExceeded); ' +
      'delete unused instance profiles, or ask for more in Service Quotas (IAM, instance profiles per account, up to 5,000)',
  };
}

/** What was read about the ownership record: the table, its records, and the profiles tagged as ours it does not prove. */
export interface OwnershipFacts {
  readonly tableName: string;
  readonly records: number;
  /** Intents not yet confirmed (the reconcile pass confirms or drops them). */
  readonly intents: number;
  /** The account's instance profiles. */
  readonly profiles: number;
  /** GetInstanceProfile calls made: one per profile that no record names by its id, to read its tags. */
  readonly tagReads: number;
  /** Profiles tagged {@link MANAGED_TAG}=true that no record proves. */
  readonly unrecorded: readonly string[];
}

/** How many unrecorded profiles the check names; the rest it counts. */
const NAMED_UNRECORDED = 20;

/**
 * The ownership record is reachable, and every profile tagged as ours is one it proves. A tagged profile it does not
 * prove is left alone by the service (no release, clean-up or adopt): a warning, with what to do, not a failure.
 */
export function checkOwnership(facts: OwnershipFacts): CheckResult {
  const { tableName, records, intents, profiles, tagReads, unrecorded } = facts;
  const cost = `read the tags of ${tagReads} of ${profiles} profiles (GetInstanceProfile each: those no record names)`;
  const table =
    `table ${tableName}: ${records} record${records === 1 ? '' : 's'}` +
    (intents === 0
      ? ''
      : `, ${intents} unconfirmed intent${intents === 1 ? '' : 's'} (the next reconcile pass settles them)`);
  if (unrecorded.length === 0) {
    return { name: 'ownership', status: 'ok', detail: `${table}; every profile tagged as ours is recorded (${cost})` };
  }
  const named = unrecorded.slice(0, NAMED_UNRECORDED);
  const more = unrecorded.length - named.length;
  const them = unrecorded.length === 1 ? 'it' : 'them';
  return {
    name: 'ownership',
    status: 'warning',
    detail:
      `${table}; ${unrecorded.length} profile${unrecorded.length === 1 ? '' : 's'} tagged ${MANAGED_TAG}=true that no record proves, ` +
      `which the service leaves alone: ${named.join(', ')}${more > 0 ? ` and ${more} more` : ''}. ` +
      `If the service made ${them} before it kept records: auto-instance-profile confirm ${named.join(' ')}; ` +
      `otherwise someone tagged ${them}: remove the tag (aws iam untag-instance-profile --instance-profile-name NAME --tag-keys ${MANAGED_TAG}). ` +
      `(${cost})`,
  };
}

/** What was read about the remediator's event source mappings and the queues they read. */
export interface EventSourceFacts {
  readonly functionName: string;
  readonly queues: DeliveryQueueUrls;
  readonly mappings: readonly MappingFacts[];
  /**
   * Each delivery queue's messages and retention, read when the service is not running; undefined while it runs, or
   * `error` when they could not be read.
   */
  readonly waiting?: Readonly<Record<Delivery, QueueWaiting>> | { readonly error: string } | undefined;
  /** The age of each queue's oldest message in seconds (CloudWatch's ApproximateAgeOfOldestMessage), undefined where it has none. */
  readonly oldest?: Readonly<Record<Delivery, number | undefined>> | { readonly error: string } | undefined;
  /** When the facts were read. */
  readonly now: Date;
}

/** One queue's messages (visible, delayed, in flight) and how long it keeps them. */
export interface QueueWaiting extends QueueDepth {
  /** MessageRetentionPeriod, in seconds. */
  readonly retentionSeconds?: number | undefined;
}

/**
 * The remediator's event source mappings: one polling each delivery queue is ok; all switched off is `paused` (the
 * doctor passes), said with since when (the last mapping's LastModified: when Lambda stopped reading the last queue),
 * how many events wait and how old the oldest is (CloudWatch; unknown where it publishes nothing, as in moto), and
 * whether they will outlast the queues' retention; some on and some off fails (half paused), as does a queue no
 * mapping reads.
 */
export function checkEventSources(facts: EventSourceFacts): CheckResult {
  const view = deliveryView(facts.queues, facts.mappings);
  const { state } = view;
  const name = 'event-sources';
  switch (state.kind) {
    case 'running':
      return {
        name,
        status: 'ok',
        detail: `the remediator (${facts.functionName}) polls the settle and delete queues (event source mappings ${[...new Set(view.mappings.map((entry) => entry.mapping.state))].join(', ')})`,
      };
    case 'broken':
      return { name, status: 'failed', detail: `${state.why} (npm run deploy restores the stack's mappings)` };
    case 'half-paused': {
      const list = (entries: readonly QueueMapping[], what: string) =>
        entries.map((entry) => `the ${labelOf(entry)}'s${what} is ${entry.mapping.state}`).join(' and ');
      const events = (entries: readonly QueueMapping[]) =>
        entries
          .map((entry) => (entry.delivery === undefined ? labelOf(entry) : QUEUE_EVENTS[entry.delivery]))
          .join(', ');
      return {
        name,
        status: 'failed',
        detail:
          `half paused: ${list(state.stopped, ' event source mapping')} while ${list(state.polling, '')}: ` +
          `${events(state.stopped)} wait while ${events(state.polling)} are acted on. ` +
          'Run auto-instance-profile pause to pause both, or auto-instance-profile resume to resume both',
      };
    }
    case 'paused':
      return { name, status: 'paused', detail: pausedDetail(facts, state.since) };
  }
}

/** What each delivery queue carries, in words. */
const QUEUE_EVENTS: Readonly<Record<Delivery, string>> = {
  settle: "creates, trust changes and deletes' clean-ups",
  immediate: 'failed deletes',
};

/** `paused since …: N events wait (…), the oldest …; …`. */
function pausedDetail(facts: EventSourceFacts, since: Date | undefined): string {
  const when =
    since === undefined
      ? 'paused (since an unknown time: the mappings have no LastModified)'
      : `paused since ${since.toISOString()} (${ageWords((facts.now.getTime() - since.getTime()) / 1000)} ago; the mappings' last change)`;
  const { waiting, oldest } = facts;
  const parts: string[] = [];
  if (waiting === undefined || 'error' in waiting) {
    parts.push(`how many events wait is unknown (${waiting?.error ?? 'not read'})`);
  } else {
    const counted = DELIVERY_QUEUES.map((delivery) => {
      const queue = waiting[delivery];
      const extra = [
        queue.delayed > 0 ? `${queue.delayed} delayed` : '',
        queue.inFlight > 0 ? `${queue.inFlight} in flight` : '',
      ].filter((part) => part !== '');
      return `${QUEUE_LABELS[delivery]} ${queue.visible}${extra.length === 0 ? '' : ` + ${extra.join(' + ')}`}`;
    });
    const total = DELIVERY_QUEUES.reduce(
      (sum, delivery) => sum + waiting[delivery].visible + waiting[delivery].delayed + waiting[delivery].inFlight,
      0,
    );
    parts.push(`${total} event${total === 1 ? ' waits' : 's wait'} (${counted.join(', ')})`);
  }
  const ages = oldest === undefined || 'error' in oldest ? undefined : oldest;
  const known = ages === undefined ? [] : DELIVERY_QUEUES.flatMap((delivery) => ages[delivery] ?? []);
  const oldestSeconds = known.length === 0 ? undefined : Math.max(...known);
  parts.push(
    oldestSeconds === undefined
      ? `the oldest unknown (${oldest !== undefined && 'error' in oldest ? `CloudWatch GetMetricData failed: ${oldest.error}` : 'CloudWatch has no ApproximateAgeOfOldestMessage for the queues'})`
      : `the oldest ${ageWords(oldestSeconds)} old (CloudWatch ApproximateAgeOfOldestMessage)`,
  );
  const retention = retentionNote(waiting, oldestSeconds);
  return `${when}: ${parts.join(', ')}; ${retention}. auto-instance-profile resume decides them on IAM's state then`;
}

/** How long the queues keep the events, and a warning when the oldest is near the end of it or a queue keeps them less. */
function retentionNote(waiting: EventSourceFacts['waiting'], oldestSeconds: number | undefined): string {
  const full = QUEUE_RETENTION_DAYS * 86_400;
  const retentions =
    waiting === undefined || 'error' in waiting
      ? []
      : DELIVERY_QUEUES.flatMap((delivery) => {
          const seconds = waiting[delivery].retentionSeconds;
          return seconds === undefined ? [] : [{ delivery, seconds }];
        });
  const shortest = retentions.length === 0 ? undefined : Math.min(...retentions.map((entry) => entry.seconds));
  const kept =
    shortest === undefined
      ? `the queues keep each event ${QUEUE_RETENTION_DAYS} days from when it was sent (this version's stack)`
      : `the queues keep each event ${shortest % 86_400 === 0 ? `${shortest / 86_400} days` : ageWords(shortest)} from when it was sent`;
  const short = retentions.filter((entry) => entry.seconds < full);
  const upgrade =
    short.length === 0
      ? ''
      : ` (${short.map((entry) => QUEUE_LABELS[entry.delivery]).join(' and ')}: less than this version's ${QUEUE_RETENTION_DAYS} days; npm run deploy)`;
  const limit = shortest ?? full;
  const expiring =
    oldestSeconds !== undefined && limit - oldestSeconds < 86_400
      ? `; the oldest is lost in ${ageWords(Math.max(0, limit - oldestSeconds))} unless the service resumes`
      : '';
  return `${kept}${upgrade}${expiring}`;
}

/** An age in words: `3 d 4 h`, `2 h 5 min`, `12 min`, `40 s`. */
export function ageWords(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  const minutes = Math.floor(whole / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (days > 0) return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
  if (hours > 0) return `${hours} h ${minutes % 60} min`;
  if (minutes > 0) return `${minutes} min`;
  return `${whole} s`;
}
