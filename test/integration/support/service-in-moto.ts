/**
 * The service in one account of a moto, as far as `pause`, `resume` and `doctor` read it: the stack's queues and rules
 * (emulator/pipeline.ts), the remediator with a mapping per queue (emulator/remediator-function.ts), its ownership
 * table, a logging trail, and the stack whose outputs name them, under the name given (`StackSet-…` for an
 * organization's member account).
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { IAMClient } from '@aws-sdk/client-iam';
import { LambdaClient, ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STACK_NAME, VISIBILITY_TIMEOUT_SECONDS } from '../../../core/pipeline-settings.js';
import { recordTrail } from '../../../emulator/cloudtrail.js';
import { createOwnershipTable } from '../../../emulator/ownership-table.js';
import { createPipeline, DELIVERIES, recordStack, type SandboxPipeline } from '../../../emulator/pipeline.js';
import { recordRemediator } from '../../../emulator/remediator-function.js';

/** An account's clients' settings in moto: its endpoint, region, and credentials (a member's, else moto's own). */
export interface MotoAccount {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    readonly sessionToken?: string;
  };
}

/** What {@link serviceInMoto} made. */
export interface ServiceInMoto {
  readonly stackName: string;
  readonly functionName: string;
  readonly pipeline: SandboxPipeline;
  /** The state of each queue's mapping now, by delivery: `Enabled`, `Disabled` … */
  states(): Promise<Record<'settle' | 'immediate', string | undefined>>;
  /** Switches one queue's mapping, as by hand (`aws lambda update-event-source-mapping`). */
  switchByHand(delivery: 'settle' | 'immediate', enabled: boolean): Promise<void>;
  readonly sqs: SQSClient;
  destroy(): void;
}

/** Makes the service in the account. */
export async function serviceInMoto(
  account: MotoAccount,
  options: { readonly stackName?: string; readonly settleDelaySeconds?: number; readonly name?: string } = {},
): Promise<ServiceInMoto> {
  const stackName = options.stackName ?? STACK_NAME;
  const name = options.name ?? 'paused';
  const clients = {
    sqs: new SQSClient(account),
    events: new EventBridgeClient(account),
    iam: new IAMClient(account),
    lambda: new LambdaClient(account),
    cloudformation: new CloudFormationClient(account),
    cloudtrail: new CloudTrailClient(account),
    dynamodb: new DynamoDBClient(account),
  };
  const pipeline = await createPipeline(clients, {
    name,
    settleDelaySeconds: options.settleDelaySeconds ?? 30,
    visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
  });
  const functionName = `${stackName}-Remediator`;
  const { tableName } = await createOwnershipTable(clients.dynamodb, `${name}-ownership`, []);
  await recordTrail(clients.cloudtrail, account.endpoint, `${name}-trail`);
  const recorded = await recordRemediator(clients, {
    functionName,
    environment: { OWNERSHIP_TABLE: tableName },
    queues: DELIVERIES.map((delivery) => pipeline.paths[delivery]),
  });
  await recordStack(clients.cloudformation, pipeline, { functionName, ownershipTableName: tableName, stackName });
  const uuidOf = (delivery: 'settle' | 'immediate') => recorded.mappings.get(pipeline.paths[delivery].queueArn);
  return {
    stackName,
    functionName,
    pipeline,
    sqs: clients.sqs,
    async states() {
      const { EventSourceMappings = [] } = await clients.lambda.send(
        new ListEventSourceMappingsCommand({ FunctionName: functionName }),
      );
      const state = (delivery: 'settle' | 'immediate') =>
        EventSourceMappings.find((mapping) => mapping.UUID === uuidOf(delivery))?.State;
      return { settle: state('settle'), immediate: state('immediate') };
    },
    async switchByHand(delivery, enabled) {
      await clients.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuidOf(delivery), Enabled: enabled }));
    },
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
    },
  };
}
