/**
 * `doctor --org`: the organization's StackSet (its stack instances per account and region, with status and
 * drift, and the targeted accounts without one), then the single-account doctor (cli/doctor/doctor.ts) in
 * each selected account, with its summary per account.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { AwsSession } from '../aws.js';
import type { CliIo, Output } from '../command.js';
import { type CheckStatus, tally } from '../doctor/checks.js';
import { doctorClients, runDoctor } from '../doctor/doctor.js';
import { headerLine, type ReportIdentity } from '../output.js';
import type { Style } from '../style.js';
import { managementAccountId, type OrgAccount } from './accounts.js';
import {
  accountCounts,
  accountEntry,
  acrossOrganization,
  type OrgAccountEntry,
  type OrgSettings,
  organizationAccounts,
  writeAccountEntries,
  writeAccountTable,
} from './org.js';
import {
  accountsWithoutInstance,
  instanceHealthy,
  readStackSet,
  type StackSetOptions,
  type StackSetView,
} from './stack-set.js';

/** One account's doctor summary: how many checks passed, failed, could not run; and the stack it read. */
export type DoctorSummary = Readonly<Record<CheckStatus, number>> & { readonly stack: string };

/** The `--json` document of `doctor --org`. */
export interface OrgDoctorDocument extends ReportIdentity {
  readonly stackSet: StackSetView & { readonly accountsWithoutInstance: readonly OrgAccount[] };
  readonly summary: {
    readonly accounts: number;
    readonly scanned: number;
    readonly unreachable: number;
    /** Accounts where a check failed or could not run. */
    readonly failing: number;
    readonly instances: number;
    /** Instances not CURRENT, or drifted. */
    readonly unhealthyInstances: number;
    readonly accountsWithoutInstance: number;
  };
  readonly accounts: readonly OrgAccountEntry<DoctorSummary>[];
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
  try {
    const view = await readStackSet(cloudformation, stackSetOptions);
    const without = await accountsWithoutInstance(org, view, accounts, await managementAccountId(org));
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
  const entries = outcomes.map((outcome) =>
    accountEntry(outcome, (report): DoctorSummary => ({ ...tally(report.checks), stack: report.stackName })),
  );
  return {
    ...identity,
    stackSet,
    summary: {
      ...accountCounts(outcomes),
      failing: entries.filter(
        (entry) => entry.summary !== undefined && entry.summary.ok + entry.summary.warning < checkCount(entry.summary),
      ).length,
      instances: stackSet.instances.length,
      unhealthyInstances: stackSet.instances.filter((instance) => !instanceHealthy(instance)).length,
      accountsWithoutInstance: stackSet.accountsWithoutInstance.length,
    },
    accounts: entries,
  };
}

/** Whether the organization is all good: the StackSet read and healthy everywhere it should be, every doctor passing. */
export function organizationHealthy(document: OrgDoctorDocument): boolean {
  const { unreachable, failing, unhealthyInstances, accountsWithoutInstance } = document.summary;
  return (
    document.stackSet.error === undefined && unreachable + failing + unhealthyInstances + accountsWithoutInstance === 0
  );
}

function checkCount(summary: DoctorSummary): number {
  return summary.ok + summary.warning + summary.failed + summary['not-checked'];
}

/** The text report: the StackSet's instances, the accounts without one, a line per account, the totals. */
export function writeOrgDoctor(out: Output, style: Style, document: OrgDoctorDocument): void {
  const { stackSet } = document;
  out.write(headerLine(style, 'auto-instance-profile', document, ['organization']));
  out.write(
    `StackSet ${stackSet.name} (CallAs ${stackSet.callAs}, from the ${stackSet.source}); targets ${stackSet.targets.join(', ') || 'unknown'}\n`,
  );
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
  out.write('\n');
  writeAccountEntries(
    out,
    style,
    ['OK', 'FAILED', 'NOT-CHECKED', 'DETAIL'],
    document.accounts,
    (entry) => [
      String(entry.summary?.ok ?? '-'),
      String(entry.summary?.failed ?? '-'),
      String(entry.summary?.['not-checked'] ?? '-'),
      entry.error ?? (entry.summary === undefined ? '' : `stack ${entry.summary.stack}`),
    ],
    (row, cell, column) => (column === 4 && row[4] !== '0' && row[4] !== '-' ? style.red(cell) : cell),
  );
  const { accounts, scanned, unreachable, failing, instances, unhealthyInstances, accountsWithoutInstance } =
    document.summary;
  out.write(
    `Organization: ${accounts} accounts, checked ${scanned}, unreachable ${unreachable}, with failing checks ${failing}; StackSet instances ${instances}, not current or drifted ${unhealthyInstances}, targeted accounts without one ${accountsWithoutInstance}.\n`,
  );
}
