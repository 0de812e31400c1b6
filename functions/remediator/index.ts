/**
 * The remediator Lambda: CloudTrail CreateRole events, through EventBridge and SQS, become
 * console-style instance profiles. Also takes a single EventBridge event for a manual invoke.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/logger.js';
import { createMetrics } from './metrics.js';
import { type EventResult, type ProcessDeps, processBatch, processEvent } from './process.js';

const config = loadConfig();
const logger = createLogger();
const { metrics, counter } = createMetrics();
// Standard retry mode, 3 attempts by default (AWS_MAX_ATTEMPTS, AWS_RETRY_MODE); endpoints from AWS_ENDPOINT_URL(_IAM).
const defaultDeps: ProcessDeps = { iam: new IAMClient({}), config, log: logger, metrics: counter };

/** The Lambda entry point. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
export async function handler(event: unknown, context?: Context): Promise<EventResult>;
export async function handler(event: unknown, context?: Context): Promise<SQSBatchResponse | EventResult> {
  if (context !== undefined) logger.addContext(context);
  try {
    if (isSqsEvent(event)) return await processBatch(event.Records, defaultDeps);
    return await processEvent(event, defaultDeps);
  } finally {
    metrics.publishStoredMetrics();
  }
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs');
}
