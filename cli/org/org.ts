/**
 * What `scan --org`, `fix --org` and `doctor --org` share: their options, the accounts they select, the
 * fan-out with its progress line, and the `--json` document's frame: `summary`, `complete` and `accounts`, one entry
 * per selected account with `accountId`, `name`, `status` (`scanned`, `unreachable`, `not-started`), `error` saying
 * why when not scanned, and the single-account command's `summary` when scanned.
 */
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { DEFAULT_MEMBER_ROLE } from '../../core/member-role.js';
import { isRoleName } from '../../core/names.js';
import { type HelpRow, wholeOption } from '../args.js';
import type { AwsSession } from '../aws.js';
import type { CliIo, Output } from '../command.js';
import { UsageError } from '../errors.js';
import { progressLine } from '../output.js';
import { plural } from '../scan/fix.js';
import type { Style } from '../style.js';
import { type AccountSelection, accountSelection, type OrgAccount, selectAccounts } from './accounts.js';
import { type AccountAccess, type AccountOutcome, acrossAccounts, DEFAULT_CONCURRENCY } from './fan-out.js';

/** The most accounts worked on at once: IAM's and STS's request rates are the account's, not ours to spend. */
export const MAX_CONCURRENCY = 64;

/** `--org` and the options that go with it. */
export const ORG_OPTIONS = {
  org: { type: 'boolean', default: false },
  accounts: { type: 'string', multiple: true },
  ou: { type: 'string', multiple: true },
  'role-name': { type: 'string' },
  concurrency: { type: 'string' },
} as const;

/** The help rows of {@link ORG_OPTIONS}. */
export const ORG_ROWS: readonly HelpRow[] = [
  ['--org', 'every active account of the organization (run from the management account or a delegated administrator)'],
  ['--accounts ID,…', 'with --org: only these accounts'],
  ['--ou OU,…', 'with --org: only the accounts under these OUs (child OUs included); with --accounts, both'],
  ['--role-name NAME', `with --org: the role to assume in member accounts (default: ${DEFAULT_MEMBER_ROLE})`],
  ['--concurrency N', `with --org: accounts at once, 1 to ${MAX_CONCURRENCY} (default: ${DEFAULT_CONCURRENCY})`],
];

/** What the `--org` options say. */
export interface OrgSettings {
  readonly selection: AccountSelection;
  readonly roleName: string;
  readonly concurrency: number;
}

type OrgValues = {
  readonly org?: boolean | undefined;
  readonly accounts?: string[] | undefined;
  readonly ou?: string[] | undefined;
  readonly 'role-name'?: string | undefined;
  readonly concurrency?: string | undefined;
};

/** The `--org` settings, or undefined without `--org`; its companions without it are a usage error. */
export function orgSettings(values: OrgValues): OrgSettings | undefined {
  if (values.org !== true) {
    const stray = (['accounts', 'ou', 'role-name', 'concurrency'] as const).find((name) => values[name] !== undefined);
    if (stray !== undefined) throw new UsageError(`--${stray} goes with --org`);
    return undefined;
  }
  const roleName = values['role-name']?.trim() ?? DEFAULT_MEMBER_ROLE;
  if (!isRoleName(roleName)) throw new UsageError(`--role-name must be a role name, not "${roleName}"`);
  const concurrency =
    wholeOption('concurrency', values.concurrency, { kind: 'whole', min: 1, max: MAX_CONCURRENCY }) ??
    DEFAULT_CONCURRENCY;
  return { selection: accountSelection(values.accounts, values.ou), roleName, concurrency };
}

/** The selected accounts, read with the caller's session (exit code 255 when Organizations refuses). */
export async function organizationAccounts(session: AwsSession, selection: AccountSelection): Promise<OrgAccount[]> {
  const org = new OrganizationsClient(session.clientConfig);
  try {
    return await selectAccounts(org, selection);
  } finally {
    org.destroy();
  }
}

/**
 * Works on every selected account, `settings.concurrency` at once, with a progress line on stderr when it is
 * a terminal: `scan --org: 3 of 20 accounts`.
 */
export async function acrossOrganization<R>(
  label: string,
  session: AwsSession,
  accounts: readonly OrgAccount[],
  settings: OrgSettings,
  io: CliIo,
  work: (access: AccountAccess) => Promise<R>,
): Promise<AccountOutcome<R>[]> {
  const sts = new STSClient(session.clientConfig);
  const progress = progressLine(io.stderr);
  try {
    progress.update(`${label}: 0 of ${plural(accounts.length, 'account')}`);
    return await acrossAccounts(
      accounts,
      {
        session,
        sts,
        roleName: settings.roleName,
        concurrency: settings.concurrency,
        signal: io.signal,
        onProgress: (done, total) => progress.update(`${label}: ${done} of ${plural(total, 'account')}`),
      },
      work,
    );
  } finally {
    progress.done();
    sts.destroy();
  }
}

