/**
 * How a setting is read from text, wherever the text comes from (an environment variable, a `-c` context value, a
 * CLI option), and what each kind allows. One reading: text is trimmed; a whole number is plain decimal digits;
 * `true` and `false`, like the values of a one-of setting, are read in any case and mean their canonical spelling
 * (a setting is typed by a person, and nothing here is a security boundary that exactness would guard); a list is
 * comma-separated, `""` the empty list. Pure.
 */
import type { SettingRow } from './settings.js';

/** What is wrong with a setting's value: what it allows, as `must be …`, and what it got, as typed. */
export interface Problem {
  readonly requirement: string;
  readonly got: string;
}

/** A whole number in plain decimal digits (not `1e3`, `0x10`, `-1` or `2.5`), or undefined. */
export function parseWhole(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d{1,15}$/.test(trimmed) ? Number(trimmed) : undefined;
}

/** `true` or `false`, in any case, or undefined. */
export function parseBoolean(text: string): boolean | undefined {
  const value = text.trim().toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** A comma-separated list: entries trimmed, blanks dropped, so `""` is the empty list. */
export function parseCommaList(text: string): readonly string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** An SNS topic ARN, the text of a `topic` setting. */
const SNS_TOPIC_ARN = /^arn:[\w-]+:sns:[\w-]+:\d{12}:[\w.-]+$/;

/** What a setting allows, as the rest of a sentence that starts with "must be" (a retention's values are infra's). */
export function allowed(row: SettingRow): string {
  const why = row.why === undefined ? '' : ` (${row.why})`;
  switch (row.kind) {
    case 'boolean':
      return 'true or false';
    case 'whole':
      return `a whole number from ${row.min} to ${row.max}${why}`;
    case 'duration':
      return `a whole number of ${row.unit}${row.max === undefined ? `, at least ${row.min}` : ` from ${row.min} to ${row.max}`}${why}`;
    case 'oneOf':
      return `${row.values.slice(0, -1).join(', ')} or ${row.values.at(-1)}`;
    case 'list':
      return `a comma-separated list of ${row.allowed}`;
    case 'text':
      return row.allowed;
    case 'retention':
      return 'a CloudWatch Logs retention in days';
    case 'schedule':
      return `'disabled' or an EventBridge Scheduler expression: cron(...), at(...) or rate(...) ${scheduleLimit(row.minRateHours)}${why}`;
    case 'topic':
      return 'an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)';
  }
}

/** How often a schedule may run at most, as the rest of a sentence: `at most once an hour`. */
export function scheduleLimit(hours: number): string {
  return `at most once ${hours === 1 ? 'an hour' : `every ${hours} hours`}`;
}

/** The requirement a value that breaks `row` is refused with. */
export function requirement(row: SettingRow): string {
  return `must be ${allowed(row)}`;
}

/** A value as the user would recognise it: text quoted, numbers bare. */
export function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

/**
 * What is wrong with a setting's value in its plain form (a boolean, a number, a string, a list of strings), or
 * undefined. A list names its offending entry. A retention's and a schedule's values are checked in infra/props.ts.
 */
export function problemOf(row: SettingRow, value: unknown): Problem | undefined {
  const refused = (got = value): Problem => ({ requirement: requirement(row), got: shown(got) });
  switch (row.kind) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : refused();
    case 'whole':
    case 'duration':
      return Number.isInteger(value) && (value as number) >= row.min && (value as number) <= (row.max ?? Infinity)
        ? undefined
        : refused();
    case 'oneOf':
      return row.values.includes(value as string) ? undefined : refused();
    case 'retention':
      return Number.isInteger(value) ? undefined : refused();
    case 'text':
    case 'topic':
      return typeof value === 'string' && (row.kind === 'topic' ? SNS_TOPIC_ARN : row.pattern).test(value)
        ? undefined
        : refused();
    case 'schedule':
      return typeof value === 'string' && value.trim() !== '' ? undefined : refused();
    case 'list': {
      if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) return refused();
      if (value.length === 0 && row.nonEmpty !== undefined) return { requirement: row.nonEmpty, got: '[]' };
      const wrong = value.find((entry) => !row.pattern.test(entry));
      return wrong === undefined ? undefined : { requirement: `entries must be ${row.allowed}`, got: shown(wrong) };
    }
  }
}

/**
 * A setting's value read from `text`, in its plain form, or the problem with it, naming the text as typed (a list, its
 * offending entry). Blank text is no value (the
 * environment's reader takes a blank variable as unset first); only a list reads `""`, as the empty list.
 */
export function fromText(row: SettingRow, text: string): { readonly value: unknown } | Problem {
  const value = plainFromText(row, text);
  const problem = value === undefined ? { requirement: requirement(row) } : problemOf(row, value);
  if (problem === undefined) return { value };
  // The text as typed; a list's offending entry as it stands.
  return { got: shown(text), ...(row.kind === 'list' ? problem : { requirement: problem.requirement }) };
}

function plainFromText(row: SettingRow, text: string): unknown {
  switch (row.kind) {
    case 'boolean':
      return parseBoolean(text);
    case 'whole':
    case 'duration':
    case 'retention':
      return parseWhole(text);
    case 'oneOf':
      return row.values.find((value) => value.toLowerCase() === text.trim().toLowerCase());
    case 'list': {
      const list = parseCommaList(text);
      // Only "" clears a list: commas and blanks alone are a mistake, not a wish to drop the default.
      return list.length === 0 && text.trim() !== '' ? undefined : list;
    }
    default:
      return text.trim() === '' ? undefined : text.trim();
  }
}
