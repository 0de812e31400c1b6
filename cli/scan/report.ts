/**
 * The scan's report, shared by `scan` and `fix`: the `--json` document (an interface: scripts read it),
 * and the text table of roles needing a profile and of conflicts, with a one-line summary.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import { type RecordReader, type ScanReport, type ScanSummary, scanAccount } from '../../core/scan.js';
import { withIamErrors } from '../account.js';
import type { HelpRow } from '../args.js';
import type { CliIo, Output } from '../command.js';
import { headerLine, progressLine, type ReportIdentity } from '../output.js';
import type { Style } from '../style.js';
import { type AccountSettings, asSettingsError, type SettingsView } from './settings.js';

/** `--summary`, for `scan` and `fix` in large accounts: the counts without a row or a name per role. */
export const SUMMARY_OPTION = { summary: { type: 'boolean', default: false } } as const;

/** The help row of {@link SUMMARY_OPTION}. */
export const SUMMARY_ROW: HelpRow = [
  '--summary',
  'counts only, for large accounts: no table of roles (with --json, no missing, conflicts and pending lists); with --org, counts per account',
];

/** The `--json` document of `scan` and `fix`. */
export interface ScanDocument extends ReportIdentity {
  readonly summary: ScanSummary;
  /** Roles that need a profile (as found by the scan, before `fix` acted); left out with `--summary`. */
  readonly missing?: readonly string[];
  /** Roles whose same-name profile is not ours, or holds another role; left out with `--summary`. */
  readonly conflicts?: readonly string[];
  /** EC2 roles too young for their CreateRole to be in CloudTrail's event history: left to their own event. */
  readonly pending?: readonly string[];
  /** With `selection` = `opt-in`: EC2 roles without the opt-in tag, which get no profile (not missing). */
  readonly notSelected?: readonly string[];
  /** The settings the scan decided with: the deployed stack's, or the defaults. */
  readonly settings: SettingsView;
}

/** A scan document's fields besides the identity, as `scan --org` gives them in each account's entry too. */
export type ScanFields = Omit<ScanDocument, keyof ReportIdentity>;

/** The document for a scan, with `created` as `fix` left it (0 for a scan); the counts alone with `--summary`. */
export function scanDocument(
  identity: ReportIdentity,
  report: ScanReport,
  settings: SettingsView,
  created = 0,
  countsOnly = false,
): ScanDocument {
  return { ...identity, ...scanFields(report, settings, created, countsOnly) };
}

/** {@link scanDocument}'s fields without the identity: `summary`, the roles by name (not with `countsOnly`), `settings`. */
export function scanFields(report: ScanReport, settings: SettingsView, created = 0, countsOnly = false): ScanFields {
  const summary = { ...report.summary, created };
  if (countsOnly) return { summary, settings };
  return {
    summary,
    missing: report.missing.map((decision) => decision.roleName),
    conflicts: report.conflicts.map((decision) => decision.roleName),
    pending: report.pending.map((decision) => decision.roleName),
    notSelected: report.notSelected.map((decision) => decision.roleName),
    settings,
  };
}

/**
 * Scans the account with its settings and creators, with a progress line (pages read, roles seen) on stderr when it
 * is a terminal. `readRecord` reads the ownership record (cli/ownership/deployed.ts), which alone tells an empty
 * profile of ours to adopt. Its AWS failures are one line, exit code 255.
 */
export async function scanWithProgress(
  iam: IAMClient,
  settings: AccountSettings,
  io: CliIo,
  readRecord?: RecordReader,
): Promise<ScanReport> {
  const progress = progressLine(io.stderr);
  try {
    return await withIamErrors(() =>
      scanAccount({
        iam,
        config: settings.config,
        ...(settings.creators === undefined ? {} : { creators: settings.creators }),
        onProgress: ({ pages, rolesSeen }) => progress.update(`scan: ${pages} pages read, ${rolesSeen} roles seen`),
        ...(readRecord === undefined ? {} : { readRecord }),
      }),
    );
  } catch (error) {
    throw asSettingsError(error);
  } finally {
    progress.done();
  }
}

/** One row of the table: role, status and what it means. */
export type ScanRow = readonly [role: string, status: string, detail: string];

/** The table's rows: the roles needing a profile, then the conflicts. */
export function scanRows(report: ScanReport): ScanRow[] {
  return [
    ...report.missing.map(
      ({ roleName, plan }): ScanRow => [
        roleName,
        'missing',
        plan.kind === 'create'
          ? `no instance profile; ${plan.profile.name} to create`
          : `our empty instance profile ${plan.profileName} to link`,
      ],
    ),
    ...report.conflicts.map(({ roleName, plan }): ScanRow => [roleName, 'conflict', plan.note]),
    ...report.pending.map(({ roleName, plan }): ScanRow => [roleName, 'pending', plan.note]),
  ];
}

/** Writes the report's first line: the command, account and region. */
export function writeHeader(out: Output, style: Style, identity: ReportIdentity): void {
  out.write(headerLine(style, 'auto-instance-profile', identity));
}

/** Writes rows as an aligned table under a heading (nothing at all for no rows). */
export function writeTable(out: Output, style: Style, rows: readonly ScanRow[], first = 'ROLE'): void {
  if (rows.length === 0) return;
  const width = Math.max(first.length, ...rows.map(([role]) => role.length));
  out.write(`  ${style.dim(`${first.padEnd(width)}  ${'STATUS'.padEnd(8)}  DETAIL`)}\n`);
  for (const [role, status, detail] of rows) {
    const paint =
      status === 'conflict' || status === 'failed'
        ? style.red
        : status === 'missing' || status === 'pending'
          ? style.yellow
          : style.green;
    out.write(`  ${role.padEnd(width)}  ${paint(status.padEnd(8))}  ${detail}\n`);
  }
}

/**
 * `Scanned 600 roles: EC2 roles 252, missing 192, conflicts 30, opted out 30 (2 pages, 44 IAM calls).`, with
 * `, not selected 40` after the opted out when `selection` = `opt-in` leaves EC2 roles out, and `, pending 3` when
 * some roles are left to their own event.
 */
export function summaryLine(report: ScanReport): string {
  const { scanned, ec2Roles, missing, conflicts, optedOut, notSelected, pending } = report.summary;
  const cost = `${report.pages.roles + report.pages.profiles} pages, ${report.iamCalls} IAM calls`;
  const left = notSelected > 0 ? `, not selected ${notSelected}` : '';
  const waiting = pending > 0 ? `, pending ${pending}` : '';
  return `Scanned ${scanned} roles: EC2 roles ${ec2Roles}, missing ${missing}, conflicts ${conflicts}, opted out ${optedOut}${left}${waiting} (${cost}).`;
}

/** Writes the lines that say which settings the pass used ({@link describeSettings}), indented as the table. */
export function writeSettings(out: Output, style: Style, lines: readonly string[]): void {
  for (const line of lines) out.write(`  ${style.dim(line)}\n`);
}
