/**
 * `decisions --org`: the single-account `decisions` (cli/decisions/account.ts) in each account of the organization
 * where the service is installed, with one report for all: a line per account, and the organization's decisions,
 * each role named with its account (`111122223333:app-role`).
 */
import type { Decision } from '../../core/decision-log.js';
import type { AwsSession } from '../aws.js';
import type { CliIo, Output } from '../command.js';
import {
  type AccountDecisions,
  accountFields,
  isInstalled,
  type NotInstalled,
  type ReadView,
  readAccountDecisions,
  type SourceView,
  truncationNote,
} from '../decisions/account.js';
import type { ReadOptions } from '../decisions/read.js';
import {
  actionOf,
  byReportOrder,
  type DecisionGroup,
  type DecisionSummary,
  groupRow,
  sortReasons,
  sortRoles,
  summaryLine,
  writeRows,
} from '../decisions/report.js';
import { describeWindow, type TimeWindow } from '../decisions/window.js';
import { headerLine, type ReportIdentity } from '../output.js';
import { plural } from '../scan/fix.js';
import type { Style } from '../style.js';
import type { OrgAccount } from './accounts.js';
import type { AccountOutcome } from './fan-out.js';
import {
  acrossOrganization,
  isComplete,
  type OrgSettings,
  type UncoveredAccount,
  writeAccountTable,
  writeCompleteness,
} from './org.js';

/** What became of an account: its decisions read, the service not installed there, or the fan-out's word for why not. */
export type OrgDecisionsStatus = 'read' | 'not-installed' | Exclude<AccountOutcome<unknown>['status'], 'scanned'>;

/** One account of the `--json` document: the single-account document's fields, where it was read. */
export interface OrgDecisionsEntry {
  readonly accountId: string;
  readonly name: string;
  readonly status: OrgDecisionsStatus;
  /** Why nothing was read: the service not installed there, or the error that kept the account out of reach. */
  readonly error?: string;
  readonly source?: SourceView;
  readonly read?: ReadView;
  readonly summary?: DecisionSummary;
  readonly decisions?: readonly DecisionGroup[];
}

/** A decision across the organization: the single-account group, its roles named `account:role`, and its accounts. */
export type OrgDecisionGroup = DecisionGroup & { readonly accounts: number };

/** The organization's totals. */
export interface OrgDecisionsSummary extends DecisionSummary {
  readonly accounts: number;
  readonly read: number;
  readonly notInstalled: number;
  readonly unreachable: number;
  readonly notStarted: number;
}

/** The `--json` document of `decisions --org`. */
export interface OrgDecisionsDocument extends ReportIdentity {
  readonly since: string;
  readonly until: string;
  readonly summary: OrgDecisionsSummary;
  readonly decisions: readonly OrgDecisionGroup[];
  /** False when interrupted, or when an account's decisions were not read (unreachable, not started). */
  readonly complete: boolean;
  readonly accounts: readonly OrgDecisionsEntry[];
}

/** Reads the window's decisions in every selected account, `settings.concurrency` at once. */
export function decisionsAcrossOrganization(
  session: AwsSession,
  accounts: readonly OrgAccount[],
  settings: OrgSettings,
  options: ReadOptions,
  io: CliIo,
): Promise<AccountOutcome<AccountDecisions | NotInstalled>[]> {
  return acrossOrganization('decisions --org', session, accounts, settings, io, (access) =>
    readAccountDecisions(access.clientConfig, options),
  );
}

/** The `--json` document: an entry per account, the organization's decisions and totals. */
export function orgDecisionsDocument(
  identity: ReportIdentity,
  window: TimeWindow,
  outcomes: readonly AccountOutcome<AccountDecisions | NotInstalled>[],
  interrupted: boolean,
): OrgDecisionsDocument {
  const entries = outcomes.map((outcome): OrgDecisionsEntry => {
    const { accountId, name } = outcome.account;
    if (outcome.status !== 'scanned') return { accountId, name, status: outcome.status, error: outcome.error };
    if (!isInstalled(outcome.result)) {
      return { accountId, name, status: 'not-installed', error: outcome.result.notInstalled };
    }
    return { accountId, name, status: 'read', ...accountFields(outcome.result) };
  });
  const read = entries.filter((entry) => entry.status === 'read');
  const sum = (key: keyof DecisionSummary) => read.reduce((total, entry) => total + (entry.summary?.[key] ?? 0), 0);
  return {
    ...identity,
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    summary: {
      accounts: entries.length,
      read: read.length,
      notInstalled: entries.filter((entry) => entry.status === 'not-installed').length,
      unreachable: entries.filter((entry) => entry.status === 'unreachable').length,
      notStarted: entries.filter((entry) => entry.status === 'not-started').length,
      lines: sum('lines'),
      roles: sum('roles'),
      dryRunLines: sum('dryRunLines'),
      wouldChange: sum('wouldChange'),
      changed: sum('changed'),
      conflicts: sum('conflicts'),
      errors: sum('errors'),
    },
    decisions: organizationGroups(read),
    complete: isComplete(interrupted, uncovered(entries)),
    accounts: entries,
  };
}

