/**
 * The remediator Lambda: CloudTrail's IAM events, through EventBridge and its own SQS queues, become
 * console-style instance profiles. It acts only on records it proves are in flight in its queues; without
 * queues in its environment (the local invoke tool) it also takes a single EventBridge event, unproven.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { loadConfig } from '../../core/config.js';
import { OwnershipTable } from '../../core/dynamodb/ownership-table.js';
import { createIamClient } from '../../core/iam/client.js';
import { createLogger } from '../../core/logger.js';
import { createMetrics } from '../metrics.js';
import {
  type EventResult,
  type ProcessDeps,
  processBatch,
  processEvent,
  type RefusedResult,
  refuseInvocation,
} from './process.js';
import { queueRecordProof } from './record-proof.js';

const config = loadConfig();
const logger = createLogger();
const { metrics, counter } = createMetrics();
const proof = config.queueUrls.length === 0 ? undefined : queueRecordProof(new SQSClient({}), config.queueUrls);
if (proof === undefined) logger.warn('records are taken unproven: the function has no queues in QUEUE_URLS', {});
// IAM's retry rules over the SDK's (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS); endpoints from AWS_ENDPOINT_URL(_IAM).
const defaultDeps: ProcessDeps = {
  iam: createIamClient(config.iamRetry),
  config,
  log: logger,
  metrics: counter,
  ownership:
    config.ownershipTable === undefined ? undefined : new OwnershipTable(new DynamoDBClient({}), config.ownershipTable),
  proof,
};

/** The Lambda entry point. */
export async function handler(event: SQSEvent, context?: Context): Promise<SQSBatchResponse>;
export async function handler(event: unknown, context?: Context): Promise<EventResult | RefusedResult>;
export async function handler(
  event: unknown,
  context?: Context,
): Promise<SQSBatchResponse | EventResult | RefusedResult> {
  if (context !== undefined) logger.addContext(context);
  try {
    if (isSqsEvent(event)) {
      const remainingMs = context === undefined ? undefined : () => context.getRemainingTimeInMillis();
      return await processBatch(event.Records, defaultDeps, { remainingMs, concurrency: config.batchConcurrency });
    }
    if (proof !== undefined) return refuseInvocation(defaultDeps);
    return await processEvent(event, defaultDeps);
  } finally {
    metrics.publishStoredMetrics();
  }
}

function isSqsEvent(event: unknown): event is SQSEvent {
  const records = (event as { Records?: unknown } | null)?.Records;
  return Array.isArray(records) && records.every((r) => (r as { eventSource?: unknown })?.eventSource === 'aws:sqs');
}
