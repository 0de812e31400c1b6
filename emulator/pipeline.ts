/**
 * The stack's delivery pipeline, created in moto for the sandbox and the tests: one EventBridge rule per
 * delivery path, each from the stack's own pattern for its account (core/event-pattern.ts), each into an SQS queue of its
 * own: the settle path's queue holds CreateRole and UpdateAssumeRolePolicy for the settle delay, the
 * immediate path's queue passes DeleteRole (and DeleteRole failed with DeleteConflictException) on at once.
 * Both queues redrive to one DLQ, which also takes what EventBridge cannot deliver, as in the stack.
 */
import { type CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { type EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { accountEventPatterns } from '../core/event-pattern.js';
import type { Delivery } from '../core/events.js';
import {
  DLQ_RETENTION_DAYS,
  MAX_RECEIVE_COUNT,
  OPTIONAL_STACK_OUTPUTS,
  QUEUE_RETENTION_DAYS,
  STACK_NAME,
  STACK_OUTPUTS,
} from '../core/pipeline-settings.js';
import { SETTINGS } from '../core/settings.js';
import { EmulatorError } from './errors.js';

/** The delivery paths, in the order they are created and reported. */
export const DELIVERIES: readonly Delivery[] = ['settle', 'immediate'];

/** What each path's rule and queue add to the pipeline's name: the delete path's are `<name>-delete`. */
export const PATH_NAME_SUFFIX: Readonly<Record<Delivery, string>> = { settle: '', immediate: '-delete' };

/** One delivery path: a rule with the path's pattern, and the queue it sends to. */
export interface DeliveryPath {
  readonly delivery: Delivery;
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  /** The queue's DelaySeconds: the settle delay on the settle path, 0 on the immediate path. */
  readonly delaySeconds: number;
}

/** What the pipeline is made of. */
export interface SandboxPipeline {
  /** The settle path's rule (the stack's `RuleName` output). */
  readonly ruleName: string;
  readonly ruleArn: string;
  /** The settle path's queue (the stack's `QueueUrl` output). */
  readonly queueUrl: string;
  readonly queueArn: string;
  /** Both paths; the immediate one is the stack's `DeleteRuleName` and `DeleteQueueUrl`. */
  readonly paths: Readonly<Record<Delivery, DeliveryPath>>;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

/** How to make it. */
export interface PipelineSettings {
  /** The settle path's rule and queue name; the delete path's add `-delete`, the DLQ `-dlq`. */
  readonly name: string;
  /** The settle queue's DelaySeconds. The delete queue has none. */
  readonly settleDelaySeconds: number;
  /** Both queues' visibility timeout. */
  readonly visibilityTimeoutSeconds: number;
}

const SECONDS_PER_DAY = 24 * 60 * 60;

/** The DLQ's attributes: kept as long as SQS allows, like the stack's. */
export function deadLetterQueueAttributes(): Record<string, string> {
  return { MessageRetentionPeriod: String(DLQ_RETENTION_DAYS * SECONDS_PER_DAY), SqsManagedSseEnabled: 'true' };
}

/**
 * A path's queue attributes: its delay (the settle delay, or none on the immediate path), the visibility
 * timeout, the stack's retention (events wait out a pause) and its redrive policy to the DLQ.
 */
export function queueAttributes(
  settings: PipelineSettings,
  deadLetterQueueArn: string,
  delivery: Delivery = 'settle',
): Record<string, string> {
  if (
    !Number.isInteger(settings.settleDelaySeconds) ||
    settings.settleDelaySeconds < 0 ||
    settings.settleDelaySeconds > SETTINGS.settleDelay.max
  ) {
    throw new EmulatorError(`the settle delay must be 0 to ${SETTINGS.settleDelay.max} seconds`);
  }
  return {
    DelaySeconds: String(delivery === 'settle' ? settings.settleDelaySeconds : 0),
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    MessageRetentionPeriod: String(QUEUE_RETENTION_DAYS * SECONDS_PER_DAY),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
    SqsManagedSseEnabled: 'true',
  };
}

/**
 * The queue policy that lets the given rules, and only them, send to a queue (moto does not enforce it;
 * AWS does). A path's queue takes its own rule; the DLQ takes both, for the events they cannot deliver.
 */
export function queuePolicy(queueArn: string, ruleArns: string | readonly string[]): string {
  const sources = typeof ruleArns === 'string' ? [ruleArns] : [...ruleArns];
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowTheRule',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': sources.length === 1 ? sources[0] : sources } },
      },
    ],
  });
}

/** Creates the DLQ, then each path's queue, rule and target, and returns what they are. */
export async function createPipeline(
  clients: { readonly sqs: SQSClient; readonly events: EventBridgeClient },
  settings: PipelineSettings,
): Promise<SandboxPipeline> {
  const { sqs, events } = clients;
  const deadLetter = await createQueue(sqs, `${settings.name}-dlq`, deadLetterQueueAttributes());
  const created: DeliveryPath[] = [];
  for (const delivery of DELIVERIES) {
    created.push(await createPath(clients, settings, delivery, deadLetter.arn));
  }
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: deadLetter.url,
      Attributes: {
        Policy: queuePolicy(
          deadLetter.arn,
          created.map((path) => path.ruleArn),
        ),
      },
    }),
  );
  // As in the stack, events EventBridge cannot deliver to a queue go to the same DLQ.
  for (const path of created) {
    const targets = await events.send(
      new PutTargetsCommand({
        Rule: path.ruleName,
        Targets: [{ Id: 'remediator-queue', Arn: path.queueArn, DeadLetterConfig: { Arn: deadLetter.arn } }],
      }),
    );
    if ((targets.FailedEntryCount ?? 0) > 0) {
      throw new EmulatorError(`PutTargets ${path.ruleName} failed: ${JSON.stringify(targets.FailedEntries)}`);
    }
  }
  const [settle, immediate] = created;
  if (settle === undefined || immediate === undefined) throw new EmulatorError('a delivery path was not created');
  return {
    ruleName: settle.ruleName,
    ruleArn: settle.ruleArn,
    queueUrl: settle.queueUrl,
    queueArn: settle.queueArn,
    paths: { settle, immediate },
    deadLetterQueueUrl: deadLetter.url,
    deadLetterQueueArn: deadLetter.arn,
  };
}

