/**
 * Every setting of the service and of its organization stack, one row each: its kind, the values it allows and why,
 * its default, and where it reaches. The rest derives from this table: the functions' environment reader and the
 * environment the stack writes (core/config.ts), the props with their types, defaults and checks (infra/props.ts,
 * infra/org-props.ts), the CDK context keys (infra/context.ts); tests hold the docs' settings tables and each row's
 * `@default` to it. A row's TSDoc is its prop's.
 *
 * The row's key is the prop. Its context key is the prop's name, with the unit when the prop takes a Duration or a
 * retention (`settleDelaySeconds`, `logRetentionDays`) and `Arn` when it takes a construct (`alarmTopicArn`).
 * Pure and free of aws-cdk-lib: the functions' bundles read it.
 */
import { CALL_AS, ORGANIZATIONAL_UNIT_ID } from './organizations.js';
import { BATCH_SIZE, STACK_SET_NAME } from './pipeline-settings.js';

/** Where a setting reaches, and why its range is what it is. */
interface Reach {
  /** The environment variable a function reads it from (the stack writes it from the prop, if any). */
  env?: string;
  /** Set otherwise than by a prop: `env`, by its variable alone; `stack`, by the stack from its resources. */
  setBy?: 'env' | 'stack';
  /** Its variable is read by Powertools, not by `loadConfig`. */
  readBy?: 'Powertools';
  /** It shapes resources as well as reaching the functions (a prop without `env` shapes resources only). */
  resources?: true;
  /** A prop of the organization stack (infra/org-stack.ts) rather than of the service's construct. */
  org?: true;
  /** Why the range or the values are what they are: said after them in messages and docs. */
  why?: string;
}

/** What a setting holds. The last four kinds are props of aws-cdk-lib types, read from text as whole numbers or text. */
type Kind =
  | { kind: 'boolean'; default: boolean }
  | { kind: 'whole'; min: number; max: number; default?: number }
  | { kind: 'oneOf'; values: readonly string[]; default: string }
  | { kind: 'text'; pattern: RegExp; allowed: string; default?: string }
  /** Comma-separated as text; each entry is one of `allowed`, as `pattern` says. `nonEmpty`: why none is refused. */
  | { kind: 'list'; pattern: RegExp; allowed: string; default?: string[]; nonEmpty?: string }
  /** A Duration, whole `unit`s as text. */
  | { kind: 'duration'; unit: 'seconds' | 'days'; min: number; max?: number; default?: number }
  /** A CloudWatch Logs retention (RetentionDays), days as text. */
  | { kind: 'retention'; default: number }
  /** `disabled` or an EventBridge Scheduler expression (a ScheduleExpression); a rate at least `minRateHours`. */
  | { kind: 'schedule'; minRateHours: number; default: string }
  /** An SNS topic (an ITopic), its ARN as text. */
  | { kind: 'topic' };

/** One row of {@link SETTINGS}. */
export type SettingRow = Readonly<Reach & Kind>;

/** Why some ranges are what they are. */
const BATCH = `a batch holds at most ${BATCH_SIZE} records`;
const SQS = "Lambda's limits for an SQS event source";
const ACCOUNTS = 'a percentage of accounts';
/** The values of `selection`: every EC2 role but those opted out, or only those opted in. */
const SELECTIONS = ['opt-out', 'opt-in'] as const;
/** The Powertools log levels a function may be set to. */
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** An SQS queue URL, loosely (SQS answers for a wrong one), a CloudFormation stack or StackSet name, a role ARN, a table. */
const QUEUE = /^https?:\/\/[^\s,]+$/;
const STACK = /^[a-zA-Z][-a-zA-Z0-9]{0,127}$/;
const ROLE_ARN = /^arn:[^:]+:iam::\d{12}:role\/.+$/;
const TABLE = /^[\w.-]{3,255}$/;
/** The IAM principal ARNs a trust policy takes: an account's `root`, a user, a role, an STS session, any partition. */
const PRINCIPAL_ARN =
  /^arn:aws(-[a-z]+)*:(iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)|sts::\d{12}:(assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+|federated-user\/[\w+=,.@-]+))$/;

