/**
 * The remediator's two input forms: an SQS batch of EventBridge events (the deployed wiring) and one
 * EventBridge event (a manual invoke). Both go through the same adapter and the same core.
 */
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { DEFAULT_CONFIG, ownAccountOf } from '../../core/config.js';
import { type Adapted, correlationOf, fromEventBridge, fromSqsRecord, type IgnoredEvent } from '../../core/events.js';
import { iamNameKey } from '../../core/names.js';
import type { Log } from '../../core/observability.js';
import { type Outcome, type RemediateDeps, remediate } from '../../core/remediate.js';
import type { RecordProof } from './record-proof.js';

/** The logger features per-record context needs, beyond the core's {@link Log}. */
export interface RecordLog extends Log {
  appendKeys(attributes: Record<string, unknown>): void;
  setCorrelationId(value: unknown): void;
  /** A logger of its own for one record, so that records processed side by side keep their keys apart. */
  createChild(): RecordLog;
}

/** Everything processing needs: the core's dependencies with a logger that can scope keys to a record. */
export interface ProcessDeps extends RemediateDeps {
  readonly log: RecordLog;
  /**
   * Proves each SQS record an in-flight message of the function's own queues (record-proof.ts); records it
   * cannot prove change nothing. @default - none: records are taken as they come (the local invoke tool)
   */
  readonly proof?: RecordProof | undefined;
}

/** How a batch is worked through. */
export interface BatchOptions {
  /** Records processed at once; two records of one role never are. @default {@link BATCH_CONCURRENCY} */
  readonly concurrency?: number;
  /** Milliseconds left before the function times out (Lambda's `getRemainingTimeInMillis`). @default unlimited */
  readonly remainingMs?: () => number;
}

/**
 * Records of one batch processed at once: enough to hide IAM's latency, few enough not to add to
 * throttling (BATCH_CONCURRENCY, see core/config.ts).
 */
export const BATCH_CONCURRENCY = DEFAULT_CONFIG.batchConcurrency;

/**
 * Time kept in hand before the function's timeout: no record is started with less left, so that the ones
 * in flight can finish (a throttled record takes a few seconds of SDK backoff) and the batch is answered.
 */
export const DEADLINE_RESERVE_MS = 8_000;

/** The result of a manual invoke: the decision, or why the event needed none. */
export type EventResult = Outcome | IgnoredResult;

/** An event that asked for no work. */
export interface IgnoredResult {
  readonly role?: string | undefined;
  readonly decision: 'ignored';
  readonly reason: IgnoredEvent['reason'];
  readonly errorCode?: string | undefined;
}

/** An invocation that is not an SQS batch, to a function that acts only on its own queues' records. */
export interface RefusedResult {
  readonly decision: 'refused';
  readonly reason: 'not-an-sqs-batch';
}

/**
 * Refuses an invocation that is not an SQS batch (a direct `lambda:Invoke` with an event): it changes nothing,
 * with an error line and a metric, since only the function's own queues deliver real events.
 */
export function refuseInvocation(deps: Pick<ProcessDeps, 'log' | 'metrics'>): RefusedResult {
  const result: RefusedResult = { decision: 'refused', reason: 'not-an-sqs-batch' };
  deps.log.error('invocation refused, nothing changed: only SQS batches of the function’s own queues are acted on', {
    ...result,
  });
  deps.metrics.count('RecordsRefused');
  deps.metrics.count('Errors', { reason: 'record-refused' });
  return result;
}

/** One record, adapted up front so that the scheduler knows its role. */
interface Item {
  readonly record: SQSRecord;
  readonly adapted: Adapted | Error;
}

/**
 * Processes an SQS batch a few records at a time, never two of one role together (two deliveries of one
 * event meet IAM in order), and reports each record that should come back. One bad record never fails
 * the others. Near the deadline it starts no more records and returns the rest for redelivery, so a
 * timeout never fails a batch whose records were already done.
 */
