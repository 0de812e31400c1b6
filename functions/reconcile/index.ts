/**
 * The reconcile Lambda, run on a schedule and once after every deploy: scans the account in pages and
 * puts one message per role that needs a profile (or has a conflict) on the remediator's queue.
 */
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Context } from 'aws-lambda';
import { loadConfig } from '../../core/config.js';
import { cloudTrailCreators } from '../../core/created-by.js';
import { OwnershipTable } from '../../core/dynamodb/ownership-table.js';
import { ConfigError } from '../../core/errors.js';
import { createIamClient } from '../../core/iam/client.js';
import { createLogger } from '../../core/logger.js';
import { LookupBudget } from '../../core/service-creates.js';
import { createMetrics } from '../metrics.js';
import { type ReconcileDeps, type ReconcileResult, reconcile } from './reconcile.js';
import { UPKEEP_LOOKUP_BUDGET, upkeepRecords } from './upkeep.js';

const config = loadConfig();
const { queueUrl, stackName } = config;
if (queueUrl === undefined) throw new ConfigError('QUEUE_URL must be the URL of the remediator’s queue');
const logger = createLogger();
const { metrics, gauge } = createMetrics();
// CloudTrail in the function's own region, the partition's IAM region, where IAM's events are recorded.
const cloudtrail = new CloudTrailClient({});
// IAM's retry rules, as the remediator's; endpoints from AWS_ENDPOINT_URL(_IAM, _SQS, _CLOUDTRAIL).
const iam = createIamClient(config.iamRetry);
const records =
  config.ownershipTable === undefined ? undefined : new OwnershipTable(new DynamoDBClient({}), config.ownershipTable);
const defaultDeps: ReconcileDeps = {
  iam,
  sqs: new SQSClient({}),
  queueUrl,
  config,
  log: logger,
  metrics: gauge,
  creators: (now, budget) => cloudTrailCreators(cloudtrail, { now, budget }),
  records,
  upkeep:
    records === undefined
      ? undefined
      : () =>
          upkeepRecords({
            iam,
            records,
            cloudtrail,
            lookups: new LookupBudget(UPKEEP_LOOKUP_BUDGET),
            stackName,
            log: logger,
          }),
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
