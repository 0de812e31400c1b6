/**
 * The stack's queue and Lambda's SQS event source mapping, in memory, for tests and the bench that drive
 * many events through the bundle: batches of up to 10, at most `maxConcurrency` invocations at once (each a
 * separate process, through {@link runBundle}), ReportBatchItemFailures, redelivery of failed records after
 * the visibility timeout, and a move to the dead-letter queue on the receive after the 5th.
 *
 * Why in memory rather than moto's SQS (which poller.ts drives, for the sandbox): the deployed queue's
 * visibility timeout is 180 s, six times the function's timeout, so a record is never received twice
 * while an invocation still holds it. A test cannot wait 180 s per redelivery, and SQS counts the timeout
 * in whole seconds from the receive. Here it is counted in milliseconds from the end of the invocation,
 * which keeps that property at any scale; the order of receives can be shuffled from a seed; and the IAM
 * faults under test are not mixed with SQS calls on the shared moto. Record shapes and batch settlement
 * are the ones poller.ts uses (lambda-shapes.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { BATCH_SIZE, MAX_RECEIVE_COUNT } from '../core/pipeline-settings.js';
import { SETTINGS } from '../core/settings.js';
import { type Invocation, type RunOptions, runBundle } from './bundle-runner.js';
import { type BatchSettlement, settleBatch, toSqsEvent } from './lambda-shapes.js';
import { seededRandom } from './random.js';

/** How the event source runs. */
export interface EventSourceOptions {
  /** Invokes the function with a batch and resolves to its response; rejects when the invocation fails. */
  readonly invoke: (event: SQSEvent) => Promise<unknown>;
  /**
   * How long a failed record stays invisible after the invocation that received it returned, before it
   * can be received again: the queue's visibility timeout, scaled down.
   */
  readonly visibilityTimeoutMs: number;
  /** @default BATCH_SIZE (10) */
  readonly batchSize?: number;
  /** Invocations at once: the event source's maximum concurrency. @default the stack's default `maxConcurrency` */
  readonly maxConcurrency?: number;
  /** Receives before a record goes to the dead-letter queue. @default MAX_RECEIVE_COUNT (5) */
  readonly maxReceiveCount?: number;
  /**
   * With a seed, each receive takes visible records in an order drawn from it, as a standard queue does
   * not keep order; without one, oldest first.
   */
  readonly seed?: number;
  readonly queueArn?: string;
  readonly region?: string;
  readonly onBatch?: (batch: EventSourceBatch) => void;
}

/** One invocation and what became of its records. */
export interface EventSourceBatch extends BatchSettlement {
  /** The records' message ids, in the batch's order. */
  readonly messageIds: readonly string[];
  /** How long the invocation took, in milliseconds. */
  readonly durationMs: number;
  /** The invocation's error, when it failed as a whole. */
  readonly error?: unknown;
}

/** A record in the dead-letter queue. */
export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
}

/** What a run did, once every record was deleted or moved to the dead-letter queue. */
export interface EventSourceRun {
  readonly deadLetters: readonly DeadLetter[];
  readonly batches: readonly EventSourceBatch[];
  /** Times each record was received, by message id. */
  readonly receiveCounts: ReadonlyMap<string, number>;
  readonly wallMs: number;
}

/** A message to send: its body, and a delay before it becomes visible (the queue's DelaySeconds, scaled). */
export type OutgoingMessage = string | { readonly body: string; readonly delayMs?: number };

interface Held {
  readonly messageId: string;
  readonly body: string;
  readonly sentAt: number;
  readonly order: number;
  visibleAt: number;
  receiveCount: number;
  firstReceiveAt?: number;
}

/**
 * Sends `messages` to an empty queue and runs the event source until every record is deleted (the
 * function reported it done) or in the dead-letter queue. Message ids are `msg-<index>`.
 */
