/**
 * The sandbox's output: numbered steps, indented details, commands and their results, and live lines for
 * what the pipeline does (simulated CloudTrail records, the remediator's decisions). Colour on a TTY,
 * plain when piped; the remediator's raw JSON decision lines, and the AWS CLI's whole JSON answers, with --verbose.
 */
import type { Output } from '../cli/command.js';
import type { Style } from '../cli/style.js';
import { DELIVERY, type Delivery, HANDLED_EVENTS } from '../core/events.js';
import type { CloudTrailRecord } from '../emulator/cloudtrail.js';
import type { BatchReport } from '../emulator/poller.js';

/** Writes the sandbox's report. */
export interface Reporter {
  title(text: string): void;
  /** The next numbered step, with an optional value (a URL, a path). */
  step(title: string, value?: string): void;
  line(text: string): void;
  /** A command about to run, as the user would type it. */
  command(text: string): void;
  /** A command's output, indented under it. */
  output(text: string): void;
  /**
   * An AWS CLI command's answer: with --verbose, as it is; otherwise a JSON answer is cut to the ARNs it names,
   * one line each, so that the scenario's key lines stay on the screen.
   */
  answer(text: string): void;
  ok(text: string): void;
  fail(text: string): void;
  warn(text: string): void;
  /** A record the front door published (or failed to), in place of CloudTrail. */
  record(record: CloudTrailRecord, error?: unknown): void;
  /**
   * One line of the remediator's output (its log stream: stdout and stderr in order), with the queue whose
   * batch it was handling, when known.
   */
  functionLine(line: string, queue?: string): void;
  /** One batch the poller handled, from the queue named, when known. */
  batch(report: BatchReport, visibilityTimeoutSeconds: number, queue?: string): void;
  /** A poller stopped receiving from its queue, its event source mapping switched off (pause), or started again. */
  mapping(queue: string, on: boolean): void;
}

const INDENT = '    ';

/** What the sandbox calls each delivery path's queue in its lines. */
export const QUEUE_LABEL: Readonly<Record<Delivery, string>> = {
  settle: 'settle queue',
  immediate: 'delete queue',
};

/**
 * The calls a delivery path's rule routes, in words, from HANDLED_EVENTS: `CreateRole, UpdateAssumeRolePolicy`,
 * `TagRole (tag auto-instance-profile:opt-in)`; `DeleteRole, DeleteRole (failed: DeleteConflictException)`.
 */
export function routedCalls(delivery: Delivery): string {
  return Object.entries(HANDLED_EVENTS)
    .flatMap(([name, handled]) => [
      ...(DELIVERY[handled.success] === delivery
        ? [handled.requestTagKeys === undefined ? name : `${name} (tag ${handled.requestTagKeys.join(' or ')})`]
        : []),
      ...Object.entries(handled.failures ?? {})
        .filter(([, kind]) => DELIVERY[kind] === delivery)
        .map(([code]) => `${name} (failed: ${code})`),
    ])
    .join(', ');
}

