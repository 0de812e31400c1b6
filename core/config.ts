import { ConfigError } from './errors.js';
import { DEFAULT_MAX_CONCURRENCY } from './pipeline-settings.js';
import { DEFAULT_QUOTA_PERCENT } from './quota.js';

/** The service's settings. Endpoints are deliberately absent: the SDK reads AWS_ENDPOINT_URL(_IAM) itself. */
export interface Config {
  /** `DRY_RUN=true`: decide and log the plan, change nothing. @default false */
  readonly dryRun: boolean;
  /** `EXCLUDED_PATH_PREFIXES`, comma-separated: roles under these paths are left alone. @default ['/aws-service-role/'] */
  readonly excludedPathPrefixes: readonly string[];
  /**
   * `IGNORED_CALLERS`, comma-separated: callers whose new or changed roles are left alone. An entry is a
   * service that called on someone's behalf (`userIdentity.invokedBy`, e.g. `cloudformation.amazonaws.com`)
   * or a principal ARN pattern with `*` (`userIdentity.arn`, e.g. `arn:aws:sts::*:assumed-role/terraform-ci/*`).
   * @default ['cloudformation.amazonaws.com']
   */
  readonly ignoredCallers: readonly string[];
  /**
   * `SERVICE_ROLE_ARN`: the function's own role. Events it caused are never acted on.
   * @default undefined - set by the stack
   */
  readonly serviceRoleArn?: string | undefined;
  /**
   * `OWNERSHIP_TABLE`: the name of the ownership table, the record that alone proves a profile the service's
   * (core/ownership.ts). @default undefined - set by the stack; without it nothing is proven ours and creates are not recorded
   */
  readonly ownershipTable?: string | undefined;
  /**
   * `QUEUE_URLS`, comma-separated: the function's own queues. Each SQS record is proven to be an in-flight
   * message of one of them before it is acted on. @default [] - set by the stack; without them (the local invoke
   * tool) records are taken unproven, and the function says so
   */
  readonly queueUrls: readonly string[];
  /**
   * `ROLE_NOT_FOUND_RETRY_SECONDS`: how long after the event a missing role counts as "not visible yet"
   * (IAM is eventually consistent) rather than "deleted". @default 120
   */
  readonly roleNotFoundRetrySeconds: number;
  /** `AWS_RETRY_MODE` and `AWS_MAX_ATTEMPTS`, as the SDK reads them. @default standard, 3 */
  readonly iamRetry: IamRetrySettings;
  /**
   * `BATCH_CONCURRENCY`: records of one SQS batch processed at once (1 to 10; two of one role never are).
   * 1 processes a batch one record after another, as the bench's baseline does. @default 4
   */
  readonly batchConcurrency: number;
  /**
   * `INSTANCE_PROFILE_QUOTA_PERCENT`: the share of the account's `InstanceProfilesQuota` (GetAccountSummary)
   * at which the service stops creating instance profiles, so that people and IaC keep the last ones
   * (1 to 100; 100 creates until the quota is full). @default 95
   */
  readonly instanceProfileQuotaPercent: number;
  /**
   * `UNKNOWN_CREATOR`: what the reconcile pass does with a candidate whose creator it cannot learn (created
   * before CloudTrail's 90-day event history, or beyond the pass's lookup budget): `remediate` gives it a
   * profile as if no caller were ignored, `skip` leaves it alone. A role too young for the history to hold its
   * CreateRole yet is neither: its own event decides (core/created-by.ts). @default 'skip': a role whose creator
   * cannot be told may be an ignored caller's (a CloudFormation stack's, whose delete our profile would fail), and the
   * first pass after a deploy would otherwise give every old EC2 role of the account a profile at once
   * (docs/deploy.md, "Who created a role").
   */
  readonly unknownCreator: UnknownCreatorPolicy;
  /**
   * `MAX_CONCURRENCY`: the most invocations each of the function's queues drives at once (the stack's
   * `maxConcurrency`), which bounds how many instances may create profiles at once: the quota headroom's margin
   * (core/quota.ts) covers them. 2 to 1000. @default 2
   */
  readonly maxConcurrency: number;
}

