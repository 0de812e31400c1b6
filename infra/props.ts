/**
 * The construct's props, their defaults and their validation. Invalid props throw here, in the
 * constructor, so a bad value fails `cdk synth` with a message instead of a deploy half-way through.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import {
  BATCH_CONCURRENCY_RANGE,
  DEFAULT_CONFIG,
  MAX_CONCURRENCY_RANGE,
  pathPrefixProblem,
  QUOTA_PERCENT_RANGE,
  UNKNOWN_CREATOR_POLICIES,
  type UnknownCreatorPolicy,
  type WholeRange,
  wholeRequirement,
} from '../core/config.js';
import { AutoInstanceProfileError } from '../core/errors.js';
import { DEFAULT_SETTLE_DELAY_SECONDS, MAX_SETTLE_DELAY_SECONDS } from '../core/pipeline-settings.js';

/**
 * A setting with a value the service cannot use. The message names the setting as the user wrote it (a
 * prop, or a CDK context key), what it allows, and what it got, on one line.
 */
export class InvalidSettingError extends AutoInstanceProfileError {
  constructor(
    /** The setting's name as the user wrote it: a prop, or a context key when `context` is set. */
    readonly setting: string,
    /** What it allows, as the rest of a sentence that starts with its name: `must be …`. */
    readonly requirement: string,
    /** The value it got, as the user would recognise it. */
    readonly got: string,
    options: { readonly cause?: unknown; readonly context?: boolean } = {},
  ) {
    super(`${options.context ? 'Context value ' : ''}${setting} ${requirement}, got ${got}`, { cause: options.cause });
    this.name = 'InvalidSettingError';
  }
}

/** What `settleDelay` allows, for the prop and for its context key alike. */
export const SETTLE_DELAY_REQUIREMENT = `must be a whole number of seconds from 0 to ${MAX_SETTLE_DELAY_SECONDS} (the SQS DelaySeconds range)`;

/** What `trailRetention` allows, for the prop and for its context key alike. */
export const TRAIL_RETENTION_REQUIREMENT = 'must be a whole number of days, at least 1 (an S3 lifecycle expiration)';