/** Every setting, one row each (see the module's comment). The docs list them in this order. */
export const SETTINGS = {
  /** Decide and log the plan, but change nothing in IAM. @default false */
  dryRun: { kind: 'boolean', default: false, env: 'DRY_RUN' },
  /**
   * Which EC2 roles get a profile: `'opt-out'`, every one but those tagged `auto-instance-profile:skip=true`; `'opt-in'`,
   * only those tagged `auto-instance-profile:opt-in=true` (at creation or later). A profile the service made is still
   * released with its role either way. @default 'opt-out'
   */
  selection: { kind: 'oneOf', values: SELECTIONS, default: 'opt-out', env: 'SELECTION' },
  /** Roles whose path starts with one of these are left alone; an empty list excludes nothing. @default ['/aws-service-role/'] */
  excludedPathPrefixes: {
    kind: 'list',
    pattern: /^\/[^,\s]{0,511}$/,
    allowed: 'paths that start with "/", at most 512 characters, without commas or whitespace',
    default: ['/aws-service-role/'],
    env: 'EXCLUDED_PATH_PREFIXES',
  },
  /**
   * Roles these callers create or change are left alone: a service that calls on someone's behalf (CloudTrail's
   * `userIdentity.invokedBy`, e.g. `cloudformation.amazonaws.com`), or a principal ARN pattern with `*` (matched against
   * `userIdentity.arn`, e.g. `arn:aws:sts::*:assumed-role/terraform-ci/*`). See docs/deploy.md for the trade-off.
   * @default ['cloudformation.amazonaws.com']
   */
  ignoredCallers: {
    kind: 'list',
    pattern: /^[^,\s]+$/,
    allowed: 'services or principal ARN patterns, without commas or whitespace',
    default: ['cloudformation.amazonaws.com'],
    env: 'IGNORED_CALLERS',
  },
  /**
   * What reconcile (and the CLI's `scan` and `fix`) does with a role whose creator CloudTrail's 90-day event history
   * cannot tell, so cannot hold to `ignoredCallers`: `'remediate'` gives it its profile, `'skip'` leaves it alone. A
   * role too young for the history is neither: its own event decides. Skip by default: such a role may be an ignored
   * caller's (a CloudFormation stack's, whose delete our profile would fail), and the first pass after a deploy would
   * otherwise give every old EC2 role of the account a profile at once (docs/deploy.md, "Who created a role").
   * @default 'skip'
   */
  unknownCreator: { kind: 'oneOf', values: ['remediate', 'skip'], default: 'skip', env: 'UNKNOWN_CREATOR' },
  /**
   * The share of the account's instance profile quota (GetAccountSummary), in percent, at which the service stops
   * creating profiles, so that people and IaC keep the last ones; 100 creates until the quota is full. @default 95
   */
  instanceProfileQuotaPercent: { kind: 'whole', min: 1, max: 100, default: 95, env: 'INSTANCE_PROFILE_QUOTA_PERCENT' },
  /** Records of one SQS batch processed at once (never two of one role); 1: one after another. @default 4 */
  batchConcurrency: { kind: 'whole', min: 1, max: BATCH_SIZE, default: 4, env: 'BATCH_CONCURRENCY', why: BATCH },
  /**
   * The most invocations each of the function's queues drives at once, so that a burst of role creation cannot trip
   * IAM's throttling; the function sizes its quota headroom's margin by it. @default 2
   */
  maxConcurrency: { kind: 'whole', min: 2, max: 1000, default: 2, env: 'MAX_CONCURRENCY', resources: true, why: SQS },
  /** The functions' log level: every decision is one `INFO` line; `WARN` keeps retries, conflicts and errors. @default 'INFO' */
  logLevel: { kind: 'oneOf', values: LOG_LEVELS, default: 'INFO', env: 'POWERTOOLS_LOG_LEVEL', readBy: 'Powertools' },
  /**
   * How long each event waits in the queue before the function sees it (its `DelaySeconds`), so that the console's
   * or an IaC tool's own instance profile lands first. Whole seconds. @default Duration.seconds(30)
   */
  settleDelay: { kind: 'duration', unit: 'seconds', min: 0, max: 900, default: 30, why: 'the SQS DelaySeconds range' },
  /** How long the functions' log groups keep their logs. @default RetentionDays.THREE_MONTHS */
  logRetention: { kind: 'retention', default: 90 },
  /** An SNS topic for the alarms' state changes (ALARM and back to OK). @default - none; the alarms still show in the console */
  alarmTopic: { kind: 'topic' },
  /** Alarm when a role meets a same-name instance profile the service must not touch, so stays unusable on EC2. @default true */
  alarmOnConflicts: { kind: 'boolean', default: true },
  /**
   * A CloudWatch dashboard of the alarms, the metrics, the queues and the function. It costs $3 a month in each account,
   * more than the rest of the service's idle cost together (docs/cost.md): turn it on where someone looks. @default false
   */
  dashboard: { kind: 'boolean', default: false },
  /**
   * Create a CloudTrail trail, with a bucket of its own, that logs write management events: EventBridge only sees IAM's
   * calls while a trail logs them. Only for an account without one. @default false
   */
  createTrail: { kind: 'boolean', default: false },
  /** With `createTrail`: how long the trail's bucket keeps each log file. @default Duration.days(365) */
  trailRetention: { kind: 'duration', unit: 'days', min: 1, default: 365, why: 'an S3 lifecycle expiration' },
  /**
   * When the reconcile pass runs on its own, finding every role EC2 may assume without a profile: a
   * `ScheduleExpression`, or `'disabled'`. @default ScheduleExpression.rate(Duration.days(1))
   */
  reconcileSchedule: { kind: 'schedule', minRateHours: 1, default: 'rate(1 day)', why: 'each pass reads all of IAM' },
  /** Run the reconcile pass once after every deploy that changes the stack, the first included. @default true */
  reconcileAfterDeploy: { kind: 'boolean', default: true },
  /**
   * The principals the operator role trusts, and only they: it redrives the dead-letter queue, which no one else but
   * the function may read. None: no operator role. It shapes a role, not the functions. @default []
   */
  operatorPrincipals: {
    kind: 'list',
    pattern: PRINCIPAL_ARN,
    allowed:
      'IAM principal ARNs (arn:aws:iam::ACCOUNT:role/NAME, arn:aws:iam::ACCOUNT:user/NAME, arn:aws:iam::ACCOUNT:root or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)',
    default: [],
  },
  /** How long after its event a missing role is "not visible yet" rather than gone (docs/deploy.md). @default 120 */
  roleNotFoundRetrySeconds: {
    kind: 'whole',
    min: 0,
    max: 999999,
    default: 120,
    env: 'ROLE_NOT_FOUND_RETRY_SECONDS',
    setBy: 'env',
  },
  /** The SDK's retry mode for IAM: `adaptive` also limits the rate (it measured worse). @default 'standard' */
  retryMode: {
    kind: 'oneOf',
    values: ['standard', 'adaptive'],
    default: 'standard',
    env: 'AWS_RETRY_MODE',
    setBy: 'env',
  },
  /** The SDK's attempts per IAM call, the first included. @default 3 */
  maxAttempts: { kind: 'whole', min: 1, max: 99, default: 3, env: 'AWS_MAX_ATTEMPTS', setBy: 'env' },
  /** The function's own role: events it caused are never acted on. @default - none (the local invoke tool) */
  serviceRoleArn: {
    kind: 'text',
    pattern: ROLE_ARN,
    allowed: 'an IAM role ARN',
    env: 'SERVICE_ROLE_ARN',
    setBy: 'stack',
  },
  /** The ownership table, which alone proves a profile ours (core/ownership.ts). @default - none: nothing is */
  ownershipTable: {
    kind: 'text',
    pattern: TABLE,
    allowed: 'a DynamoDB table name',
    env: 'OWNERSHIP_TABLE',
    setBy: 'stack',
  },
  /** The remediator's queues, in one of which each record is proven in flight. @default [] - none: records go unproven */
  queueUrls: {
    kind: 'list',
    pattern: QUEUE,
    allowed: 'SQS queue URLs',
    default: [],
    env: 'QUEUE_URLS',
    setBy: 'stack',
  },
  /** The queue the reconcile pass sends its candidates to. @default - none */
  queueUrl: { kind: 'text', pattern: QUEUE, allowed: 'an SQS queue URL', env: 'QUEUE_URL', setBy: 'stack' },
  /** The stack's name, by which reconcile knows the roles of the service's older versions. @default - none */
  stackName: { kind: 'text', pattern: STACK, allowed: 'a stack name', env: 'STACK_NAME', setBy: 'stack' },
  /**
   * The organizational units whose accounts get the service, today's and those that join later, child OUs included.
   * @default - the organization's root, looked up when the stack deploys: every account but the management account
   */
  organizationalUnitIds: {
    kind: 'list',
    pattern: ORGANIZATIONAL_UNIT_ID,
    allowed: 'organizational unit ids (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)',
    nonEmpty: 'must name at least one OU or root (leave it unset for the whole organization)',
    org: true,
  },
  /** Whom the StackSet is created as: the management account (`SELF`), or a delegated administrator. @default 'SELF' */
  callAs: { kind: 'oneOf', values: CALL_AS, default: 'SELF', org: true },
  /** Keep an account's stack when the account leaves the targeted OUs or the organization. @default false */
  retainStacksOnAccountRemoval: { kind: 'boolean', default: false, org: true },
  /** The share of accounts a StackSet operation (a rollout, an account joining) works on at once. @default 25 */
  maxConcurrentPercentage: { kind: 'whole', min: 1, max: 100, default: 25, why: ACCOUNTS, org: true },
  /** The share of accounts whose stack may fail before StackSets stops (`SOFT_FAILURE_TOLERANCE`). @default 10 */
  failureTolerancePercentage: { kind: 'whole', min: 0, max: 100, default: 10, why: ACCOUNTS, org: true },
  /** How StackSets moves between regions; the service deploys to one region only. @default 'SEQUENTIAL' */
  regionConcurrency: { kind: 'oneOf', values: ['SEQUENTIAL', 'PARALLEL'], default: 'SEQUENTIAL', org: true },
  /** An email address the alarm topic sends to, once it confirms. @default - none (output AlarmTopicArn names the topic) */
  alarmEmail: { kind: 'text', pattern: /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/, allowed: 'one email address', org: true },
  /** The StackSet's name; each account's stack is `StackSet-<name>-<uuid>`. @default 'AutoInstanceProfile' */
  stackSetName: {
    kind: 'text',
    pattern: STACK,
    allowed: 'a name of letters, digits and hyphens that starts with a letter, at most 128 characters',
    default: STACK_SET_NAME,
    org: true,
  },
  /**
   * Attach a service control policy that keeps the `auto-instance-profile:*` tag keys on instance profiles, and the
   * roles on the service's IAM path, to the service and its StackSet (docs/organization.md, "The tag guard"). Needs
   * SCPs enabled; `release` no longer hands profiles over. @default false
   */
  tagGuardPolicy: { kind: 'boolean', default: false, org: true },
} as const satisfies Readonly<Record<string, SettingRow>>;

