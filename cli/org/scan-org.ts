/**
 * `scan --org` and `fix --org`: the single-account scan (core/scan.ts) and fix (cli/scan/fix.ts) in each
 * account of the organization, each with that account's own settings (its deployed stack's, else the defaults) and
 * creators (cli/scan/settings.ts), with one report for all: each account's roles by name (as the single-account
 * report gives them), a line per account, the organization's totals, and whether the report is complete.
 * `fix --org` leaves out the accounts where the service is not installed, unless told otherwise: their roles would
 * get profiles that nobody there releases when a stack's delete needs it.
 *
 * The `--org` commands read no account's ownership record (the member role is not granted its table, as for
 * `doctor --org`'s ownership check): every profile tagged as ours is unrecorded there, and `fix --org` adopts none.
 * Nor can `fix --org` record what it would make there, so where the service is installed it makes nothing: it hands
 * the account's missing roles over to the service, whose reconcile pass it starts (cli/scan/hand-over.ts); only in
 * the accounts without the service (`--all-accounts`) does it make the profiles itself.
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
import { type DeployedRecord, openDeployedRecord, type RecordSource } from '../ownership/deployed.js';
import { type RecordFields, recordFields } from '../ownership/report.js';
import { fixCounts, fixMissing, plural, type RoleResult, resultRow } from '../scan/fix.js';
import {
  type FixRoute,
  fixRoute,
  type HandOver,
  handedOverRoles,
  handOver,
  handOverField,
  handOverRows,
  type LambdaFactory,
} from '../scan/hand-over.js';
import { type ScanFields, type ScanRow, scanFields, scanRows } from '../scan/report.js';
import { type AccountClientConfig, readAccountSettings, type SettingsView, settingsView } from '../scan/settings.js';
import type { Style } from '../style.js';
import type { OrgAccount } from './accounts.js';
import type { AccountAccess, AccountOutcome } from './fan-out.js';
import {
  accountCounts,
  acrossOrganization,
  isComplete,
  type OrgAccountEntry,
  type OrgSettings,
  type UncoveredAccount,
  uncoveredAccounts,
  writeAccountEntries,
  writeAccountTable,
  writeCompleteness,
} from './org.js';

/** One account's scan, the settings it decided with, and what `fix` did there. */
export interface AccountScan {
  readonly access: AccountAccess;
  /** The account's settings: its stack's, else the defaults (the CLI's retries, `--exclude-path` where given). */
  readonly config: Config;
  readonly settings: SettingsView;
  /** What the report says of the account's ownership record: not read by `--org`, and where it is. */
  readonly record: RecordSource;
  readonly report: ScanReport;
  /** How `fix` gets the missing roles their profiles: by itself where the service is not installed, else by the service. */
  readonly route: FixRoute;
  /** `fix` handed the missing roles over to the service (started its reconcile pass), or tried to. */
  readonly handedOver?: HandOver;
  /**
   * What `fix` did: a result per role tried; `error` when the account's fix failed or was interrupted before every
   * missing role was tried (`interrupted` then).
   */
  readonly fixed?: { readonly results: readonly RoleResult[]; readonly error?: string; readonly interrupted?: boolean };
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
  /** Accounts not started: the command was interrupted before their turn. */
  readonly notStarted: number;
  readonly missing: number;
  readonly conflicts: number;
  /** `fix --org` only: accounts left out because the service is not installed there. */
  readonly leftOut?: number;
  /** `fix --org` only: profiles created or linked. */
  readonly created?: number;
  /** `fix --org` only: missing roles handed over to the service (its reconcile pass started in their accounts). */
  readonly handedOver?: number;
}

/**
 * One account of an `--org` document of `scan` and `fix`: a scanned one has the single-account document's fields
 * (`summary`, `missing`, `conflicts`, `pending`, `settings`, `record`, `unrecorded`; no lists with `--summary`).
 */
export type OrgScanEntry = OrgAccountEntry<ScanSummary> &
  Partial<Omit<ScanFields, 'summary'>> &
  Partial<RecordFields> & { readonly handedOver?: HandOver };

/** The `--json` document of `scan --org` and `fix --org`. */
export interface OrgScanDocument extends ReportIdentity {
  readonly summary: OrgScanSummary;
  /** False when interrupted, or when an account was not covered (unreachable, not started). */
  readonly complete: boolean;
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
        return {
          access,
          config: account.config,
          settings: settingsView(account),
          record: orgRecordSource(access.clientConfig, account.deployed),
          report,
          // --org cannot record what it makes: where the service is installed, the service makes it.
          route: fixRoute(account.deployed, false),
        };
      } finally {
        iam.destroy();
      }
    } finally {
      account.destroy();
    }
  });
}

/**
 * What the report says of an account's ownership record: where the single-account commands would read it, and that
 * `--org` does not (its member role is not granted the table).
 */
