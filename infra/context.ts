/**
 * The construct's props as CDK context, so the deployed app is configured without editing code:
 * `npm run deploy -- -c settleDelaySeconds=60 -c ignoredCallers=cloudformation.amazonaws.com`,
 * or the same keys under "context" in cdk.json. Values from `-c` arrive as strings; values from
 * cdk.json keep their JSON type. Both are accepted.
 *
 * The organization stack (infra/org-stack.ts) reads the same keys for the service it puts into every account,
 * and a few of its own ({@link ORGANIZATION_CONTEXT_SETTINGS}).
 *
 * A mistyped key must not be ignored silently: CDK's own context keys all contain `:` (feature flags
 * `@aws-cdk/…:…`, `aws:cdk:…`, lookups such as `availability-zones:…`), so any key without `:` or `@`
 * that is not one of ours stops synthesis, with the list of ours.
 */
import { Duration } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { parseCommaList } from '../core/config.js';
import { AutoInstanceProfileError } from '../core/errors.js';
import { type OrganizationProps, resolveOrganizationProps } from './org-props.js';
import {
  type AutoInstanceProfileProps,
  InvalidSettingError,
  RECONCILE_SCHEDULE_REQUIREMENT,
  resolveProps,
  SETTLE_DELAY_REQUIREMENT,
  TRAIL_RETENTION_REQUIREMENT,
} from './props.js';

/** Converts a context key's raw value (a string from `-c`, or JSON from cdk.json); throws InvalidSettingError. */
type ContextReader = (raw: unknown, key: string, scope: Construct) => unknown;

/**
 * How one context key becomes one prop (of the service's props by default): the reader alone when the key
 * is the prop's name and its value is not a list.
 */
type ContextSetting<Props = AutoInstanceProfileProps> =
  | ContextReader
  | {
      /** The prop it sets. @default the key */
      readonly prop?: keyof Props;
      readonly read: ContextReader;
      /** The prop is a list: a validation error names the offending entry, not the whole value. */
      readonly list?: boolean;
    };

/** A list-valued key named like its prop. */
const LIST = { read: readList, list: true } as const;

/**
 * Every context key this app reads, with the prop it sets. A key is named like its prop, with the unit
 * when the prop takes a Duration (`settleDelay` → `settleDelaySeconds`) or an ARN when it takes a construct.
 */
export const CONTEXT_SETTINGS = {
  settleDelaySeconds: {
    prop: 'settleDelay',
    read: (raw, key) => Duration.seconds(readNonNegative(raw, key, SETTLE_DELAY_REQUIREMENT)),
  },
  maxConcurrency: readNumber,
  logRetentionDays: { prop: 'logRetention', read: readNumber },
  dryRun: readBoolean,
  excludedPathPrefixes: LIST,
  ignoredCallers: LIST,
  alarmTopicArn: {
    prop: 'alarmTopic',
    read: (raw, key, scope) => Topic.fromTopicArn(scope, 'AlarmTopicFromContext', readTopicArn(raw, key)),
  },
  createTrail: readBoolean,
  trailRetentionDays: {
    prop: 'trailRetention',
    read: (raw, key) => Duration.days(readNonNegative(raw, key, TRAIL_RETENTION_REQUIREMENT)),
  },
  alarmOnConflicts: readBoolean,
  dashboard: readBoolean,
  reconcileSchedule: readSchedule,
  reconcileAfterDeploy: readBoolean,
  instanceProfileQuotaPercent: readNumber,
  unknownCreator: readText,
  batchConcurrency: readNumber,
  logLevel: readText,
  operatorPrincipals: LIST,
} as const satisfies Readonly<Record<string, ContextSetting>>;

/** Each key of a context table with the prop it sets, in the table's order (the docs' settings tables list them so). */
export function contextProps(
  table: Readonly<Record<string, ContextSetting<never>>>,
): readonly (readonly [string, string])[] {
  return Object.entries(table).map(([key, row]) => [key, settingOf(key, row).prop]);
}

/** A table's row in full: the prop it sets, its reader, and whether the prop is a list. */
function settingOf(
  key: string,
  row: ContextSetting<never>,
): { readonly prop: string; readonly read: ContextReader; readonly list: boolean } {
  if (typeof row === 'function') return { prop: key, read: row, list: false };
  return { prop: String(row.prop ?? key), read: row.read, list: row.list === true };
}

/** A context key of the service's settings. */
export type ContextKey = keyof typeof CONTEXT_SETTINGS;

/** The service's context keys, in the order docs/deploy.md lists them. */
export const CONTEXT_KEYS = Object.keys(CONTEXT_SETTINGS) as readonly ContextKey[];

/**
 * The organization stack's own context keys, with the prop of {@link OrganizationProps} each sets, named like it.
 * docs/organization.md lists them in this order.
 */
export const ORGANIZATION_CONTEXT_SETTINGS = {
  organizationalUnitIds: LIST,
  callAs: readText,
  retainStacksOnAccountRemoval: readBoolean,
  maxConcurrentPercentage: readNumber,
  failureTolerancePercentage: readNumber,
  regionConcurrency: readText,
  alarmEmail: readText,
  stackSetName: readText,
  tagGuardPolicy: readBoolean,
} as const satisfies Readonly<Record<string, ContextSetting<OrganizationProps>>>;

/** Every context key this app reads: the service's, then the organization stack's. */
export const APP_CONTEXT_KEYS: readonly string[] = [...CONTEXT_KEYS, ...Object.keys(ORGANIZATION_CONTEXT_SETTINGS)];

