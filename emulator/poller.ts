/**
 * Lambda's SQS poller, in miniature: long-polls a queue, hands each batch (up to 10 records) to the
 * function in Lambda's SQS event shape, and honours ReportBatchItemFailures by deleting only the
 * messages that succeeded. The others become visible again after the visibility timeout, and SQS moves
 * them to the DLQ after the redrive policy's receive count, exactly as in the deployed wiring. A function
 * that reads several queues (the settle and the delete queue) gets one poller per queue, as Lambda runs one
 * per event source mapping. A poller given its mapping's state follows it as Lambda does: it reads the state before
 * each receive, and while the mapping is switched off (`auto-instance-profile pause`) it receives nothing.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { BATCH_SIZE } from '../core/pipeline-settings.js';
import { type BatchSettlement, settleBatch, toSqsEvent } from './lambda-shapes.js';

/** SQS's longest long poll, which is what Lambda's poller uses. */
export const LONG_POLL_SECONDS = 20;

/**
 * How often a poller that follows its mapping reads the mapping's state, and so its longest poll: a pause takes
 * effect within this many seconds, and once the poller says it has stopped, no receive of it is under way.
 */
export const MAPPING_READ_SECONDS = 2;

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
  /**
   * Whether the queue's event source mapping is switched on now, read before each receive (every
   * {@link MAPPING_READ_SECONDS} at most); while it is off, the poller receives nothing. Without it, it always polls.
   */
  readonly mappingOn?: (signal: AbortSignal) => Promise<boolean>;
  /** The poller stopped receiving because its mapping was switched off (false), or started again (true). */
  readonly onMappingSwitch?: (on: boolean) => void;
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
  const { mappingOn } = options;
  const backOff = () => sleep(options.errorBackoffMs ?? 1000, false, { signal }).catch(() => true);
  const loop = (async () => {
    let on = true;
    while (!signal.aborted) {
      if (mappingOn !== undefined) {
        let now: boolean;
        try {
          now = await mappingOn(signal);
        } catch (error) {
          if (signal.aborted || (await backOff()) || signal.aborted) break;
          options.onError?.(error);
          continue;
        }
        // Said here, between receives: once the poller says it stopped, none of its receives is under way.
        if (now !== on) options.onMappingSwitch?.(now);
        on = now;
        if (!on) {
          await sleep(MAPPING_READ_SECONDS * 1000, undefined, { signal }).catch(() => undefined);
          continue;
        }
      }
      let messages: Message[];
      try {
        const wait = options.waitTimeSeconds ?? LONG_POLL_SECONDS;
        const received = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? BATCH_SIZE,
            WaitTimeSeconds: mappingOn === undefined ? wait : Math.min(wait, MAPPING_READ_SECONDS),
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: signal },
        );
        messages = received.Messages ?? [];
      } catch (error) {
        if (signal.aborted) break;
        // Report only if still running after the pause: on Ctrl-C moto may stop a moment before we do.
        const stopped = await backOff();
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

/** What {@link startPollers} takes: a poller's options, with the mapping's state and its switches per queue. */
export type PollersOptions = Omit<PollerOptions, keyof EventSourceQueue | 'mappingOn' | 'onMappingSwitch'> & {
  /** Whether the mapping of the queue (by its ARN) is on now; without it the pollers always poll. */
  readonly mappingOn?: (queueArn: string, signal: AbortSignal) => Promise<boolean>;
  readonly onMappingSwitch?: (queueArn: string, on: boolean) => void;
};

/**
 * One poller per queue, all handing their batches to the same function, as Lambda does for a function with
 * several SQS event source mappings. Stopping stops them all.
 */
export function startPollers(queues: readonly EventSourceQueue[], options: PollersOptions): Poller {
  const { mappingOn, onMappingSwitch, ...common } = options;
  const pollers = queues.map((queue) =>
    startPoller({
      ...common,
      queueUrl: queue.queueUrl,
      queueArn: queue.queueArn,
      ...(mappingOn === undefined ? {} : { mappingOn: (signal: AbortSignal) => mappingOn(queue.queueArn, signal) }),
      ...(onMappingSwitch === undefined
        ? {}
        : { onMappingSwitch: (on: boolean) => onMappingSwitch(queue.queueArn, on) }),
    }),
  );
  return {
    async stop() {
      await Promise.all(pollers.map((poller) => poller.stop()));
    },
  };
}
