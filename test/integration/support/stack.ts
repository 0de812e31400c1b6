/**
 * The stack's own resources in moto, as the stack defines them, for the tests that need them: the ownership
 * table (one per test project, shared: every test uses role names of its own, and the table is keyed by them),
 * and the two queues with their dead-letter queue and rules (emulator/pipeline.ts, one set per test file).
 * {@link deliver} sends events through those queues and hands the function what it received, with the real
 * receipt handles it then proves (functions/remediator/record-proof.ts).
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { OwnershipTable } from '../../../core/dynamodb/ownership-table.js';
import { DELIVERY, type Delivery, fromEventBridge } from '../../../core/events.js';
import { RECONCILE_FUNCTION_TAG } from '../../../core/lambda/reconcile-now.js';
import {
  OPTIONAL_STACK_OUTPUTS,
  SERVICE_ROLE_PATH,
  STACK_NAME,
  STACK_OUTPUTS,
  VISIBILITY_TIMEOUT_SECONDS,
} from '../../../core/pipeline-settings.js';
import { toSqsEvent } from '../../../emulator/lambda-shapes.js';
import { createOwnershipTable, ensureOwnershipTable } from '../../../emulator/ownership-table.js';
import { createPipeline, type SandboxPipeline } from '../../../emulator/pipeline.js';
import { type BatchResponse, type Invocation, invokeBundle, type LogLine } from './bundle.js';
import { getProfile, roleIdOf } from './iam.js';

/** The ownership table the tests' functions record in, unless a test gives its own (or none). */
export const TEST_OWNERSHIP_TABLE = 'auto-instance-profile-tests-ownership';

/** The role ARNs the table's policy names as writers: the function's role as the tests name it. */
export const TEST_SERVICE_ROLE_ARN = 'arn:aws:iam::123456789012:role/auto-instance-profile/remediator';

let table: Promise<string> | undefined;

/** Creates the shared ownership table in moto once per worker (another worker may have made it: that is fine). */
export function ownershipTableInMoto(): Promise<string> {
  table ??= ensureOwnershipTable(new DynamoDBClient({}), TEST_OWNERSHIP_TABLE, [TEST_SERVICE_ROLE_ARN]);
  return table;
}

/** The stack's queues and rules in moto, with no settle delay so that tests need not wait. */
export async function stackQueuesInMoto(label: string): Promise<SandboxPipeline> {
  return createPipeline(
    { sqs: new SQSClient({}), events: new EventBridgeClient({}) },
    {
      name: `${label}-${randomUUID().slice(0, 8)}`,
      settleDelaySeconds: 0,
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    },
  );
}

/** The function's environment for a pipeline: its queues, which it proves each record against. */
export function queueEnvironment(pipeline: SandboxPipeline): Record<string, string> {
  return { QUEUE_URLS: [pipeline.paths.settle.queueUrl, pipeline.paths.immediate.queueUrl].join(',') };
}

/** What one delivery did: the function's answer, its log lines, and the decisions among them. */
export interface Delivered extends Invocation<BatchResponse> {
  /** The decision lines (with a `decision` key). */
  readonly decisions: LogLine[];
  /** The first decision line about `role`, when asked for one. */
  readonly decision: LogLine | undefined;
}

/** How to deliver. */
export interface DeliverOptions {
  /** The role whose decision line is `decision`. */
  readonly role?: string;
  /** More of the function's environment (an IAM proxy's endpoint, settings). */
  readonly env?: Record<string, string>;
  /** Leave the records the function returned in the queue, for a redelivery. @default false: every one is deleted */
  readonly keepFailed?: boolean;
}

const sqs = new SQSClient({});

/**
 * Sends each event to the queue its rule would put it on (by the adapter's {@link DELIVERY}), receives them as
 * Lambda's poller does, invokes the built function with that batch (one per queue), and settles the batch as
 * ReportBatchItemFailures does. One delivery's events all go in one batch per queue.
 */