/** A context key that looks like one of ours (no `:` or `@`) but is not one. */
export class UnknownContextKeyError extends AutoInstanceProfileError {
  constructor(readonly keys: readonly string[]) {
    const named = keys.map((key) => {
      const meant = likelyKey(key);
      return meant === undefined ? key : `${key} (did you mean ${meant}?)`;
    });
    super(
      `Unknown context key${keys.length > 1 ? 's' : ''} ${named.join(', ')}. The keys this app reads: ${APP_CONTEXT_KEYS.join(', ')} (docs/deploy.md, "Settings"; docs/organization.md, "Settings")`,
    );
    this.name = 'UnknownContextKeyError';
  }
}

/**
 * Reads the props from `scope`'s context. A key that is not set stays out, so the construct's default
 * applies. Throws {@link UnknownContextKeyError} for a key of ours that does not exist, and
 * {@link InvalidSettingError} naming the context key for a value that cannot be converted or that the
 * construct would refuse.
 */
export function propsFromContext(scope: Construct): AutoInstanceProfileProps {
  return readContext<AutoInstanceProfileProps>(scope, CONTEXT_SETTINGS, resolveProps);
}

/** The organization stack's own props from `scope`'s context, as {@link propsFromContext} reads the service's. */
export function organizationPropsFromContext(scope: Construct): OrganizationProps {
  return readContext<OrganizationProps>(scope, ORGANIZATION_CONTEXT_SETTINGS, resolveOrganizationProps);
}

/** Reads the keys of one table, then validates them as props with `resolve`, naming the context key on error. */
function readContext<Props>(
  scope: Construct,
  table: Readonly<Record<string, ContextSetting<Props>>>,
  resolve: (props: Props) => unknown,
): Props {
  const unknown = Object.keys(scope.node.getAllContext()).filter(
    (key) => !/[:@]/.test(key) && !APP_CONTEXT_KEYS.includes(key),
  );
  if (unknown.length > 0) throw new UnknownContextKeyError(unknown);

  const props: Record<string, unknown> = {};
  const sources = new Map<string, { readonly key: string; readonly raw: unknown; readonly list: boolean }>();
  for (const [key, row] of Object.entries(table)) {
    const raw = scope.node.tryGetContext(key) as unknown;
    if (raw === undefined) continue;
    const { prop, read, list } = settingOf(key, row);
    props[prop] = read(raw, key, scope);
    sources.set(prop, { key, raw, list });
  }
  try {
    resolve(props as Props);
  } catch (error) {
    const source = error instanceof InvalidSettingError ? sources.get(error.setting) : undefined;
    if (error instanceof InvalidSettingError && source !== undefined) {
      // The user typed the context key, not the prop: name that, and the value as they wrote it.
      const got = source.list ? error.got : JSON.stringify(source.raw);
      throw contextError(source.key, error.requirement, got, error);
    }
    throw error;
  }
  return props as Props;
}

function readNumber(raw: unknown, key: string): number {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  // Plain decimals only: Number() would also take "", "0x10" and "1e3".
  if (typeof raw === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(raw)) return Number(raw);
  throw contextError(key, 'must be a number', JSON.stringify(raw));
}

/** A number of a Duration, which cannot be negative. */
function readNonNegative(raw: unknown, key: string, requirement: string): number {
  const value = readNumber(raw, key);
  if (value < 0) throw contextError(key, requirement, JSON.stringify(raw));
  return value;
}

function readBoolean(raw: unknown, key: string): boolean {
  if (typeof raw === 'boolean') return raw;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw contextError(key, 'must be true or false', JSON.stringify(raw));
}

/** `disabled`, or a schedule expression as EventBridge Scheduler takes it (`rate(12 hours)`, `cron(0 3 * * ? *)`); the prop validates it. */
function readSchedule(raw: unknown, key: string): ScheduleExpression | 'disabled' {
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') throw contextError(key, RECONCILE_SCHEDULE_REQUIREMENT, JSON.stringify(raw));
  return text === 'disabled' ? text : ScheduleExpression.expression(text);
}

/** A string, trimmed; the prop validates what it may be. */
function readText(raw: unknown, key: string): string {
  if (typeof raw === 'string' && raw.trim() !== '') return raw.trim();
  throw contextError(key, 'must be a non-empty string', JSON.stringify(raw));
}

function readTopicArn(raw: unknown, key: string): string {
  const arn = typeof raw === 'string' ? raw.trim() : '';
  if (!/^arn:[\w-]+:sns:[\w-]+:\d{12}:[\w.-]+$/.test(arn)) {
    throw contextError(key, 'must be an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)', JSON.stringify(raw));
  }
  return arn;
}

/** A JSON array of strings, or a comma-separated string; `""` is the empty list. */
function readList(raw: unknown, key: string): readonly string[] {
  if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) return raw;
  if (typeof raw === 'string') return parseCommaList(raw);
  throw contextError(key, 'must be a comma-separated string or a JSON array of strings', JSON.stringify(raw));
}

function contextError(key: string, requirement: string, got: string, cause?: unknown): InvalidSettingError {
  return new InvalidSettingError(key, requirement, got, { cause, context: true });
}

/** The key of ours that `key` most likely meant: same letters in another case, or one is the start of the other. */
function likelyKey(key: string): string | undefined {
  const typed = key.toLowerCase();
  return APP_CONTEXT_KEYS.find((known) => {
    const candidate = known.toLowerCase();
    return candidate === typed || candidate.startsWith(typed) || typed.startsWith(candidate);
  });
}
