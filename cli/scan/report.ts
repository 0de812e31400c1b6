/**
 * The scan's report, shared by `scan` and `fix`: the `--json` document (an interface: scripts read it),
 * and the text table of roles needing a profile and of conflicts, with a one-line summary.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Config } from '../../core/config.js';
import { type RecordReader, type ScanReport, type ScanSummary, scanAccount } from '../../core/scan.js';
import { withIamErrors } from '../account.js';
import type { CliIo, Output } from '../command.js';
import { headerLine, progressLine, type ReportIdentity } from '../output.js';
import type { Style } from '../style.js';

/** The `--json` document of `scan` and `fix`. */
export interface ScanDocument extends ReportIdentity {
  readonly summary: ScanSummary;
  /** Roles that need a profile (as found by the scan, before `fix` acted). */
  readonly missing: readonly string[];
  /** Roles whose same-name profile is not ours, or holds another role. */
  readonly conflicts: readonly string[];
}

/** The document for a scan, with `created` as `fix` left it (0 for a scan). */
export function scanDocument(identity: ReportIdentity, report: ScanReport, created = 0): ScanDocument {
  return {
    ...identity,
    summary: { ...report.summary, created },
    missing: report.missing.map((decision) => decision.roleName),
    conflicts: report.conflicts.map((decision) => decision.roleName),
  };
}

/**
 * Scans the account, with a progress line (pages read, roles seen) on stderr when it is a terminal. `readRecord`
 * reads the ownership record (cli/ownership/deployed.ts), which alone tells an empty profile of ours to adopt.
 */
export async function scanWithProgress(
  iam: IAMClient,
  config: Config,
  io: CliIo,
  readRecord?: RecordReader,
): Promise<ScanReport> {
  const progress = progressLine(io.stderr);
  try {
    return await withIamErrors(() =>
      scanAccount({
        iam,
        config,
        onProgress: ({ pages, rolesSeen }) => progress.update(`scan: ${pages} pages read, ${rolesSeen} roles seen`),
        ...(readRecord === undefined ? {} : { readRecord }),
      }),
    );
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
      status === 'conflict' || status === 'failed' ? style.red : status === 'missing' ? style.yellow : style.green;
    out.write(`  ${role.padEnd(width)}  ${paint(status.padEnd(8))}  ${detail}\n`);
  }
}

/** `Scanned 600 roles: EC2 roles 252, missing 192, conflicts 30, opted out 30 (2 pages, 44 IAM calls).` */
export function summaryLine(report: ScanReport): string {
  const { scanned, ec2Roles, missing, conflicts, optedOut } = report.summary;
  const cost = `${report.pages.roles + report.pages.profiles} pages, ${report.iamCalls} IAM calls`;
  return `Scanned ${scanned} roles: EC2 roles ${ec2Roles}, missing ${missing}, conflicts ${conflicts}, opted out ${optedOut} (${cost}).`;
}
