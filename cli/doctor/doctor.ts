/**
 * Runs the doctor's checks: reads what each needs (probes.ts) and decides (checks.ts). The checks that
 * need the stack's outputs wait for it; the others run side by side. A call that fails because AWS cannot
 * be reached as the caller stops the doctor (exit code 255); any other failed call leaves its check not
 * checked.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Config } from '../../core/config.js';
import type { Delivery } from '../../core/events.js';
import { STACK_NAME, STACK_SET_INSTANCE_PREFIX } from '../../core/pipeline-settings.js';
import { asAwsAccessError } from '../errors.js';
import {
  type CheckName,
  type CheckResult,
  callFailed,
  checkDeadLetterQueue,
  checkEventSources,
  checkInstanceProfiles,
  checkOwnership,
  checkRegion,
  checkRule,
  checkServiceStack,
  checkTrails,
  notChecked,
  RULE_CHECKS,
  type StackOutputs,
} from './checks.js';
import {
  readEventSources,
  readFunctionSettings,
  readInstanceProfileUsage,
  readOwnership,
  readQueueDelay,
  readQueueDepth,
  readRule,
  readStack,
  readStacksNamed,
  readTrails,
} from './probes.js';

/** What the doctor needs: the resolved region and one client per service, all for that region. */
export interface DoctorDeps {
  readonly region: string;
  /** The stack `--stack-name` asked for; undefined to find the single-account stack or the StackSet's. */
  readonly stackName: string | undefined;
  readonly cloudtrail: CloudTrailClient;
  readonly cloudformation: CloudFormationClient;
  readonly events: EventBridgeClient;
  readonly sqs: SQSClient;
  readonly iam: IAMClient;
  /** For the event-sources check (the remediator's mappings) and the report's settings (its environment). */
  readonly lambda: LambdaClient;
  /** For the event-sources check: the age of the oldest event that waits while paused. */
  readonly cloudwatch: CloudWatchClient;
  /** For the ownership check; without it the check is not run (doctor --org's member accounts). */
  readonly dynamodb?: DynamoDBClient | undefined;
}

/** The doctor's clients, one per service, and a way to close them all. */
export interface DoctorClients extends Omit<DoctorDeps, 'region' | 'stackName'> {
  destroy(): void;
}

/**
 * The doctor's clients for one account and region. Without a configured endpoint the SQS client sends each
 * call to its QueueUrl's host, as on AWS.
 */
