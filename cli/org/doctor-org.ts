/**
 * `doctor --org`: the organization's StackSet (its stack instances per account and region, with status and
 * drift, and the targeted accounts without one), then the single-account doctor (cli/doctor/doctor.ts) in
 * each selected account, with its summary and its checks per account (the text names those that did not pass).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AwsSession } from '../aws.js';
import type { CliIo, Output } from '../command.js';
import { type CheckResult, type CheckStatus, checkView, tally } from '../doctor/checks.js';
import { doctorClients, runDoctor } from '../doctor/doctor.js';
import { headerLine, type ReportIdentity } from '../output.js';
import { plural } from '../scan/fix.js';
import type { Style } from '../style.js';
import { managementAccountId, type OrgAccount } from './accounts.js';
import {
  accountCounts,
  accountEntry,
  acrossOrganization,
  isComplete,
  type OrgAccountEntry,
  type OrgSettings,
  organizationAccounts,
  uncoveredAccounts,
  writeAccountEntries,
  writeAccountTable,
  writeCompleteness,
} from './org.js';
import { type AccountSetting, accountSettings, describeAccountSettings } from './ou-settings.js';
import {
  accountsWithoutInstance,
  describeStackSet,
  instanceHealthy,
  readStackSet,
  type StackSetOptions,
  type StackSetView,
  targetsByAccount,
} from './stack-set.js';

/** One account's doctor summary: how many checks passed, failed, could not run; and the stack it read. */
export type DoctorSummary = Readonly<Record<CheckStatus, number>> & { readonly stack: string };

/** One account of `doctor --org`'s document: with its checks, as the single-account `doctor --json` gives them. */
export type OrgDoctorEntry = OrgAccountEntry<DoctorSummary> & {
  readonly checks?: readonly ReturnType<typeof checkView>[];
  /**
   * Its effective settings, each with its value and whence (`organization`, or the OU that overrides it): those its
   * remediator reports (`selection`, `dryRun`), and those its stack takes as parameters (those some OU sets: `ouSettings`).
   */
  readonly settings?: Readonly<Record<string, AccountSetting>>;
};

/** The `--json` document of `doctor --org`. */
export interface OrgDoctorDocument extends ReportIdentity {
  readonly stackSet: StackSetView & { readonly accountsWithoutInstance: readonly OrgAccount[] };
  readonly summary: {
    readonly accounts: number;
    readonly scanned: number;
    readonly unreachable: number;
    /** Accounts not started: the command was interrupted before their turn. */
    readonly notStarted: number;
    /** Accounts where a check failed or could not run. */
    readonly failing: number;
    readonly instances: number;
    /** Instances not CURRENT, or drifted. */
    readonly unhealthyInstances: number;
    readonly accountsWithoutInstance: number;
  };
  /** False when interrupted, or when an account was not checked (unreachable, not started). */
  readonly complete: boolean;
  readonly accounts: readonly OrgDoctorEntry[];
}

/** Reads the StackSet and runs the doctor in every selected account. */
export async function doctorOrganization(
  session: AwsSession,
  identity: ReportIdentity,
  settings: OrgSettings,
  stackSetOptions: StackSetOptions,
  stackName: string | undefined,
  io: CliIo,
): Promise<OrgDoctorDocument> {
  const accounts = await organizationAccounts(session, settings.selection);
  const cloudformation = new CloudFormationClient(session.clientConfig);
  const org = new OrganizationsClient(session.clientConfig);
  let stackSet: OrgDoctorDocument['stackSet'];
  let targeted: ReadonlyMap<string, string>;
  try {
    const view = await readStackSet(cloudformation, stackSetOptions);
    targeted = await targetsByAccount(org, view.targets);
    const without = accountsWithoutInstance(targeted, view, accounts, await managementAccountId(org));
    stackSet = { ...view, accountsWithoutInstance: without };
  } finally {
    cloudformation.destroy();
    org.destroy();
  }
  const outcomes = await acrossOrganization('doctor --org', session, accounts, settings, io, async (access) => {
    const clients = doctorClients(access.clientConfig, session.customSqsEndpoint);
    try {
      // The ownership check reads every profile of the account: `doctor` in that account runs it.
      return await runDoctor({ ...clients, dynamodb: undefined, region: session.region, stackName });
    } finally {
      clients.destroy();
    }
  });
  const entries = outcomes.map((outcome): OrgDoctorEntry => {
    const entry = accountEntry(
      outcome,
      (report): DoctorSummary => ({ ...tally(report.checks), stack: report.stackName }),
    );
    if (outcome.status !== 'scanned') return entry;
    const { checks, parameters, settings } = outcome.result;
    return {
      ...entry,
      checks: checks.map(checkView),
      ...(parameters === undefined && settings === undefined
        ? {}
        : {
            settings: accountSettings(
              parameters ?? {},
              stackSet.settingDefaults,
              targeted.get(entry.accountId),
              settings,
            ),
          }),
    };
  });
  return {
    ...identity,
    stackSet,
    summary: {
      ...accountCounts(outcomes),
      // A paused service is not failing: its event-sources check says paused, and the doctor passes.
      failing: entries.filter(
        (entry) => entry.summary !== undefined && entry.summary.failed + entry.summary['not-checked'] > 0,
      ).length,
      instances: stackSet.instances.length,
      unhealthyInstances: stackSet.instances.filter((instance) => !instanceHealthy(instance)).length,
      accountsWithoutInstance: stackSet.accountsWithoutInstance.length,
    },
    complete: isComplete(io.signal?.aborted === true, uncoveredAccounts(entries)),
    accounts: entries,
  };
}