export async function deliver(
  pipeline: SandboxPipeline,
  events: readonly unknown[],
  options: DeliverOptions = {},
): Promise<Delivered> {
  const byPath = new Map<Delivery, unknown[]>();
  for (const event of events) byPath.set(pathOf(event), [...(byPath.get(pathOf(event)) ?? []), event]);
  const invocations: Invocation<BatchResponse>[] = [];
  for (const [path, sent] of byPath) {
    const queue = pipeline.paths[path];
    const ids = new Set<string>();
    for (const event of sent) {
      const { MessageId } = await sqs.send(
        new SendMessageCommand({ QueueUrl: queue.queueUrl, MessageBody: JSON.stringify(event) }),
      );
      if (MessageId !== undefined) ids.add(MessageId);
    }
    const received = await receive(queue.queueUrl, ids);
    const invocation = await invokeBundle<BatchResponse>(toSqsEvent(received, queue.queueArn, 'us-east-1'), {
      ...queueEnvironment(pipeline),
      ...options.env,
    });
    const failed = new Set(invocation.result.batchItemFailures.map((failure) => failure.itemIdentifier));
    const done = options.keepFailed ? received.filter((message) => !failed.has(message.MessageId ?? '')) : received;
    if (done.length > 0) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queue.queueUrl,
          Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle })),
        }),
      );
    }
    invocations.push(invocation);
  }
  const [first, ...rest] = invocations;
  if (first === undefined) throw new Error('deliver: no events');
  const logs = invocations.flatMap((invocation) => invocation.logs);
  const decisions = logs.filter((line) => line.decision !== undefined);
  return {
    ...first,
    result: { batchItemFailures: invocations.flatMap((invocation) => invocation.result.batchItemFailures) },
    logs,
    metrics: invocations.flatMap((invocation) => invocation.metrics),
    actions: [...(first.actions ?? []), ...rest.flatMap((invocation) => invocation.actions ?? [])],
    decisions,
    decision: decisions.find((line) => options.role === undefined || line.role === options.role),
  };
}

/** The delivery path of an event, as the rules route it; anything the adapter refuses goes to the settle queue. */
function pathOf(event: unknown): Delivery {
  try {
    const adapted = fromEventBridge(event);
    return adapted.kind === 'ignored' ? 'settle' : DELIVERY[adapted.kind];
  } catch {
    return 'settle';
  }
}

/** Receives exactly the messages `ids`, as they become visible. */
async function receive(queueUrl: string, ids: ReadonlySet<string>): Promise<Message[]> {
  const received: Message[] = [];
  for (let attempt = 0; received.length < ids.size && attempt < 20; attempt++) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageSystemAttributeNames: ['All'],
      }),
    );
    received.push(...(Messages ?? []).filter((message) => ids.has(message.MessageId ?? '')));
  }
  if (received.length < ids.size) throw new Error(`deliver: received ${received.length} of ${ids.size} messages`);
  return received;
}

/**
 * Records a profile in the tests' ownership table as the service's, bound to `roleName`'s id, as the service
 * does when it confirms a create (the arrangement for "a profile of ours" made by hand in moto). The role must exist.
 */
export async function recordOurs(profileName: string, roleName: string = profileName): Promise<void> {
  const [profile, roleId] = await Promise.all([getProfile(profileName), roleIdOf(roleName)]);
  if (profile?.InstanceProfileId === undefined || roleId === undefined) {
    throw new Error(`recordOurs: no profile ${profileName} or no role ${roleName}`);
  }
  const records = new OwnershipTable(new DynamoDBClient({}), await ownershipTableInMoto());
  const record = await records.read(profileName);
  const owned = {
    profileId: profile.InstanceProfileId,
    roleId,
    source: 'created' as const,
    at: new Date().toISOString(),
  };
  const bound = await records.bind(profileName, owned, record === 'absent' ? 'absent' : record.version);
  if (bound !== 'done') throw new Error(`recordOurs: the record of ${profileName} changed meanwhile`);
}

/** What {@link deployedStackInMoto} made. */
export interface DeployedStackInMoto {
  readonly stackName: string;
  readonly tableName: string;
  /** The ownership table, through a client of that moto. */
  readonly records: OwnershipTable;
  /** The operator role's ARN; empty without one (`operatorRole: false`). */
  readonly operatorRoleArn: string;
  /** The reconcile function, tagged as the stack tags it: `fix` starts it when it hands over to the service. */
  readonly reconcileFunctionName: string;
  /** The roles it made in the account (the function's, the operator's): a scan counts them. */
  readonly roles: number;
}

