/**
 * How long the stack keeps events: both delivery queues and the dead-letter queue for SQS's maximum, 14 days, so that
 * events wait out a pause (`auto-instance-profile pause`) of up to two weeks; the sandbox's queues as the stack's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_RETENTION_DAYS, QUEUE_RETENTION_DAYS } from '../../core/pipeline-settings.js';
import { deadLetterQueueAttributes, queueAttributes } from '../../emulator/pipeline.js';
import { removeSynthOutputs, type Synthesized, synthesize } from './support/synth.js';

/** SQS's longest MessageRetentionPeriod: 1,209,600 seconds (SQS API Reference, SetQueueAttributes). */
const SQS_MAX_RETENTION_SECONDS = 1_209_600;

let synth: Synthesized;

beforeAll(() => {
  synth = synthesize();
});

afterAll(removeSynthOutputs);

function retentionOf(construct: { readonly node: { readonly defaultChild?: unknown } }): unknown {
  const id = synth.stack.getLogicalId(construct.node.defaultChild as never);
  const resource = synth.template.toJSON().Resources[id] as { Properties: Record<string, unknown> };
  return resource.Properties.MessageRetentionPeriod;
}

describe('how long the queues keep events', () => {
  it('keeps events in the settle and delete queues for SQS’s maximum, 14 days, as the dead-letter queue keeps them', () => {
    // Prepare
    const { service } = synth.stack;

    // Act
    const retention = {
      settle: retentionOf(service.queue),
      delete: retentionOf(service.deleteQueue),
      deadLetter: retentionOf(service.deadLetterQueue),
    };

    // Assess
    expect(QUEUE_RETENTION_DAYS * 86_400).toBe(SQS_MAX_RETENTION_SECONDS);
    expect(DLQ_RETENTION_DAYS * 86_400).toBe(SQS_MAX_RETENTION_SECONDS);
    expect(retention).toEqual({
      settle: SQS_MAX_RETENTION_SECONDS,
      delete: SQS_MAX_RETENTION_SECONDS,
      deadLetter: SQS_MAX_RETENTION_SECONDS,
    });
  });

  it('gives the sandbox’s and the tests’ queues the stack’s retention', () => {
    // Act
    const settings = { name: 'q', settleDelaySeconds: 3, visibilityTimeoutSeconds: 180 };
    const settle = queueAttributes(settings, 'arn:aws:sqs:us-east-1:123456789012:q-dlq', 'settle');
    const immediate = queueAttributes(settings, 'arn:aws:sqs:us-east-1:123456789012:q-dlq', 'immediate');

    // Assess
    expect(settle.MessageRetentionPeriod).toBe(String(SQS_MAX_RETENTION_SECONDS));
    expect(immediate.MessageRetentionPeriod).toBe(String(SQS_MAX_RETENTION_SECONDS));
    expect(deadLetterQueueAttributes().MessageRetentionPeriod).toBe(String(SQS_MAX_RETENTION_SECONDS));
  });
});