/** What to do with a role whose creator is unknown. */
export type UnknownCreatorPolicy = 'remediate' | 'skip';

/** The values of `UNKNOWN_CREATOR`. */
export const UNKNOWN_CREATOR_POLICIES: readonly UnknownCreatorPolicy[] = ['remediate', 'skip'];

/** The SDK's retry settings for IAM, from its own variables AWS_RETRY_MODE and AWS_MAX_ATTEMPTS. */
export interface IamRetrySettings {
  /** `standard`: backoff with jitter; `adaptive`: also a client-side rate limit learnt from throttling. */
  readonly mode: 'standard' | 'adaptive';
  /** Attempts per call, the first included. */
  readonly maxAttempts: number;
}

/** The defaults, also the documented values of the construct's props. */
export const DEFAULT_CONFIG: Config = {
  dryRun: false,
  excludedPathPrefixes: ['/aws-service-role/'],
  ignoredCallers: ['cloudformation.amazonaws.com'],
  queueUrls: [],
  roleNotFoundRetrySeconds: 120,
  iamRetry: { mode: 'standard', maxAttempts: 3 },
  batchConcurrency: 4,
  instanceProfileQuotaPercent: DEFAULT_QUOTA_PERCENT,
  unknownCreator: 'skip',
  maxConcurrency: DEFAULT_MAX_CONCURRENCY,
};

/** A whole-number setting's range, with why it is that range when the reason is not obvious. */
export interface WholeRange {
  readonly min: number;
  readonly max: number;
  /** Said after the range in the props' and context keys' messages. */
  readonly why?: string;
}

/** What a whole-number setting allows, as the rest of a sentence that starts with its name. */
export function wholeRequirement({ min, max, why }: WholeRange): string {
  return `must be a whole number from ${min} to ${max}${why === undefined ? '' : ` (${why})`}`;
}

/** The largest batch concurrency: a batch holds at most 10 records. */
export const MAX_BATCH_CONCURRENCY = 10;

/** `BATCH_CONCURRENCY`, the `batchConcurrency` prop and context key. */
export const BATCH_CONCURRENCY_RANGE: WholeRange = {
  min: 1,
  max: MAX_BATCH_CONCURRENCY,
  why: 'an SQS batch holds at most 10 records',
};

/** `MAX_CONCURRENCY`, the `maxConcurrency` prop and context key: Lambda's limits on an SQS event source's maximum concurrency. */
export const MAX_CONCURRENCY_RANGE: WholeRange = { min: 2, max: 1000, why: "Lambda's limits for an SQS event source" };

/** `INSTANCE_PROFILE_QUOTA_PERCENT`, the `instanceProfileQuotaPercent` prop and context key. */
export const QUOTA_PERCENT_RANGE: WholeRange = { min: 1, max: 100 };

/** How one setting is read from the environment: its variable, and the parser that checks it. */
interface EnvSetting<Value> {
  /** The environment variable. The stack's prop and context key are named like the setting (infra/props.ts). */
  readonly env: string;
  /** Parses and checks the variable; an unset or blank one gives `fallback` (the setting's default). */
  read(env: NodeJS.ProcessEnv, name: string, fallback: Value): Value;
  /** The stack sets it from its prop and context key of the same name (infra/props.ts, infra/context.ts). */
  readonly prop?: true;
}

/**
 * Every setting the functions read, one row each: its environment variable and its rule. The defaults are
 * {@link DEFAULT_CONFIG}; the ranges and values the rows hold are the props' and context keys' too.
 */
