/**
 * The remediator's two input forms: an SQS batch of EventBridge events (the deployed wiring) and one
 * EventBridge event (a manual invoke). Both go through the same adapter and the same core.
 */
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { type Adapted, correlationOf, fromEventBridge, fromSqsRecord, type IgnoredEvent } from '../../core/events.js';
import type { Log } from '../../core/observability.js';
import { type Outcome, type RemediateDeps, remediate } from '../../core/remediate.js';

/** The logger features per-record context needs, beyond the core's {@link Log}. */
export interface RecordLog extends Log {
  appendKeys(attributes: Record<string, unknown>): void;
  removeKeys(keys: string[]): void;
  setCorrelationId(value: unknown): void;
}

/** Everything processing needs: the core's dependencies with a logger that can scope keys to a record. */
export interface ProcessDeps extends RemediateDeps {
  readonly log: RecordLog;
}

/** The result of a manual invoke: the decision, or why the event needed none. */
export type EventResult = Outcome | IgnoredResult;

/** An event that asked for no work. */
export interface IgnoredResult {
  readonly role?: string | undefined;
  readonly decision: 'ignored';
  readonly reason: IgnoredEvent['reason'];
  readonly errorCode: string;
}

/** The keys {@link processAdapted} scopes to one event. */
const EVENT_KEYS = ['role', 'eventId'];

/**
 * Processes an SQS batch one record at a time (so two deliveries of one event in a batch meet IAM in
 * order) and reports each record that should come back. One bad record never fails the others.
 */
export async function processBatch(records: readonly SQSRecord[], deps: ProcessDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of records) {
    deps.log.appendKeys({ messageId: record.messageId });
    try {
      const result = await processAdapted(() => fromSqsRecord(record), deps);
      if (result.decision === 'retry') batchItemFailures.push({ itemIdentifier: record.messageId });
    } catch {
      batchItemFailures.push({ itemIdentifier: record.messageId });
    } finally {
      deps.log.removeKeys(['messageId']);
    }
  }
  return { batchItemFailures };
}

/** Processes one EventBridge event and returns the decision; errors propagate to the invoker. */
export function processEvent(event: unknown, deps: ProcessDeps): Promise<EventResult> {
  return processAdapted(() => fromEventBridge(event), deps);
}

/** Adapts, scopes the log keys to this event, remediates, and logs failures once with their decision. */
async function processAdapted(adapt: () => Adapted, deps: ProcessDeps): Promise<EventResult> {
  try {
    return await adaptAndRemediate(adapt, deps);
  } finally {
    deps.log.removeKeys(EVENT_KEYS);
    deps.log.setCorrelationId(undefined);
  }
}

async function adaptAndRemediate(adapt: () => Adapted, deps: ProcessDeps): Promise<EventResult> {
  deps.metrics.count('EventsReceived');
  let adapted: Adapted;
  try {
    adapted = adapt();
  } catch (error) {
    deps.log.error('unsupported event', { decision: 'reject', error });
    deps.metrics.count('Errors', { reason: 'unsupported-event' });
    throw error;
  }
  const { correlationId, eventId } = adapted.kind === 'ignored' ? adapted : correlationOf(adapted);
  deps.log.setCorrelationId(correlationId);
  deps.log.appendKeys({ role: adapted.roleName, eventId });
  if (adapted.kind === 'ignored') {
    deps.log.info('nothing to do', { decision: 'ignored', reason: adapted.reason, errorCode: adapted.errorCode });
    deps.metrics.count('EventsIgnored', { reason: adapted.reason });
    return { role: adapted.roleName, decision: 'ignored', reason: adapted.reason, errorCode: adapted.errorCode };
  }
  try {
    return await remediate(adapted, deps);
  } catch (error) {
    deps.log.error('remediation failed', { decision: 'error', error });
    deps.metrics.count('Errors', { reason: error instanceof Error ? error.name : 'unknown' });
    throw error;
  }
}
