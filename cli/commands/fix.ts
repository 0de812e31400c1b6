/**
 * `auto-instance-profile fix`: the scan, then the missing profiles made with the core remediation
 * (decided again from current state, starting from the scan's facts). Acts directly: a person is waiting.
 */
import type { RoleTrigger } from '../../core/events.js';
import type { Log } from '../../core/observability.js';
import { NO_METRICS } from '../../core/observability.js';
import { type Outcome, remediate } from '../../core/remediate.js';
import type { MissingProfile } from '../../core/scan.js';
import {
  ACCOUNT_OPTIONS,
  ask,
  COMMON_ROWS,
  configFrom,
  confirmationPolicy,
  EXCLUDE_OPTION,
  EXCLUDE_ROW,
  openIam,
  YES_OPTION,
} from '../account.js';
import { EXIT_CODE_SECTION, formatHelp, type HelpRow, parseCommandArgs } from '../args.js';
import type { Command } from '../command.js';
import { asAwsAccessError, describeError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { writeJson } from '../output.js';
import {
  type ScanRow,
  scanDocument,
  scanRows,
  scanWithProgress,
  summaryLine,
  writeHeader,
  writeTable,
} from '../scan/report.js';
import { createStyle, shouldColor } from '../style.js';

const USAGE = formatHelp(
  'auto-instance-profile fix [options]',
  'Runs the scan, then creates the missing instance profiles (or links our empty ones), as the service ' +
    'would. Conflicts are reported, never touched. Asks first on a terminal.',
  [
    {
      title: 'Options',
      rows: [
        ['-y, --yes', 'do not ask; required when not on a terminal'],
        ['--json', 'print the scan document, with summary.created filled in'],
        EXCLUDE_ROW,
        ...COMMON_ROWS,
      ],
    },
    {
      ...EXIT_CODE_SECTION,
      rows: [
        ...EXIT_CODE_SECTION.rows.map(
          ([code, meaning]): HelpRow =>
            code === String(EXIT.ok)
              ? [code, 'every EC2 role has its profile now, no conflicts']
              : code === String(EXIT.failed)
                ? [code, 'some roles are left without a profile, or conflicts remain']
                : code === String(EXIT.usage)
                  ? [code, `${meaning}; also no --yes when not on a terminal`]
                  : [code, meaning],
        ),
        [String(EXIT.interrupted), 'interrupted (Ctrl-C): stops after the role at hand'] as HelpRow,
      ].sort(([a], [b]) => Number(a) - Number(b)),
    },
  ],
);

const OPTIONS = { ...ACCOUNT_OPTIONS, ...EXCLUDE_OPTION, ...YES_OPTION } as const;

/** The core logs every decision; the CLI shows the outcomes in its own table instead. */
const QUIET: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** The fix command. */
export const fixCommand: Command = {
  name: 'fix',
  summary: 'create the instance profiles the scan finds missing (asks first; --yes)',
  async run(args, io) {
    const values = parseCommandArgs(args, OPTIONS);
    if (values.help) {
      io.stdout.write(USAGE);
      return EXIT.ok;
    }
    const config = configFrom(values['exclude-path'], io.env);
    const policy = confirmationPolicy(values.yes, io, 'fix');
    const { identity, iam } = await openIam('fix', values, io, config);
    const style = createStyle(shouldColor(io.stdout, io.env));
    const text = values.json ? undefined : io.stdout;
    try {
      const report = await scanWithProgress(iam, config, io);
      if (text !== undefined) {
        writeHeader(text, style, identity);
        writeTable(text, style, scanRows(report));
      }
      const proceed =
        report.missing.length > 0 &&
        (policy === 'yes' || (await ask(io, `Create ${plural(report.missing.length, 'missing instance profile')}?`)));

      const results: RoleResult[] = [];
      if (proceed) {
        const deps = { iam, config, log: QUIET, metrics: NO_METRICS };
        for (const candidate of report.missing) {
          if (io.signal?.aborted === true) break;
          results.push(await fixOne(candidate, report.scanId, deps));
        }
      }
      const created = results.filter((result) => result.made).length;
      const undone = report.missing.length - results.filter((result) => result.settled).length;
      if (text === undefined) writeJson(io.stdout, scanDocument(identity, report, created));
      else {
        if (results.length > 0) text.write('\n');
        writeTable(text, style, results.map(resultRow));
        text.write(`${summaryLine(report)}\n`);
        text.write(
          proceed
            ? `Fixed ${created} of ${report.missing.length} missing; undone ${undone}, conflicts ${report.conflicts.length}.\n`
            : report.missing.length > 0
              ? 'Nothing changed.\n'
              : 'Nothing to create.\n',
        );
      }
      if (io.signal?.aborted === true) return EXIT.interrupted;
      return undone === 0 && report.conflicts.length === 0 ? EXIT.ok : EXIT.failed;
    } finally {
      iam.destroy();
    }
  },
};

/** What fixing one role came to. */
interface RoleResult {
  readonly role: string;
  readonly outcome?: Outcome;
  readonly error?: string;
  /** A profile was created or linked by this run. */
  readonly made: boolean;
  /** The role needs nothing more: made now, or found fine when decided again. */
  readonly settled: boolean;
}

async function fixOne(
  candidate: MissingProfile,
  scanId: string,
  deps: Parameters<typeof remediate>[1],
): Promise<RoleResult> {
  const trigger: RoleTrigger = {
    kind: 'found-by-scan',
    roleName: candidate.roleName,
    origin: { type: 'scan', scanId },
  };
  try {
    const outcome = await remediate(trigger, deps, candidate.known);
    const made = (outcome.decision === 'create' || outcome.decision === 'adopt') && outcome.changed;
    return { role: candidate.roleName, outcome, made, settled: made || outcome.decision === 'nothing' };
  } catch (error) {
    // Credentials gone or AWS out of reach: every other role would fail alike.
    const access = asAwsAccessError(error, 'IAM');
    if (access !== undefined) throw access;
    return { role: candidate.roleName, error: describeError(error), made: false, settled: false };
  }
}

function resultRow(result: RoleResult): ScanRow {
  if (result.error !== undefined) return [result.role, 'failed', result.error];
  const outcome = result.outcome;
  if (outcome === undefined) return [result.role, 'failed', 'no outcome'];
  if (result.made) return [result.role, 'fixed', outcome.changes.join('; ')];
  return [result.role, outcome.decision === 'nothing' ? 'ok' : outcome.decision, outcome.note];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
