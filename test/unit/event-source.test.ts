import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { runEventSource } from '../../emulator/event-source.js';

const bodies = (n: number) => Array.from({ length: n }, (_, i) => `body-${i}`);
const ids = (event: SQSEvent) => event.Records.map((record) => record.messageId);

describe('runEventSource', () => {
  it('hands out batches of at most 10, at most 2 at once, and deletes what succeeded', async () => {
    // Prepare
    let running = 0;
    let most = 0;
    const sizes: number[] = [];
    const invoke = async (event: SQSEvent) => {
      running++;
      most = Math.max(most, running);
      sizes.push(event.Records.length);
      await sleep(5);
      running--;
      return { batchItemFailures: [] };
    };

    // Act
    const run = await runEventSource(bodies(45), { invoke, visibilityTimeoutMs: 10 });

    // Assess
    expect(Math.max(...sizes)).toBe(10);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(45);
    expect(most).toBe(2);
    expect(run.deadLetters).toEqual([]);
    expect([...run.receiveCounts.values()].every((count) => count === 1)).toBe(true);
  });

  it('redelivers a failed record after the visibility timeout, never while its invocation holds it', async () => {
    // Prepare
    const events: string[] = [];
    const invoke = async (event: SQSEvent) => {
      for (const record of event.Records)
        events.push(`receive ${record.messageId} #${record.attributes.ApproximateReceiveCount}`);
      await sleep(20);
      events.push('return');
      return { batchItemFailures: events.length === 2 ? [{ itemIdentifier: 'msg-0' }] : [] };
    };

    // Act
    const run = await runEventSource(['only'], { invoke, visibilityTimeoutMs: 50 });

    // Assess
    expect(events).toEqual(['receive msg-0 #1', 'return', 'receive msg-0 #2', 'return']);
    expect(run.receiveCounts.get('msg-0')).toBe(2);
  });

  it('moves a record that keeps failing to the dead-letter queue on the receive after the 5th', async () => {
    // Prepare
    let deliveries = 0;
    const invoke = async (event: SQSEvent) => {
      deliveries++;
      return { batchItemFailures: ids(event).map((itemIdentifier) => ({ itemIdentifier })) };
    };

    // Act
    const run = await runEventSource(['poison'], { invoke, visibilityTimeoutMs: 1 });

    // Assess
    expect(deliveries).toBe(5);
    expect(run.deadLetters).toEqual([{ messageId: 'msg-0', body: 'poison', receiveCount: 5 }]);
  });

  it('retries the whole batch when the invocation fails, as Lambda does', async () => {
    // Prepare
    let calls = 0;
    const invoke = async () => {
      calls++;
      if (calls === 1) throw new Error('Sandbox.Timedout');
      return null;
    };

    // Act
    const run = await runEventSource(bodies(3), { invoke, visibilityTimeoutMs: 1, maxConcurrency: 1 });

    // Assess
    expect(run.batches.map((batch) => [batch.wholeBatchFailed, batch.succeeded.length])).toEqual([
      ['the invocation failed', 0],
      [undefined, 3],
    ]);
    expect(run.deadLetters).toEqual([]);
  });

  it('takes records in an order drawn from the seed, the same for the same seed', async () => {
    // Prepare
    const orderWith = async (seed: number) => {
      const order: string[] = [];
      await runEventSource(bodies(20), {
        invoke: async (event) => {
          order.push(...event.Records.map((record) => record.body));
          return null;
        },
        visibilityTimeoutMs: 1,
        maxConcurrency: 1,
        seed,
      });
      return order;
    };

    // Act
    const [first, again, other] = [await orderWith(5), await orderWith(5), await orderWith(6)];

    // Assess
    expect(first).toEqual(again);
    expect(first).not.toEqual(other);
    expect([...first].sort()).toEqual([...bodies(20)].sort());
    expect(first).not.toEqual(bodies(20));
  });

  it('keeps a delayed message invisible until its delay has passed', async () => {
    // Prepare
    const order: string[] = [];

    // Act
    await runEventSource([{ body: 'late', delayMs: 40 }, 'early'], {
      invoke: async (event) => {
        order.push(...event.Records.map((record) => record.body));
        return null;
      },
      visibilityTimeoutMs: 1,
    });

    // Assess
    expect(order).toEqual(['early', 'late']);
  });
});
