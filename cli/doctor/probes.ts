/**
 * The doctor's reads: one small function per AWS fact, each taking its client. Read-only calls only,
 * so the doctor is safe to run with a read-only role.
 */

import {
  type CloudFormationClient,
  DescribeStacksCommand,
  paginateDescribeStacks,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import {
  type CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DescribeRuleCommand, type EventBridgeClient, ResourceNotFoundException } from '@aws-sdk/client-eventbridge';
import type { IAMClient } from '@aws-sdk/client-iam';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { type Config, loadConfig } from '../../core/config.js';
import { OWNERSHIP_SCAN_PERMISSIONS, OwnershipTable } from '../../core/dynamodb/ownership-table.js';
import type { Delivery } from '../../core/events.js';
import { readProfileUsage } from '../../core/iam/account-summary.js';
import { type ListedProfile, listProfilePages } from '../../core/iam/list-account.js';
import { readProfile } from '../../core/iam/read-state.js';
import { queueNameOfUrl, readMappings } from '../../core/lambda/event-source-mappings.js';
import { mapBounded } from '../../core/map-bounded.js';
import { type OwnershipRecord, proveOwnership } from '../../core/ownership.js';
import { describeError } from '../errors.js';
import { DELIVERY_QUEUES, type DeliveryQueueUrls, deliveryView } from '../pause/state.js';
import type {
  EventSourceFacts,
  InstanceProfileUsage,
  OwnershipFacts,
  QueueDepth,
  QueueWaiting,
  RuleFacts,
  StackFacts,
  TrailFacts,
} from './checks.js';

/**
 * What the ownership check reads besides {@link DOCTOR_PERMISSIONS}: every record (DynamoDB Scan on the stack's
 * table), every profile (ListInstanceProfiles), and the tags of each profile no record names by its id
 * (GetInstanceProfile). Only `doctor` in the account runs it: `doctor --org` leaves it out, and its member role
 * is not granted these.
 */
export const OWNERSHIP_CHECK_PERMISSIONS = [
  ...OWNERSHIP_SCAN_PERMISSIONS.map((permission) => permission.action),
  'iam:ListInstanceProfiles',
  'iam:GetInstanceProfile',
] as const;

/** Profiles whose tags the ownership check reads at once. */
export const TAG_READ_CONCURRENCY = 8;

/** The actions these reads call: declared in core/, where the organization's member role is granted them too. */
export { DOCTOR_PERMISSIONS } from '../../core/doctor-permissions.js';

/**
 * Every trail that applies to the client's region, shadow trails (multi-region trails homed elsewhere)
 * included, with each one's logging status and event selectors. A trail whose status or selectors cannot
 * be read (an organization trail seen from a member account, say) keeps the error instead.
 */
export async function readTrails(cloudtrail: CloudTrailClient): Promise<TrailFacts[]> {
  const { trailList = [] } = await cloudtrail.send(new DescribeTrailsCommand({ includeShadowTrails: true }));
  return Promise.all(trailList.map((trail) => readTrail(cloudtrail, trail)));
}

async function readTrail(cloudtrail: CloudTrailClient, trail: Trail): Promise<TrailFacts> {
  const name = trail.Name ?? trail.TrailARN ?? 'unnamed';
  // A shadow trail is addressed by its ARN; the name alone resolves only in its home region.
  const id = trail.TrailARN ?? name;
  const base = {
    name,
    arn: trail.TrailARN,
    homeRegion: trail.HomeRegion,
    multiRegion: trail.IsMultiRegionTrail === true,
    includeGlobalServiceEvents: trail.IncludeGlobalServiceEvents !== false,
  };
  try {
    const [status, selectors] = await Promise.all([
      cloudtrail.send(new GetTrailStatusCommand({ Name: id })),
      cloudtrail.send(new GetEventSelectorsCommand({ TrailName: id })),
    ]);
    return {
      ...base,
      logging: status.IsLogging === true,
      eventSelectors: selectors.EventSelectors,
      advancedEventSelectors: selectors.AdvancedEventSelectors,
    };
  } catch (error) {
    return { ...base, error: `its status could not be read (${describeError(error)})` };
  }
}

/** The stack, or undefined when it does not exist. */
export async function readStack(
  cloudformation: CloudFormationClient,
  stackName: string,
): Promise<StackFacts | undefined> {
  try {
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = Stacks[0];
    return stack === undefined ? undefined : stackFacts(stack, stackName);
  } catch (error) {
    // CloudFormation answers a missing stack with a generic ValidationError; only its message tells.
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/.test(error.message)) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Every stack of the region whose name starts with `prefix`, with its outputs: DescribeStacks without a name,
 * page by page (it lists the stacks that are not deleted).
 */
export async function readStacksNamed(cloudformation: CloudFormationClient, prefix: string): Promise<StackFacts[]> {
  const found: StackFacts[] = [];
  for await (const page of paginateDescribeStacks({ client: cloudformation }, {})) {
    for (const stack of page.Stacks ?? []) {
      if (stack.StackName?.startsWith(prefix)) found.push(stackFacts(stack, stack.StackName));
    }
  }
  return found;
}

function stackFacts(stack: Stack, stackName: string): StackFacts {
  const outputs: Record<string, string> = {};
  for (const { OutputKey, OutputValue } of stack.Outputs ?? []) {
    if (OutputKey !== undefined && OutputValue !== undefined) outputs[OutputKey] = OutputValue;
  }
  const parameters: Record<string, string> = {};
  for (const { ParameterKey, ParameterValue } of stack.Parameters ?? []) {
    if (ParameterKey !== undefined && ParameterValue !== undefined) parameters[ParameterKey] = ParameterValue;
  }
  return {
    name: stack.StackName ?? stackName,
    status: stack.StackStatus ?? 'UNKNOWN',
    statusReason: stack.StackStatusReason,
    outputs,
    parameters,
  };
}

/** The rule on the default event bus, or undefined when it does not exist. */
export async function readRule(events: EventBridgeClient, ruleName: string): Promise<RuleFacts | undefined> {
  try {
    const rule = await events.send(new DescribeRuleCommand({ Name: ruleName }));
    return { name: rule.Name ?? ruleName, state: rule.State, eventPattern: rule.EventPattern, arn: rule.Arn };
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/** The queue's approximate message counts. */
export async function readQueueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'QueueArn',
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return {
    url: queueUrl,
    arn: Attributes.QueueArn,
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
  };
}

/** The queue's DelaySeconds: the settle delay the stack deployed. */
/** The deployed remediator's settings, read from its environment by the functions' own reader (core/config.ts). */
export async function readFunctionSettings(lambda: LambdaClient, functionName: string): Promise<Config> {
  const answer = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
  return loadConfig(answer.Environment?.Variables ?? {});
}

export async function readQueueDelay(sqs: SQSClient, queueUrl: string): Promise<number | undefined> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['DelaySeconds'] }),
  );
  const delay = Number(Attributes.DelaySeconds);
  return Attributes.DelaySeconds === undefined || !Number.isFinite(delay) ? undefined : delay;
}

