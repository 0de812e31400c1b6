/**
 * `pause --org` and `resume --org`: the single-account switch (cli/pause/switch.ts) in every selected account of the
 * organization, reached as `fix --org` reaches them (the caller's own account with its own credentials, the others
 * through the member role), after one question for all; a line per account and the organization's totals. An account
 * where the service is not installed is left out; one that cannot be reached is left as it is.
 */
import { mapBounded } from '../../core/map-bounded.js';
import type { AwsSession } from '../aws.js';
import type { CliIo, Output } from '../command.js';
import { describeError } from '../errors.js';
import { headerLine, type ReportIdentity } from '../output.js';
import { COMMAND_OF, type SwitchSummary, switchSummary } from '../pause/report.js';
import { planSwitch, type SwitchPlan, type SwitchTarget } from '../pause/state.js';
import {
  carryOut,
  type Located,
  lambdaClient,
  locateService,
  notCarriedOut,
  type SwitchResult,
} from '../pause/switch.js';
import type { Style } from '../style.js';
import type { OrgAccount } from './accounts.js';
import type { AccountAccess, AccountOutcome } from './fan-out.js';
import {
  accountCounts,
  acrossOrganization,
  type OrgAccountEntry,
  type OrgSettings,
  writeAccountEntries,
} from './org.js';

/** One reached account: where the service is, what to switch, and what came of it. */
export interface AccountSwitch {
  readonly access: AccountAccess;
  readonly located: Located;
  /** Undefined where the service is not installed. */
  readonly plan?: SwitchPlan;
  readonly result?: SwitchResult;
  /** A failure of the switch in this account (a refused call), which leaves it as it was. */
  readonly error?: string;
}

/** Reads every selected account: its service and its mappings, and what the switch would change there. */
export function readOrganization(
  target: SwitchTarget,
  session: AwsSession,
  accounts: readonly OrgAccount[],
  settings: OrgSettings,
  stackName: string | undefined,
  io: CliIo,
): Promise<AccountOutcome<AccountSwitch>[]> {
  return acrossOrganization(`${COMMAND_OF[target]} --org`, session, accounts, settings, io, async (access) => {
    const located = await locateService(access.clientConfig, stackName);
    return located.found ? { access, located, plan: planSwitch(located.view, target) } : { access, located };
  });
}

/** How many mappings the switch would change, and in how many accounts. */
export function pendingSwitches(outcomes: readonly AccountOutcome<AccountSwitch>[]): {
  readonly mappings: number;
  readonly accounts: number;
} {
  const counts = outcomes.flatMap((outcome) =>
    outcome.status === 'scanned' && (outcome.result.plan?.toSwitch.length ?? 0) > 0
      ? [outcome.result.plan?.toSwitch.length ?? 0]
      : [],
  );
  return { mappings: counts.reduce((sum, count) => sum + count, 0), accounts: counts.length };
}

/**
 * Carries out each account's plan, `concurrency` accounts at once, on the credentials it was read with (or, when
 * `declined`, records that nothing was switched). A failure in one account is that account's; the caller's own
 * credentials failing stops all (exit code 255).
 */
export function switchOrganization(
  outcomes: readonly AccountOutcome<AccountSwitch>[],
  concurrency: number,
  declined: boolean,
  signal?: AbortSignal,
): Promise<AccountOutcome<AccountSwitch>[]> {
  return mapBounded(outcomes, concurrency, async (outcome) => {
    if (outcome.status !== 'scanned' || !outcome.result.located.found || outcome.result.plan === undefined) {
      return outcome;
    }
    const { access, located, plan } = outcome.result;
    if (declined || plan.toSwitch.length === 0 || signal?.aborted === true) {
      return { ...outcome, result: { ...outcome.result, result: notCarriedOut(located.view, plan, declined) } };
    }
    const lambda = lambdaClient(access.clientConfig, located.target.region);
    try {
      const result = await carryOut(lambda, located.target, plan, { signal });
      return { ...outcome, result: { ...outcome.result, result } };
    } catch (error) {
      if (access.own) throw error;
      return { ...outcome, result: { ...outcome.result, error: describeError(error) } };
    } finally {
      lambda.destroy();
    }
  });
}