/** Settings of {@link AutoInstanceProfile}. Every one is optional. */
export interface AutoInstanceProfileProps {
  /**
   * How long each event waits in the queue before the function sees it (the queue's `DelaySeconds`),
   * so that the console's or an IaC tool's own instance profile lands first. 0 to 900 seconds, whole seconds.
   * @default Duration.seconds(30)
   */
  readonly settleDelay?: Duration;
  /**
   * The most concurrent invocations the queue may drive (the event source mapping's maximum
   * concurrency), so that a burst of role creation cannot trip IAM's throttling. 2 to 1000.
   * @default 2
   */
  readonly maxConcurrency?: number;
  /**
   * How long the function's log group keeps its logs.
   * @default RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: RetentionDays;
  /**
   * Decide and log, but change nothing in IAM (`DRY_RUN=true`).
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Roles whose path starts with one of these are left alone. Each must start with `/` and cannot
   * contain a comma. An empty list excludes nothing.
   * @default ['/aws-service-role/']
   */
  readonly excludedPathPrefixes?: readonly string[];
  /**
   * Roles created on behalf of one of these services (CloudTrail's `userIdentity.invokedBy`, for
   * example `cloudformation.amazonaws.com`) are left alone. See docs/deploy.md for the trade-off.
   * @default ['cloudformation.amazonaws.com']
   */
  readonly ignoredCallers?: readonly string[];
  /**
   * An SNS topic that receives the alarms' state changes (ALARM and back to OK).
   * @default - no notification; the alarms still show on the dashboard and in the console
   */
  readonly alarmTopic?: ITopic;
  /**
   * Create a single-region CloudTrail trail (with its own S3 bucket) that logs write management
   * events. EventBridge only receives "AWS API Call via CloudTrail" events while a trail is logging:
   * turn this on only if the account has no such trail yet.
   * @default false
   */
  readonly createTrail?: boolean;
  /**
   * With `createTrail`: how long the trail's bucket keeps each log file before S3 expires it (a lifecycle
   * rule). Whole days, at least 1.
   * @default Duration.days(365)
   */
  readonly trailRetention?: Duration;
  /**
   * Alarm when a role EC2 may assume meets a same-name instance profile the service must not touch (not
   * ours, or holding another role): the service changes nothing, so that role stays unusable on EC2.
   * @default true
   */
  readonly alarmOnConflicts?: boolean;
  /**
   * When the reconcile pass runs on its own, through EventBridge Scheduler: a `ScheduleExpression`
   * (`rate`, `cron`, `at` or `expression`; a rate at least {@link MIN_RECONCILE_RATE_HOURS} hour, since
   * each pass reads the whole account from IAM), or `'disabled'` for no schedule. The pass finds every
   * role that EC2 may assume and has no profile, and sends each to the remediator's queue.
   * @default ScheduleExpression.rate(Duration.days(1))
   */
  readonly reconcileSchedule?: ScheduleExpression | 'disabled';
  /**
   * Run the reconcile pass once after every deploy that changes the stack, the first one included, so
   * that the roles that existed before the service are covered the day it is installed.
   * @default true
   */
  readonly reconcileAfterDeploy?: boolean;
  /**
   * The share of the account's instance profile quota (`InstanceProfilesQuota`, GetAccountSummary), in
   * percent, at which the service stops creating instance profiles, so that people and IaC keep the last
   * ones (`INSTANCE_PROFILE_QUOTA_PERCENT`). A whole number from 1 to 100; 100 creates until the quota is full.
   * @default 95
   */
  readonly instanceProfileQuotaPercent?: number;
  /**
   * What the reconcile pass does with a role whose creator it cannot learn from CloudTrail's event history
   * (created more than 90 days ago, or beyond the pass's lookup budget), so cannot hold to `ignoredCallers`:
   * `'remediate'` gives it its profile, `'skip'` leaves it alone. See docs/deploy.md for the trade-off. A role too
   * young for the event history is neither: its own event decides. The CLI's `scan` and `fix` read it from the stack.
   * @default 'remediate'
   */
  readonly unknownCreator?: UnknownCreatorPolicy;
  /**
   * Records of one SQS batch the remediator processes at once (`BATCH_CONCURRENCY`), 1 to 10; two of one role never
   * are. 1 processes a batch one record after another.
   * @default 4
   */
  readonly batchConcurrency?: number;
  /**
   * The functions' log level (`POWERTOOLS_LOG_LEVEL`): `DEBUG`, `INFO`, `WARN` or `ERROR`. Every decision is one
   * `INFO` line; `WARN` keeps only retries, conflicts and errors.
   * @default 'INFO'
   */
  readonly logLevel?: LogLevel;
  /**
   * The principals that may assume the operator role (its trust policy names exactly these): the role that moves
   * dead letters back to the settle queue (StartMessageMoveTask), the only principal besides the function that may
   * receive from a queue of the service (the dead-letter queue). Each an IAM principal ARN: a role, a user, an
   * account's `root`, or an STS assumed-role session. No environment variable: it shapes a role, not the functions.
   * @default [] - no operator role: nobody may read or move the dead-letter queue's messages until principals are named
   */
  readonly operatorPrincipals?: readonly string[];
}

/** The Powertools log levels a function may be set to. */
export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The props with every default filled in, after validation. */
export interface ResolvedProps {
  readonly settleDelay: Duration;
  readonly maxConcurrency: number;
  readonly logRetention: RetentionDays;
  readonly dryRun: boolean;
  readonly excludedPathPrefixes: readonly string[];
  readonly ignoredCallers: readonly string[];
  readonly alarmTopic: ITopic | undefined;
  readonly createTrail: boolean;
  readonly trailRetention: Duration;
  readonly alarmOnConflicts: boolean;
  readonly reconcileSchedule: ScheduleExpression | 'disabled';
  readonly reconcileAfterDeploy: boolean;
  readonly instanceProfileQuotaPercent: number;
  readonly unknownCreator: UnknownCreatorPolicy;
  readonly batchConcurrency: number;
  readonly logLevel: LogLevel;
  readonly operatorPrincipals: readonly string[];
}

/** What `reconcileSchedule` allows as an expression, for the prop and for its context key alike. */
export const RECONCILE_SCHEDULE_REQUIREMENT =
  "must be 'disabled' or an EventBridge Scheduler expression: rate(...), cron(...) or at(...)";

/** The shortest `rate(...)` the reconcile schedule takes, in hours. */
export const MIN_RECONCILE_RATE_HOURS = 1;

