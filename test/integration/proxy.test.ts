/**
 * The one proxy in front of moto, against moto: calls pass through unchanged; hooks answer in moto's
 * place, replace its answer or drop the connection before or after the call took effect; the CloudTrail
 * hook turns each IAM write, successful or failed, into a CloudTrail-format event that it publishes
 * before the caller gets its answer, and that the stack's rule routes to the queue.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, GetRoleCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { ListQueuesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { fromSqsRecord } from '../../core/events.js';
import { cloudTrail } from '../../emulator/cloudtrail.js';
import { iamErrorResponse, iamFaults, THROTTLING } from '../../emulator/iam-faults.js';
import { createPipeline } from '../../emulator/pipeline.js';
import { DROP, type ProxyHook, type ProxyServer, startProxy } from '../../emulator/proxy.js';
import { EC2_TRUST_JSON } from '../support/policies.js';

const MOTO_URL = inject('motoUrl');
const fixture = JSON.parse(readFileSync('test/fixtures/cloudtrail/create-role.json', 'utf8')) as {
  detail: Record<string, unknown>;
};

const running: ProxyServer[] = [];
const clients: { destroy(): void }[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  for (const proxy of running.splice(0)) await proxy.close();
});

async function proxyWith(...hooks: ProxyHook[]): Promise<ProxyServer> {
  const proxy = await startProxy({ targetUrl: MOTO_URL, hooks });
  running.push(proxy);
  return proxy;
}

function iamThrough(proxy: ProxyServer, maxAttempts = 1): IAMClient {
  const client = new IAMClient({ endpoint: proxy.url, maxAttempts });
  clients.push(client);
  return client;
}

function createRole(iam: IAMClient, roleName = `px-${randomUUID().slice(0, 8)}`) {
  return iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
}

/** Whether moto has the role, asked directly. */
async function motoHasRole(roleName: string): Promise<boolean> {
  const iam = new IAMClient({});
  clients.push(iam);
  return iam.send(new GetRoleCommand({ RoleName: roleName })).then(
    () => true,
    (error: unknown) => {
      if (error instanceof NoSuchEntityException) return false;
      throw error;
    },
  );
}

function detailOf(entry: PutEventsRequestEntry | undefined): Record<string, unknown> {
  if (entry?.Detail === undefined) throw new Error('no entry');
  return JSON.parse(entry.Detail) as Record<string, unknown>;
}

describe('proxy', () => {
  it('forwards calls unchanged and logs every IAM action it saw', async () => {
    // Prepare
    const proxy = await proxyWith();
    const iam = iamThrough(proxy);
    const sqs = new SQSClient({ endpoint: proxy.url });
    clients.push(sqs);

    // Act
    const created = await createRole(iam);
    const queues = await sqs.send(new ListQueuesCommand({}));

    // Assess
    expect(created.Role?.Arn).toMatch(/^arn:aws:iam::123456789012:role\/px-/);
    expect(queues.$metadata.httpStatusCode).toBe(200);
    expect(proxy.actions).toEqual(['CreateRole']);
    expect(proxy.calls.map((call) => [call.service, call.action])).toEqual([
      ['iam', 'CreateRole'],
      ['sqs', 'ListQueues'],
    ]);
  });

  it('answers in moto’s place when a hook answers before forwarding, and logs the action all the same', async () => {
    // Prepare
    const proxy = await proxyWith(iamFaults({ fault: (action) => (action === 'CreateRole' ? THROTTLING : undefined) }));
    const roleName = `px-${randomUUID().slice(0, 8)}`;

    // Act
    const error = await createRole(iamThrough(proxy), roleName).catch((e: unknown) => e);

    // Assess
    expect((error as Error).name).toBe('Throttling');
    expect(proxy.actions).toEqual(['CreateRole']);
    expect(await motoHasRole(roleName)).toBe(false);
  });

  it('drops the connection before forwarding: the call never reaches moto', async () => {
    // Prepare
    const proxy = await proxyWith({ onRequest: () => DROP });
    const roleName = `px-${randomUUID().slice(0, 8)}`;

    // Act
    const error = await createRole(iamThrough(proxy), roleName).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toHaveProperty('$metadata.httpStatusCode');
    expect(await motoHasRole(roleName)).toBe(false);
  });

  it('drops the connection after forwarding: the call took effect, but the caller never hears of it', async () => {
    // Prepare
    const proxy = await proxyWith({ onResponse: () => DROP });
    const roleName = `px-${randomUUID().slice(0, 8)}`;

    // Act
    const error = await createRole(iamThrough(proxy), roleName).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(await motoHasRole(roleName)).toBe(true);
  });

  it('replaces moto’s answer after forwarding, and later hooks see the replacement', async () => {
    // Prepare
    const seen: { status: number; forwarded: boolean }[] = [];
    const proxy = await proxyWith(
      { onResponse: () => iamErrorResponse({ status: 503, code: 'ServiceUnavailable' }) },
      {
        onResponse: (_request, response, { forwarded }) => {
          seen.push({ status: response.status, forwarded });
          return undefined;
        },
      },
    );
    const roleName = `px-${randomUUID().slice(0, 8)}`;

    // Act
    const error = await createRole(iamThrough(proxy), roleName).catch((e: unknown) => e);

    // Assess
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(503);
    expect(seen).toEqual([{ status: 503, forwarded: true }]);
    expect(await motoHasRole(roleName)).toBe(true);
  });
});