/**
 * Whether the organization is all good: the StackSet read and healthy everywhere it should be, every account checked
 * and every doctor passing.
 */
export function organizationHealthy(document: OrgDoctorDocument): boolean {
  const { failing, unhealthyInstances, accountsWithoutInstance } = document.summary;
  return (
    document.complete &&
    document.stackSet.error === undefined &&
    failing + unhealthyInstances + accountsWithoutInstance === 0
  );
}

/** The checks of every checked account that did not pass cleanly: failed, not checked, or with a warning. */
function checkRows(entries: readonly OrgDoctorEntry[]): string[][] {
  return entries.flatMap((entry) =>
    (entry.checks ?? [])
      .filter((check) => check.status !== 'ok')
      .map((check) => [entry.accountId, entry.name, check.name, check.status, check.detail]),
  );
}

/**
 * `failed trail, stack; not-checked rule; warning ownership; paused event-sources`: an account's checks that did not
 * pass cleanly, by status.
 */
export function namedChecks(checks: readonly Pick<CheckResult, 'name' | 'status'>[]): string {
  return (['failed', 'not-checked', 'warning', 'paused'] as const)
    .flatMap((status) => {
      const names = checks.filter((check) => check.status === status).map((check) => check.name);
      return names.length === 0 ? [] : [`${status} ${names.join(', ')}`];
    })
    .join('; ');
}

/**
 * The text report: the StackSet's instances, the accounts without one, the checks that did not pass in each account,
 * a line per account naming them, the totals, and what the report does not cover.
 */
export function writeOrgDoctor(out: Output, style: Style, document: OrgDoctorDocument, interrupted: boolean): void {
  const { stackSet } = document;
  out.write(headerLine(style, 'auto-instance-profile', document, ['organization']));
  out.write(`${describeStackSet(stackSet)}; targets ${stackSet.targets.join(', ') || 'unknown'}\n`);
  if (stackSet.error !== undefined) out.write(`  ${style.red(stackSet.error)}\n`);
  if (stackSet.instances.length > 0) {
    writeAccountTable(
      out,
      style,
      ['ACCOUNT', 'REGION', 'STATUS', 'DETAILED', 'DRIFT', 'REASON'],
      stackSet.instances.map((instance) => [
        instance.accountId,
        instance.region,
        instance.status,
        instance.detailedStatus ?? '-',
        instance.drift,
        instance.reason ?? '',
      ]),
      (row, cell, column) =>
        (column === 2 || column === 4) &&
        !instanceHealthy({ accountId: '', region: '', status: row[2] ?? '', drift: row[4] ?? '' })
          ? style.red(cell)
          : cell,
    );
  }
  if (stackSet.accountsWithoutInstance.length > 0) {
    out.write(
      `${style.yellow('Targeted accounts without an instance:')} ${stackSet.accountsWithoutInstance.map((account) => `${account.accountId} (${account.name})`).join(', ')}\n`,
    );
  }
  const checks = checkRows(document.accounts);
  if (checks.length > 0) {
    out.write('\n');
    writeAccountTable(out, style, ['ACCOUNT', 'NAME', 'CHECK', 'STATUS', 'DETAIL'], checks, (row, cell, column) =>
      column !== 3
        ? cell
        : row[3] === 'failed'
          ? style.red(cell)
          : row[3] === 'warning' || row[3] === 'paused'
            ? style.yellow(cell)
            : style.dim(cell),
    );
  }
  out.write('\n');
  writeAccountEntries(
    out,
    style,
    ['OK', 'WARNING', 'FAILED', 'NOT-CHECKED', 'DETAIL'],
    document.accounts,
    (entry) => [
      String(entry.summary?.ok ?? '-'),
      String(entry.summary?.warning ?? '-'),
      String(entry.summary?.failed ?? '-'),
      String(entry.summary?.['not-checked'] ?? '-'),
      entry.error ??
        (entry.summary === undefined
          ? ''
          : [`stack ${entry.summary.stack}`, describeAccountSettings(entry.settings), namedChecks(entry.checks ?? [])]
              .filter(Boolean)
              .join('; ')),
    ],
    (row, cell, column) => (column === 5 && row[5] !== '0' && row[5] !== '-' ? style.red(cell) : cell),
  );
  const {
    accounts,
    scanned,
    unreachable,
    notStarted,
    failing,
    instances,
    unhealthyInstances,
    accountsWithoutInstance,
  } = document.summary;
  const waiting = notStarted === 0 ? '' : `, not started ${notStarted}`;
  out.write(
    `Organization: ${plural(accounts, 'account')}, checked ${scanned}, unreachable ${unreachable}${waiting}, with failing checks ${failing}; StackSet instances ${instances}, not current or drifted ${unhealthyInstances}, targeted accounts without one ${accountsWithoutInstance}.\n`,
  );
  writeCompleteness(out, style, accounts, interrupted, uncoveredAccounts(document.accounts));
}