export async function runEventSource(
  messages: readonly OutgoingMessage[],
  options: EventSourceOptions,
): Promise<EventSourceRun> {
  const started = Date.now();
  const batchSize = options.batchSize ?? BATCH_SIZE;
  const maxReceiveCount = options.maxReceiveCount ?? MAX_RECEIVE_COUNT;
  const queueArn = options.queueArn ?? 'arn:aws:sqs:us-east-1:123456789012:auto-instance-profile';
  const region = options.region ?? 'us-east-1';
  const random = options.seed === undefined ? undefined : seededRandom(options.seed);
  const queue: Held[] = messages.map((message, index) => {
    const { body, delayMs = 0 } = typeof message === 'string' ? { body: message } : message;
    return {
      messageId: `msg-${index}`,
      body,
      sentAt: started,
      order: index,
      visibleAt: started + delayMs,
      receiveCount: 0,
    };
  });
  const deadLetters: DeadLetter[] = [];
  const batches: EventSourceBatch[] = [];
  const receiveCounts = new Map<string, number>();
  let wake: (() => void) | undefined;
  const changed = () => {
    wake?.();
    wake = undefined;
  };

  const receive = (now: number): Held[] => {
    const visible = queue.filter((held) => held.visibleAt <= now);
    const ordered = random === undefined ? visible.sort((a, b) => a.order - b.order) : random.shuffle(visible);
    const taken: Held[] = [];
    for (const held of ordered) {
      if (taken.length === batchSize) break;
      // SQS moves a record to the dead-letter queue when a receive would exceed the redrive policy's count.
      if (held.receiveCount >= maxReceiveCount) {
        queue.splice(queue.indexOf(held), 1);
        deadLetters.push({ messageId: held.messageId, body: held.body, receiveCount: held.receiveCount });
        continue;
      }
      held.receiveCount++;
      held.firstReceiveAt ??= now;
      held.visibleAt = Number.POSITIVE_INFINITY;
      receiveCounts.set(held.messageId, held.receiveCount);
      taken.push(held);
    }
    return taken;
  };

  const poller = async (): Promise<void> => {
    while (queue.length > 0) {
      const now = Date.now();
      const taken = receive(now);
      if (taken.length === 0) {
        const next = Math.min(...queue.map((held) => held.visibleAt));
        // Wait for the next record to become visible, or for another poller's invocation to settle.
        await new Promise<void>((resolve) => {
          const timer = Number.isFinite(next) ? setTimeout(resolve, Math.max(1, next - now)) : undefined;
          const previous = wake;
          wake = () => {
            previous?.();
            clearTimeout(timer);
            resolve();
          };
        });
        continue;
      }
      const event = toSqsEvent(taken.map(asMessage), queueArn, region);
      const ids = taken.map((held) => held.messageId);
      const invokedAt = Date.now();
      const response = await options.invoke(event).then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      const settlement = settleBatch(ids, response);
      const returnedAt = Date.now();
      for (const held of taken) {
        if (settlement.succeeded.includes(held.messageId)) queue.splice(queue.indexOf(held), 1);
        else held.visibleAt = returnedAt + options.visibilityTimeoutMs;
      }
      const batch: EventSourceBatch = {
        ...settlement,
        messageIds: ids,
        durationMs: returnedAt - invokedAt,
        ...('error' in response ? { error: response.error } : {}),
      };
      batches.push(batch);
      options.onBatch?.(batch);
      changed();
    }
    changed();
  };

  await Promise.all(Array.from({ length: options.maxConcurrency ?? SETTINGS.maxConcurrency.default }, poller));
  return { deadLetters, batches, receiveCounts, wallMs: Date.now() - started };
}

function asMessage(held: Held): Message {
  return {
    MessageId: held.messageId,
    ReceiptHandle: randomUUID(),
    Body: held.body,
    Attributes: {
      ApproximateReceiveCount: String(held.receiveCount),
      SentTimestamp: String(held.sentAt),
      ApproximateFirstReceiveTimestamp: String(held.firstReceiveAt ?? held.sentAt),
      SenderId: 'AIDAEVENTBRIDGE',
    },
  };
}

/** An `invoke` for {@link runEventSource} that runs the bundle (runBundle) and hands each invocation to `onInvocation`. */
export function bundleInvoker(
  options: RunOptions,
  onInvocation?: (invocation: Invocation) => void,
): (event: SQSEvent) => Promise<unknown> {
  return async (event) => {
    const invocation = await runBundle(event, options);
    onInvocation?.(invocation);
    return invocation.result;
  };
}