/** One path: its queue with the path's delay, and its rule with the path's pattern; the target comes later. */
async function createPath(
  clients: { readonly sqs: SQSClient; readonly events: EventBridgeClient },
  settings: PipelineSettings,
  delivery: Delivery,
  deadLetterQueueArn: string,
): Promise<DeliveryPath> {
  const name = `${settings.name}${PATH_NAME_SUFFIX[delivery]}`;
  const attributes = queueAttributes(settings, deadLetterQueueArn, delivery);
  const queue = await createQueue(clients.sqs, name, attributes);
  // The stack's patterns name its own account; here, the account moto made the queue in.
  const account = queue.arn.split(':')[4];
  if (account === undefined || !/^\d{12}$/.test(account))
    throw new EmulatorError(`queue ${name} has no account in its ARN`);
  const { RuleArn } = await clients.events.send(
    new PutRuleCommand({
      Name: name,
      EventPattern: JSON.stringify(accountEventPatterns(account)[delivery]),
      State: 'ENABLED',
      Description: `auto-instance-profile, emulated: the stack's ${delivery} rule, from core/event-pattern.ts`,
    }),
  );
  if (RuleArn === undefined) throw new EmulatorError(`PutRule ${name} returned no ARN`);
  await clients.sqs.send(
    new SetQueueAttributesCommand({ QueueUrl: queue.url, Attributes: { Policy: queuePolicy(queue.arn, RuleArn) } }),
  );
  return {
    delivery,
    ruleName: name,
    ruleArn: RuleArn,
    queueUrl: queue.url,
    queueArn: queue.arn,
    delaySeconds: Number(attributes.DelaySeconds),
  };
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ readonly url: string; readonly arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  if (QueueUrl === undefined) throw new EmulatorError(`CreateQueue ${name} returned no URL`);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new EmulatorError(`queue ${name} has no ARN`);
  return { url: QueueUrl, arn };
}

/**
 * The stack's outputs for this pipeline, by output key (STACK_OUTPUTS, plus the delete path's), as `doctor`
 * reads them from a deployed stack. `functionName` names the function that polls both queues.
 */
export function stackOutputs(
  pipeline: SandboxPipeline,
  functionName: string,
  ownershipTableName: string,
): Record<string, string> {
  // Every output `doctor` requires must be here: a new one in STACK_OUTPUTS fails the type check until it is.
  return {
    [STACK_OUTPUTS.ruleName]: pipeline.paths.settle.ruleName,
    [STACK_OUTPUTS.queueUrl]: pipeline.paths.settle.queueUrl,
    [STACK_OUTPUTS.deleteRuleName]: pipeline.paths.immediate.ruleName,
    [STACK_OUTPUTS.deleteQueueUrl]: pipeline.paths.immediate.queueUrl,
    [STACK_OUTPUTS.deadLetterQueueUrl]: pipeline.deadLetterQueueUrl,
    [STACK_OUTPUTS.functionName]: functionName,
    // The sandbox runs no scheduled reconcile (`npm run cli -- scan` and `fix` do its work by hand); doctor only
    // needs the output to be there, as in a stack of this version.
    [STACK_OUTPUTS.reconcileFunctionName]: `${functionName}-reconcile`,
    [STACK_OUTPUTS.ownershipTableName]: ownershipTableName,
  } satisfies Record<(typeof STACK_OUTPUTS)[keyof typeof STACK_OUTPUTS], string>;
}

/**
 * Records the pipeline in moto's CloudFormation as the deployed stack: a stack named `stackName` whose
 * outputs name the pipeline's rules and queues, so that `doctor` finds them as it would in an account.
 * The stack holds a placeholder only; the rules and queues are the pipeline's own.
 */
export async function recordStack(
  cloudformation: CloudFormationClient,
  pipeline: SandboxPipeline,
  options: {
    readonly functionName: string;
    readonly ownershipTableName: string;
    readonly stackName?: string;
    /** The function's log group, as the stack's `FunctionLogGroupName` output names it. @default - no such output */
    readonly functionLogGroupName?: string;
  },
): Promise<void> {
  const outputs = {
    ...stackOutputs(pipeline, options.functionName, options.ownershipTableName),
    ...(options.functionLogGroupName === undefined
      ? {}
      : { [OPTIONAL_STACK_OUTPUTS.functionLogGroupName]: options.functionLogGroupName }),
  };
  await cloudformation.send(
    new CreateStackCommand({
      StackName: options.stackName ?? STACK_NAME,
      TemplateBody: JSON.stringify({
        Description: 'auto-instance-profile, emulated: the stack record of the pipeline in moto, for doctor',
        Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
      }),
    }),
  );
}