/** The table's type. */
export type Settings = typeof SETTINGS;
/** A setting's name: its prop's, and its key in the functions' settings. */
export type SettingName = keyof Settings;

/** A setting's value as read from text: what the functions hold, and what the props hold but for aws-cdk-lib's types. */
export type PlainValue<Row> = Row extends { readonly kind: 'boolean' }
  ? boolean
  : Row extends { readonly kind: 'whole' | 'duration' | 'retention' }
    ? number
    : Row extends { readonly kind: 'oneOf'; readonly values: readonly (infer Value)[] }
      ? Value
      : Row extends { readonly kind: 'list' }
        ? readonly string[]
        : string;

/** `undefined` when a row has no default, else nothing. */
export type Unset<Row> = Row extends { readonly default: unknown } ? never : undefined;

/** The rows, as entries, in the table's order. */
export const SETTING_ROWS = Object.entries(SETTINGS) as readonly (readonly [SettingName, SettingRow])[];

/** The CDK context key of a prop: its name, with the unit for a Duration or a retention, `Arn` for a topic. */
export function contextKey(name: string, row: SettingRow): string {
  if (row.kind === 'duration') return `${name}${row.unit === 'seconds' ? 'Seconds' : 'Days'}`;
  if (row.kind === 'retention') return `${name}Days`;
  return row.kind === 'topic' ? `${name}Arn` : name;
}