/** Builds a reporter on an output. */
export function createReporter(out: Output, style: Style, verbose: boolean): Reporter {
  let steps = 0;
  const write = (text: string) => out.write(`${text}\n`);
  // The remediator's retry decisions per queue, not yet matched with a batch's failed records: a record it
  // asked to see again is not a failure, and is reported as the retry it is.
  const retries = new Map<string, number>();
  const retryKey = (queue: string | undefined) => queue ?? '';
  const output = (text: string) => {
    for (const line of text.replace(/\s+$/, '').split('\n')) {
      if (line !== '') write(`${INDENT}  ${style.dim(line)}`);
    }
  };
  return {
    title: (text) => write(style.bold(text)),
    step(title, value) {
      steps++;
      write(
        `${style.bold(`${String(steps).padStart(2)}.`)} ${style.bold(title)}${value === undefined ? '' : ` ${style.cyan(value)}`}`,
      );
    },
    line: (text) => write(`${INDENT}${text}`),
    command: (text) => write(`${INDENT}${style.bold('$')} ${style.bold(text)}`),
    output,
    answer(text) {
      const arns = verbose ? undefined : arnsIn(text);
      if (arns === undefined) output(text);
      else for (const arn of arns) write(`${INDENT}  ${style.dim(`→ ${arn}`)}`);
    },
    ok: (text) => write(`${INDENT}${style.green(`✔ ${text}`)}`),
    fail: (text) => write(`${INDENT}${style.red(`✘ ${text}`)}`),
    warn: (text) => write(`${INDENT}${style.yellow(`! ${text}`)}`),
    record(record, error) {
      const target = error === undefined ? '→ EventBridge' : style.red(`NOT published: ${describe(error)}`);
      write(`${INDENT}${style.magenta('⇢ CloudTrail (simulated)')} ${summariseRecord(record)} ${style.dim(target)}`);
    },
    functionLine(line, queue) {
      const log = parseLogLine(line);
      if (log === undefined) {
        if (verbose) write(`${INDENT}${style.dim(`remediator: ${line}`)}`);
        return;
      }
      const who = `${style.cyan('⇠ remediator')}${queue === undefined ? '' : ` ${style.dim(`(${queue})`)}`}`;
      if (typeof log.decision === 'string') {
        if (log.decision === 'retry') retries.set(retryKey(queue), (retries.get(retryKey(queue)) ?? 0) + 1);
        write(`${INDENT}${who} ${summariseDecision(log)}`);
        if (verbose) write(`${INDENT}  ${style.dim(line)}`);
      } else if (log.level === 'ERROR' || log.level === 'WARN' || verbose) {
        write(`${INDENT}${who} ${String(log.level ?? '')} ${String(log.message ?? '')}`);
        if (verbose) write(`${INDENT}  ${style.dim(line)}`);
      }
    },
    mapping(queue, on) {
      write(
        on
          ? `${INDENT}${style.green('▶ poller')} ${style.dim(`(${queue})`)} its event source mapping is on again (resume): polling, and the events that waited are decided now`
          : `${INDENT}${style.yellow('‖ poller')} ${style.dim(`(${queue})`)} its event source mapping is off (pause): receiving nothing; events wait in the queue`,
      );
    },
    batch(report, visibilityTimeoutSeconds, queue) {
      const asked = retries.get(retryKey(queue)) ?? 0;
      retries.delete(retryKey(queue));
      if (report.failed.length === 0) {
        if (verbose) write(`${INDENT}${style.dim(`poller: batch of ${report.records.length}, all deleted`)}`);
      } else if (report.wholeBatchFailed === undefined && asked >= report.failed.length) {
        const records = report.failed.length === 1 ? 'the record' : `${report.failed.length} records`;
        write(
          `${INDENT}${style.dim(`↻ poller: ${records} the remediator asked to retry ${report.failed.length === 1 ? 'comes' : 'come'} back after the ${visibilityTimeoutSeconds} s visibility timeout, to be decided again`)}`,
        );
      } else {
        const why = report.wholeBatchFailed === undefined ? '' : ` (${report.wholeBatchFailed})`;
        write(
          `${INDENT}${style.yellow(`! poller: ${report.failed.length} of ${report.records.length} record(s) failed${why}; they return after the ${visibilityTimeoutSeconds} s visibility timeout, and go to the DLQ after the redrive policy's receive count`)}`,
        );
      }
      for (const error of report.deleteErrors) write(`${INDENT}${style.red(`✘ poller: DeleteMessageBatch: ${error}`)}`);
    },
  };
}

/** The ARNs a JSON answer names, in order, once each; undefined when it is not JSON or names none. */
export function arnsIn(text: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const arns = new Set<string>();
  const visit = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, inner] of Object.entries(value)) {
        if (key === 'Arn' && typeof inner === 'string') arns.add(inner);
        else visit(inner);
      }
    }
  };
  visit(parsed);
  return arns.size === 0 ? undefined : [...arns];
}

/** A Powertools JSON log line, or undefined for anything else. */
export function parseLogLine(line: string): Readonly<Record<string, unknown>> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One line for a decision: role, decision, reason code, the profile it concerns, then what was done and why in
 * words (the log line's `message` and `note`).
 */
export function summariseDecision(log: Readonly<Record<string, unknown>>): string {
  const parts = [`${String(log.role ?? '?')}: ${String(log.decision)}`];
  if (typeof log.reason === 'string') parts.push(`(${log.reason})`);
  if (typeof log.profile === 'string') parts.push(`→ ${log.profile}`);
  const words = [log.message, log.note].filter((text): text is string => typeof text === 'string' && text !== '');
  if (words.length > 0) parts.push(`— ${words.join(': ')}`);
  return parts.join(' ');
}

/**
 * One line for a CloudTrail record: the call, the role and profile it names (or the first other name it was
 * given, for calls about users, groups or policies), and the error code of a failed call.
 */
export function summariseRecord(record: {
  readonly eventName: string;
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  readonly errorCode?: string | undefined;
}): string {
  const params = record.requestParameters ?? {};
  const named = (key: string) => (typeof params[key] === 'string' ? (params[key] as string) : undefined);
  const subjects: string[] = [];
  const role = named('roleName');
  const profile = named('instanceProfileName');
  if (role !== undefined) subjects.push(`role ${role}`);
  if (profile !== undefined) subjects.push(`profile ${profile}`);
  if (subjects.length === 0) {
    const other = Object.keys(params).find((key) => key.endsWith('Name') && named(key) !== undefined);
    if (other !== undefined) subjects.push(`${other.slice(0, -'Name'.length)} ${named(other)}`);
  }
  const failed = record.errorCode === undefined ? '' : ` (failed: ${record.errorCode})`;
  return `${record.eventName}${subjects.length > 0 ? ` ${subjects.join(', ')}` : ''}${failed}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
