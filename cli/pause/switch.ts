/**
 * `pause` and `resume` in one account: the service's stack, found as `scan`, `fix` and `confirm` find it
 * (cli/ownership/deployed.ts: AutoInstanceProfile, else the StackSet's `StackSet-…` stack, in the partition's IAM
 * event region), its remediator (the `FunctionName` output) and that function's event source mappings; then each
 * mapping not yet as asked is switched (UpdateEventSourceMapping, Enabled) and read again until Lambda has settled it.
 */
import { CloudFormationServiceException } from '@aws-sdk/client-cloudformation';
import { LambdaClient, LambdaServiceException } from '@aws-sdk/client-lambda';
import type { Delivery } from '../../core/events.js';
import {
  EVENT_SOURCE_READ_PERMISSIONS,
  EVENT_SOURCE_WRITE_PERMISSIONS,
  readMappings,
  settledState,
  switchMapping,
} from '../../core/lambda/event-source-mappings.js';
import { STACK_NAME, STACK_OUTPUTS } from '../../core/pipeline-settings.js';
import { asServiceError, describeError } from '../errors.js';
import { DEPLOYED_RECORD_PERMISSIONS, findServiceStack, type RecordClientConfig } from '../ownership/deployed.js';
import { type DeliveryQueueUrls, type DeliveryView, deliveryView, labelOf, reached, type SwitchPlan } from './state.js';

/**
 * What `pause` calls: the stack's outputs (CloudFormation DescribeStacks), the remediator's mappings
 * (ListEventSourceMappings) and the switch (UpdateEventSourceMapping). `resume` calls the same.
 */
export const PAUSE_PERMISSIONS = [
  ...DEPLOYED_RECORD_PERMISSIONS,
  ...EVENT_SOURCE_READ_PERMISSIONS,
  ...EVENT_SOURCE_WRITE_PERMISSIONS,
] as const;

/** What `resume` calls: as {@link PAUSE_PERMISSIONS}. */
export const RESUME_PERMISSIONS = PAUSE_PERMISSIONS;

/** How long `pause` and `resume` wait for Lambda to settle the mappings (Disabling → Disabled, Enabling → Enabled). */
export const SETTLE_WAIT_SECONDS = 60;

/** How often they read the mappings while they wait. */
export const SETTLE_READ_INTERVAL_MS = 2000;

/** The service in one account: its stack, its remediator and its delivery queues. */
export interface ServiceTarget {
  readonly stack: string;
  /** The partition's IAM event region, where the stack is. */
  readonly region: string;
  readonly functionName: string;
  readonly queues: DeliveryQueueUrls;
}

/** The service found, with its mappings as read; or why there is nothing to switch. */
export type Located =
  | { readonly found: true; readonly target: ServiceTarget; readonly view: DeliveryView }
  | { readonly found: false; readonly why: string };

/** Finds the service's stack and reads its remediator's mappings. Errors are the SDK's own: the caller words them. */
export async function locateService(clientConfig: RecordClientConfig, stackName?: string): Promise<Located> {
  const found = await findServiceStack(clientConfig, stackName);
  const region = found?.region ?? clientConfig.region;
  if (found === undefined) {
    return {
      found: false,
      why: `the service is not installed: no ${stackName ?? `${STACK_NAME} stack, nor a StackSet's,`} in ${region}`,
    };
  }
  const { stack } = found;
  const functionName = stack.outputs[STACK_OUTPUTS.functionName];
  const settle = stack.outputs[STACK_OUTPUTS.queueUrl];
  const immediate = stack.outputs[STACK_OUTPUTS.deleteQueueUrl];
  if (!functionName || !settle || !immediate) {
    return {
      found: false,
      why: `stack ${stack.name} lacks the outputs FunctionName, QueueUrl and DeleteQueueUrl (a version before them): deploy this version`,
    };
  }
  const target: ServiceTarget = {
    stack: stack.name,
    region: found.region,
    functionName,
    queues: { settle, immediate },
  };
  const lambda = lambdaClient(clientConfig, found.region);
  try {
    return { found: true, target, view: deliveryView(target.queues, await readMappings(lambda, functionName)) };
  } finally {
    lambda.destroy();
  }
}

/** A Lambda client in the stack's region, with the account's credentials. */
export function lambdaClient(clientConfig: RecordClientConfig, region: string): LambdaClient {
  return new LambdaClient({ ...clientConfig, region });
}

/** One mapping of the function, before and after: the same state when it was not switched. */
export interface SwitchedMapping {
  readonly queue: Delivery | undefined;
  /** `settle queue`, `delete queue`, or `queue NAME` for a queue that is not the stack's. */
  readonly label: string;
  readonly queueName: string;
  readonly uuid: string;
  readonly before: string;
  readonly after: string;
  /** Why the switch failed (ResourceInUseException: the mapping was being changed), when it did. */
  readonly error?: string;
}

