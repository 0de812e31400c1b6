/**
 * `npx tsx bench/delete-retry.ts`: how long a CLI user waits before a retried `delete-role` succeeds, on
 * the stack's delete path, measured in moto with the remediator bundle (`npm run build` first).
 *
 * The pipeline is the stack's: both rules from EVENT_PATTERNS, the settle queue and the delete queue
 * (DelaySeconds 0) with the shared DLQ, each read by a long-polling poller as Lambda's (emulator/poller.ts)
 * that runs dist/remediator/index.mjs for each batch in a fresh process on the Lambda's Node (a cold start,
 * the slow case). Every call, the user's and the function's, goes through the sandbox's front door, which
 * publishes each IAM write's CloudTrail record to moto's EventBridge, standing in for CloudTrail.
 *
 * Per trial: create an EC2 role and wait for its profile (the settle path); then `delete-role` fails
 * with DeleteConflict; the time until `delete-role` succeeds is measured, checking every 100 ms whether
 * the role is still in a profile (read-only, so the checks make no events). For comparison, the same
 * with the delete queue given the settle delay (as if deletes shared the settle queue).
 *
 * Not measured (no stand-in can): CloudTrail's delivery to EventBridge, which AWS does not publish, and
 * IAM's propagation of the release.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient, PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateRoleCommand,
  DeleteConflictException,
  DeleteRoleCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
} from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { EVENT_PATTERNS, type EventPattern } from '../core/event-pattern.js';
import { MAX_RECEIVE_COUNT, VISIBILITY_TIMEOUT_SECONDS } from '../core/pipeline-settings.js';
import { SETTINGS } from '../core/settings.js';
import { EC2_TRUST_POLICY } from '../core/trust-policy.js';
import { runBundle } from '../emulator/bundle-runner.js';
import { cloudTrail } from '../emulator/cloudtrail.js';
import { startMoto } from '../emulator/moto.js';
import { type Poller, startPoller } from '../emulator/poller.js';
import { startProxy } from '../emulator/proxy.js';

const REGION = 'us-east-1';
const TRIALS = 7;
const COMPARISON_TRIALS = 2;
/** The settle queue's delay while setting up each trial: the create path is not what is measured. */
const SETUP_SETTLE_DELAY_SECONDS = 1;
const CHECK_EVERY_MS = 100;
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

async function main(): Promise<void> {
  const moto = await startMoto();
  const direct = { endpoint: moto.url, region: REGION, credentials: CREDENTIALS };
  const events = new EventBridgeClient(direct);
  const sqs = new SQSClient({ ...direct, useQueueUrlAsEndpoint: false });
  const iam = new IAMClient(direct);
  const frontDoor = await startProxy({
    targetUrl: moto.url,
    hooks: [
      cloudTrail({
        publish: async (entry) => {
          const { FailedEntryCount } = await events.send(new PutEventsCommand({ Entries: [entry] }));
          if ((FailedEntryCount ?? 0) > 0) throw new Error('PutEvents failed');
        },
      }),
    ],
  });
  const user = new IAMClient({ endpoint: frontDoor.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  const env = {
    ...(process.env.PATH === undefined ? {} : { PATH: process.env.PATH }),
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    AWS_ENDPOINT_URL: frontDoor.url,
    POWERTOOLS_LOG_LEVEL: 'ERROR',
    POWERTOOLS_METRICS_DISABLED: 'true',
  };
  const invoke = async (event: SQSEvent) => (await runBundle(event, { env })).result;
  const pollers = new Map<string, Poller>();
  try {
    const dlq = await createQueue(sqs, 'bench-dlq', {});
    const path = async (name: string, pattern: EventPattern, delaySeconds: number) => {
      const queue = await createQueue(sqs, name, {
        DelaySeconds: String(delaySeconds),
        VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS),
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: MAX_RECEIVE_COUNT }),
      });
      await events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify(pattern) }));
      await events.send(new PutTargetsCommand({ Rule: name, Targets: [{ Id: 'queue', Arn: queue.arn }] }));
      const onError = (error: unknown) => console.error(`${name}: ${String(error)}`);
      const onBatch = (batch: { readonly failed: readonly string[] }) => {
        if (batch.failed.length > 0) console.error(`${name}: ${batch.failed.length} record(s) failed`);
      };
      pollers.set(
        name,
        startPoller({ sqs, queueUrl: queue.url, queueArn: queue.arn, region: REGION, invoke, onError, onBatch }),
      );
    };
    await path('bench-settle', EVENT_PATTERNS.settle, SETUP_SETTLE_DELAY_SECONDS);
    await path('bench-delete', EVENT_PATTERNS.immediate, 0);

    const trial = async (roleName: string): Promise<number> => {
      await user.send(
        new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(EC2_TRUST_POLICY) }),
      );
      while ((await profilesOf(iam, roleName)) === 0) await sleep(CHECK_EVERY_MS);
      const start = performance.now();
      const first = await user.send(new DeleteRoleCommand({ RoleName: roleName })).catch((error: unknown) => error);
      if (!(first instanceof DeleteConflictException)) throw new Error(`expected DeleteConflict, got ${String(first)}`);
      while ((await profilesOf(iam, roleName)) > 0) await sleep(CHECK_EVERY_MS);
      await user.send(new DeleteRoleCommand({ RoleName: roleName }));
      return (performance.now() - start) / 1000;
    };

    const immediate = [];
    for (let i = 0; i < TRIALS; i++) immediate.push(await trial(`delete-retry-${i}`));
    report('delete path (DelaySeconds 0)', immediate);

    // The same, with deletes waiting out the default settle delay, as if they shared the settle queue.
    await pollers.get('bench-delete')?.stop();
    await events.send(new PutRuleCommand({ Name: 'bench-delete', EventPattern: '{"source":["nothing"]}' }));
    await path('bench-delete-settled', EVENT_PATTERNS.immediate, SETTINGS.settleDelay.default);
    const settled = [];
    for (let i = 0; i < COMPARISON_TRIALS; i++) settled.push(await trial(`delete-retry-settled-${i}`));
    report(`deletes through the ${SETTINGS.settleDelay.default} s settle delay`, settled);
  } finally {
    for (const poller of pollers.values()) await poller.stop();
    await frontDoor.close();
    for (const client of [events, sqs, iam, user]) client.destroy();
    await moto.stop();
  }
}

async function createQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url = '' } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  return { url, arn: Attributes?.QueueArn ?? '' };
}

async function profilesOf(iam: IAMClient, roleName: string): Promise<number> {
  const { InstanceProfiles = [] } = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: roleName }));
  return InstanceProfiles.length;
}

function report(what: string, seconds: readonly number[]): void {
  const sorted = [...seconds].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  const max = sorted.at(-1) ?? Number.NaN;
  console.log(
    `${what}: first delete-role to successful retry, median ${median.toFixed(2)} s, max ${max.toFixed(2)} s ` +
      `(${sorted.length} trials: ${sorted.map((s) => s.toFixed(2)).join(', ')})`,
  );
}

await main();