describe('CloudTrail hook', () => {
  async function capturing(): Promise<{ readonly proxy: ProxyServer; readonly entries: PutEventsRequestEntry[] }> {
    const entries: PutEventsRequestEntry[] = [];
    const proxy = await proxyWith(
      cloudTrail({
        publish: async (entry) => {
          entries.push(entry);
        },
      }),
    );
    return { proxy, entries };
  }

  it('records a successful CreateRole with the fields CloudTrail records', async () => {
    // Prepare
    const { proxy, entries } = await capturing();
    const roleName = `px-${randomUUID().slice(0, 8)}`;

    // Act
    await iamThrough(proxy).send(
      new CreateRoleCommand({
        RoleName: roleName,
        Path: '/apps/',
        AssumeRolePolicyDocument: EC2_TRUST_JSON,
        Tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );

    // Assess
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
      responseElements: null,
    });
    expect(String(detail.userAgent)).toContain('aws-sdk-js');
  });

  it('records a failed write with its error code and message, and passes the error through', async () => {
    // Prepare
    const { proxy, entries } = await capturing();
    const iam = iamThrough(proxy);
    const roleName = `px-${randomUUID().slice(0, 8)}`;
    await createRole(iam, roleName);

    // Act
    const error = await createRole(iam, roleName).catch((e: unknown) => e);

    // Assess
    expect((error as Error).name).toBe('EntityAlreadyExistsException');
    expect(entries).toHaveLength(2);
    expect(detailOf(entries[1])).toMatchObject({
      eventName: 'CreateRole',
      errorCode: 'EntityAlreadyExistsException',
      errorMessage: expect.stringContaining(roleName),
      requestParameters: { roleName },
    });
  });

  it('publishes the record before the caller gets its answer', async () => {
    // Prepare: a slow EventBridge
    const entries: PutEventsRequestEntry[] = [];
    const proxy = await proxyWith(
      cloudTrail({
        publish: async (entry) => {
          await sleep(300);
          entries.push(entry);
        },
      }),
    );

    // Act
    await createRole(iamThrough(proxy));

    // Assess
    expect(entries).toHaveLength(1);
  });

  it('records neither reads nor other services', async () => {
    // Prepare
    const { proxy, entries } = await capturing();
    const iam = iamThrough(proxy);
    const sqs = new SQSClient({ endpoint: proxy.url });
    clients.push(sqs);
    const roleName = `px-${randomUUID().slice(0, 8)}`;
    await createRole(iam, roleName);
    entries.length = 0;

    // Act
    await iam.send(new GetRoleCommand({ RoleName: roleName }));
    await sqs.send(new ListQueuesCommand({}));

    // Assess
    expect(entries).toEqual([]);
  });

  it('publishes to EventBridge so that the stack rule routes the event to the queue and the adapter accepts it', async () => {
    // Prepare
    const events = new EventBridgeClient({});
    const sqs = new SQSClient({});
    clients.push(events, sqs);
    const pipeline = await createPipeline(
      { sqs, events },
      { name: `px-${randomUUID().slice(0, 8)}`, settleDelaySeconds: 0, visibilityTimeoutSeconds: 30 },
    );
    const proxy = await proxyWith(
      cloudTrail({
        publish: async (entry) => {
          await events.send(new PutEventsCommand({ Entries: [entry] }));
        },
      }),
    );
    const roleName = `px-${randomUUID().slice(0, 8)}`;

    // Act
    await createRole(iamThrough(proxy), roleName);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: pipeline.queueUrl, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
    );

    // Assess
    const messages = received.Messages ?? [];
    expect(messages).toHaveLength(1);
    const adapted = fromSqsRecord({ messageId: messages[0]?.MessageId ?? '', body: messages[0]?.Body ?? '' });
    expect(adapted).toMatchObject({ kind: 'role-created', roleName, origin: { eventName: 'CreateRole' } });
  });
});
