/**
 * The synthesized rule's event pattern, loaded into moto's EventBridge with an SQS target, routes
 * CloudTrail-format events as the design says. moto's TestEventPattern answers nothing useful, so
 * each event really goes through PutEvents and the test reads what reached the queue.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  DeleteRuleCommand,
  EventBridgeClient,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onlyResource, removeSynthOutputs, synthesize } from './support/synth.js';

/** An EventBridge event as CloudTrail delivers it (the fixtures' shape). */
interface CloudTrailEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

const FIXTURES = new URL('../fixtures/cloudtrail/', import.meta.url);
const RULE_NAME = `routing-${randomUUID().slice(0, 8)}`;
const TARGET_ID = 'queue';

const events = new EventBridgeClient({});
const sqs = new SQSClient({});
let queueUrl: string;

function fixture(name: string): CloudTrailEvent {
  return JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURES), 'utf8')) as CloudTrailEvent;
}

/** A copy of an event with a fresh CloudTrail eventID (so a test finds its own event) and some changes. */
function variant(
  base: CloudTrailEvent,
  change: (event: CloudTrailEvent) => CloudTrailEvent = (e) => e,
): CloudTrailEvent {
  const copy = structuredClone(base);
  return change({ ...copy, detail: { ...copy.detail, eventID: randomUUID() } });
}

const createRole = fixture('create-role');

/** Another IAM call, built from CreateRole's record: same identity and envelope, different name and parameters. */
function iamCall(eventName: string, requestParameters: Record<string, unknown>): CloudTrailEvent {
  return variant(createRole, (e) => ({
    ...e,
    detail: { ...e.detail, eventName, requestParameters, responseElements: null },
  }));
}

async function put(event: CloudTrailEvent): Promise<void> {
  const { FailedEntryCount, Entries } = await events.send(
    new PutEventsCommand({
      Entries: [{ Source: event.source, DetailType: event['detail-type'], Detail: JSON.stringify(event.detail) }],
    }),
  );
  expect(FailedEntryCount, JSON.stringify(Entries)).toBe(0);
}

/** Drains the queue until the sentinel arrives, and returns the eventIDs that came before it. */
async function deliveredUpTo(sentinelId: string): Promise<string[]> {
  const seen: string[] = [];
  for (let attempt = 0; attempt < 20; attempt++) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    for (const message of Messages) {
      const eventId = (JSON.parse(message.Body ?? '{}') as { detail?: { eventID?: string } }).detail?.eventID;
      if (eventId === sentinelId) return seen;
      if (eventId !== undefined) seen.push(eventId);
    }
  }
  throw new Error('the sentinel event never reached the queue: the rule or its target is not working');
}

/** Puts the event, then a sentinel that must route, and says whether the event reached the queue. */
async function routes(event: CloudTrailEvent): Promise<boolean> {
  const sentinel = variant(createRole);
  await put(event);
  await put(sentinel);
  const delivered = await deliveredUpTo(sentinel.detail.eventID as string);
  return delivered.includes(event.detail.eventID as string);
}

beforeAll(async () => {
  const { template } = synthesize();
  const { properties } = onlyResource(template, 'AWS::Events::Rule');
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${RULE_NAME}-target` }));
  queueUrl = queue.QueueUrl ?? '';
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(new PutRuleCommand({ Name: RULE_NAME, EventPattern: JSON.stringify(properties.EventPattern) }));
  await events.send(
    new PutTargetsCommand({ Rule: RULE_NAME, Targets: [{ Id: TARGET_ID, Arn: Attributes?.QueueArn }] }),
  );
});

afterAll(async () => {
  removeSynthOutputs();
  await events.send(new RemoveTargetsCommand({ Rule: RULE_NAME, Ids: [TARGET_ID] }));
  await events.send(new DeleteRuleCommand({ Name: RULE_NAME }));
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
});

describe('the synthesized rule pattern in moto EventBridge', () => {
  it.each([
    ['a successful CreateRole', () => variant(createRole)],
    ['a successful CreateRole made by CloudFormation', () => variant(fixture('create-role-by-cloudformation'))],
    ['a successful UpdateAssumeRolePolicy', () => variant(fixture('update-assume-role-policy'))],
  ])('routes %s to the queue', async (_, make) => {
    // Prepare
    const event = make();

    // Act
    const routed = await routes(event);

    // Assess
    expect(routed).toBe(true);
  });

  it.each([
    [
      'a failed CreateRole (errorCode set)',
      () =>
        variant(createRole, (e) => ({
          ...e,
          detail: {
            ...e.detail,
            errorCode: 'EntityAlreadyExists',
            errorMessage: 'Role with name CLI-EC2-role already exists.',
            responseElements: null,
          },
        })),
    ],
    [
      'a failed CreateRole with AccessDenied',
      () =>
        variant(createRole, (e) => ({
          ...e,
          detail: { ...e.detail, errorCode: 'AccessDenied', responseElements: null },
        })),
    ],
    [
      'a failed UpdateAssumeRolePolicy',
      () =>
        variant(fixture('update-assume-role-policy'), (e) => ({
          ...e,
          detail: { ...e.detail, errorCode: 'MalformedPolicyDocumentException' },
        })),
    ],
    ['DeleteRole (it takes the path without delay)', () => variant(fixture('delete-role'))],
    [
      'our own CreateInstanceProfile',
      () => iamCall('CreateInstanceProfile', { instanceProfileName: 'CLI-EC2-role', path: '/' }),
    ],
    [
      'our own AddRoleToInstanceProfile',
      () => iamCall('AddRoleToInstanceProfile', { instanceProfileName: 'CLI-EC2-role', roleName: 'CLI-EC2-role' }),
    ],
    [
      'AttachRolePolicy',
      () =>
        iamCall('AttachRolePolicy', { roleName: 'CLI-EC2-role', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
    ],
    ['CreateUser', () => iamCall('CreateUser', { userName: 'someone' })],
  ])('keeps %s out', async (_, make) => {
    // Prepare
    const event = make();

    // Act
    const routed = await routes(event);

    // Assess
    expect(routed).toBe(false);
  });

  it.each([
    ['the same record from a custom source', () => variant(createRole, (e) => ({ ...e, source: 'my.app' }))],
    [
      'a CreateRole-named call from another service',
      () =>
        variant(createRole, (e) => ({
          ...e,
          source: 'aws.sts',
          detail: { ...e.detail, eventSource: 'sts.amazonaws.com' },
        })),
    ],
    [
      'an aws.iam event of another detail type',
      () => variant(createRole, (e) => ({ ...e, 'detail-type': 'AWS Console Sign In via CloudTrail' })),
    ],
    [
      'an aws.iam record whose eventSource is not IAM',
      () => variant(createRole, (e) => ({ ...e, detail: { ...e.detail, eventSource: 'sts.amazonaws.com' } })),
    ],
  ])('keeps %s out', async (_, make) => {
    // Prepare
    const event = make();

    // Act
    const routed = await routes(event);

    // Assess
    expect(routed).toBe(false);
  });
});