/** The organization's totals. */
export interface OrgSwitchSummary {
  readonly accounts: number;
  /** Accounts reached where the service is installed. */
  readonly scanned: number;
  readonly unreachable: number;
  /** Accounts where the service is not installed. */
  readonly leftOut: number;
  /** Mappings switched. */
  readonly switched: number;
  /** Accounts paused now, and running now, among those reached. */
  readonly paused: number;
  readonly running: number;
  /** Accounts where the service is not as asked: a switch failed, a mapping is missing or being deleted. */
  readonly incomplete: number;
}

/** One account of the `--json` document. */
export type OrgSwitchEntry = OrgAccountEntry<SwitchSummary>;

/** The `--json` document of `pause --org` and `resume --org`. */
export interface OrgSwitchDocument extends ReportIdentity {
  readonly action: 'pause' | 'resume';
  readonly summary: OrgSwitchSummary;
  readonly accounts: readonly OrgSwitchEntry[];
}

/** The `--json` document. */
export function orgSwitchDocument(
  identity: ReportIdentity,
  target: SwitchTarget,
  outcomes: readonly AccountOutcome<AccountSwitch>[],
): OrgSwitchDocument {
  const entries = outcomes.map((outcome): OrgSwitchEntry => {
    const { accountId, name } = outcome.account;
    if (outcome.status !== 'scanned') return { accountId, name, status: 'unreachable', error: outcome.error };
    const { located, result, error } = outcome.result;
    if (!located.found) return { accountId, name, status: 'left-out', error: located.why };
    return {
      accountId,
      name,
      status: 'scanned',
      ...(error === undefined ? {} : { error }),
      summary: switchSummary(located, result ?? notCarriedOut(located.view, planSwitch(located.view, target), false)),
    };
  });
  const scanned = entries.filter((entry) => entry.status === 'scanned');
  const switched = scanned.flatMap((entry) => entry.summary?.mappings ?? []).filter((m) => m.before !== m.after);
  const counts = accountCounts(outcomes);
  return {
    ...identity,
    action: COMMAND_OF[target],
    summary: {
      accounts: counts.accounts,
      scanned: scanned.length,
      unreachable: counts.unreachable,
      leftOut: entries.filter((entry) => entry.status === 'left-out').length,
      switched: switched.length,
      paused: scanned.filter((entry) => entry.summary?.state === 'paused').length,
      running: scanned.filter((entry) => entry.summary?.state === 'running').length,
      incomplete: scanned.filter((entry) => entry.error !== undefined || entry.summary?.outcome === 'incomplete')
        .length,
    },
    accounts: entries,
  };
}

/** Whether the switch reached every account it should: none unreachable, none incomplete, none declined. */
export function organizationSwitched(document: OrgSwitchDocument): boolean {
  const { unreachable, incomplete } = document.summary;
  const declined = document.accounts.some((entry) => entry.summary?.outcome === 'declined');
  return unreachable === 0 && incomplete === 0 && !declined;
}

/** The text report: the header, a line per account, the organization's totals (`--json` has each account's mappings). */
export function writeOrgSwitch(out: Output, style: Style, document: OrgSwitchDocument): void {
  out.write(headerLine(style, 'auto-instance-profile', document, ['organization']));
  writeAccountEntries(
    out,
    style,
    ['STATE', 'OUTCOME', 'DETAIL'],
    document.accounts,
    (entry) => [
      entry.summary?.state ?? '-',
      entry.summary?.outcome ?? '-',
      entry.error ??
        entry.summary?.reason ??
        (entry.summary?.stack === undefined ? '' : `stack ${entry.summary.stack}`),
    ],
    (row, cell, column) =>
      column === 2
        ? row[2] === 'left-out'
          ? style.dim(cell)
          : style.green(cell)
        : column === 4 && (cell === 'incomplete' || cell === 'declined')
          ? style.red(cell)
          : cell,
  );
  const { accounts, scanned, unreachable, leftOut, switched, paused, running, incomplete } = document.summary;
  out.write(
    `Organization: ${accounts} accounts, reached ${scanned} with the service, unreachable ${unreachable}, left out ${leftOut} (not installed); ` +
      `switched ${switched} event source mappings; paused ${paused}, running ${running}, incomplete ${incomplete}.\n`,
  );
}
