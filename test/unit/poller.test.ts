import type { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { settleBatch, toSqsRecord } from '../../emulator/lambda-shapes.js';
import { type BatchReport, startPoller } from '../../emulator/poller.js';

const IDS = ['a', 'b', 'c'];

describe('settleBatch (ReportBatchItemFailures)', () => {
  it.each([
    ['a null response', null],
    ['an empty response', {}],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
  ])('treats %s as complete success', (_, result) => {
    // Prepare: the response. Act
    const settlement = settleBatch(IDS, { result });

    // Assess
    expect(settlement).toEqual({ succeeded: IDS, failed: [] });
  });

  it('fails only the listed records', () => {
    // Prepare: one failure. Act
    const settlement = settleBatch(IDS, { result: { batchItemFailures: [{ itemIdentifier: 'b' }] } });

    // Assess
    expect(settlement).toEqual({ succeeded: ['a', 'c'], failed: ['b'] });
  });

  it.each([
    ['an invocation error', { error: new Error('boom') }],
    ['an empty itemIdentifier', { result: { batchItemFailures: [{ itemIdentifier: '' }] } }],
    ['a null itemIdentifier', { result: { batchItemFailures: [{ itemIdentifier: null }] } }],
    ['a misspelt key', { result: { batchItemFailures: [{ itemId: 'a' }] } }],
    ['an unknown message id', { result: { batchItemFailures: [{ itemIdentifier: 'zzz' }] } }],
    ['a response that is not an object', { result: 'ok' }],
    ['a list that is not a list', { result: { batchItemFailures: 'a' } }],
  ])('treats %s as complete failure', (_, response) => {
    // Prepare: the response. Act
    const settlement = settleBatch(IDS, response);

    // Assess
    expect(settlement.succeeded).toEqual([]);
    expect(settlement.failed).toEqual(IDS);
    expect(settlement.wholeBatchFailed).toBeDefined();
  });
});

describe('toSqsRecord', () => {
  it('shapes a received message as Lambda does', () => {
    // Prepare
    const message = {
      MessageId: 'm1',
      ReceiptHandle: 'h1',
      Body: '{}',
      MD5OfBody: 'md5',
      Attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1' },
      MessageAttributes: { trace: { DataType: 'String', StringValue: 'x' } },
    };

    // Act
    const record = toSqsRecord(message, 'arn:aws:sqs:us-east-1:123456789012:q', 'us-east-1');

    // Assess
    expect(record).toEqual({
      messageId: 'm1',
      receiptHandle: 'h1',
      body: '{}',
      md5OfBody: 'md5',
      attributes: { ApproximateReceiveCount: '2', SentTimestamp: '1' },
      messageAttributes: {
        trace: {
          dataType: 'String',
          stringValue: 'x',
          binaryValue: undefined,
          stringListValues: [],
          binaryListValues: [],
        },
      },
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:q',
      awsRegion: 'us-east-1',
    });
  });
});

/** An SQS client double: answers ReceiveMessage from a script, then long-polls until aborted; records deletes. */
function fakeSqs(batches: { MessageId: string; ReceiptHandle: string; Body: string }[][]) {
  const deleted: string[][] = [];
  const client = {
    send(
      command: { constructor: { name: string }; input: Record<string, unknown> },
      options?: { abortSignal?: AbortSignal },
    ) {
      if (command.constructor.name === 'DeleteMessageBatchCommand') {
        const entries = command.input.Entries as { ReceiptHandle: string }[];
        deleted.push(entries.map((e) => e.ReceiptHandle));
        return Promise.resolve({ Successful: entries, Failed: [] });
      }
      const next = batches.shift();
      if (next !== undefined) return Promise.resolve({ Messages: next });
      // No more messages: a long poll that only ends when the poller aborts it.
      return new Promise((_, reject) => {
        options?.abortSignal?.addEventListener('abort', () =>
          reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
        );
      });
    },
  };
  return { client: client as unknown as SQSClient, deleted };
}

describe('startPoller', () => {
  it('deletes only the records that succeeded, keeps a failed invocation whole, and stops a waiting long poll', async () => {
    // Prepare
    const message = (id: string, body: string) => ({ MessageId: id, ReceiptHandle: `handle-${id}`, Body: body });
    const { client, deleted } = fakeSqs([[message('1', 'ok'), message('2', 'fail')], [message('3', 'throw')]]);
    const reports: BatchReport[] = [];
    const invoke = async (event: SQSEvent) => {
      if (event.Records.some((r) => r.body === 'throw')) throw new Error('handler crashed');
      return {
        batchItemFailures: event.Records.filter((r) => r.body === 'fail').map((r) => ({ itemIdentifier: r.messageId })),
      };
    };
    let resolveSecond: () => void = () => {};
    const secondBatch = new Promise<void>((resolve) => {
      resolveSecond = resolve;
    });

    // Act
    const poller = startPoller({
      sqs: client,
      queueUrl: 'q',
      queueArn: 'arn:aws:sqs:us-east-1:123456789012:q',
      region: 'us-east-1',
      invoke,
      onBatch: (report) => {
        reports.push(report);
        if (reports.length === 2) resolveSecond();
      },
    });
    await secondBatch;
    await poller.stop();

    // Assess
    expect(deleted).toEqual([['handle-1']]);
    expect(reports.map((r) => ({ failed: r.failed, whole: r.wholeBatchFailed }))).toEqual([
      { failed: ['2'], whole: undefined },
      { failed: ['3'], whole: 'the invocation failed' },
    ]);
  });
});
