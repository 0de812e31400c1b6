import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  SQSClient,
  SQSServiceException,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ownQueueOf, queueRecordProof } from '../../functions/remediator/record-proof.js';

const SETTLE = 'https://sqs.us-east-1.amazonaws.com/123456789012/AutoInstanceProfile-Queue4A7E3555-abc';
const DELETE = 'https://sqs.us-east-1.amazonaws.com/123456789012/AutoInstanceProfile-DeleteQueue-def';
const SETTLE_ARN = 'arn:aws:sqs:us-east-1:123456789012:AutoInstanceProfile-Queue4A7E3555-abc';
const record = (messageId: string, receiptHandle = `handle-${messageId}`, eventSourceARN = SETTLE_ARN) =>
  ({ messageId, receiptHandle, eventSourceARN, eventSource: 'aws:sqs', body: '{}' }) as SQSRecord;

const sqs = mockClient(SQSClient);
const prove = () => queueRecordProof(new SQSClient({}), [SETTLE, DELETE]);

beforeEach(() => {
  sqs.reset();
  sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { VisibilityTimeout: '180' } });
  sqs.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [], Failed: [] });
});

describe('queueRecordProof', () => {
  it('proves a batch in one call, keeping the queue’s own visibility timeout', async () => {
    // Act
    const unproven = await prove()([record('m1'), record('m2')]);

    // Assess
    expect(unproven.size).toBe(0);
    expect(sqs.commandCalls(GetQueueAttributesCommand)[0]?.args[0].input).toEqual({
      QueueUrl: SETTLE,
      AttributeNames: ['VisibilityTimeout'],
    });
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand).map((call) => call.args[0].input)).toEqual([
      {
        QueueUrl: SETTLE,
        Entries: [
          { Id: '0', ReceiptHandle: 'handle-m1', VisibilityTimeout: 180 },
          { Id: '1', ReceiptHandle: 'handle-m2', VisibilityTimeout: 180 },
        ],
      },
    ]);
  });

  it('reads each queue’s visibility timeout once per warm function', async () => {
    // Prepare
    const proof = prove();

    // Act
    await proof([record('m1')]);
    await proof([record('m2')]);

    // Assess
    expect(sqs.commandCalls(GetQueueAttributesCommand)).toHaveLength(1);
  });

  it('leaves unproven each record SQS refuses (a made-up receipt handle), and proves the others', async () => {
    // Prepare
    sqs.on(ChangeMessageVisibilityBatchCommand).resolves({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'ReceiptHandleIsInvalid', SenderFault: true }],
    });

    // Act
    const unproven = await prove()([record('real'), record('forged', 'made-up')]);

    // Assess
    expect([...unproven]).toEqual([['forged', 'SQS answered ReceiptHandleIsInvalid']]);
  });

  it.each([
    ['another account’s queue', 'arn:aws:sqs:us-east-1:999999999999:AutoInstanceProfile-Queue4A7E3555-abc'],
    ['another queue of the account', 'arn:aws:sqs:us-east-1:123456789012:someone-elses-queue'],
    ['no queue at all', 'not-an-arn'],
  ])('proves nothing from %s, without asking SQS', async (_case, arn) => {
    // Act
    const unproven = await prove()([record('m1', 'handle', arn)]);

    // Assess
    expect(unproven.get('m1')).toContain("not from the function's own queues");
    expect(sqs.commandCalls(ChangeMessageVisibilityBatchCommand)).toHaveLength(0);
  });

  it('proves nothing of a record without a receipt handle', async () => {
    // Act
    const unproven = await prove()([record('m1', '')]);

    // Assess
    expect(unproven.get('m1')).toBe('no receipt handle');
  });

  it('leaves the whole chunk unproven when SQS cannot be asked, so that it comes back', async () => {
    // Prepare
    sqs
      .on(ChangeMessageVisibilityBatchCommand)
      .rejects(new SQSServiceException({ name: 'ServiceUnavailable', $fault: 'server', $metadata: {} }));

    // Act
    const unproven = await prove()([record('m1'), record('m2')]);

    // Assess
    expect([...unproven.keys()]).toEqual(['m1', 'm2']);
    expect(unproven.get('m1')).toBe('SQS could not be asked: ServiceUnavailable');
  });
});

describe('ownQueueOf', () => {
  it('matches a queue ARN to its URL by account and name, whatever the endpoint', () => {
    // Act
    const url = ownQueueOf('arn:aws:sqs:us-east-1:123456789012:q', ['http://127.0.0.1:4566/123456789012/q']);

    // Assess
    expect(url).toBe('http://127.0.0.1:4566/123456789012/q');
  });
});