export function orgRecordSource(clientConfig: AccountClientConfig, deployed: DeployedRecord | undefined): RecordSource {
  if (deployed?.tableName === undefined) return openDeployedRecord(clientConfig, deployed).source;
  return {
    from: 'none',
    why: `not read by --org; scan in the account reads table ${deployed.tableName} of stack ${deployed.stack}`,
  };
}

/**
 * Fixes the missing roles of every scanned account with the single-account fix, or hands them over to the service
 * where it is installed (starts its reconcile pass), `concurrency` accounts at once, on the credentials the scan
 * reached each with. A failure in one account is that account's; the
 * caller's own credentials failing stops all (exit code 255). Once `signal` aborts, the role at hand is finished and
 * no other is tried: an account with roles left untried says so (`fixed.interrupted`).
 */
export async function fixOrganization(
  outcomes: readonly AccountOutcome<AccountWork>[],
  concurrency: number,
  signal?: AbortSignal,
  lambdaOf?: LambdaFactory,
): Promise<AccountOutcome<AccountWork>[]> {
  return mapBounded(outcomes, concurrency, async (outcome) => {
    if (outcome.status !== 'scanned' || !isScan(outcome.result) || outcome.result.report.missing.length === 0) {
      return outcome;
    }
    const { access, report, config, route } = outcome.result;
    if (route.kind === 'hand-over') {
      try {
        const handedOver = await handOver(report, route, access.clientConfig, lambdaOf);
        return { ...outcome, result: { ...outcome.result, handedOver, fixed: { results: [] } } };
      } catch (error) {
        if (access.own) throw error;
        return { ...outcome, result: { ...outcome.result, fixed: { results: [], error: describeError(error) } } };
      }
    }
    const iam = createIamClient(config.iamRetry, access.clientConfig);
    try {
      const results = await fixMissing(report, { iam, config }, signal);
      const untried = report.missing.length - results.length;
      const fixed =
        untried === 0
          ? { results }
          : {
              results,
              interrupted: true,
              error: `interrupted: ${results.length} of ${plural(report.missing.length, 'missing role')} tried`,
            };
      return { ...outcome, result: { ...outcome.result, fixed } };
    } catch (error) {
      if (access.own) throw error;
      return { ...outcome, result: { ...outcome.result, fixed: { results: [], error: describeError(error) } } };
    } finally {
      iam.destroy();
    }
  });
}

/** How the document is made: `fix`'s (with `created`, `leftOut`), counts only (`--summary`), interrupted. */
export interface OrgScanReportOptions {
  readonly fix: boolean;
  readonly countsOnly: boolean;
  readonly interrupted: boolean;
}

/** The `--json` document, and the accounts it does not fully cover (for the text's last line). */
export function orgScanReport(
  identity: ReportIdentity,
  outcomes: readonly AccountOutcome<AccountWork>[],
  options: OrgScanReportOptions,
): { readonly document: OrgScanDocument; readonly uncovered: readonly UncoveredAccount[] } {
  const entries = outcomes.map((outcome): OrgScanEntry => {
    const { accountId, name } = outcome.account;
    if (outcome.status !== 'scanned') return { accountId, name, status: outcome.status, error: outcome.error };
    const work = outcome.result;
    if (!isScan(work)) return { accountId, name, status: 'left-out', error: work.leftOut };
    const fixError = work.fixed?.error ?? work.handedOver?.error;
    const created = work.fixed === undefined ? 0 : fixCounts(work.report, work.fixed.results).created;
    return {
      accountId,
      name,
      status: 'scanned',
      ...(fixError === undefined ? {} : { error: fixError }),
      ...scanFields(work.report, work.settings, created, options.countsOnly),
      ...recordFields(work.record, work.report),
      ...handOverField(work.handedOver),
    };
  });
  const uncovered = [
    ...uncoveredAccounts(entries),
    ...outcomes.flatMap((outcome) =>
      outcome.status === 'scanned' && isScan(outcome.result) && outcome.result.fixed?.interrupted === true
        ? [{ accountId: outcome.account.accountId, name: outcome.account.name, why: 'fix interrupted' }]
        : [],
    ),
  ];
  const sum = (key: 'missing' | 'conflicts' | 'created') =>
    entries.reduce((total, entry) => total + (entry.summary?.[key] ?? 0), 0);
  const leftOut = entries.filter((entry) => entry.status === 'left-out').length;
  const counts = accountCounts(outcomes);
  const document: OrgScanDocument = {
    ...identity,
    summary: {
      ...counts,
      scanned: counts.scanned - leftOut,
      missing: sum('missing'),
      conflicts: sum('conflicts'),
      ...(options.fix
        ? {
            leftOut,
            created: sum('created'),
            handedOver: entries.reduce((total, entry) => total + handedOverRoles(entry.handedOver), 0),
          }
        : {}),
    },
    complete: isComplete(options.interrupted, uncovered),
    accounts: entries,
  };
  return { document, uncovered };
}

