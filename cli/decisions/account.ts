/**
 * `decisions` in one account: find where the decisions are (read.ts), read the window's lines into a report
 * (report.ts), and the `--json` document and text report of it. `decisions --org` runs the same in every account
 * (cli/org/decisions-org.ts).
 */
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DECISION_FILTER_PATTERN } from '../../core/decision-log.js';
import type { Output } from '../command.js';
import { headerLine, type ReportIdentity } from '../output.js';
import type { AccountClientConfig } from '../scan/settings.js';
import type { Style } from '../style.js';
import {
  type DecisionSource,
  findDecisionSource,
  MAX_CALLS,
  MAX_LINES,
  notInstalled,
  type ReadOptions,
  type ReadResult,
  readDecisionLines,
} from './read.js';
import {
  type DecisionGroup,
  type DecisionReport,
  type DecisionSummary,
  DecisionTally,
  groupRow,
  summaryLine,
  writeRows,
} from './report.js';
import { describeWindow, type TimeWindow } from './window.js';

/** One account's decisions: where they were read, how the reading went, and the report. */
export interface AccountDecisions {
  readonly source: DecisionSource;
  readonly read: ReadResult;
  readonly report: DecisionReport;
}

/** An account without the service: why there is nothing to read. */
export interface NotInstalled {
  readonly notInstalled: string;
}

/** Whether an account had decisions to read. */
export function isInstalled(result: AccountDecisions | NotInstalled): result is AccountDecisions {
  return 'report' in result;
}

/** Finds the account's log group and reads the window's decisions into a report. */
export async function readAccountDecisions(
  clientConfig: AccountClientConfig,
  options: ReadOptions,
): Promise<AccountDecisions | NotInstalled> {
  const source = await findDecisionSource(clientConfig);
  if (source === undefined) {
    return { notInstalled: notInstalled(clientConfig.region) };
  }
  const logs = new CloudWatchLogsClient({ ...clientConfig, region: source.region });
  const tally = new DecisionTally();
  try {
    const read = await readDecisionLines(logs, source.logGroup, options, (line) => tally.add(line));
    return { source, read, report: tally.report() };
  } finally {
    logs.destroy();
  }
}

/** Where the lines were read, as the `--json` documents give it. */
export interface SourceView {
  readonly stack: string;
  readonly region: string;
  readonly functionName: string;
  readonly logGroup: string;
  /** False when the log group does not exist yet: the function has not logged. */
  readonly logGroupExists: boolean;
  /** The CloudWatch Logs filter pattern the lines were read with (`aws logs filter-log-events --filter-pattern`). */
  readonly filterPattern: string;
}

/** How the reading went, as the `--json` documents give it. */
export interface ReadView {
  readonly calls: number;
  readonly lines: number;
  /** Present when reading stopped before the window's end: `lines`, `calls` or `interrupted`. */
  readonly truncated?: ReadResult['truncated'];
}

/** The `--json` document of `decisions` in one account. */
export interface DecisionsDocument extends ReportIdentity {
  readonly since: string;
  readonly until: string;
  readonly source: SourceView;
  readonly read: ReadView;
  readonly summary: DecisionSummary;
  readonly decisions: readonly DecisionGroup[];
}

/** The parts of a document that are one account's, without the report's identity and window. */
export function accountFields(result: AccountDecisions) {
  const { source, read, report } = result;
  return {
    source: {
      stack: source.stack,
      region: source.region,
      functionName: source.functionName,
      logGroup: source.logGroup,
      logGroupExists: read.logGroupExists,
      filterPattern: DECISION_FILTER_PATTERN,
    },
    read: {
      calls: read.calls,
      lines: read.lines,
      ...(read.truncated === undefined ? {} : { truncated: read.truncated }),
    },
    summary: report.summary,
    decisions: report.decisions,
  } satisfies Omit<DecisionsDocument, keyof ReportIdentity | 'since' | 'until'>;
}

/** The `--json` document. */
export function decisionsDocument(
  identity: ReportIdentity,
  window: TimeWindow,
  result: AccountDecisions,
): DecisionsDocument {
  return {
    ...identity,
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    ...accountFields(result),
  };
}

/** What a truncated reading leaves out, in words; undefined when nothing was left out. */
export function truncationNote(read: Pick<ReadView, 'truncated' | 'lines'>): string | undefined {
  switch (read.truncated) {
    case 'lines':
      return `read the first ${read.lines} decision lines only (at most ${MAX_LINES}): narrow the window with --since and --until`;
    case 'calls':
      return `stopped after ${MAX_CALLS} FilterLogEvents calls with ${read.lines} decision lines: narrow the window with --since and --until`;
    case 'interrupted':
      return `interrupted after ${read.lines} decision lines: the report covers those only`;
    default:
      return undefined;
  }
}

/** The text report: the header, the window and the log group, a row per decision, the summary. */
export function writeDecisions(out: Output, style: Style, document: DecisionsDocument): void {
  out.write(headerLine(style, 'auto-instance-profile', document));
  out.write(`window  ${describeWindow({ since: new Date(document.since), until: new Date(document.until) })}\n`);
  const { source } = document;
  out.write(`source  log group ${source.logGroup}, of stack ${source.stack} (${source.region})\n`);
  if (!source.logGroupExists) {
    out.write(style.yellow(`the log group does not exist yet: the function has not logged a line\n`));
  }
  const note = truncationNote(document.read);
  if (note !== undefined) out.write(`${style.yellow(note)}\n`);
  if (document.decisions.length === 0) out.write('No decision in this window.\n');
  else writeRows(out, style, document.decisions.map(groupRow));
  out.write(`${summaryLine(document.summary)}\n`);
}
