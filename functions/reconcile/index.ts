/**
 * The reconcile Lambda, run on a schedule and once after every deploy: scans the account in pages and
 * puts one message per role that needs a profile (or has a conflict) on the remediator's queue.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import { createIamClient } from '../../core/iam/client.js';
import { createLogger, SERVICE_NAME } from '../../core/logger.js';
import { METRICS_NAMESPACE } from '../../core/observability.js';
import { type ReconcileDeps, type ReconcileResult, reconcile } from './reconcile.js';

const config = loadConfig();
const queueUrl = process.env.QUEUE_URL?.trim();
if (!queueUrl) throw new ConfigError('QUEUE_URL must be the URL of the remediator’s queue');
const logger = createLogger();
const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
// IAM's retry rules, as the remediator's; endpoints from AWS_ENDPOINT_URL(_IAM, _SQS).
const defaultDeps: ReconcileDeps = {
  iam: createIamClient(config.iamRetry),
  sqs: new SQSClient({}),
  queueUrl,
  config,
  log: logger,
  metrics: { record: (metric, value) => metrics.addMetric(metric, MetricUnit.Count, value) },
};

/** The Lambda entry point; the scheduler's input is not read. */
export async function handler(_event?: unknown, context?: Context): Promise<ReconcileResult> {
  if (context !== undefined) logger.addContext(context);
  try {
    return await reconcile(defaultDeps);
  } finally {
    metrics.publishStoredMetrics();
  }
}