/** One account in an `--org` document. */
export type OrgAccountEntry<S> = {
  readonly accountId: string;
  readonly name: string;
  /**
   * `unreachable`: the account could not be reached or read; `not-started`: the command was interrupted before its
   * turn; `left-out`: `fix --org` did not cover the account (the service is not installed there). `error` says why.
   */
  readonly status: AccountOutcome<unknown>['status'] | 'left-out';
  readonly error?: string;
  readonly summary?: S;
};

/** The `accounts` entry of an outcome, with the single-account `summary` of a scanned one. */
export function accountEntry<R, S>(outcome: AccountOutcome<R>, summaryOf: (result: R) => S): OrgAccountEntry<S> {
  const { accountId, name } = outcome.account;
  return outcome.status === 'scanned'
    ? { accountId, name, status: 'scanned', summary: summaryOf(outcome.result) }
    : { accountId, name, status: outcome.status, error: outcome.error };
}

/** The counts every `--org` summary opens with: accounts selected, scanned, unreachable, not started. */
export function accountCounts(outcomes: readonly AccountOutcome<unknown>[]) {
  const count = (status: AccountOutcome<unknown>['status']) =>
    outcomes.filter((outcome) => outcome.status === status).length;
  return {
    accounts: outcomes.length,
    scanned: count('scanned'),
    unreachable: count('unreachable'),
    notStarted: count('not-started'),
  };
}

/** An account an `--org` report does not fully cover, and why in a word or two (`unreachable`, `fix interrupted`). */
export interface UncoveredAccount {
  readonly accountId: string;
  readonly name: string;
  readonly why: string;
}

/** The accounts of a report that were not scanned (unreachable, not started); `left-out` is a choice, not a gap. */
export function uncoveredAccounts(entries: readonly OrgAccountEntry<unknown>[]): UncoveredAccount[] {
  return entries.flatMap(({ accountId, name, status }) =>
    status === 'scanned' || status === 'left-out' ? [] : [{ accountId, name, why: status.replace('-', ' ') }],
  );
}

/**
 * Whether an `--org` report is complete: not interrupted, and every selected account covered. The `--json`
 * documents' `complete`; the text says what it lacks ({@link writeCompleteness}).
 */
export function isComplete(interrupted: boolean, uncovered: readonly UncoveredAccount[]): boolean {
  return !interrupted && uncovered.length === 0;
}

/**
 * The text report's last line when it is incomplete, naming the accounts it does not cover and why:
 * `Incomplete: interrupted; 2 of 5 accounts not covered: 222222222222 (web) unreachable, 333333333333 (data) not started.`
 * Nothing when it is complete.
 */
export function writeCompleteness(
  out: Output,
  style: Style,
  accounts: number,
  interrupted: boolean,
  uncovered: readonly UncoveredAccount[],
): void {
  if (isComplete(interrupted, uncovered)) return;
  const parts = [
    ...(interrupted ? ['interrupted'] : []),
    ...(uncovered.length === 0
      ? []
      : [
          `${uncovered.length} of ${plural(accounts, 'account')} not covered: ` +
            uncovered.map((account) => `${account.accountId} (${account.name}) ${account.why}`).join(', '),
        ]),
  ];
  out.write(`${style.yellow(`Incomplete: ${parts.join('; ')}.`)}\n`);
}

/** `ACCOUNT  NAME  STATUS  …` rows, aligned, for the text report. */
export function writeAccountTable(
  out: Output,
  style: Style,
  head: readonly string[],
  rows: readonly (readonly string[])[],
  paint: (row: readonly string[], cell: string, column: number) => string = (_row, cell) => cell,
): void {
  const widths = head.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[], style: (cell: string, column: number) => string) =>
    `  ${cells
      .map((cell, column) => style(column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0), column))
      .join('  ')}`.trimEnd();
  out.write(`${line(head, (cell) => style.dim(cell))}\n`);
  for (const row of rows) out.write(`${line(row, (cell, column) => paint(row, cell, column))}\n`);
}

/**
 * The accounts of an `--org` document as a table: `ACCOUNT  NAME  STATUS`, then the columns `head` names
 * with the `cells` of each entry. An unreachable account's status is red, a not-started one's yellow; `paint`
 * styles the other cells (its `column` counts the three leading columns).
 */
export function writeAccountEntries<E extends OrgAccountEntry<unknown>>(
  out: Output,
  style: Style,
  head: readonly string[],
  entries: readonly E[],
  cells: (entry: E) => readonly string[],
  paint: (row: readonly string[], cell: string, column: number) => string = (_row, cell) => cell,
): void {
  writeAccountTable(
    out,
    style,
    ['ACCOUNT', 'NAME', 'STATUS', ...head],
    entries.map((entry) => [entry.accountId, entry.name, entry.status, ...cells(entry)]),
    (row, cell, column) =>
      column === 2 && row[2] === 'unreachable'
        ? style.red(cell)
        : column === 2 && row[2] === 'not-started'
          ? style.yellow(cell)
          : paint(row, cell, column),
  );
}
