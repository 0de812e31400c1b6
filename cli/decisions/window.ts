/**
 * The time window of `decisions`: `--since` and `--until`, each a duration back from now (`90m`, `24h`, `7d`, `2w`)
 * or a time (`2026-05-01`, `2026-05-01T12:00:00Z`, with an offset, or without one: UTC). Pure.
 */
import { UsageError } from '../errors.js';

/** The window a report covers, both ends included. */
export interface TimeWindow {
  readonly since: Date;
  readonly until: Date;
}

/** `--since` when not given. */
export const DEFAULT_SINCE = '24h';

/** Milliseconds per unit of a duration. */
const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const DURATION = /^(\d+)([smhdw])$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/** What `--since` and `--until` accept, for their help and their errors. */
export const TIME_FORMS = 'a duration back from now (90m, 24h, 7d, 2w) or a time (2026-05-01, 2026-05-01T12:00:00Z)';

/**
 * One end of the window: a duration back from `now`, or a time, in UTC unless it names its offset.
 * @throws {UsageError} naming the option, for anything else.
 */
export function parseTime(option: string, value: string, now: Date): Date {
  const text = value.trim();
  const duration = DURATION.exec(text);
  if (duration !== null) {
    const [, amount = '0', unit = 's'] = duration;
    const ms = Number(amount) * (UNIT_MS[unit] ?? 0);
    if (ms <= 0) throw new UsageError(`--${option} must be a duration longer than 0, not "${value}"`);
    return new Date(now.getTime() - ms);
  }
  if (DATE.test(text) || DATE_TIME.test(text)) {
    const iso = text.replace(' ', 'T');
    const time = new Date(DATE.test(text) || ZONE.test(iso) ? iso : `${iso}Z`);
    if (!Number.isNaN(time.getTime())) return time;
  }
  throw new UsageError(`--${option} must be ${TIME_FORMS}, not "${value}"`);
}

/**
 * The window `--since` and `--until` give (`--since` {@link DEFAULT_SINCE} and `--until` now when not given).
 * @throws {UsageError} when either cannot be read, or the window is empty or wholly in the future.
 */
export function parseWindow(since: string | undefined, until: string | undefined, now: Date): TimeWindow {
  const window = {
    since: parseTime('since', since ?? DEFAULT_SINCE, now),
    until: until === undefined ? now : parseTime('until', until, now),
  };
  if (window.since.getTime() >= window.until.getTime()) {
    throw new UsageError(
      `--since (${window.since.toISOString()}) must be before --until (${window.until.toISOString()})`,
    );
  }
  if (window.since.getTime() > now.getTime()) {
    throw new UsageError(`--since (${window.since.toISOString()}) is in the future: there is nothing to read yet`);
  }
  return window;
}

/** `2026-05-01 12:00:00Z → 2026-05-02 12:00:00Z`, to the second, for a report's header. */
export function describeWindow(window: TimeWindow): string {
  const at = (time: Date) => `${time.toISOString().slice(0, 19).replace('T', ' ')}Z`;
  return `${at(window.since)} → ${at(window.until)}`;
}
