/**
 * Lambda's SQS poller, in miniature: long-polls a queue, hands each batch (up to 10 records) to the
 * function in Lambda's SQS event shape, and honours ReportBatchItemFailures by deleting only the
 * messages that succeeded. The others become visible again after the visibility timeout, and SQS moves
 * them to the DLQ after the redrive policy's receive count, exactly as in the deployed wiring. A function
 * that reads several queues (the settle and the delete queue) gets one poller per queue, as Lambda runs one
 * per event source mapping.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { BATCH_SIZE } from '../core/pipeline-settings.js';
import { type BatchSettlement, settleBatch, toSqsEvent } from './lambda-shapes.js';

/** SQS's longest long poll, which is what Lambda's poller uses. */
export const LONG_POLL_SECONDS = 20;

/** What happened to one batch. */
export interface BatchReport extends BatchSettlement {
  readonly records: readonly SQSRecord[];
  /** Messages that should have been deleted but SQS refused, with its reason. */
  readonly deleteErrors: readonly string[];
}

/** What the poller needs. */
export interface PollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  /** Invokes the function with an SQS event and resolves to its response; rejects when the invocation fails. */
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  /** @default LONG_POLL_SECONDS */
  readonly waitTimeSeconds?: number;
  /** @default BATCH_SIZE */
  readonly batchSize?: number;
  /** Pause after a failed receive, so a stopped moto does not turn into a busy loop. @default 1000 */
  readonly errorBackoffMs?: number;
  readonly onBatch?: (report: BatchReport) => void;
  /** A receive that failed, reported only if the poller is still running after the back-off. */
  readonly onError?: (error: unknown) => void;
}

/** A running poller. */
export interface Poller {
  /** Stops polling (cancelling a long poll in flight), lets a batch being processed finish, and resolves. */
  stop(): Promise<void>;
}

/** Starts polling in the background. */
export function startPoller(options: PollerOptions): Poller {
  const controller = new AbortController();
  const { signal } = controller;
  const loop = (async () => {
    while (!signal.aborted) {
      let messages: Message[];
      try {
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? BATCH_SIZE,
            WaitTimeSeconds: options.waitTimeSeconds ?? LONG_POLL_SECONDS,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (signal.aborted) break;
        // Report only if still running after the pause: on Ctrl-C moto may stop a moment before we do.
        const stopped = await sleep(options.errorBackoffMs ?? 1000, false, { signal }).catch(() => true);
        if (stopped || signal.aborted) break;
        options.onError?.(error);
        continue;
      }
      if (messages.length > 0) options.onBatch?.(await processBatch(options, messages));
    }
  })();
  return {
    async stop() {
      controller.abort();
      await loop;
    },
  };
}

async function processBatch(options: PollerOptions, messages: readonly Message[]): Promise<BatchReport> {
  const event = toSqsEvent(messages, options.queueArn, options.region);
  const ids = event.Records.map((record) => record.messageId);
  const response = await options.invoke(event).then(
    (result) => ({ result }),
    (error: unknown) => ({ error }),
  );
  const settlement = settleBatch(ids, response);
  const toDelete = event.Records.filter((record) => settlement.succeeded.includes(record.messageId));
  const deleteErrors: string[] = [];
  if (toDelete.length > 0) {
    try {
      const deleted = await options.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: options.queueUrl,
          Entries: toDelete.map((record, index) => ({ Id: String(index), ReceiptHandle: record.receiptHandle })),
        }),
      );
      for (const failure of deleted.Failed ?? []) deleteErrors.push(`${failure.Code}: ${failure.Message ?? ''}`);
    } catch (error) {
      deleteErrors.push(error instanceof Error ? error.message : String(error));
    }
  }
  return { ...settlement, records: event.Records, deleteErrors };
}

/** A queue the function reads: one of its event source mappings. */
export interface EventSourceQueue {
  readonly queueUrl: string;
  readonly queueArn: string;
}

/**
 * One poller per queue, all handing their batches to the same function, as Lambda does for a function with
 * several SQS event source mappings. Stopping stops them all.
 */
export function startPollers(
  queues: readonly EventSourceQueue[],
  options: Omit<PollerOptions, keyof EventSourceQueue>,
): Poller {
  const pollers = queues.map((queue) =>
    startPoller({ ...options, queueUrl: queue.queueUrl, queueArn: queue.queueArn }),
  );
  return {
    async stop() {
      await Promise.all(pollers.map((poller) => poller.stop()));
    },
  };
}
