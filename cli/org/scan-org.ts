/**
 * `scan --org` and `fix --org`: the single-account scan (core/scan.ts) and fix (cli/scan/fix.ts) in each
 * account of the organization, each with that account's own settings (its deployed stack's, else the defaults) and
 * creators (cli/scan/settings.ts), with one report for all: a line per account and the organization's totals.
 * `fix --org` leaves out the accounts where the service is not installed, unless told otherwise: their roles would
 * get profiles that nobody there releases when a stack's delete needs it.
 */
import type { Config } from '../../core/config.js';
import { createIamClient } from '../../core/iam/client.js';
import { mapBounded } from '../../core/map-bounded.js';
import { STACK_NAME } from '../../core/pipeline-settings.js';
import { type ScanReport, type ScanSummary, scanAccount } from '../../core/scan.js';
import type { AwsSession } from '../aws.js';
import type { CliIo, Output } from '../command.js';
import { describeError } from '../errors.js';
import { headerLine, type ReportIdentity } from '../output.js';
import { fixCounts, fixMissing, type RoleResult } from '../scan/fix.js';
import { readAccountSettings, type SettingsView, settingsView } from '../scan/settings.js';
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

/** One account's scan, the settings it decided with, and what `fix` did there. */
export interface AccountScan {
  readonly access: AccountAccess;
  /** The account's settings: its stack's, else the defaults (the CLI's retries, `--exclude-path` where given). */
  readonly config: Config;
  readonly settings: SettingsView;
  readonly report: ScanReport;
  readonly fixed?: { readonly results: readonly RoleResult[]; readonly error?: string };
}

/** An account `fix --org` left out, and why: the service is not installed there. */
export interface LeftOutAccount {
  readonly access: AccountAccess;
  readonly leftOut: string;
}

/** What became of a reached account: scanned (and maybe fixed), or left out. */
export type AccountWork = AccountScan | LeftOutAccount;

/** Whether a reached account was scanned. */
export function isScan(work: AccountWork): work is AccountScan {
  return 'report' in work;
}

/** The organization's totals in an `--org` document of `scan` and `fix`. */
export interface OrgScanSummary {
  readonly accounts: number;
  readonly scanned: number;
  readonly unreachable: number;
  readonly missing: number;
  readonly conflicts: number;
  /** `fix --org` only: accounts left out because the service is not installed there. */
  readonly leftOut?: number;
  /** `fix --org` only: profiles created or linked. */
  readonly created?: number;
}

/** One account of an `--org` document of `scan` and `fix`: with the settings it was scanned with. */
export type OrgScanEntry = OrgAccountEntry<ScanSummary> & { readonly settings?: SettingsView };

/** The `--json` document of `scan --org` and `fix --org`. */
export interface OrgScanDocument extends ReportIdentity {
  readonly summary: OrgScanSummary;
  readonly accounts: readonly OrgScanEntry[];
}

/** How the accounts are scanned: the CLI's own settings and options. */
export interface OrgScanOptions {
  /** The defaults with the CLI's retries (and `--exclude-path`'s paths, where given). */
  readonly cli: Config;
  /** `--exclude-path`, parsed; undefined when not given. */
  readonly excludePaths?: readonly string[] | undefined;
  /** False with `--no-creator-lookup`. */
  readonly creatorLookup: boolean;
  /** Leave out the accounts without the service's stack (`fix --org` without `--all-accounts`). */
  readonly installedOnly: boolean;
}

