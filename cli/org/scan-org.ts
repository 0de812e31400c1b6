/**
 * `scan --org` and `fix --org`: the single-account scan (core/scan.ts) and fix (cli/scan/fix.ts) in each
 * account of the organization, with one report for all: a line per account and the organization's totals.
 */
import type { Config } from '../../core/config.js';
import { createIamClient } from '../../core/iam/client.js';
import { mapBounded } from '../../core/map-bounded.js';
import { type ScanReport, type ScanSummary, scanAccount } from '../../core/scan.js';
import type { AwsSession } from '../aws.js';
import type { CliIo, Output } from '../command.js';
import { describeError } from '../errors.js';
import { headerLine, type ReportIdentity } from '../output.js';
import { fixCounts, fixMissing, type RoleResult } from '../scan/fix.js';
import type { Style } from '../style.js';
import type { OrgAccount } from './accounts.js';
import type { AccountAccess, AccountOutcome } from './fan-out.js';
import {
  accountCounts,
  accountEntry,
  acrossOrganization,
  type OrgAccountEntry,
  type OrgSettings,
  writeAccountEntries,
} from './org.js';

/** One account's scan, and what `fix` did there. */
export interface AccountScan {
  readonly access: AccountAccess;
  readonly report: ScanReport;
  readonly fixed?: { readonly results: readonly RoleResult[]; readonly error?: string };
}

/** The organization's totals in an `--org` document of `scan` and `fix`. */
export interface OrgScanSummary {
  readonly accounts: number;
  readonly scanned: number;
  readonly unreachable: number;
  readonly missing: number;
  readonly conflicts: number;
  /** `fix --org` only: profiles created or linked. */
  readonly created?: number;
}

/** The `--json` document of `scan --org` and `fix --org`. */
export interface OrgScanDocument extends ReportIdentity {
  readonly summary: OrgScanSummary;
  readonly accounts: readonly OrgAccountEntry<ScanSummary>[];
}

/** Scans every selected account with the single-account scan. */
export function scanOrganization(
  label: string,
  session: AwsSession,
  accounts: readonly OrgAccount[],
  settings: OrgSettings,
  config: Config,
  io: CliIo,
): Promise<AccountOutcome<AccountScan>[]> {
  return acrossOrganization(label, session, accounts, settings, io, async (access) => {
    const iam = createIamClient(config.iamRetry, access.clientConfig);
    try {
      return { access, report: await scanAccount({ iam, config }) };
    } finally {
      iam.destroy();
    }
  });
}

/**
 * Fixes the missing roles of every scanned account with the single-account fix, `concurrency` accounts at
 * once, on the credentials the scan reached each with. A failure in one account is that account's; the
 * caller's own credentials failing stops all (exit code 255).
 */
export async function fixOrganization(
  outcomes: readonly AccountOutcome<AccountScan>[],
  config: Config,
  concurrency: number,
  signal?: AbortSignal,
): Promise<AccountOutcome<AccountScan>[]> {
  return mapBounded(outcomes, concurrency, async (outcome) => {
    if (outcome.status !== 'scanned' || outcome.result.report.missing.length === 0) return outcome;
    const { access, report } = outcome.result;
    const iam = createIamClient(config.iamRetry, access.clientConfig);
    try {
      const results = await fixMissing(report, { iam, config }, signal);
      return { ...outcome, result: { ...outcome.result, fixed: { results } } };
    } catch (error) {
      if (access.own) throw error;
      return { ...outcome, result: { ...outcome.result, fixed: { results: [], error: describeError(error) } } };
    } finally {
      iam.destroy();
    }
  });
}

/** An account's summary as the single-account command gives it, `created` filled in by fix. */
function accountSummary(scan: AccountScan): ScanSummary {
  return {
    ...scan.report.summary,
    created: scan.fixed === undefined ? 0 : fixCounts(scan.report, scan.fixed.results).created,
  };
}

/** The `--json` document; `fix` gives `summary.created`. */
export function orgScanDocument(
  identity: ReportIdentity,
  outcomes: readonly AccountOutcome<AccountScan>[],
  fix: boolean,
): OrgScanDocument {
  const entries = outcomes.map((outcome) => {
    const entry = accountEntry(outcome, accountSummary);
    const fixError = outcome.status === 'scanned' ? outcome.result.fixed?.error : undefined;
    return fixError === undefined ? entry : { ...entry, error: fixError };
  });
  const sum = (key: 'missing' | 'conflicts' | 'created') =>
    entries.reduce((total, entry) => total + (entry.summary?.[key] ?? 0), 0);
  return {
    ...identity,
    summary: {
      ...accountCounts(outcomes),
      missing: sum('missing'),
      conflicts: sum('conflicts'),
      ...(fix ? { created: sum('created') } : {}),
    },
    accounts: entries,
  };
}

/** The text report: the header, a line per account, the organization's totals. */
export function writeOrgScan(out: Output, style: Style, document: OrgScanDocument): void {
  const fix = document.summary.created !== undefined;
  out.write(headerLine(style, 'auto-instance-profile', document, ['organization']));
  writeAccountEntries(
    out,
    style,
    ['MISSING', 'CONFLICTS', ...(fix ? ['CREATED'] : []), 'DETAIL'],
    document.accounts,
    (entry) => [
      String(entry.summary?.missing ?? '-'),
      String(entry.summary?.conflicts ?? '-'),
      ...(fix ? [String(entry.summary?.created ?? '-')] : []),
      entry.error ?? '',
    ],
    (_row, cell, column) => (column === 2 ? style.green(cell) : cell),
  );
  const { accounts, scanned, unreachable, missing, conflicts, created } = document.summary;
  out.write(
    `Organization: ${accounts} accounts, scanned ${scanned}, unreachable ${unreachable}; missing ${missing}, conflicts ${conflicts}${created === undefined ? '' : `, created ${created}`}.\n`,
  );
}
