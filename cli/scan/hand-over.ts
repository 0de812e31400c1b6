/**
 * `fix` hands over to the service: in an account where the service is installed and `fix` cannot record what it would
 * make, it makes nothing and starts the service's reconcile pass instead (core/lambda/reconcile-now.ts). A profile
 * made there unrecorded would be one the service can never prove its own, so it would not release it on the role's
 * delete-role; the pass decides each role with the service's own settings and records what it makes.
 *
 * `fix` cannot record where its credentials cannot write the stack's ownership record: with `--org` (the member role
 * is not granted the table), and in one account when the stack has no operator role (or is of a version before the
 * record). Where the service is not installed, `fix` acts itself, as there is no service to prove anything.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { reconcileNow } from '../../core/lambda/reconcile-now.js';
import type { ScanReport } from '../../core/scan.js';
import { asAwsAccessError, describeError } from '../errors.js';
import type { DeployedRecord, RecordClientConfig } from '../ownership/deployed.js';
import type { ScanRow } from './report.js';

/** How `fix` gets an account's missing roles their profiles: it makes them, or the service does. */
export type FixRoute =
  | { readonly kind: 'direct' }
  | {
      readonly kind: 'hand-over';
      /** The service's stack, and the region it (and its reconcile function) is in. */
      readonly stack: string;
      readonly region: string;
      /** The stack's `ReconcileFunctionName`; undefined for a stack of a version without the output. */
      readonly functionName: string | undefined;
    };

/**
 * The route in an account: direct where the service is not installed (`deployed` undefined), or where `fix` records
 * what it makes (`recording`: the single-account `fix` through the stack's operator role); else hand-over. Pure.
 */
export function fixRoute(deployed: DeployedRecord | undefined, recording: boolean): FixRoute {
  if (deployed === undefined || recording) return { kind: 'direct' };
  return {
    kind: 'hand-over',
    stack: deployed.stack,
    region: deployed.region,
    functionName: deployed.reconcileFunctionName,
  };
}

/** Whether the single-account `fix` can record what it makes: the stack has its record and an operator role. */
export function recordsItself(deployed: DeployedRecord | undefined): boolean {
  return deployed?.tableName !== undefined && deployed.operatorRoleArn !== undefined;
}

/**
 * What handing an account's missing roles over came to: the function started and the number of roles, or why it was
 * not started (`error`; then the roles are left undone).
 */
export interface HandOver {
  readonly functionName: string | undefined;
  readonly roles: number;
  readonly error?: string;
}

/** A Lambda client for the hand-over, in the stack's region with the account's credentials. */
export type LambdaFactory = (clientConfig: RecordClientConfig) => Pick<LambdaClient, 'send' | 'destroy'>;

const defaultLambda: LambdaFactory = (clientConfig) => new LambdaClient(clientConfig);

/**
 * Starts the stack's reconcile pass for the report's missing roles (nothing when none is missing), in the stack's
 * region, with the account's credentials (`clientConfig`). A refusal or a missing function is the result's `error`;
 * an AwsAccessError (credentials gone, AWS out of reach) is thrown, as for the IAM calls.
 */
export async function handOver(
  report: ScanReport,
  route: Extract<FixRoute, { kind: 'hand-over' }>,
  clientConfig: RecordClientConfig,
  lambdaOf: LambdaFactory = defaultLambda,
): Promise<HandOver> {
  const roles = report.missing.length;
  const { functionName } = route;
  if (functionName === undefined) {
    return {
      functionName,
      roles,
      error:
        `stack ${route.stack} names no reconcile function (ReconcileFunctionName), so fix cannot hand its roles over ` +
        'to the service, and makes nothing the service could not prove: update the stack',
    };
  }
  const lambda = lambdaOf({ ...clientConfig, region: route.region });
  try {
    await reconcileNow(lambda, functionName);
    return { functionName, roles };
  } catch (error) {
    const access = asAwsAccessError(error, 'Invoke');
    if (access !== undefined) throw access;
    return { functionName, roles, error: `reconcile not started: ${describeError(error)}` };
  } finally {
    lambda.destroy();
  }
}

/** What the rows say of a role handed over. */
export const HANDED_OVER_DETAIL = 'handed over to the service (reconcile started)';

/** The rows of the roles handed over (or not, with the reason), as `fix` reports its results. */
export function handOverRows(report: ScanReport, result: HandOver): ScanRow[] {
  return report.missing.map(
    ({ roleName }): ScanRow =>
      result.error === undefined ? [roleName, 'handed-over', HANDED_OVER_DETAIL] : [roleName, 'failed', result.error],
  );
}

/** The roles a hand-over settled: all of them once the pass is started, none otherwise. */
export function handedOverRoles(result: HandOver | undefined): number {
  return result === undefined || result.error !== undefined ? 0 : result.roles;
}

/** The `--json` field of an account's hand-over: `{ functionName, roles }`, with `error` when not started. */
export function handOverField(result: HandOver | undefined): { readonly handedOver?: HandOver } {
  return result === undefined ? {} : { handedOver: result };
}