/** The documented defaults, in one place for the construct, its tests and docs/deploy.md. */
export const DEFAULT_PROPS = {
  settleDelay: Duration.seconds(DEFAULT_SETTLE_DELAY_SECONDS),
  maxConcurrency: DEFAULT_CONFIG.maxConcurrency,
  logRetention: RetentionDays.THREE_MONTHS,
  dryRun: DEFAULT_CONFIG.dryRun,
  excludedPathPrefixes: DEFAULT_CONFIG.excludedPathPrefixes,
  ignoredCallers: DEFAULT_CONFIG.ignoredCallers,
  createTrail: false,
  trailRetention: Duration.days(365),
  alarmOnConflicts: true,
  reconcileSchedule: ScheduleExpression.rate(Duration.days(1)),
  reconcileAfterDeploy: true,
  instanceProfileQuotaPercent: DEFAULT_CONFIG.instanceProfileQuotaPercent,
  unknownCreator: DEFAULT_CONFIG.unknownCreator,
  batchConcurrency: DEFAULT_CONFIG.batchConcurrency,
  logLevel: 'INFO',
  operatorPrincipals: [],
} as const;

/** Each prop's check, in the order they run; a prop left out (a boolean, a topic) takes any value its type allows. */
const PROP_RULES: { readonly [Prop in keyof ResolvedProps]?: (value: ResolvedProps[Prop]) => void } = {
  settleDelay: validateSettleDelay,
  maxConcurrency: wholeNumber('maxConcurrency', MAX_CONCURRENCY_RANGE),
  logRetention: validateLogRetention,
  trailRetention: validateTrailRetention,
  excludedPathPrefixes: (prefixes) => prefixes.forEach(validatePathPrefix),
  ignoredCallers: (callers) => callers.forEach(validateIgnoredCaller),
  reconcileSchedule: validateReconcileSchedule,
  instanceProfileQuotaPercent: wholeNumber('instanceProfileQuotaPercent', QUOTA_PERCENT_RANGE),
  unknownCreator: oneOf('unknownCreator', UNKNOWN_CREATOR_POLICIES, (values) => `must be '${values.join("' or '")}'`),
  batchConcurrency: wholeNumber('batchConcurrency', BATCH_CONCURRENCY_RANGE),
  logLevel: oneOf('logLevel', LOG_LEVELS, (values) => `must be one of ${values.join(', ')}`),
  operatorPrincipals: (principals) => principals.forEach(validateOperatorPrincipal),
};

/** Fills in the defaults and throws an {@link InvalidSettingError} naming the prop and its allowed values if one is invalid. */
export function resolveProps(props: AutoInstanceProfileProps = {}): ResolvedProps {
  // A prop given as undefined takes its default, as one left out does.
  const given = Object.entries(props).filter(([, value]) => value !== undefined);
  const resolved: ResolvedProps = { ...DEFAULT_PROPS, alarmTopic: undefined, ...Object.fromEntries(given) };
  const rules: [string, ((value: never) => void) | undefined][] = Object.entries(PROP_RULES);
  for (const [prop, check] of rules) check?.(resolved[prop as keyof ResolvedProps] as never);
  return resolved;
}

/** `rate(N unit)`, as EventBridge Scheduler writes it. */
const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
/** The forms EventBridge Scheduler accepts. */
const SCHEDULE_FORMS = /^(rate|cron|at)\(.+\)$/;

function validateReconcileSchedule(schedule: unknown): void {
  if (schedule === 'disabled') return;
  const expected =
    "must be a ScheduleExpression (for example ScheduleExpression.rate(Duration.days(1)) or ScheduleExpression.cron({ hour: '3', minute: '0' })) or 'disabled'";
  if (!(schedule instanceof ScheduleExpression)) {
    throw new InvalidSettingError('reconcileSchedule', expected, JSON.stringify(schedule) ?? String(schedule));
  }
  const expression = schedule.expressionString;
  if (Token.isUnresolved(expression)) return;
  if (!SCHEDULE_FORMS.test(expression)) {
    throw new InvalidSettingError('reconcileSchedule', RECONCILE_SCHEDULE_REQUIREMENT, `"${expression}"`);
  }
  const rate = RATE.exec(expression);
  if (rate === null) return;
  const minutes = Number(rate[1]) * (rate[2]?.startsWith('minute') ? 1 : rate[2]?.startsWith('hour') ? 60 : 1440);
  if (minutes < MIN_RECONCILE_RATE_HOURS * 60) {
    throw new InvalidSettingError(
      'reconcileSchedule',
      'must be at most once an hour (each pass reads the whole account from IAM, whose request rate is limited)',
      `"${expression}"`,
    );
  }
}

