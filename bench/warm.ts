/**
 * Warm handler time per remediation against the bare time of the calls it needs: what the adapter, the
 * decision, logging and metrics add to the calls a new EC2 role takes. The bundle is imported once into this
 * process (Node 24, as in a warm Lambda environment), with its queue and ownership table as the stack gives
 * them, and invoked with one-record batches received from that queue, so that it proves each record
 * (ChangeMessageVisibilityBatch) and records its intent (UpdateItem) as deployed. Two baselines, with a plain
 * SDK client: the four IAM calls alone (the figure before the record existed), and all six calls. Everything
 * talks to the same moto, directly, one role after another, interleaved so that the machine's noise falls on all.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
} from '@aws-sdk/client-iam';
import {
  ChangeMessageVisibilityBatchCommand,
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createRoleEvent, toSqsEvent } from '../emulator/lambda-shapes.js';
import { startMoto } from '../emulator/moto.js';
import { createOwnershipTable } from '../emulator/ownership-table.js';
import { BUNDLES } from '../toolchain/bundles.mjs';
import { median, type Section } from './record.js';

const RUNS = 30;
const WARM_UP = 3;
const EC2_TRUST = JSON.stringify({
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

type Handler = (event: unknown) => Promise<{ batchItemFailures: unknown[] }>;

/** Median warm handler time and median time of the bare calls, per remediation. */
export async function warmSection(): Promise<Section> {
  const moto = await startMoto();
  const saved = { ...process.env };
  const credentials = { accessKeyId: 'bench', secretAccessKey: 'bench' };
  const config = { endpoint: moto.url, region: 'us-east-1', credentials };
  const iam = new IAMClient(config);
  const sqs = new SQSClient(config);
  const db = new DynamoDBClient(config);
  try {
    const { tableName } = await createOwnershipTable(db, 'bench-ownership', []);
    const { QueueUrl: queueUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'bench-warm', Attributes: { VisibilityTimeout: '180' } }),
    );
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = Attributes?.QueueArn ?? '';
    /** One message on the queue, received as Lambda's poller receives it: a real receipt handle. */
    const received = async (body: unknown): Promise<Message> => {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify(body) }));
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1, MessageSystemAttributeNames: ['All'] }),
      );
      const [message] = Messages;
      if (message === undefined) throw new Error('bench: the queue gave no message');
      return message;
    };
    // The function's environment, read once when the bundle is imported, as at a cold start.
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      OWNERSHIP_TABLE: tableName,
      QUEUE_URLS: queueUrl,
    });
    const { handler } = (await import(pathToFileURL(resolve(BUNDLES.remediator.path)).href)) as {
      handler: Handler;
    };
    const handlerMs: number[] = [];
    const bareMs: number[] = [];
    const allMs: number[] = [];
    for (let i = 0; i < WARM_UP + RUNS; i++) {
      const [viaHandler, bare, all] = ['warm', 'bare', 'all'].map((kind) => `${kind}-${randomUUID().slice(0, 8)}`) as [
        string,
        string,
        string,
      ];
      for (const name of [viaHandler, bare, all]) {
        await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST }));
      }
      const message = await received(createRoleEvent(viaHandler));
      const event = toSqsEvent([message], queueArn, 'us-east-1');
      let started = performance.now();
      const { batchItemFailures } = await handler(event);
      const handlerTime = performance.now() - started;
      if (batchItemFailures.length > 0) throw new Error(`the handler failed ${viaHandler}`);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
      started = performance.now();
      await bareCalls(iam, bare);
      const bareTime = performance.now() - started;
      const other = await received(createRoleEvent(all));
      started = performance.now();
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: [{ Id: '0', ReceiptHandle: other.ReceiptHandle, VisibilityTimeout: 180 }],
        }),
      );
      await db.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: { name: { S: all } },
          UpdateExpression: 'SET intents = list_append(if_not_exists(intents, :none), :intent)',
          ExpressionAttributeValues: { ':none': { L: [] }, ':intent': { L: [{ M: { creationId: { S: all } } }] } },
        }),
      );
      await bareCalls(iam, all);
      const allTime = performance.now() - started;
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: other.ReceiptHandle }));
      if (i >= WARM_UP) {
        handlerMs.push(handlerTime);
        bareMs.push(bareTime);
        allMs.push(allTime);
      }
    }
    const [handled, baseline, everything] = [median(handlerMs), median(bareMs), median(allMs)];
    return {
      title: 'Warm handler time per remediation',
      method:
        `The bundle imported once (a warm environment) with its queue and ownership table, and invoked with a ` +
        `one-record batch received from that queue per new EC2 role: it proves the record and records its intent, as ` +
        `deployed. Baselines with a plain SDK client: the four IAM calls, and all six calls (the proof, the intent, ` +
        `the four IAM calls). Median of ${RUNS} each, interleaved, against moto directly.`,
      figures: [
        {
          name: 'handler, create and link',
          value: Math.round(handled * 10) / 10,
          unit: 'ms',
          baseline: { name: 'its 4 IAM calls, bare', value: Math.round(baseline * 10) / 10 },
        },
        {
          name: 'handler, create and link (all its calls)',
          value: Math.round(handled * 10) / 10,
          unit: 'ms',
          baseline: { name: 'its 6 calls, bare (proof, intent, 4 IAM)', value: Math.round(everything * 10) / 10 },
        },
      ],
    };
  } finally {
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
    for (const client of [iam, sqs, db]) client.destroy();
    await moto.stop();
  }
}

/** What the handler does for a new EC2 role, and nothing else: read, list, create with our tags, add. */
async function bareCalls(iam: IAMClient, roleName: string): Promise<void> {
  const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
  await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: roleName }));
  await iam.send(
    new CreateInstanceProfileCommand({
      InstanceProfileName: roleName,
      Path: Role?.Path ?? '/',
      Tags: [
        { Key: 'auto-instance-profile:managed', Value: 'true' },
        { Key: 'auto-instance-profile:source-role-id', Value: Role?.RoleId ?? '' },
        { Key: 'auto-instance-profile:source-role-arn', Value: Role?.Arn ?? '' },
      ],
    }),
  );
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: roleName, RoleName: roleName }));
}
