/**
 * The props of the service's construct and of the organization stack, from the one table of settings
 * (core/settings.ts): their types, with each row's TSDoc, their defaults and their checks. Invalid props throw here,
 * in the constructor, so a bad value fails `cdk synth` with a message instead of a deploy half-way through.
 */
import { Duration, Token } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { AutoInstanceProfileError } from '../core/errors.js';
import { allowed, type Problem, problemOf, scheduleLimit, shown } from '../core/setting-kinds.js';
import {
  type PlainValue,
  SETTING_ROWS,
  type SettingName,
  type SettingRow,
  type Settings,
  type Unset,
} from '../core/settings.js';

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

/** A prop's type: the plain value, or aws-cdk-lib's type for a Duration, a retention, a schedule or a topic. */
type PropValue<Row> = Row extends { readonly kind: 'duration' }
  ? Duration
  : Row extends { readonly kind: 'retention' }
    ? RetentionDays
    : Row extends { readonly kind: 'schedule' }
      ? ScheduleExpression | 'disabled'
      : Row extends { readonly kind: 'topic' }
        ? ITopic
        : PlainValue<Row>;

/** The stack a setting is a prop of: the service's construct, or the organization stack. */
export type PropsStack = 'service' | 'organization';
type StackOf<Row> = Row extends { readonly setBy: string }
  ? never
  : Row extends { readonly org: true }
    ? 'organization'
    : 'service';

// `keyof Settings` itself, and a filter on the row, not the name: so TypeScript keeps each prop's TSDoc, its row's.
/** A stack's props, every one optional, each documented by its row of core/settings.ts. */
export type PropsOf<Stack extends PropsStack> = {
  readonly [Name in keyof Settings as Stack extends StackOf<Settings[Name]> ? Name : never]?: PropValue<Settings[Name]>;
};
/** A stack's props with every default filled in, after validation. */
export type ResolvedPropsOf<Stack extends PropsStack> = {
  readonly [Name in keyof Settings as Stack extends StackOf<Settings[Name]> ? Name : never]:
    | PropValue<Settings[Name]>
    | Unset<Settings[Name]>;
};

/** Settings of {@link AutoInstanceProfile}. Every one is optional. */
export type AutoInstanceProfileProps = PropsOf<'service'>;
/** The props with every default filled in, after validation. */
export type ResolvedProps = ResolvedPropsOf<'service'>;
/** The Powertools log levels a function may be set to. */
export type LogLevel = ResolvedProps['logLevel'];

/** Fills in the defaults and throws an {@link InvalidSettingError} naming the prop and its allowed values if one is invalid. */
export function resolveProps(props: AutoInstanceProfileProps = {}): ResolvedProps {
  return resolveStackProps('service', props);
}

/** The settings that are a stack's props, in the table's order. */
export function propRows(stack: PropsStack): readonly (readonly [SettingName, SettingRow])[] {
  return SETTING_ROWS.filter(([, row]) => row.setBy === undefined && (row.org ? 'organization' : 'service') === stack);
}

/** A stack's props with their defaults filled in; throws an {@link InvalidSettingError} naming an invalid one. */
export function resolveStackProps<Stack extends PropsStack>(
  stack: Stack,
  props: PropsOf<Stack>,
): ResolvedPropsOf<Stack> {
  const given: Readonly<Record<string, unknown>> = props;
  const resolved = propRows(stack).map(([name, row]) => {
    // A prop given as undefined takes its default, as one left out does.
    const value = given[name] ?? ('default' in row ? toProp(row, row.default) : undefined);
    const problem = value === undefined ? undefined : propProblem(row, value);
    if (problem !== undefined) throw new InvalidSettingError(name, problem.requirement, problem.got);
    return [name, value];
  });
  return Object.fromEntries(resolved) as ResolvedPropsOf<Stack>;
}

/** A prop's value from its plain value (a default, a context key's): a Duration, a schedule, a topic in `scope`. */
export function toProp(row: SettingRow, plain: unknown, scope?: Construct, name = ''): unknown {
  switch (row.kind) {
    case 'duration':
      return row.unit === 'seconds' ? Duration.seconds(plain as number) : Duration.days(plain as number);
    case 'schedule':
      return plain === 'disabled' ? plain : ScheduleExpression.expression(plain as string);
    case 'topic':
      return Topic.fromTopicArn(
        scope as Construct,
        `${name.charAt(0).toUpperCase()}${name.slice(1)}FromContext`,
        `${plain}`,
      );
    default:
      return plain;
  }
}

/** What a setting allows, as the rest of a sentence that starts with "must be", a retention's values included. */
export function allowedOf(row: SettingRow): string {
  return row.kind === 'retention' ? `one of the RetentionDays values (${RETENTIONS.join(', ')} days)` : allowed(row);
}

/** The retentions CloudWatch Logs takes, as aws-cdk-lib lists them. */
const RETENTIONS = Object.values(RetentionDays).filter((days): days is number => typeof days === 'number');

/** What is wrong with a prop's value, or undefined; a token (a CfnParameter, say) is left to CloudFormation. */
export function propProblem(row: SettingRow, value: unknown): Problem | undefined {
  if (Token.isUnresolved(value)) return undefined;
  const refused = (got: string): Problem => ({ requirement: `must be ${allowedOf(row)}`, got });
  switch (row.kind) {
    case 'duration': {
      const duration = value as Duration;
      if (duration.isUnresolved()) return undefined;
      const units =
        row.unit === 'seconds' ? duration.toSeconds({ integral: false }) : duration.toDays({ integral: false });
      return problemOf(row, units) && refused(duration.toHumanString());
    }
    case 'retention':
      return RETENTIONS.includes(value as number) ? undefined : refused(shown(value));
    case 'schedule':
      return scheduleProblem(row, value, refused);
    case 'topic':
      return undefined;
    case 'list':
      return problemOf(row, Array.isArray(value) ? value.filter((entry) => !Token.isUnresolved(entry)) : value);
    default:
      return problemOf(row, value);
  }
}

/** `rate(N unit)`, as EventBridge Scheduler writes it, and the minutes of each unit. */
const RATE = /^rate\((\d+) (minute|hour|day)s?\)$/;
const MINUTES = { minute: 1, hour: 60, day: 1440 } as const;

function scheduleProblem(
  row: Extract<SettingRow, { kind: 'schedule' }>,
  schedule: unknown,
  refused: (got: string) => Problem,
): Problem | undefined {
  if (schedule === 'disabled') return undefined;
  if (!(schedule instanceof ScheduleExpression)) {
    const example = "ScheduleExpression.rate(Duration.days(1)) or ScheduleExpression.cron({ hour: '3', minute: '0' })";
    return { requirement: `must be a ScheduleExpression (for example ${example}) or 'disabled'`, got: shown(schedule) };
  }
  const expression = schedule.expressionString;
  if (Token.isUnresolved(expression)) return undefined;
  if (!/^(rate|cron|at)\(.+\)$/.test(expression)) return refused(shown(expression));
  const rate = RATE.exec(expression);
  const minutes = rate === null ? Number.POSITIVE_INFINITY : Number(rate[1]) * MINUTES[rate[2] as keyof typeof MINUTES];
  if (minutes >= row.minRateHours * 60) return undefined;
  const why = row.why === undefined ? '' : ` (${row.why})`;
  return { requirement: `must be ${scheduleLimit(row.minRateHours)}${why}`, got: shown(expression) };
}
