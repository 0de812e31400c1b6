/**
 * What `pause` and `resume` print: the question they ask, the `--json` document and the text report of one account,
 * and the lines an account's mappings take, which `--org` prints too.
 */
import { QUEUE_RETENTION_DAYS } from '../../core/pipeline-settings.js';
import type { Output } from '../command.js';
import { headerLine, type ReportIdentity } from '../output.js';
import type { Style } from '../style.js';
import type { DeliveryState, SwitchPlan, SwitchTarget } from './state.js';
import type { Located, SwitchedMapping, SwitchOutcome, SwitchResult } from './switch.js';

/** The command of each switch. */
export const COMMAND_OF: Readonly<Record<SwitchTarget, 'pause' | 'resume'>> = { off: 'pause', on: 'resume' };

/** What a pause means, said once: the commands' help, their reports and the docs say it alike. */
export const WHILE_PAUSED =
  'the remediator reads neither queue, so nothing changes in IAM; events wait in the queues (kept ' +
  `${QUEUE_RETENTION_DAYS} days from when each was sent), and so does what the daily reconcile pass finds`;

/** What a resume means. */
export const ON_RESUME =
  'the remediator reads both queues again: every event that waited is decided now, on IAM’s state now ' +
  '(a failed delete-role more than an hour old changes nothing: retry it)';

/** The question `pause` or `resume` asks in one account. */
export function switchQuestion(account: string, functionName: string, plan: SwitchPlan): string {
  const queues = plan.toSwitch.map((entry) => entry.queueName).join(', ');
  return plan.target === 'off'
    ? `Pause auto-instance-profile in account ${account}: switch off the event source mappings of function ${functionName} (${queues}), so that events wait in the queues until resume?`
    : `Resume auto-instance-profile in account ${account}: switch on the event source mappings of function ${functionName} (${queues}), so that every event that waited is decided now?`;
}

/** One mapping in a `--json` document. */
export interface MappingEntry {
  /** `settle`, `immediate`, or null for a queue that is not the stack's. */
  readonly queue: SwitchedMapping['queue'] | null;
  readonly queueName: string;
  readonly uuid: string;
  readonly before: string;
  readonly after: string;
  readonly error?: string;
}

/** How the service stands after the command: `paused`, `running`, `half-paused`, or `broken`. */
export type StateName = DeliveryState['kind'];

/** One account's `pause` or `resume`, as the `--json` documents give it. */
export interface SwitchSummary {
  readonly stack: string | null;
  readonly function: string | null;
  readonly outcome: SwitchOutcome;
  /** The state the mappings make now; null when the service is not installed. */
  readonly state: StateName | null;
  /** When the last mapping was switched off, while paused (its LastModified). */
  readonly pausedSince?: string;
  /** Why it is not installed, or not as asked. */
  readonly reason?: string;
  readonly mappings: readonly MappingEntry[];
}

/** The `--json` document of one account. */
export type SwitchDocument = ReportIdentity & SwitchSummary;

/** One account's summary, from where it was located and what came of it. */
export function switchSummary(located: Located, result: SwitchResult | undefined): SwitchSummary {
  if (!located.found || result === undefined) {
    return {
      stack: null,
      function: null,
      outcome: 'not-installed',
      state: null,
      reason: located.found ? 'not read' : located.why,
      mappings: [],
    };
  }
  const { state } = result.view;
  const reason = notAsAsked(result);
  return {
    stack: located.target.stack,
    function: located.target.functionName,
    outcome: result.outcome,
    state: state.kind,
    ...(state.kind === 'paused' && state.since !== undefined ? { pausedSince: state.since.toISOString() } : {}),
    ...(reason === undefined ? {} : { reason }),
    mappings: result.mappings.map((mapping) => ({
      queue: mapping.queue ?? null,
      queueName: mapping.queueName,
      uuid: mapping.uuid,
      before: mapping.before,
      after: mapping.after,
      ...(mapping.error === undefined ? {} : { error: mapping.error }),
    })),
  };
}

/** Why the service is not as asked, when it is not. */
function notAsAsked(result: SwitchResult): string | undefined {
  if (result.outcome !== 'incomplete') return undefined;
  const failed = result.mappings.filter((mapping) => mapping.error !== undefined);
  if (failed.length > 0) {
    return `${failed.map((mapping) => `the ${mapping.label}'s mapping: ${mapping.error}`).join('; ')}; run it again`;
  }
  const { state } = result.view;
  return state.kind === 'broken'
    ? `${state.why} (npm run deploy restores the stack's mappings)`
    : `the mappings are ${result.mappings.map((mapping) => `${mapping.after} (${mapping.label})`).join(', ')}`;
}

/** The rows of an account's mappings: `settle queue  NAME  Enabled → Disabled`, aligned. */
export function mappingRows(mappings: readonly SwitchedMapping[], style: Style): string[] {
  const cells = mappings.map((mapping) => [
    mapping.label,
    mapping.queueName,
    mapping.before === mapping.after ? mapping.after : `${mapping.before} → ${mapping.after}`,
    mapping.error === undefined ? '' : style.red(mapping.error),
  ]);
  const widths = [0, 1].map((column) => Math.max(0, ...cells.map((row) => (row[column] ?? '').length)));
  return cells.map((row) =>
    `  ${(row[0] ?? '').padEnd(widths[0] ?? 0)}  ${(row[1] ?? '').padEnd(widths[1] ?? 0)}  ${row[2] ?? ''}  ${row[3] ?? ''}`.trimEnd(),
  );
}

/** The closing line of one account's text report. */
export function closingLine(target: SwitchTarget, summary: SwitchSummary): string {
  const command = COMMAND_OF[target];
  switch (summary.outcome) {
    case 'done':
      return target === 'off'
        ? `Paused: ${WHILE_PAUSED}. doctor says since when and how many wait. To resume: auto-instance-profile resume`
        : `Resumed: ${ON_RESUME}.`;
    case 'unchanged':
      return target === 'off'
        ? `Already paused${summary.pausedSince === undefined ? '' : ` (since ${summary.pausedSince})`}: nothing switched. To resume: auto-instance-profile resume`
        : 'Already running: nothing switched.';
    case 'declined':
      return 'Nothing changed.';
    case 'not-installed':
      return `Nothing to ${command}: ${summary.reason ?? 'the service is not installed'}.`;
    case 'incomplete':
      return `Not ${target === 'off' ? 'paused' : 'running'}: ${summary.reason ?? 'see the mappings above'}.`;
  }
}

/** The text report of one account: the header, its mappings, the closing line. */
export function writeSwitch(
  out: Output,
  style: Style,
  identity: ReportIdentity,
  target: SwitchTarget,
  summary: SwitchSummary,
  result: SwitchResult | undefined,
): void {
  const extra = summary.stack === null ? [] : [`stack ${summary.stack}`, `function ${summary.function}`];
  out.write(headerLine(style, 'auto-instance-profile', identity, extra));
  for (const row of mappingRows(result?.mappings ?? [], style)) out.write(`${row}\n`);
  const line = closingLine(target, summary);
  const failed = summary.outcome === 'incomplete' || summary.outcome === 'not-installed';
  out.write(`${failed ? style.red(line) : line}\n`);
}
