/**
 * The sandbox's two delivery paths in a moto of their own (so that no other test's events reach these
 * queues, nor these events theirs): the CloudTrail hook records a failed DeleteRole as CloudTrail writes it,
 * with `errorCode` DeleteConflictException, and the delete rule routes it to the queue without delay, while
 * CreateRole goes to the settle queue and waits there. The stack record names both paths.
 */
import { readFileSync } from 'node:fs';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { GetQueueAttributesCommand, type Message, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromSqsRecord } from '../../core/events.js';
import { STACK_NAME } from '../../core/pipeline-settings.js';
import { cloudTrail } from '../../emulator/cloudtrail.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createPipeline, recordStack, type SandboxPipeline } from '../../emulator/pipeline.js';
import { type ProxyServer, startProxy } from '../../emulator/proxy.js';
import { EC2_TRUST_JSON } from '../support/policies.js';

/** Long enough that nothing on the settle queue can be received while the test runs. */
const SETTLE_DELAY_SECONDS = 900;
const ROLE = 'paths-role';
const fixture = JSON.parse(readFileSync('test/fixtures/cloudtrail/delete-role-conflict.json', 'utf8')) as {
  detail: { errorCode: string; errorMessage: string };
};

let moto: MotoServer;
let proxy: ProxyServer;
let pipeline: SandboxPipeline;
let sqs: SQSClient;
let events: EventBridgeClient;
let iam: IAMClient;
let cloudformation: CloudFormationClient;
/** What the hook published, in order. */
const published: PutEventsRequestEntry[] = [];

beforeAll(async () => {
  moto = await startMoto();
  const config = {
    endpoint: moto.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };
  sqs = new SQSClient(config);
  events = new EventBridgeClient(config);
  iam = new IAMClient(config);
  cloudformation = new CloudFormationClient(config);
  pipeline = await createPipeline(
    { sqs, events },
    { name: 'paths', settleDelaySeconds: SETTLE_DELAY_SECONDS, visibilityTimeoutSeconds: 30 },
  );
  proxy = await startProxy({
    targetUrl: moto.url,
    hooks: [
      cloudTrail({
        publish: async (entry) => {
          await events.send(new PutEventsCommand({ Entries: [entry] }));
          published.push(entry);
        },
      }),
    ],
  });
}, 60_000);

afterAll(async () => {
  await proxy?.close();
  for (const client of [sqs, events, iam, cloudformation]) client?.destroy();
  await moto?.stop();
});

/** The IAM client of a user: through the front door, where the hook sees its calls. */
function userIam(): IAMClient {
  return new IAMClient({
    endpoint: proxy.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
}

async function depth(queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: [
        'ApproximateNumberOfMessages',
        'ApproximateNumberOfMessagesNotVisible',
        'ApproximateNumberOfMessagesDelayed',
      ],
    }),
  );
  return Object.values(Attributes).reduce((sum, count) => sum + Number(count), 0);
}

async function receive(queueUrl: string): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(
    new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
  );
  return Messages;
}

describe('the two delivery paths', () => {
  it('creates a rule from each pattern into a queue of its own: the settle delay on one, none on the other, one DLQ', async () => {
    // Prepare: the pipeline. Act
    const attributes = await Promise.all(
      [pipeline.paths.settle, pipeline.paths.immediate].map(async (path) => {
        const { Attributes = {} } = await sqs.send(
          new GetQueueAttributesCommand({ QueueUrl: path.queueUrl, AttributeNames: ['DelaySeconds', 'RedrivePolicy'] }),
        );
        return Attributes;
      }),
    );

    // Assess
    expect(attributes.map((a) => a.DelaySeconds)).toEqual([String(SETTLE_DELAY_SECONDS), '0']);
    expect(attributes.map((a) => JSON.parse(a.RedrivePolicy ?? '{}').deadLetterTargetArn)).toEqual([
      pipeline.deadLetterQueueArn,
      pipeline.deadLetterQueueArn,
    ]);
    expect(pipeline.paths.immediate.ruleName).toBe('paths-delete');
  });

  it('records a DeleteRole that fails with DeleteConflict as CloudTrail does, and routes it to the delete queue only', async () => {
    // Prepare: a role in a profile, made directly in moto, out of the hook's sight
    await iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: ROLE }));
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: ROLE, RoleName: ROLE }));
    const user = userIam();
    published.length = 0;

    // Act
    const error = await user.send(new DeleteRoleCommand({ RoleName: ROLE })).catch((e: unknown) => e);
    const delivered = await receive(pipeline.paths.immediate.queueUrl);
    const onSettleQueue = await depth(pipeline.paths.settle.queueUrl);
    user.destroy();

    // Assess
    expect((error as Error).name).toBe('DeleteConflictException');
    expect(published).toHaveLength(1);
    const detail = JSON.parse(published[0]?.Detail ?? '{}');
    expect(detail).toMatchObject({
      eventName: 'DeleteRole',
      eventSource: 'iam.amazonaws.com',
      requestParameters: { roleName: ROLE },
      responseElements: null,
      errorCode: fixture.detail.errorCode,
      errorMessage: fixture.detail.errorMessage,
    });
    expect(delivered).toHaveLength(1);
    const adapted = fromSqsRecord({ messageId: delivered[0]?.MessageId ?? '', body: delivered[0]?.Body ?? '' });
    expect(adapted).toMatchObject({
      kind: 'delete-conflict',
      roleName: ROLE,
      origin: { eventName: 'DeleteRole', errorCode: 'DeleteConflictException' },
    });
    expect(onSettleQueue).toBe(0);
  });

  it('routes CreateRole to the settle queue, where it waits, and not to the delete queue', async () => {
    // Prepare
    const user = userIam();
    const before = {
      settle: await depth(pipeline.paths.settle.queueUrl),
      delete: await depth(pipeline.paths.immediate.queueUrl),
    };

    // Act
    await user.send(new CreateRoleCommand({ RoleName: `${ROLE}-new`, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
    const after = {
      settle: await depth(pipeline.paths.settle.queueUrl),
      delete: await depth(pipeline.paths.immediate.queueUrl),
    };
    const waiting = await receive(pipeline.paths.settle.queueUrl);
    user.destroy();

    // Assess
    expect(after).toEqual({ settle: before.settle + 1, delete: before.delete });
    expect(waiting).toEqual([]);
  });

  it('records the stack with outputs that name both paths, the DLQ and the function', async () => {
    // Prepare
    await recordStack(cloudformation, pipeline, {
      functionName: 'paths-function',
      ownershipTableName: 'paths-ownership',
    });

    // Act
    const { Stacks = [] } = await cloudformation.send(new DescribeStacksCommand({ StackName: STACK_NAME }));

    // Assess
    expect(Stacks[0]?.StackStatus).toBe('CREATE_COMPLETE');
    const outputs = Object.fromEntries((Stacks[0]?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    expect(outputs).toEqual({
      RuleName: 'paths',
      QueueUrl: pipeline.paths.settle.queueUrl,
      DeleteRuleName: 'paths-delete',
      DeleteQueueUrl: pipeline.paths.immediate.queueUrl,
      DeadLetterQueueUrl: pipeline.deadLetterQueueUrl,
      FunctionName: 'paths-function',
      ReconcileFunctionName: 'paths-function-reconcile',
      OwnershipTableName: 'paths-ownership',
    });
  });
});