export const ENV_SETTINGS: { readonly [Key in keyof Omit<Config, 'iamRetry'>]-?: EnvSetting<Config[Key]> } = {
  dryRun: { env: 'DRY_RUN', read: parseBoolean, prop: true },
  excludedPathPrefixes: { env: 'EXCLUDED_PATH_PREFIXES', read: parsePathPrefixes, prop: true },
  ignoredCallers: {
    env: 'IGNORED_CALLERS',
    read: (env: NodeJS.ProcessEnv, name: string, fallback: readonly string[]) => parseList(env, name) ?? fallback,
    prop: true,
  },
  serviceRoleArn: { env: 'SERVICE_ROLE_ARN', read: parseArn },
  ownershipTable: { env: 'OWNERSHIP_TABLE', read: parseTableName },
  queueUrls: { env: 'QUEUE_URLS', read: parseQueueUrls },
  roleNotFoundRetrySeconds: { env: 'ROLE_NOT_FOUND_RETRY_SECONDS', read: parseSeconds },
  batchConcurrency: { env: 'BATCH_CONCURRENCY', read: wholeIn(BATCH_CONCURRENCY_RANGE), prop: true },
  instanceProfileQuotaPercent: {
    env: 'INSTANCE_PROFILE_QUOTA_PERCENT',
    read: wholeIn(QUOTA_PERCENT_RANGE),
    prop: true,
  },
  unknownCreator: { env: 'UNKNOWN_CREATOR', read: parseUnknownCreator, prop: true },
  maxConcurrency: { env: 'MAX_CONCURRENCY', read: wholeIn(MAX_CONCURRENCY_RANGE), prop: true },
};

/**
 * The environment of a function that reads {@link ENV_SETTINGS}: each setting the stack sets, as its
 * variable's text (a list comma-separated, as {@link parseCommaList} reads it back).
 */
export function settingsEnvironment(settings: Partial<Config>): Record<string, string> {
  const rows: [string, EnvSetting<unknown>][] = Object.entries(ENV_SETTINGS);
  return Object.fromEntries(
    rows
      .filter(([, setting]) => setting.prop === true)
      .map(([key, setting]) => {
        const value: unknown = settings[key as keyof Config];
        return [setting.env, Array.isArray(value) ? value.join(',') : String(value)];
      }),
  );
}

/**
 * Reads and validates the settings from an environment. Call it once, at module scope: a bad
 * setting then fails the cold start loudly instead of every record quietly.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const settings: [string, EnvSetting<unknown>][] = Object.entries(ENV_SETTINGS);
  const values = settings.map(([key, setting]) => [
    key,
    setting.read(env, setting.env, DEFAULT_CONFIG[key as keyof Config]),
  ]);
  return {
    ...(Object.fromEntries(values) as Omit<Config, 'iamRetry'>),
    iamRetry: {
      mode: parseRetryMode(env, 'AWS_RETRY_MODE', DEFAULT_CONFIG.iamRetry.mode),
      maxAttempts: parseAttempts(env, 'AWS_MAX_ATTEMPTS', DEFAULT_CONFIG.iamRetry.maxAttempts),
    },
  };
}

function parseUnknownCreator(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: UnknownCreatorPolicy,
): UnknownCreatorPolicy {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  const policy = UNKNOWN_CREATOR_POLICIES.find((value) => value === raw);
  if (policy === undefined) throw new ConfigError(`${name} must be remediate or skip, got "${env[name]}"`);
  return policy;
}

function parseBoolean(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

/**
 * The list format of EXCLUDED_PATH_PREFIXES and IGNORED_CALLERS: comma-separated, blanks ignored, so
 * `""` is the empty list. The stack writes these variables and reads CDK context in the same format.
 */
export function parseCommaList(raw: string): readonly string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseList(env: NodeJS.ProcessEnv, name: string): readonly string[] | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const list = parseCommaList(raw);
  // Only "" clears a list: a value of commas and blanks is a mistake, not a wish to drop the defaults.
  if (list.length === 0 && raw.trim() !== '') {
    throw new ConfigError(`${name} lists nothing ("${raw}"); set it to "" to clear it`);
  }
  return list;
}

