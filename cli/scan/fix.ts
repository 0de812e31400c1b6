/**
 * What `fix` does with a scan's missing roles, in one account or in each of an organization's: the core
 * remediation for each (decided again from current state, starting from the scan's facts), the question it
 * asks first, and the rows it reports.
 */
import type { RoleTrigger } from '../../core/events.js';
import { ProfileUsageCache } from '../../core/iam/account-summary.js';
import type { Log } from '../../core/observability.js';
import { NO_METRICS } from '../../core/observability.js';
import { type Outcome, remediate } from '../../core/remediate.js';
import type { MissingProfile, ScanReport } from '../../core/scan.js';
import { asAwsAccessError, describeError } from '../errors.js';
import type { ScanRow } from './report.js';

/** What fixing one role came to. */
export interface RoleResult {
  readonly role: string;
  readonly outcome?: Outcome;
  readonly error?: string;
  /** A profile was created or linked by this run. */
  readonly made: boolean;
  /** The role needs nothing more: made now, or found fine when decided again. */
  readonly settled: boolean;
}

/** The core logs every decision; the CLI shows the outcomes in its own table instead. */
const QUIET: Log = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/**
 * What {@link fixMissing} needs: the account's IAM client, the config the scan decided with, and the deployed
 * stack's ownership record (cli/ownership/deployed.ts), which proves what is adopted and records what is made.
 */
export type FixDeps = Pick<Parameters<typeof remediate>[1], 'iam' | 'config' | 'ownership'>;

/**
 * Remediates the report's missing roles one by one, until done or `signal` aborts. A role that fails is a
 * result; an AwsAccessError (credentials gone, AWS out of reach) is thrown, since every other role would
 * fail alike.
 */
export async function fixMissing(report: ScanReport, deps: FixDeps, signal?: AbortSignal): Promise<RoleResult[]> {
  const results: RoleResult[] = [];
  // The account's quota headroom is read once for its roles, never carried over from another account's.
  const profileUsage = new ProfileUsageCache();
  for (const candidate of report.missing) {
    if (signal?.aborted === true) break;
    results.push(await fixOne(candidate, report.scanId, { ...deps, log: QUIET, metrics: NO_METRICS, profileUsage }));
  }
  return results;
}

/**
 * The counts of a fix: profiles made, and roles left without one. Roles handed over to the service (`handedOver`:
 * its reconcile pass started, cli/scan/hand-over.ts) are done, not undone.
 */
export function fixCounts(report: ScanReport, results: readonly RoleResult[], handedOver = 0) {
  return {
    created: results.filter((result) => result.made).length,
    undone: report.missing.length - results.filter((result) => result.settled).length - handedOver,
  };
}

/** Missing roles `fix` hands over to the service rather than fixing (cli/scan/hand-over.ts), and where they are. */
export interface HandOverPlan {
  readonly roles: number;
  /** ` in 2 accounts`, or nothing. */
  readonly where: string;
}

/**
 * The question `fix` asks, true to what it will do: profiles it creates, roles it links to an empty profile of ours
 * that exists, and roles it hands over to the service. `Create 1 instance profile and link 1 role to its empty
 * instance profile?`; `Hand 3 missing roles in 2 accounts over to the service (its reconcile starts now)?`
 */
export function fixQuestion(
  missing: readonly MissingProfile[],
  where = '',
  handOver: HandOverPlan = { roles: 0, where: '' },
): string {
  const creates = missing.filter((candidate) => candidate.plan.kind === 'create').length;
  const links = missing.length - creates;
  const parts = [
    ...(creates === 0 ? [] : [`create ${plural(creates, 'instance profile')}`]),
    ...(links === 0
      ? []
      : [
          `link ${plural(links, 'role')} to ${links === 1 ? 'its' : 'their'} empty ${links === 1 ? 'instance profile' : 'instance profiles'}`,
        ]),
  ];
  const direct = parts.length === 0 ? [] : [`${parts.join(' and ')}${where}`];
  const handing =
    handOver.roles === 0
      ? []
      : [
          `hand ${plural(handOver.roles, 'missing role')}${handOver.where} over to the service (its reconcile starts now)`,
        ];
  const question = [...direct, ...handing].join(' and ');
  return `${question.charAt(0).toUpperCase()}${question.slice(1)}?`;
}

async function fixOne(
  candidate: MissingProfile,
  scanId: string,
  deps: Parameters<typeof remediate>[1],
): Promise<RoleResult> {
  const trigger: RoleTrigger = {
    kind: 'found-by-scan',
    roleName: candidate.roleName,
    origin: { type: 'scan', scanId },
  };
  try {
    const outcome = await remediate(trigger, deps, candidate.known);
    const made = (outcome.decision === 'create' || outcome.decision === 'adopt') && outcome.changed;
    return { role: candidate.roleName, outcome, made, settled: made || outcome.decision === 'nothing' };
  } catch (error) {
    const access = asAwsAccessError(error, 'IAM');
    if (access !== undefined) throw access;
    return { role: candidate.roleName, error: describeError(error), made: false, settled: false };
  }
}

/** A result as a row of the table. */
export function resultRow(result: RoleResult): ScanRow {
  if (result.error !== undefined) return [result.role, 'failed', result.error];
  const outcome = result.outcome;
  if (outcome === undefined) return [result.role, 'failed', 'no outcome'];
  if (result.made) return [result.role, 'fixed', outcome.changes.join('; ')];
  return [result.role, outcome.decision === 'nothing' ? 'ok' : outcome.decision, outcome.note];
}

/** `2 instance profiles`, `1 role`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