/** The first lines of the text report: the header, and what it says of the ownership record. */
export function writeOrgScanHeader(out: Output, style: Style, identity: ReportIdentity): void {
  out.write(headerLine(style, 'auto-instance-profile', identity, ['organization']));
  out.write(
    `  ${style.dim('record: not read by --org: every profile tagged as ours is unrecorded, and fix --org adopts none (scan in the account reads its record)')}\n`,
  );
}

/** One row of the roles' table: the account, and the single-account table's row. */
export type OrgRoleRow = readonly [accountId: string, name: string, ...row: ScanRow];

/** The scan's rows of every scanned account: its missing roles, conflicts and pending roles. */
export function orgScanRows(outcomes: readonly AccountOutcome<AccountWork>[]): OrgRoleRow[] {
  return scannedAccounts(outcomes).flatMap(({ account, scan }) =>
    scanRows(scan.report).map((row): OrgRoleRow => [account.accountId, account.name, ...row]),
  );
}

/** The rows of what `fix` did in every account: a row per role tried, or handed over to the service. */
export function orgResultRows(outcomes: readonly AccountOutcome<AccountWork>[]): OrgRoleRow[] {
  return scannedAccounts(outcomes).flatMap(({ account, scan }) =>
    (scan.handedOver === undefined
      ? (scan.fixed?.results ?? []).map(resultRow)
      : handOverRows(scan.report, scan.handedOver)
    ).map((row): OrgRoleRow => [account.accountId, account.name, ...row]),
  );
}

/** The missing roles' rows: what `fix --org` will create or link, by account. */
export function orgMissingRows(rows: readonly OrgRoleRow[]): OrgRoleRow[] {
  return rows.filter((row) => row[3] === 'missing');
}

function scannedAccounts(outcomes: readonly AccountOutcome<AccountWork>[]) {
  return outcomes.flatMap((outcome) =>
    outcome.status === 'scanned' && isScan(outcome.result) ? [{ account: outcome.account, scan: outcome.result }] : [],
  );
}

/**
 * The roles' table, `ACCOUNT  NAME  ROLE  STATUS  DETAIL`, painted as the single-account table, and a blank line;
 * nothing for no rows.
 */
export function writeOrgRoles(out: Output, style: Style, rows: readonly OrgRoleRow[]): void {
  if (rows.length === 0) return;
  writeAccountTable(out, style, ['ACCOUNT', 'NAME', 'ROLE', 'STATUS', 'DETAIL'], rows, (row, cell, column) => {
    if (column !== 3) return cell;
    const status = row[3];
    if (status === 'conflict' || status === 'failed') return style.red(cell);
    return status === 'missing' || status === 'pending' ? style.yellow(cell) : style.green(cell);
  });
  out.write('\n');
}

/**
 * The text report's account table and the organization's totals, then `closing` (fix's outcome: `Nothing changed.`),
 * then what the report does not cover, if anything.
 */
export function writeOrgScan(
  out: Output,
  style: Style,
  document: OrgScanDocument,
  coverage: { readonly uncovered: readonly UncoveredAccount[]; readonly interrupted: boolean },
  closing?: string,
): void {
  const fix = document.summary.created !== undefined;
  writeAccountEntries(
    out,
    style,
    ['MISSING', 'CONFLICTS', ...(fix ? ['CREATED'] : []), 'SETTINGS', 'DETAIL'],
    document.accounts,
    (entry) => [
      String(entry.summary?.missing ?? '-'),
      String(entry.summary?.conflicts ?? '-'),
      ...(fix ? [String(entry.summary?.created ?? '-')] : []),
      entry.settings?.from ?? '-',
      entry.error ?? '',
    ],
    (row, cell, column) => (column === 2 ? (row[2] === 'left-out' ? style.dim(cell) : style.green(cell)) : cell),
  );
  const { accounts, scanned, unreachable, notStarted, missing, conflicts, created, leftOut, handedOver } =
    document.summary;
  const left = leftOut === undefined || leftOut === 0 ? '' : `, left out ${leftOut} (not installed)`;
  const waiting = notStarted === 0 ? '' : `, not started ${notStarted}`;
  out.write(
    `Organization: ${plural(accounts, 'account')}, scanned ${scanned}, unreachable ${unreachable}${waiting}${left}; missing ${missing}, conflicts ${conflicts}${created === undefined ? '' : `, created ${created}`}${handedOver === undefined || handedOver === 0 ? '' : `, handed over ${handedOver}`}.\n`,
  );
  if (closing !== undefined) out.write(`${closing}\n`);
  writeCompleteness(out, style, accounts, coverage.interrupted, coverage.uncovered);
}