function parsePathPrefixes(env: NodeJS.ProcessEnv, name: string, fallback: readonly string[]): readonly string[] {
  const list = parseList(env, name) ?? fallback;
  for (const prefix of list) {
    const problem = pathPrefixProblem(prefix);
    if (problem !== undefined) throw new ConfigError(`${name} entries ${problem}, got "${prefix}"`);
  }
  return list;
}

/** IAM's limit on a path's length, and so on a path prefix's. */
export const MAX_PATH_PREFIX_LENGTH = 512;

/**
 * The one rule for an excluded path prefix, wherever it is given (`EXCLUDED_PATH_PREFIXES`, the
 * `excludedPathPrefixes` prop or context key, the CLI's `--exclude-path`): what is wrong with `prefix`, as
 * the rest of a sentence that starts with "entries", or undefined when it is a valid prefix.
 */
export function pathPrefixProblem(prefix: string): string | undefined {
  if (!prefix.startsWith('/') || prefix.length > MAX_PATH_PREFIX_LENGTH) {
    return `must start with "/" and be at most ${MAX_PATH_PREFIX_LENGTH} characters`;
  }
  if (/[,\s]/.test(prefix)) {
    return 'cannot contain commas or whitespace (the function reads them as a comma-separated list)';
  }
  return undefined;
}

function parseSeconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  // Plain decimal digits only: Number() would also take 1e3, 0x10 and digits beyond what is exact.
  if (!/^\d{1,6}$/.test(raw))
    throw new ConfigError(`${name} must be a whole number of seconds (0 to 999999), got "${raw}"`);
  return Number(raw);
}

function parseArn(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^arn:[^:]+:iam::\d{12}:role\/.+$/.test(raw))
    throw new ConfigError(`${name} must be an IAM role ARN, got "${raw}"`);
  return raw;
}

/** DynamoDB's table name rule: 3 to 255 of letters, digits, `_.-`. */
function parseTableName(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (!/^[\w.-]{3,255}$/.test(raw)) throw new ConfigError(`${name} must be a DynamoDB table name, got "${raw}"`);
  return raw;
}

function parseQueueUrls(env: NodeJS.ProcessEnv, name: string, fallback: readonly string[]): readonly string[] {
  const list = parseList(env, name) ?? fallback;
  for (const url of list) {
    if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
      throw new ConfigError(`${name} entries must be SQS queue URLs, got "${url}"`);
    }
  }
  return list;
}

function parseRetryMode(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: IamRetrySettings['mode'],
): IamRetrySettings['mode'] {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'standard' || raw === 'adaptive') return raw;
  throw new ConfigError(`${name} must be standard or adaptive, got "${env[name]}"`);
}

/** The reader of a whole number in `range`; its message leaves out the why, which the variable's docs give. */
function wholeIn(range: WholeRange): EnvSetting<number>['read'] {
  return (env: NodeJS.ProcessEnv, name: string, fallback: number) => {
    const raw = env[name]?.trim();
    if (raw === undefined || raw === '') return fallback;
    if (!/^\d{1,6}$/.test(raw) || Number(raw) < range.min || Number(raw) > range.max)
      throw new ConfigError(`${name} ${wholeRequirement({ ...range, why: undefined })}, got "${raw}"`);
    return Number(raw);
  };
}

function parseAttempts(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,2}$/.test(raw) || Number(raw) < 1)
    throw new ConfigError(`${name} must be a whole number from 1 to 99, got "${raw}"`);
  return Number(raw);
}

/**
 * The function's own account: its role's (`SERVICE_ROLE_ARN`), which is the account whose IAM its credentials
 * change. Undefined without the variable (the local invoke tool): then nothing is checked against it.
 */
export function ownAccountOf(config: Pick<Config, 'serviceRoleArn'>): string | undefined {
  return config.serviceRoleArn === undefined ? undefined : /^arn:[^:]+:iam::(\d{12}):/.exec(config.serviceRoleArn)?.[1];
}
