/**
 * The remediator Lambda: CloudTrail CreateRole events, through EventBridge and SQS, become
 * console-style instance profiles. Also takes a single EventBridge event for a manual invoke.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../../core/config.js';
import { createIamClient } from '../../core/iam/client.js';
import { createLogger } from '../../core/logger.js';
import { createMetrics } from '../metrics.js';
import { type EventResult, type ProcessDeps, processBatch, processEvent } from './process.js';

const config = loadConfig();
const logger = createLogger();
const { metrics, counter } = createMetrics();
// IAM's retry rules over the SDK's (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS); endpoints from AWS_ENDPOINT_URL(_IAM).
const defaultDeps: ProcessDeps = { iam: createIamClient(config.iamRetry), config, log: logger, metrics: counter };

/** The Lambda entry point. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
export async function handler(event: unknown, context?: Context): Promise<EventResult>;
export async function handler(event: unknown, context?: Context): Promise<SQSBatchResponse | EventResult> {
  if (context !== undefined) logger.addContext(context);
  try {
    if (isSqsEvent(event)) {
      const remainingMs = context === undefined ? undefined : () => context.getRemainingTimeInMillis();
      return await processBatch(event.Records, defaultDeps, { remainingMs, concurrency: config.batchConcurrency });
    }
    return await processEvent(event, defaultDeps);
  } finally {
    metrics.publishStoredMetrics();
  }
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs');
}