/** Where {@link deployedStackInMoto} deploys, and with what. */
export interface DeployedStackOptions {
  /** The account's credentials in moto (a member's). @default the caller's, account 123456789012 */
  readonly credentials?: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
  /** With an operator role (`operatorPrincipals`). @default true */
  readonly operatorRole?: boolean;
}

/**
 * The service's stack as far as the CLI reads it, in a moto of the test's own: the remediator (a Lambda function
 * whose environment holds the stack's settings, the ownership table among them), the reconcile function (tagged as
 * the stack tags it), its ownership table, an operator role trusting the tests' caller (unless `operatorRole` is
 * false), and a stack named {@link STACK_NAME} whose outputs name them.
 */
export async function deployedStackInMoto(
  motoUrl: string,
  settings: Record<string, string> = {},
  options: DeployedStackOptions = {},
): Promise<DeployedStackInMoto> {
  const { credentials, operatorRole: withOperator = true } = options;
  const config = { endpoint: motoUrl, region: 'us-east-1', ...(credentials === undefined ? {} : { credentials }) };
  const iam = new IAMClient(config);
  const lambda = new LambdaClient(config);
  const cloudformation = new CloudFormationClient(config);
  const db = new DynamoDBClient(config);
  const trust = (principal: Record<string, string>) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
    });
  try {
    const tableName = `${STACK_NAME}-OwnershipTable-${randomUUID().slice(0, 8)}`;
    const { Role: functionRole } = await iam.send(
      new CreateRoleCommand({
        RoleName: `${STACK_NAME}-FunctionRole`,
        Path: SERVICE_ROLE_PATH,
        AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
      }),
    );
    const operatorRole = withOperator
      ? (
          await iam.send(
            new CreateRoleCommand({
              RoleName: `${STACK_NAME}-OperatorRole`,
              Path: SERVICE_ROLE_PATH,
              AssumeRolePolicyDocument: trust({ AWS: 'arn:aws:iam::123456789012:root' }),
            }),
          )
        ).Role
      : undefined;
    const functionRoleArn = functionRole?.Arn ?? '';
    const operatorRoleArn = operatorRole?.Arn ?? '';
    await createOwnershipTable(db, tableName, withOperator ? [functionRoleArn, operatorRoleArn] : [functionRoleArn]);
    const functionName = `${STACK_NAME}-Remediator`;
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: 'nodejs20.x',
        Role: functionRoleArn,
        Handler: 'index.handler',
        Code: { ZipFile: new TextEncoder().encode('the bundle') },
        Environment: {
          Variables: { ...settings, SERVICE_ROLE_ARN: functionRoleArn, OWNERSHIP_TABLE: tableName },
        },
      }),
    );
    const reconcileFunctionName = `${STACK_NAME}-Reconcile`;
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: reconcileFunctionName,
        Runtime: 'nodejs20.x',
        Role: functionRoleArn,
        Handler: 'index.handler',
        Code: { ZipFile: new TextEncoder().encode('the bundle') },
        Tags: { [RECONCILE_FUNCTION_TAG.key]: RECONCILE_FUNCTION_TAG.value },
      }),
    );
    const outputs: Record<string, string> = {
      [STACK_OUTPUTS.ruleName]: `${STACK_NAME}-Rule`,
      [STACK_OUTPUTS.functionName]: functionName,
      [STACK_OUTPUTS.reconcileFunctionName]: reconcileFunctionName,
      [STACK_OUTPUTS.ownershipTableName]: tableName,
      ...(withOperator ? { [OPTIONAL_STACK_OUTPUTS.operatorRoleArn]: operatorRoleArn } : {}),
    };
    await cloudformation.send(
      new CreateStackCommand({
        StackName: STACK_NAME,
        TemplateBody: JSON.stringify({
          // The outputs are what the CLI reads; a handle is the quickest resource moto makes.
          Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
        }),
      }),
    );
    return {
      stackName: STACK_NAME,
      tableName,
      records: new OwnershipTable(db, tableName),
      operatorRoleArn,
      reconcileFunctionName,
      roles: withOperator ? 2 : 1,
    };
  } finally {
    iam.destroy();
    lambda.destroy();
    cloudformation.destroy();
  }
}