export async function processBatch(
  records: readonly SQSRecord[],
  deps: ProcessDeps,
  options: BatchOptions = {},
): Promise<SQSBatchResponse> {
  const adapt = { ownAccount: ownAccountOf(deps.config) };
  const failed = new Set<string>();
  const unproven = deps.proof === undefined ? new Map<string, string>() : await deps.proof(records);
  for (const [messageId, why] of unproven) {
    // Returned, not dropped: a real message that could not be proven now (SQS unavailable) is proven next time.
    failed.add(messageId);
    deps.log.error('record not proven, nothing changed', { messageId, decision: 'refused', reason: why });
    deps.metrics.count('RecordsRefused');
    deps.metrics.count('Errors', { reason: 'record-refused' });
  }
  const pending: Item[] = records
    .filter((record) => !unproven.has(record.messageId))
    .map((record) => ({ record, adapted: tryAdapt(() => fromSqsRecord(record, adapt)) }));
  const busyRoles = new Set<string>();
  let returned = 0;

  const nextItem = (): Item | undefined => {
    const index = pending.findIndex((item) => !busyRoles.has(roleOf(item)));
    return index === -1 ? undefined : pending.splice(index, 1)[0];
  };
  const worker = async (): Promise<void> => {
    for (let item = nextItem(); item !== undefined; item = nextItem()) {
      if ((options.remainingMs?.() ?? Number.POSITIVE_INFINITY) < DEADLINE_RESERVE_MS) {
        returned++;
        failed.add(item.record.messageId);
        continue;
      }
      const role = roleOf(item);
      busyRoles.add(role);
      try {
        const log = deps.log.createChild();
        log.appendKeys({ messageId: item.record.messageId });
        const result = await processAdapted(item.adapted, { ...deps, log });
        if (result.decision === 'retry') failed.add(item.record.messageId);
      } catch {
        failed.add(item.record.messageId);
      } finally {
        busyRoles.delete(role);
      }
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? BATCH_CONCURRENCY, records.length));
  // A worker that finds only busy roles ends; the others drain the queue, so every record is taken.
  await Promise.all(Array.from({ length: workers }, worker));
  if (returned > 0) deps.log.warn('deadline near, records returned unprocessed', { returned });
  return {
    batchItemFailures: records.filter((r) => failed.has(r.messageId)).map((r) => ({ itemIdentifier: r.messageId })),
  };
}

/** Processes one EventBridge event and returns the decision; errors propagate to the invoker. */
export function processEvent(event: unknown, deps: ProcessDeps): Promise<EventResult> {
  return processAdapted(
    tryAdapt(() => fromEventBridge(event, { ownAccount: ownAccountOf(deps.config) })),
    { ...deps, log: deps.log.createChild() },
  );
}

function tryAdapt(adapt: () => Adapted): Adapted | Error {
  try {
    return adapt();
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

/** A record's role, for serializing; a record with no role stands alone. */
function roleOf(item: Item): string {
  const { adapted } = item;
  if (adapted instanceof Error || adapted.roleName === undefined) return `\u0000${item.record.messageId}`;
  // IAM names are unique case-insensitively: MyRole and myrole are one role.
  return iamNameKey(adapted.roleName);
}

/** Scopes the log keys to this event (on its own logger), remediates, and logs failures once with their decision. */
async function processAdapted(adapted: Adapted | Error, deps: ProcessDeps): Promise<EventResult> {
  deps.metrics.count('EventsReceived');
  if (adapted instanceof Error) {
    deps.log.error('unsupported event', { decision: 'reject', error: adapted });
    deps.metrics.count('Errors', { reason: 'unsupported-event' });
    throw adapted;
  }
  const { correlationId, eventId } = adapted.kind === 'ignored' ? adapted : correlationOf(adapted);
  deps.log.setCorrelationId(correlationId);
  deps.log.appendKeys({ role: adapted.roleName, eventId });
  if (adapted.kind === 'ignored') {
    const keys = { decision: 'ignored', reason: adapted.reason, errorCode: adapted.errorCode };
    // A call we handle that names no usable role is worth a look; reconcile covers the role, if any.
    if (adapted.reason === 'failed-call' || adapted.reason === 'no-handled-tag') deps.log.info('nothing to do', keys);
    else if (adapted.reason === 'other-account')
      deps.log.warn('event of another account refused', { ...keys, accounts: adapted.accounts });
    else deps.log.warn('no role to act on, left to reconcile', keys);
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