/** The account's instance profiles against their quota (GetAccountSummary), or undefined when IAM does not say. */
export async function readInstanceProfileUsage(iam: IAMClient): Promise<InstanceProfileUsage | undefined> {
  const usage = await readProfileUsage(iam);
  return usage === 'unknown' ? undefined : usage;
}

/**
 * The ownership record and the profiles tagged as ours it does not prove. Reads every record, then lists the
 * profiles; a profile the record names by its id is proven without a call, any other one is read
 * ({@link TAG_READ_CONCURRENCY} at once) to see whether it is tagged as ours, and proven by an intent. An account's
 * own console profiles are many: each costs one GetInstanceProfile.
 */
export async function readOwnership(
  dynamodb: DynamoDBClient,
  iam: IAMClient,
  tableName: string,
): Promise<OwnershipFacts> {
  const byName = new Map<string, OwnershipRecord>();
  let intents = 0;
  for await (const page of new OwnershipTable(dynamodb, tableName).pages()) {
    for (const record of page) {
      byName.set(record.profileName.toLowerCase(), record);
      intents += record.intents.length;
    }
  }
  let profiles = 0;
  const toRead: ListedProfile[] = [];
  for await (const page of listProfilePages(iam)) {
    for (const profile of page) {
      profiles++;
      if (byName.get(profile.name.toLowerCase())?.owned?.profileId !== profile.id) toRead.push(profile);
    }
  }
  const found = await mapBounded(toRead, TAG_READ_CONCURRENCY, async (listed) => {
    const profile = await readProfile(iam, listed.name);
    if (profile === 'absent') return [];
    const proof = proveOwnership(byName.get(profile.name.toLowerCase()) ?? 'absent', profile);
    return !proof.proven && proof.why !== 'not-tagged' ? [profile.name] : [];
  });
  return { tableName, records: byName.size, intents, profiles, tagReads: toRead.length, unrecorded: found.flat() };
}

