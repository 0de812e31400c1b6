/**
 * Records the function can prove (issue 20, finding 4), through the built bundle against moto with the stack's
 * queues: a direct `lambda:Invoke` (PowerUserAccess has it, and no IAM writes), with an event or with a made-up
 * SQS batch, changes nothing; only a message in flight in the function's own queues is acted on. On fabf574 every
 * one of these released the role's profile.
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { reconcileMessage } from '../../core/events.js';
import { toSqsEvent } from '../../emulator/lambda-shapes.js';
import type { SandboxPipeline } from '../../emulator/pipeline.js';
import { type BatchResponse, invokeBundle, roleWithOurProfile, sqsBatch } from './support/bundle.js';
import { cloudTrailEvent, deleteConflictEvent } from './support/cloudtrail.js';
import { createRole, getProfile, profilesOf, uniqueRoleName } from './support/iam.js';
import { deliver, queueEnvironment, stackQueuesInMoto } from './support/stack.js';

let pipeline: SandboxPipeline;
let env: Record<string, string>;

beforeAll(async () => {
  pipeline = await stackQueuesInMoto('record-proof');
  env = queueEnvironment(pipeline);
});

/** A role of ours whose delete just failed on our profile: a real DeleteConflict would release it. */
async function releasableRole(label: string): Promise<string> {
  const role = uniqueRoleName(label);
  await roleWithOurProfile(role);
  return role;
}

describe('finding 4: records are proven, not taken on trust', () => {
  it('refuses a direct invocation with an EventBridge event: nothing changes, and it says so', async () => {
    // Prepare
    const role = await releasableRole('direct-event');

    // Act
    const { result, logs, actions } = await invokeBundle<Record<string, unknown>>(await deleteConflictEvent(role), env);

    // Assess
    expect(result).toEqual({ decision: 'refused', reason: 'not-an-sqs-batch' });
    expect(actions).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'ERROR', decision: 'refused' }));
  });

  it('refuses a made-up SQS record carrying a CloudTrail DeleteConflict: SQS does not know its receipt handle', async () => {
    // Prepare: the batch names the function's own queue, as the real one does
    const role = await releasableRole('made-up');
    const batch = sqsBatch(await deleteConflictEvent(role));
    for (const record of batch.Records) record.eventSourceARN = pipeline.paths.immediate.queueArn;

    // Act
    const { result, logs, actions, metrics } = await invokeBundle<BatchResponse>(batch, env);

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(actions).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(logs).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'record not proven, nothing changed',
        reason: expect.stringContaining('ReceiptHandleIsInvalid'),
      }),
    );
    expect(metrics).toContainEqual(expect.objectContaining({ RecordsRefused: 1 }));
  });

  it('refuses a made-up reconcile message, which would skip ignoredCallers: no profile for the role', async () => {
    // Prepare: an EC2 role CloudFormation made (left alone by default), named in a forged reconcile message
    const role = uniqueRoleName('stack-role');
    await createRole(role);
    const batch = sqsBatch(reconcileMessage(role, 'forged-scan', new Date()));
    for (const record of batch.Records) record.eventSourceARN = pipeline.paths.settle.queueArn;

    // Act
    const { result, actions } = await invokeBundle<BatchResponse>(batch, env);

    // Assess (on fabf574: the role got a profile)
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-0' }]);
    expect(actions).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
  });

  it('refuses a message received from another queue, whatever it names as its source', async () => {
    // Prepare: the attacker's own queue, from which they may receive a real message with a real handle
    const role = await releasableRole('other-queue');
    const sqs = new SQSClient({});
    const { QueueUrl: url = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `theirs-${role}` }));
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: JSON.stringify(await deleteConflictEvent(role)),
      }),
    );
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));

    // Act: once as it is, once claiming to come from the function's queue
    const honest = await invokeBundle<BatchResponse>(
      toSqsEvent(Messages, Attributes?.QueueArn ?? '', 'us-east-1'),
      env,
    );
    const claimed = await invokeBundle<BatchResponse>(
      toSqsEvent(Messages, pipeline.paths.immediate.queueArn, 'us-east-1'),
      env,
    );

    // Assess
    expect(Messages).toHaveLength(1);
    expect([...(honest.actions ?? []), ...(claimed.actions ?? [])]).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(honest.logs).toContainEqual(
      expect.objectContaining({ reason: expect.stringContaining("not from the function's own queues") }),
    );
    expect(claimed.result.batchItemFailures).toHaveLength(1);
  });

  it('acts on the same signal when it comes through its own queue (the control)', async () => {
    // Prepare
    const role = await releasableRole('real');

    // Act
    const { decision } = await deliver(pipeline, [await deleteConflictEvent(role)], { role });

    // Assess
    expect(decision).toMatchObject({ decision: 'release' });
    expect(await getProfile(role)).toBeUndefined();
  });

  it('says once, at cold start, that it takes records unproven when it has no queues (the local invoke tool)', async () => {
    // Prepare
    const role = uniqueRoleName('unproven');
    await createRole(role);

    // Act
    const { logs } = await invokeBundle<BatchResponse>(sqsBatch(cloudTrailEvent('create-role', role)));

    // Assess
    expect(logs.filter((line) => line.message.includes('records are taken unproven'))).toHaveLength(1);
    expect(await profilesOf(role)).toEqual([role]);
  });
});
