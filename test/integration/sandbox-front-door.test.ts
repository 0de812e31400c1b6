/**
 * The sandbox's front door against moto: calls pass through unchanged, and each IAM write, successful or
 * failed, becomes a CloudTrail-format event that the stack's rule routes to the queue and the
 * remediator's adapter accepts.
 */

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { fromSqsRecord } from '../../core/events.js';
import { type FrontDoor, startFrontDoor } from '../../local/front-door.js';
import { createPipeline } from '../../local/pipeline.js';
import { EC2_TRUST_JSON } from '../support/policies.js';

const MOTO_URL = inject('motoUrl');
const fixture = JSON.parse(readFileSync('test/fixtures/cloudtrail/create-role.json', 'utf8')) as {
  detail: Record<string, unknown>;
};

const running: FrontDoor[] = [];
afterEach(async () => {
  for (const door of running.splice(0)) await door.stop();
});

async function capturingFrontDoor(): Promise<{ readonly door: FrontDoor; readonly entries: PutEventsRequestEntry[] }> {
  const entries: PutEventsRequestEntry[] = [];
  const door = await startFrontDoor({
    targetUrl: MOTO_URL,
    publish: async (entry) => {
      entries.push(entry);
    },
  });
  running.push(door);
  return { door, entries };
}

function detailOf(entry: PutEventsRequestEntry | undefined): Record<string, unknown> {
  if (entry?.Detail === undefined) throw new Error('no entry');
  return JSON.parse(entry.Detail) as Record<string, unknown>;
}

describe('front door', () => {
  it('records a successful CreateRole with the fields CloudTrail records', async () => {
    // Prepare
    const { door, entries } = await capturingFrontDoor();
    const iam = new IAMClient({ endpoint: door.url });
    const roleName = `fd-${randomUUID().slice(0, 8)}`;

    // Act
    const created = await iam.send(
      new CreateRoleCommand({
        RoleName: roleName,
        Path: '/apps/',
        AssumeRolePolicyDocument: EC2_TRUST_JSON,
        Tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );
    iam.destroy();

    // Assess
    expect(created.Role?.RoleName).toBe(roleName);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ Source: 'aws.iam', DetailType: 'AWS API Call via CloudTrail', Resources: [] });
    const detail = detailOf(entries[0]);
    const expectedKeys = Object.keys(fixture.detail).filter((key) => key !== 'tlsDetails');
    expect(Object.keys(detail).sort()).toEqual(expectedKeys.sort());
    expect(detail).toMatchObject({
      eventSource: 'iam.amazonaws.com',
      eventName: 'CreateRole',
      awsRegion: 'us-east-1',
      sourceIPAddress: '127.0.0.1',
      readOnly: false,
      eventType: 'AwsApiCall',
      managementEvent: true,
      eventCategory: 'Management',
      recipientAccountId: '123456789012',
      requestParameters: {
        roleName,
        path: '/apps/',
        assumeRolePolicyDocument: EC2_TRUST_JSON,
        tags: [{ key: 'team', value: 'platform' }],
      },
      responseElements: {
        role: {
          roleName,
          path: '/apps/',
          arn: `arn:aws:iam::123456789012:role/apps/${roleName}`,
          assumeRolePolicyDocument: encodeURIComponent(EC2_TRUST_JSON),
        },
      },
    });
    expect(String(detail.userAgent)).toContain('aws-sdk-js');
    expect((detail.responseElements as { role: { createDate: string } }).role.createDate).toMatch(
      /^[A-Z][a-z]{2} \d{1,2}, \d{4} \d{1,2}:\d{2}:\d{2} [AP]M$/,
    );
  });

  it('records a failed write with errorCode, errorMessage and null responseElements, and passes the error through', async () => {
    // Prepare
    const { door, entries } = await capturingFrontDoor();
    const iam = new IAMClient({ endpoint: door.url, maxAttempts: 1 });
    const roleName = `fd-${randomUUID().slice(0, 8)}`;
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: EC2_TRUST_JSON }));

    // Act
    const error = await iam
      .send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: EC2_TRUST_JSON }))
      .catch((e: unknown) => e);
    iam.destroy();

    // Assess
    expect((error as Error).name).toBe('EntityAlreadyExistsException');
    expect(entries).toHaveLength(2);
    expect(detailOf(entries[1])).toMatchObject({
      eventName: 'CreateRole',
      errorCode: 'EntityAlreadyExistsException',
      errorMessage: expect.stringContaining(roleName),
      responseElements: null,
      requestParameters: { roleName },
    });
  });

  it('forwards read calls and other services without recording them', async () => {
    // Prepare
    const { door, entries } = await capturingFrontDoor();
    const iam = new IAMClient({ endpoint: door.url });
    const sqs = new SQSClient({ endpoint: door.url });
    const roleName = `fd-${randomUUID().slice(0, 8)}`;
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
    entries.length = 0;

    // Act
    const role = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    const queues = await sqs.send(new ListQueuesCommand({}));
    iam.destroy();
    sqs.destroy();

    // Assess
    expect(role.Role?.RoleName).toBe(roleName);
    expect(queues.$metadata.httpStatusCode).toBe(200);
    expect(entries).toEqual([]);
  });

  it('publishes to EventBridge so that the stack rule routes the event to the queue and the adapter accepts it', async () => {
    // Prepare
    const events = new EventBridgeClient({});
    const sqs = new SQSClient({});
    const pipeline = await createPipeline(
      { sqs, events },
      { name: `fd-${randomUUID().slice(0, 8)}`, settleDelaySeconds: 0, visibilityTimeoutSeconds: 30 },
    );
    const door = await startFrontDoor({
      targetUrl: MOTO_URL,
      publish: async (entry) => {
        await events.send(new PutEventsCommand({ Entries: [entry] }));
      },
    });
    running.push(door);
    const iam = new IAMClient({ endpoint: door.url });
    const roleName = `fd-${randomUUID().slice(0, 8)}`;

    // Act
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pipeline.queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
    );
    for (const client of [iam, events, sqs]) client.destroy();

    // Assess
    const messages = received.Messages ?? [];
    expect(messages).toHaveLength(1);
    const adapted = fromSqsRecord({ messageId: messages[0]?.MessageId ?? '', body: messages[0]?.Body ?? '' });
    expect(adapted).toMatchObject({ kind: 'role-created', roleName, eventName: 'CreateRole' });
  });
});
