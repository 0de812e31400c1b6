/**
 * Starting the deployed service's reconcile pass now: what `fix` does, in an account where the service is installed
 * and `fix` cannot record what it would make (`fix --org`, whose member role is not granted the ownership table;
 * `fix` where the stack has no operator role). The service then decides each role with its own settings and records
 * what it makes, so that it can release it on the role's delete-role; a profile `fix` made there unrecorded, it never
 * could.
 *
 * One asynchronous invocation (InvocationType `Event`) of the stack's reconcile function (its `ReconcileFunctionName`
 * output), which reads no input. The grant is conditioned on the tag the stack puts on that function alone
 * ({@link RECONCILE_FUNCTION_TAG}): Lambda authorises InvokeFunction on `aws:ResourceTag/…` (the Lambda Developer
 * Guide, "Secure your functions by tag"), so the caller may start no other function of the account.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { IamCondition } from '../iam/permissions.js';

/** The part of a Lambda client this module calls. */
export type LambdaSender = Pick<LambdaClient, 'send'>;

/** The tag the stack puts on its reconcile function: the one function the grant below reaches. */
export const RECONCILE_FUNCTION_TAG = { key: 'auto-instance-profile:function', value: 'reconcile' } as const;

/** What starting the pass calls. */
export const RECONCILE_NOW_PERMISSIONS = ['lambda:InvokeFunction'] as const;

/** The condition the grant carries: only a function tagged as the service's reconcile function. */
export const RECONCILE_FUNCTION_ONLY: IamCondition = {
  test: 'StringEquals',
  key: `aws:ResourceTag/${RECONCILE_FUNCTION_TAG.key}`,
  value: RECONCILE_FUNCTION_TAG.value,
};

/**
 * Starts the reconcile function `functionName` (a name or an ARN) once, asynchronously: Lambda queues the invocation
 * and answers 202 at once; the pass runs on its own, with its own retries. Errors are the SDK's.
 */
export async function reconcileNow(lambda: LambdaSender, functionName: string): Promise<void> {
  await lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event' }));
}