/** What came of `pause` or `resume` in one account. */
export type SwitchOutcome =
  /** Switched what needed it, and the service is as asked. */
  | 'done'
  /** It was as asked already: nothing switched. */
  | 'unchanged'
  /** The person answered no: nothing switched. */
  | 'declined'
  /** No stack of the service here. */
  | 'not-installed'
  /** Not as asked: a switch failed, a mapping is being deleted, or (resume) a queue has no mapping. */
  | 'incomplete';

/** The result in one account: what each mapping was and is, and the state they make now. */
export interface SwitchResult {
  readonly outcome: SwitchOutcome;
  readonly mappings: readonly SwitchedMapping[];
  readonly view: DeliveryView;
}

/** How to carry a plan out: how long to wait for Lambda, and a way to say so on a terminal. */
export interface CarryOutOptions {
  /** @default SETTLE_WAIT_SECONDS * 1000 */
  readonly waitMs?: number;
  /** @default SETTLE_READ_INTERVAL_MS */
  readonly intervalMs?: number;
  readonly signal?: AbortSignal | undefined;
  /** Called before each wait, with the mappings not settled yet. */
  readonly onWait?: (unsettled: number, seconds: number) => void;
}

/**
 * Switches every mapping the plan names, then reads the mappings until each switched one is settled (or the wait is
 * over). A switch Lambda refuses for the mapping's state (ResourceInUseException: being changed; ResourceNotFound:
 * deleted meanwhile) is that mapping's error; any other error is thrown.
 */
export async function carryOut(
  lambda: Pick<LambdaClient, 'send'>,
  target: ServiceTarget,
  plan: SwitchPlan,
  options: CarryOutOptions = {},
): Promise<SwitchResult> {
  const errors = new Map<string, string>();
  for (const entry of plan.toSwitch) {
    try {
      await switchMapping(lambda, entry.mapping.uuid, plan.target);
    } catch (error) {
      if (!refusedForItsState(error)) throw error;
      errors.set(entry.mapping.uuid, describeError(error));
    }
  }
  const switched = new Set(plan.toSwitch.map((entry) => entry.mapping.uuid).filter((uuid) => !errors.has(uuid)));
  const settled = settledState(plan.target);
  const waitMs = options.waitMs ?? SETTLE_WAIT_SECONDS * 1000;
  const intervalMs = options.intervalMs ?? SETTLE_READ_INTERVAL_MS;
  const started = Date.now();
  let view = deliveryView(target.queues, await readMappings(lambda, target.functionName));
  for (;;) {
    const unsettled = view.mappings.filter(
      (entry) => switched.has(entry.mapping.uuid) && entry.mapping.state !== settled,
    );
    if (unsettled.length === 0 || Date.now() - started >= waitMs || options.signal?.aborted === true) break;
    options.onWait?.(unsettled.length, Math.round((Date.now() - started) / 1000));
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    view = deliveryView(target.queues, await readMappings(lambda, target.functionName));
  }
  const before = new Map(plan.toSwitch.map((entry) => [entry.mapping.uuid, entry.mapping.state]));
  const mappings = view.mappings.map(
    (entry): SwitchedMapping => ({
      queue: entry.delivery,
      label: labelOf(entry),
      queueName: entry.queueName,
      uuid: entry.mapping.uuid,
      before: before.get(entry.mapping.uuid) ?? entry.mapping.state,
      after: entry.mapping.state,
      ...(errors.has(entry.mapping.uuid) ? { error: errors.get(entry.mapping.uuid) } : {}),
    }),
  );
  return { outcome: reached(view, plan.target) ? 'done' : 'incomplete', mappings, view };
}

/** The result of a plan not carried out (nothing to switch, or declined): the mappings as read. */
export function notCarriedOut(view: DeliveryView, plan: SwitchPlan, declined: boolean): SwitchResult {
  const mappings = view.mappings.map(
    (entry): SwitchedMapping => ({
      queue: entry.delivery,
      label: labelOf(entry),
      queueName: entry.queueName,
      uuid: entry.mapping.uuid,
      before: entry.mapping.state,
      after: entry.mapping.state,
    }),
  );
  const outcome: SwitchOutcome = declined ? 'declined' : reached(view, plan.target) ? 'unchanged' : 'incomplete';
  return { outcome, mappings, view };
}

/** Lambda refused a switch because of the mapping's state, not the caller's rights. */
function refusedForItsState(error: unknown): boolean {
  return (
    error instanceof LambdaServiceException &&
    ['ResourceInUseException', 'ResourceConflictException', 'ResourceNotFoundException'].includes(error.name)
  );
}

/**
 * The error a single-account command reports for a failed call of CloudFormation or Lambda: AWS out of reach, or an
 * answer that refuses the call (AccessDenied …), as one line, exit code 255 ({@link asServiceError}); anything else as
 * it is.
 */
export function asSwitchError(error: unknown): unknown {
  for (const [service, exception] of [
    ['CloudFormation', CloudFormationServiceException],
    ['Lambda', LambdaServiceException],
  ] as const) {
    const worded = asServiceError(error, service, exception);
    if (worded !== error) return worded;
  }
  return error;
}