/**
 * The remediator's event source mappings (ListEventSourceMappings); while they are not all polling, also each delivery
 * queue's messages and retention (GetQueueAttributes) and the age of its oldest message (CloudWatch GetMetricData,
 * ApproximateAgeOfOldestMessage): what a pause has kept waiting. A failure of those two reads is kept in the facts; a
 * failure to list the mappings is thrown.
 */
export async function readEventSources(
  clients: {
    readonly lambda: Pick<LambdaClient, 'send'>;
    readonly sqs: Pick<SQSClient, 'send'>;
    readonly cloudwatch: Pick<CloudWatchClient, 'send'>;
  },
  functionName: string,
  queues: DeliveryQueueUrls,
  now: Date = new Date(),
): Promise<EventSourceFacts> {
  const mappings = await readMappings(clients.lambda, functionName);
  const base = { functionName, queues, mappings, now };
  if (deliveryView(queues, mappings).state.kind === 'running') return base;
  const [waiting, oldest] = await Promise.all([
    perQueue(async (delivery) => readQueueWaiting(clients.sqs, queues[delivery])).catch((error: unknown) => ({
      error: describeError(error),
    })),
    readOldestAges(clients.cloudwatch, queues, now).catch((error: unknown) => ({ error: describeError(error) })),
  ]);
  return { ...base, waiting, oldest };
}

/** A queue's messages, visible, delayed and in flight, and its MessageRetentionPeriod. */
export async function readQueueWaiting(sqs: Pick<SQSClient, 'send'>, queueUrl: string): Promise<QueueWaiting> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
        'MessageRetentionPeriod',
      ],
    }),
  );
  const retention = Number(Attributes.MessageRetentionPeriod);
  return {
    url: queueUrl,
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed ?? 0),
    retentionSeconds:
      Attributes.MessageRetentionPeriod === undefined || !Number.isFinite(retention) ? undefined : retention,
  };
}

/** How far back the oldest message's age is looked for: SQS publishes it each minute while a queue is active. */
export const OLDEST_AGE_WINDOW_MINUTES = 15;

/**
 * Each queue's ApproximateAgeOfOldestMessage in seconds, its latest one-minute maximum in the last
 * {@link OLDEST_AGE_WINDOW_MINUTES} minutes (one GetMetricData for both queues); undefined where CloudWatch has none.
 */
export async function readOldestAges(
  cloudwatch: Pick<CloudWatchClient, 'send'>,
  queues: DeliveryQueueUrls,
  now: Date,
): Promise<Record<Delivery, number | undefined>> {
  const answer = await cloudwatch.send(
    new GetMetricDataCommand({
      StartTime: new Date(now.getTime() - OLDEST_AGE_WINDOW_MINUTES * 60_000),
      EndTime: now,
      ScanBy: 'TimestampDescending',
      MetricDataQueries: DELIVERY_QUEUES.map((delivery) => ({
        Id: delivery,
        MetricStat: {
          Metric: {
            Namespace: 'AWS/SQS',
            MetricName: 'ApproximateAgeOfOldestMessage',
            Dimensions: [{ Name: 'QueueName', Value: queueNameOfUrl(queues[delivery]) }],
          },
          Period: 60,
          Stat: 'Maximum',
        },
        ReturnData: true,
      })),
    }),
  );
  const latest = (delivery: Delivery) =>
    answer.MetricDataResults?.find((result) => result.Id === delivery)?.Values?.[0] ?? undefined;
  return { settle: latest('settle'), immediate: latest('immediate') };
}

async function perQueue<T>(read: (delivery: Delivery) => Promise<T>): Promise<Record<Delivery, T>> {
  const [settle, immediate] = await Promise.all([read('settle'), read('immediate')]);
  return { settle, immediate };
}