/** The accounts whose decisions were not read: out of reach, or not started. Not installed is no gap: nothing to read. */
function uncovered(entries: readonly OrgDecisionsEntry[]): UncoveredAccount[] {
  return entries.flatMap(({ accountId, name, status }) =>
    status === 'read' || status === 'not-installed' ? [] : [{ accountId, name, why: status.replace('-', ' ') }],
  );
}

/**
 * The accounts' groups merged, decision by decision: their lines and reasons added up, their roles named
 * `account:role`, the first and last times, and how many accounts each decision was met in.
 */
function organizationGroups(entries: readonly OrgDecisionsEntry[]): OrgDecisionGroup[] {
  interface Merging {
    readonly decision: Decision;
    readonly dryRun: boolean | undefined;
    lines: number;
    readonly roles: string[];
    readonly reasons: Map<string, number>;
    readonly accounts: Set<string>;
    first: string;
    last: string;
  }
  const merged = new Map<string, Merging>();
  for (const entry of entries) {
    for (const group of entry.decisions ?? []) {
      const key = `${group.decision}:${group.dryRun ?? ''}`;
      const into = merged.get(key) ?? {
        decision: group.decision,
        dryRun: group.dryRun,
        lines: 0,
        roles: [],
        reasons: new Map<string, number>(),
        accounts: new Set<string>(),
        first: group.first,
        last: group.last,
      };
      merged.set(key, into);
      into.lines += group.lines;
      into.roles.push(...group.roles.map((role) => `${entry.accountId}:${role}`));
      for (const { reason, lines } of group.reasons) into.reasons.set(reason, (into.reasons.get(reason) ?? 0) + lines);
      into.accounts.add(entry.accountId);
      // ISO times of one form compare as text.
      if (group.first < into.first) into.first = group.first;
      if (group.last > into.last) into.last = group.last;
    }
  }
  return [...merged.values()].sort(byReportOrder).map((group) => ({
    decision: group.decision,
    ...(group.dryRun === undefined ? {} : { dryRun: group.dryRun }),
    action: actionOf(group.decision, group.dryRun),
    lines: group.lines,
    roles: sortRoles(group.roles),
    reasons: sortReasons(group.reasons),
    first: group.first,
    last: group.last,
    accounts: group.accounts.size,
  }));
}

/**
 * The text report: the header, a line per account, the organization's decisions, its totals, and what it lacks when
 * it is incomplete.
 */
export function writeOrgDecisions(
  out: Output,
  style: Style,
  document: OrgDecisionsDocument,
  interrupted: boolean,
): void {
  out.write(headerLine(style, 'auto-instance-profile', document, ['organization']));
  out.write(`window  ${describeWindow({ since: new Date(document.since), until: new Date(document.until) })}\n`);
  writeAccountTable(
    out,
    style,
    ['ACCOUNT', 'NAME', 'STATUS', 'DECISIONS', 'WOULD CHANGE', 'CHANGED', 'CONFLICTS', 'ERRORS', 'DETAIL'],
    document.accounts.map((entry) => [
      entry.accountId,
      entry.name,
      entry.status,
      ...(['lines', 'wouldChange', 'changed', 'conflicts', 'errors'] as const).map((key) =>
        String(entry.summary?.[key] ?? '-'),
      ),
      entry.error ?? (entry.read === undefined ? '' : (truncationNote(entry.read) ?? '')),
    ]),
    (row, cell, column) =>
      column !== 2
        ? cell
        : row[2] === 'unreachable'
          ? style.red(cell)
          : row[2] === 'not-started'
            ? style.yellow(cell)
            : row[2] === 'read'
              ? style.green(cell)
              : style.dim(cell),
  );
  const { accounts, read, notInstalled, unreachable, notStarted } = document.summary;
  const waiting = notStarted === 0 ? '' : `, not started ${notStarted}`;
  out.write(
    `Organization: ${plural(accounts, 'account')}, read ${read}, not installed ${notInstalled}, unreachable ${unreachable}${waiting}.\n`,
  );
  if (document.decisions.length > 0) writeRows(out, style, document.decisions.map(groupRow));
  out.write(`${summaryLine(document.summary)}\n`);
  writeCompleteness(out, style, accounts, interrupted, uncovered(document.accounts));
}

/**
 * Whether the organization's report calls for a person: an account whose decisions were not read (out of reach, or
 * not started), a conflict, an error.
 */
export function orgNeedsAttention(document: Pick<OrgDecisionsDocument, 'complete' | 'summary'>): boolean {
  return !document.complete || document.summary.conflicts > 0 || document.summary.errors > 0;
}
