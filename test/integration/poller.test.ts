/**
 * The sandbox's Lambda-style poller against moto, on the stack's queue settings: succeeded records are
 * deleted, reported failures come back after the visibility timeout and end in the DLQ after the
 * redrive policy's receive count.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MAX_RECEIVE_COUNT } from '../../core/pipeline-settings.js';
import { createPipeline } from '../../emulator/pipeline.js';
import { type BatchReport, startPoller } from '../../emulator/poller.js';

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) + Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

describe('poller', () => {
  it('deletes succeeded records and lets a failing one return until the DLQ takes it', async () => {
    // Prepare
    const sqs = new SQSClient({});
    const events = new EventBridgeClient({});
    const pipeline = await createPipeline(
      { sqs, events },
      { name: `poll-${randomUUID().slice(0, 8)}`, settleDelaySeconds: 0, visibilityTimeoutSeconds: 1 },
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queueUrl, MessageBody: 'good' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: pipeline.queueUrl, MessageBody: 'poison' }));
    const invoked: SQSRecord[] = [];
    const reports: BatchReport[] = [];
    const invoke = async (event: SQSEvent) => {
      invoked.push(...event.Records);
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'poison').map((r) => ({
          itemIdentifier: r.messageId,
        })),
      };
    };

    // Act
    const poller = startPoller({
      sqs,
      queueUrl: pipeline.queueUrl,
      queueArn: pipeline.queueArn,
      region: 'us-east-1',
      invoke,
      waitTimeSeconds: 1,
      onBatch: (report) => reports.push(report),
    });
    // Bounded wait: five receives one visibility timeout (1 s) apart, with room for moto's 1 s polling steps.
    for (let i = 0; i < 60 && (await queueDepth(sqs, pipeline.deadLetterQueueUrl)) === 0; i++) await sleep(500);
    await poller.stop();
    const inDlq = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pipeline.deadLetterQueueUrl, MaxNumberOfMessages: 10 }),
    );
    const left = await queueDepth(sqs, pipeline.queueUrl);
    sqs.destroy();
    events.destroy();

    // Assess
    expect(invoked.filter((r) => r.body === 'good')).toHaveLength(1);
    expect(invoked.filter((r) => r.body === 'poison')).toHaveLength(MAX_RECEIVE_COUNT);
    expect(inDlq.Messages?.map((m) => m.Body)).toEqual(['poison']);
    expect(left).toBe(0);
    expect(invoked[0]).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: pipeline.queueArn,
      awsRegion: 'us-east-1',
      attributes: { ApproximateReceiveCount: '1' },
    });
    expect(reports.flatMap((r) => r.deleteErrors)).toEqual([]);
  }, 60_000);
});
