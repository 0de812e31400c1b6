/**
 * The stack's delivery pipeline, created in moto for the sandbox and the tests: the EventBridge rule from
 * the stack's own pattern, an SQS queue as its target with the settle delay, and the DLQ and redrive
 * settings the stack uses.
 */
import { type EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { EVENT_PATTERNS } from '../core/event-pattern.js';
import { DLQ_RETENTION_DAYS, MAX_RECEIVE_COUNT, MAX_SETTLE_DELAY_SECONDS } from '../core/pipeline-settings.js';
import { EmulatorError } from './errors.js';

/** What the pipeline is made of. */
export interface SandboxPipeline {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deadLetterQueueUrl: string;
  readonly deadLetterQueueArn: string;
}

/** How to make it. */
export interface PipelineSettings {
  /** The rule's and the queues' name (the DLQ adds `-dlq`). */
  readonly name: string;
  /** The queue's DelaySeconds: the settle delay. */
  readonly settleDelaySeconds: number;
  readonly visibilityTimeoutSeconds: number;
}

const SECONDS_PER_DAY = 24 * 60 * 60;

/** The DLQ's attributes: kept as long as SQS allows, like the stack's. */
export function deadLetterQueueAttributes(): Record<string, string> {
  return { MessageRetentionPeriod: String(DLQ_RETENTION_DAYS * SECONDS_PER_DAY), SqsManagedSseEnabled: 'true' };
}

/** The queue's attributes: settle delay, visibility timeout, and the stack's redrive policy to the DLQ. */
export function queueAttributes(settings: PipelineSettings, deadLetterQueueArn: string): Record<string, string> {
  if (
    !Number.isInteger(settings.settleDelaySeconds) ||
    settings.settleDelaySeconds < 0 ||
    settings.settleDelaySeconds > MAX_SETTLE_DELAY_SECONDS
  ) {
    throw new EmulatorError(`the settle delay must be 0 to ${MAX_SETTLE_DELAY_SECONDS} seconds`);
  }
  return {
    DelaySeconds: String(settings.settleDelaySeconds),
    VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
    RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetterQueueArn, maxReceiveCount: MAX_RECEIVE_COUNT }),
    SqsManagedSseEnabled: 'true',
  };
}

/** The queue policy that lets the rule, and only the rule, send to a queue (moto does not enforce it; AWS does). */
export function queuePolicy(queueArn: string, ruleArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowTheRule',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } },
      },
    ],
  });
}

/** Creates the DLQ, the queue, the rule and its target, in that order, and returns what they are. */
export async function createPipeline(
  clients: { readonly sqs: SQSClient; readonly events: EventBridgeClient },
  settings: PipelineSettings,
): Promise<SandboxPipeline> {
  const { sqs, events } = clients;
  const deadLetter = await createQueue(sqs, `${settings.name}-dlq`, deadLetterQueueAttributes());
  const queue = await createQueue(sqs, settings.name, queueAttributes(settings, deadLetter.arn));
  const { RuleArn } = await events.send(
    new PutRuleCommand({
      Name: settings.name,
      EventPattern: JSON.stringify(EVENT_PATTERNS.settle),
      State: 'ENABLED',
      Description: 'auto-instance-profile, emulated: the stack rule, from core/event-pattern.ts',
    }),
  );
  if (RuleArn === undefined) throw new EmulatorError(`PutRule ${settings.name} returned no ARN`);
  for (const { url, arn } of [queue, deadLetter]) {
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { Policy: queuePolicy(arn, RuleArn) } }));
  }
  // As in the stack, events EventBridge cannot deliver to the queue go to the same DLQ.
  const targets = await events.send(
    new PutTargetsCommand({
      Rule: settings.name,
      Targets: [{ Id: 'remediator-queue', Arn: queue.arn, DeadLetterConfig: { Arn: deadLetter.arn } }],
    }),
  );
  if ((targets.FailedEntryCount ?? 0) > 0) {
    throw new EmulatorError(`PutTargets failed: ${JSON.stringify(targets.FailedEntries)}`);
  }
  return {
    ruleName: settings.name,
    ruleArn: RuleArn,
    queueUrl: queue.url,
    queueArn: queue.arn,
    deadLetterQueueUrl: deadLetter.url,
    deadLetterQueueArn: deadLetter.arn,
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