export function doctorClients(
  config: { readonly region: string; readonly profile?: string; readonly credentials?: AwsCredentialIdentity },
  customSqsEndpoint: boolean,
): DoctorClients {
  const clients = {
    cloudtrail: new CloudTrailClient(config),
    cloudformation: new CloudFormationClient(config),
    events: new EventBridgeClient(config),
    iam: new IAMClient(config),
    sqs: new SQSClient({ ...config, useQueueUrlAsEndpoint: !customSqsEndpoint }),
    lambda: new LambdaClient(config),
    cloudwatch: new CloudWatchClient(config),
    dynamodb: new DynamoDBClient(config),
  };
  return {
    ...clients,
    destroy: () => {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}

/** The checks in report order, the stack they read, and its outputs when it could be read. */
export interface DoctorReport {
  readonly checks: readonly CheckResult[];
  /** The stack found (or looked for): the requested one, AutoInstanceProfile, or the StackSet's `StackSet-…`. */
  readonly stackName: string;
  readonly outputs?: StackOutputs;
  /** The stack's parameters, when it could be read (a StackSet's stack holds its settings per OU there). */
  readonly parameters?: Readonly<Record<string, string>> | undefined;
  /**
   * The deployed remediator's settings, as it reads them from its environment: which roles it serves (`selection`),
   * whether it changes anything (`dryRun`). Undefined when the stack or the function could not be read; not a check.
   */
  readonly settings?: Pick<Config, 'selection' | 'dryRun'> | undefined;
}

/** Every delivery path has a rule of its own, each checked against its own pattern. */
const DELIVERIES = Object.keys(RULE_CHECKS) as Delivery[];

/** Runs every check. Throws only an AwsAccessError; other AWS errors leave their check not checked. */
export async function runDoctor(deps: DoctorDeps): Promise<DoctorReport> {
  const region = checkRegion(deps.region);
  const [trail, stack, profiles] = await Promise.all([
    attempt('trail', 'CloudTrail DescribeTrails', async () =>
      checkTrails(deps.region, await readTrails(deps.cloudtrail)),
    ),
    attemptStack(deps),
    attempt('instance-profiles', 'IAM GetAccountSummary', async () => {
      const usage = await readInstanceProfileUsage(deps.iam);
      return usage === undefined
        ? notChecked('instance-profiles', 'GetAccountSummary reported no instance profile count or quota')
        : checkInstanceProfiles(usage);
    }),
  ]);
  if (stack.outputs === undefined) {
    const why = `the stack check did not pass`;
    const rules = DELIVERIES.map((delivery) => notChecked(RULE_CHECKS[delivery].name, why));
    const ownership = deps.dynamodb === undefined ? [] : [notChecked('ownership', why)];
    return {
      checks: [
        region,
        trail,
        stack.result,
        ...rules,
        notChecked('event-sources', why),
        notChecked('dead-letter-queue', why),
        profiles,
        ...ownership,
      ],
      stackName: stack.stackName,
      parameters: stack.parameters,
    };
  }
  const { outputs } = stack;
  const [rules, eventSources, dlq, ownership, settings] = await Promise.all([
    Promise.all(
      DELIVERIES.map((delivery) => {
        const { name, output } = RULE_CHECKS[delivery];
        return attempt(name, 'EventBridge DescribeRule', async () =>
          checkRule(outputs[output], await readRule(deps.events, outputs[output]), delivery),
        );
      }),
    ),
    attempt('event-sources', 'Lambda ListEventSourceMappings', async () =>
      checkEventSources(
        await readEventSources(deps, outputs.functionName, {
          settle: outputs.queueUrl,
          immediate: outputs.deleteQueueUrl,
        }),
      ),
    ),
    attempt('dead-letter-queue', 'SQS GetQueueAttributes', async () =>
      checkDeadLetterQueue(await readQueueDepth(deps.sqs, outputs.deadLetterQueueUrl)),
    ),
    deps.dynamodb === undefined ? undefined : attemptOwnership(deps.dynamodb, deps.iam, outputs.ownershipTableName),
    attemptSettings(deps.lambda, outputs.functionName),
  ]);
  return {
    checks: [
      region,
      trail,
      stack.result,
      ...rules,
      eventSources,
      dlq,
      profiles,
      ...(ownership === undefined ? [] : [ownership]),
    ],
    stackName: stack.stackName,
    outputs,
    parameters: stack.parameters,
    settings,
  };
}

/** The remediator's settings, or undefined when they cannot be read (refused, or a value the function would refuse). */
async function attemptSettings(
  lambda: LambdaClient,
  functionName: string,
): Promise<Pick<Config, 'selection' | 'dryRun'> | undefined> {
  try {
    const { selection, dryRun } = await readFunctionSettings(lambda, functionName);
    return { selection, dryRun };
  } catch {
    // A report line, not a check: a caller without lambda:GetFunctionConfiguration still gets every check.
    return undefined;
  }
}

/** The ownership check: a table the stack names that does not exist fails it; a refused call leaves it not checked. */
async function attemptOwnership(dynamodb: DynamoDBClient, iam: IAMClient, tableName: string): Promise<CheckResult> {
  try {
    return checkOwnership(await readOwnership(dynamodb, iam, tableName));
  } catch (error) {
    if (error instanceof ResourceNotFoundException) {
      return {
        name: 'ownership',
        status: 'failed',
        detail: `the stack's ownership table ${tableName} does not exist: the service can prove nothing ours (npm run deploy restores it)`,
      };
    }
    const access = asAwsAccessError(error, 'Scan');
    if (access !== undefined) throw access;
    return callFailed('ownership', 'DynamoDB Scan, IAM ListInstanceProfiles or GetInstanceProfile', error);
  }
}

/**
 * The deployed queue's settle delay (DelaySeconds), for the smoke test's wait; undefined when the queue
 * cannot be read. Throws only an AwsAccessError.
 */
export async function readSettleDelay(sqs: SQSClient, outputs: StackOutputs | undefined): Promise<number | undefined> {
  if (outputs === undefined) return undefined;
  try {
    return await readQueueDelay(sqs, outputs.queueUrl);
  } catch (error) {
    const access = asAwsAccessError(error, 'GetQueueAttributes');
    if (access !== undefined) throw access;
    return undefined;
  }
}

async function attempt(name: CheckName, call: string, check: () => Promise<CheckResult>): Promise<CheckResult> {
  try {
    return await check();
  } catch (error) {
    const access = asAwsAccessError(error, call.split(' ')[1] ?? call);
    if (access !== undefined) throw access;
    return callFailed(name, call, error);
  }
}

async function attemptStack(deps: DoctorDeps): Promise<ReturnType<typeof checkServiceStack>> {
  try {
    const named = await readStack(deps.cloudformation, deps.stackName ?? STACK_NAME);
    // Only when nothing was asked for and the single-account stack is absent: the StackSet's stack has a generated name.
    const stackSetStacks =
      deps.stackName === undefined && named === undefined
        ? await readStacksNamed(deps.cloudformation, STACK_SET_INSTANCE_PREFIX)
        : [];
    return checkServiceStack(deps.region, { requested: deps.stackName, named, stackSetStacks });
  } catch (error) {
    const access = asAwsAccessError(error, 'DescribeStacks');
    if (access !== undefined) throw access;
    return {
      result: callFailed('stack', 'CloudFormation DescribeStacks', error),
      stackName: deps.stackName ?? STACK_NAME,
    };
  }
}