/** Scans every selected account with the single-account scan, each with its own settings and creators. */
export function scanOrganization(
  label: string,
  session: AwsSession,
  accounts: readonly OrgAccount[],
  settings: OrgSettings,
  options: OrgScanOptions,
  io: CliIo,
): Promise<AccountOutcome<AccountWork>[]> {
  return acrossOrganization(label, session, accounts, settings, io, async (access): Promise<AccountWork> => {
    const account = await readAccountSettings(access.clientConfig, options);
    try {
      if (options.installedOnly && account.source.from === 'defaults') {
        return {
          access,
          leftOut: `the service is not installed: no ${STACK_NAME} stack, nor a StackSet's, in ${account.source.region} (--all-accounts covers it)`,
        };
      }
      const iam = createIamClient(account.config.iamRetry, access.clientConfig);
      try {
        const report = await scanAccount({
          iam,
          config: account.config,
          ...(account.creators === undefined ? {} : { creators: account.creators }),
        });
        return { access, config: account.config, settings: settingsView(account), report };
      } finally {
        iam.destroy();
      }
    } finally {
      account.destroy();
    }
  });
}

/**
 * Fixes the missing roles of every scanned account with the single-account fix, `concurrency` accounts at
 * once, on the credentials the scan reached each with. A failure in one account is that account's; the
 * caller's own credentials failing stops all (exit code 255).
 */
export async function fixOrganization(
  outcomes: readonly AccountOutcome<AccountWork>[],
  concurrency: number,
  signal?: AbortSignal,
): Promise<AccountOutcome<AccountWork>[]> {
  return mapBounded(outcomes, concurrency, async (outcome) => {
    if (outcome.status !== 'scanned' || !isScan(outcome.result) || outcome.result.report.missing.length === 0) {
      return outcome;
    }
    const { access, report, config } = outcome.result;
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

/** The `--json` document; `fix` gives `summary.created` and `summary.leftOut`. */
export function orgScanDocument(
  identity: ReportIdentity,
  outcomes: readonly AccountOutcome<AccountWork>[],
  fix: boolean,
): OrgScanDocument {
  const entries = outcomes.map((outcome): OrgScanEntry => {
    if (outcome.status === 'scanned' && !isScan(outcome.result)) {
      const { accountId, name } = outcome.account;
      return { accountId, name, status: 'left-out', error: outcome.result.leftOut };
    }
    const entry = accountEntry(outcome, (work) => accountSummary(work as AccountScan));
    if (outcome.status !== 'scanned' || !isScan(outcome.result)) return entry;
    const fixError = outcome.result.fixed?.error;
    return { ...entry, ...(fixError === undefined ? {} : { error: fixError }), settings: outcome.result.settings };
  });
  const sum = (key: 'missing' | 'conflicts' | 'created') =>
    entries.reduce((total, entry) => total + (entry.summary?.[key] ?? 0), 0);
  const leftOut = entries.filter((entry) => entry.status === 'left-out').length;
  const counts = accountCounts(outcomes);
  return {
    ...identity,
    summary: {
      ...counts,
      scanned: counts.scanned - leftOut,
      missing: sum('missing'),
      conflicts: sum('conflicts'),
      ...(fix ? { leftOut, created: sum('created') } : {}),
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
    ['MISSING', 'CONFLICTS', ...(fix ? ['CREATED'] : []), 'SETTINGS', 'DETAIL'],
    document.accounts,
    (entry) => [
      String(entry.summary?.missing ?? '-'),
      String(entry.summary?.conflicts ?? '-'),
      ...(fix ? [String(entry.summary?.created ?? '-')] : []),
      (entry as OrgScanEntry).settings?.from ?? '-',
      entry.error ?? '',
    ],
    (row, cell, column) => (column === 2 ? (row[2] === 'left-out' ? style.dim(cell) : style.green(cell)) : cell),
  );
  const { accounts, scanned, unreachable, missing, conflicts, created, leftOut } = document.summary;
  const left = leftOut === undefined || leftOut === 0 ? '' : `, left out ${leftOut} (not installed)`;
  out.write(
    `Organization: ${accounts} accounts, scanned ${scanned}, unreachable ${unreachable}${left}; missing ${missing}, conflicts ${conflicts}${created === undefined ? '' : `, created ${created}`}.\n`,
  );
}