function validateSettleDelay(delay: Duration): void {
  // A token (for example a CfnParameter) is checked by SQS at deploy time instead.
  if (delay.isUnresolved()) return;
  const seconds = delay.toSeconds({ integral: false });
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > MAX_SETTLE_DELAY_SECONDS) {
    throw new InvalidSettingError('settleDelay', SETTLE_DELAY_REQUIREMENT, delay.toHumanString());
  }
}

function validateTrailRetention(retention: Duration): void {
  if (retention.isUnresolved()) return;
  const days = retention.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1) {
    throw new InvalidSettingError('trailRetention', TRAIL_RETENTION_REQUIREMENT, retention.toHumanString());
  }
}

/** The check of a whole-number prop in `range` (a token is checked at deploy time instead). */
export function wholeNumber(prop: string, range: WholeRange): (value: number) => void {
  return (value) => {
    if (Token.isUnresolved(value)) return;
    if (!Number.isInteger(value) || value < range.min || value > range.max) {
      throw new InvalidSettingError(prop, wholeRequirement(range), String(value));
    }
  };
}

/** The check of a prop that takes one of `values`, saying them as `requirement` does. */
export function oneOf(
  prop: string,
  values: readonly string[],
  requirement: (values: readonly string[]) => string,
): (value: string) => void {
  return (value) => {
    // A token (a CfnParameter with its AllowedValues) is checked by CloudFormation at deploy time instead.
    if (Token.isUnresolved(value)) return;
    if (!values.includes(value)) throw new InvalidSettingError(prop, requirement(values), JSON.stringify(value));
  };
}

function validateLogRetention(value: RetentionDays): void {
  if (Token.isUnresolved(value)) return;
  const allowed = Object.values(RetentionDays).filter((days): days is number => typeof days === 'number');
  if (!allowed.includes(value)) {
    throw new InvalidSettingError(
      'logRetention',
      `must be one of the RetentionDays values (${allowed.join(', ')} days)`,
      String(value),
    );
  }
}

function validatePathPrefix(prefix: string): void {
  if (Token.isUnresolved(prefix)) return;
  const problem = pathPrefixProblem(prefix);
  if (problem !== undefined) {
    throw new InvalidSettingError('excludedPathPrefixes', `entries ${problem}`, JSON.stringify(prefix));
  }
}

function validateIgnoredCaller(caller: string): void {
  if (caller === '' || /[,\s]/.test(caller)) {
    throw new InvalidSettingError(
      'ignoredCallers',
      'entries must be non-empty and contain no commas or whitespace (for example "cloudformation.amazonaws.com")',
      JSON.stringify(caller),
    );
  }
}

/**
 * The IAM principal ARNs a role's trust policy takes by ARN: an account's `root`, a user, a role (with its path), an
 * STS assumed-role session or federated user, in any partition.
 */
const PRINCIPAL_ARN =
  /^arn:aws(-[a-z]+)*:(iam::\d{12}:(root|user\/[\w+=,.@/-]+|role\/[\w+=,.@/-]+)|sts::\d{12}:(assumed-role\/[\w+=,.@-]+\/[\w+=,.@-]+|federated-user\/[\w+=,.@-]+))$/;

/** What `operatorPrincipals` allows, for the prop and for its context key alike. */
export const OPERATOR_PRINCIPALS_REQUIREMENT =
  'entries must be IAM principal ARNs (arn:aws:iam::ACCOUNT:role/NAME, arn:aws:iam::ACCOUNT:user/NAME, ' +
  'arn:aws:iam::ACCOUNT:root or arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)';

function validateOperatorPrincipal(principal: string): void {
  // A token (a parameter, another stack's role) is checked by IAM at deploy time instead.
  // A list token's element (Fn::Split of a parameter) reads as unresolved only as a list.
  if (Token.isUnresolved(principal) || Token.isUnresolved([principal])) return;
  if (typeof principal !== 'string' || !PRINCIPAL_ARN.test(principal)) {
    throw new InvalidSettingError('operatorPrincipals', OPERATOR_PRINCIPALS_REQUIREMENT, JSON.stringify(principal));
  }
}
