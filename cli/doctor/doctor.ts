/**
 * Runs the doctor's checks: reads what each needs (probes.ts) and decides (checks.ts). The checks that
 * need the stack's outputs wait for it; the others run side by side.
 */
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Delivery } from '../../core/events.js';
import {
  type CheckResult,
  callFailed,
  checkDeadLetterQueue,
  checkRegion,
  checkRule,
  checkStack,
  checkTrails,
  notRun,
  RULE_CHECKS,
  type StackOutputs,
} from './checks.js';
import { readQueueDepth, readRule, readStack, readTrails } from './probes.js';

/** What the doctor needs: the resolved region and one client per service, all for that region. */
export interface DoctorDeps {
  readonly region: string | undefined;
  readonly stackName: string;
  readonly cloudtrail: CloudTrailClient;
  readonly cloudformation: CloudFormationClient;
  readonly events: EventBridgeClient;
  readonly sqs: SQSClient;
}

/** Every delivery path has a rule of its own, each checked against its own pattern. */
const DELIVERIES = Object.keys(RULE_CHECKS) as Delivery[];

/** Runs every check and returns the results in report order. Never throws for an AWS error: it becomes a failed check. */
export async function runDoctor(deps: DoctorDeps): Promise<CheckResult[]> {
  const region = checkRegion(deps.region);
  if (deps.region === undefined) {
    return [
      region,
      notRun('trail', 'no region'),
      notRun('stack', 'no region'),
      ...DELIVERIES.map((delivery) => notRun(RULE_CHECKS[delivery].name, 'no region')),
      notRun('dead-letter-queue', 'no region'),
    ];
  }
  const [trail, stack] = await Promise.all([trailCheck(deps, deps.region), stackCheck(deps, deps.region)]);
  if (stack.outputs === undefined) {
    const why = `stack ${deps.stackName} not usable`;
    const rules = DELIVERIES.map((delivery) => notRun(RULE_CHECKS[delivery].name, why));
    return [region, trail, stack.result, ...rules, notRun('dead-letter-queue', why)];
  }
  const { outputs } = stack;
  const [rules, dlq] = await Promise.all([
    Promise.all(DELIVERIES.map((delivery) => ruleCheck(deps, outputs, delivery))),
    dlqCheck(deps, outputs),
  ]);
  return [region, trail, stack.result, ...rules, dlq];
}

async function trailCheck(deps: DoctorDeps, region: string): Promise<CheckResult> {
  try {
    return checkTrails(region, await readTrails(deps.cloudtrail));
  } catch (error) {
    return callFailed('trail', 'CloudTrail DescribeTrails', error);
  }
}

async function stackCheck(
  deps: DoctorDeps,
  region: string,
): Promise<{ readonly result: CheckResult; readonly outputs?: StackOutputs }> {
  try {
    return checkStack(deps.stackName, region, await readStack(deps.cloudformation, deps.stackName));
  } catch (error) {
    return { result: callFailed('stack', 'CloudFormation DescribeStacks', error) };
  }
}

async function ruleCheck(deps: DoctorDeps, outputs: StackOutputs, delivery: Delivery): Promise<CheckResult> {
  const { name, output } = RULE_CHECKS[delivery];
  try {
    return checkRule(outputs[output], await readRule(deps.events, outputs[output]), delivery);
  } catch (error) {
    return callFailed(name, 'EventBridge DescribeRule', error);
  }
}

async function dlqCheck(deps: DoctorDeps, outputs: StackOutputs): Promise<CheckResult> {
  try {
    return checkDeadLetterQueue(await readQueueDepth(deps.sqs, outputs.deadLetterQueueUrl));
  } catch (error) {
    return callFailed('dead-letter-queue', 'SQS GetQueueAttributes', error);
  }
}
