/**
 * The synthesized rules' event patterns, loaded into moto's EventBridge with a queue each, route
 * CloudTrail-format events as the design says: creates, trust changes and successful deletes to the settle
 * queue, deletes that failed with DeleteConflict to the queue without delay, everything else nowhere. moto's TestEventPattern answers nothing useful, so each event
 * really goes through PutEvents and the test reads what reached each queue.
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
import { DELIVERY, type Delivery } from '../../core/events.js';
import { loadCorpus } from '../support/cloudtrail-corpus.js';
import { removeSynthOutputs, synthesize } from './support/synth.js';

/** An EventBridge event as CloudTrail delivers it (the fixtures' shape). */
interface CloudTrailEvent {
  readonly source: string;
  readonly 'detail-type': string;
  readonly detail: Record<string, unknown>;
}

/** One synthesized rule in moto, with the queue it delivers to. */
interface LoadedRule {
  readonly ruleName: string;
  readonly queueUrl: string;
  /** An event this rule must route: put after each case, it marks where the case's own events end. */
  readonly sentinel: () => CloudTrailEvent;
}

const FIXTURES = new URL('../fixtures/cloudtrail/', import.meta.url);
const RUN = randomUUID().slice(0, 8);
const TARGET_ID = 'queue';
const PATHS: readonly Delivery[] = ['settle', 'immediate'];

const events = new EventBridgeClient({});
const sqs = new SQSClient({});
const loaded = new Map<Delivery, LoadedRule>();

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
  await putAll([event]);
}

async function putAll(batch: readonly CloudTrailEvent[]): Promise<void> {
  const { FailedEntryCount, Entries } = await events.send(
    new PutEventsCommand({
      Entries: batch.map((e) => ({ Source: e.source, DetailType: e['detail-type'], Detail: JSON.stringify(e.detail) })),
    }),
  );
  expect(FailedEntryCount, JSON.stringify(Entries)).toBe(0);
}

/** Drains a queue until the sentinel arrives, and returns the eventIDs that came before it. */
async function deliveredUpTo(queueUrl: string, sentinelId: string): Promise<string[]> {
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
  throw new Error('a sentinel event never reached its queue: the rule or its target is not working');
}

/** Puts the event, then each rule's sentinel, and returns the paths whose queue received the event. */
async function pathsOf(event: CloudTrailEvent): Promise<Delivery[]> {
  await put(event);
  const sentinels = PATHS.map((path) => ({ path, sentinel: rule(path).sentinel() }));
  for (const { sentinel } of sentinels) await put(sentinel);
  const reached: Delivery[] = [];
  for (const { path, sentinel } of sentinels) {
    const delivered = await deliveredUpTo(rule(path).queueUrl, sentinel.detail.eventID as string);
    if (delivered.includes(event.detail.eventID as string)) reached.push(path);
  }
  return reached;
}

/** Puts every event, then each rule's sentinel, and returns the paths whose queue received each event, by index. */
async function pathsOfEach(batch: readonly CloudTrailEvent[]): Promise<Delivery[][]> {
  // PutEvents takes ten entries a call.
  for (let start = 0; start < batch.length; start += 10) await putAll(batch.slice(start, start + 10));
  const sentinels = PATHS.map((path) => ({ path, sentinel: rule(path).sentinel() }));
  for (const { sentinel } of sentinels) await put(sentinel);
  const reached = batch.map((): Delivery[] => []);
  for (const { path, sentinel } of sentinels) {
    const delivered = new Set(await deliveredUpTo(rule(path).queueUrl, sentinel.detail.eventID as string));
    batch.forEach((event, index) => {
      if (delivered.has(event.detail.eventID as string)) reached[index]?.push(path);
    });
  }
  return reached;
}

function rule(path: Delivery): LoadedRule {
  const found = loaded.get(path);
  if (found === undefined) throw new Error(`no rule loaded for the ${path} path`);
  return found;
}

const deleteRole = fixture('delete-role');
const updateAssumeRolePolicy = fixture('update-assume-role-policy');

/** A copy of an event that failed with this error code. */
function failed(base: CloudTrailEvent, errorCode: string, errorMessage = `${errorCode} (test)`): CloudTrailEvent {
  return variant(base, (e) => ({ ...e, detail: { ...e.detail, errorCode, errorMessage, responseElements: null } }));
}

/** The EventPattern of a synthesized rule, by the construct that made it. */
function patternOf(synth: ReturnType<typeof synthesize>, path: Delivery): unknown {
  const construct = path === 'settle' ? synth.stack.service.rule : synth.stack.service.deleteRule;
  const id = synth.stack.getLogicalId(construct.node.defaultChild as never);
  const resource = synth.template.toJSON().Resources[id] as { Properties: { EventPattern: unknown } };
  return resource.Properties.EventPattern;
}

/** moto's account, which it puts in every event's `account`: the stack's own, as the stack is synthesized here. */
const OWN_ACCOUNT = '123456789012';
/** Another account: a stack synthesized for it must route none of moto's events. */
const OTHER_ACCOUNT = '111122223333';

/** A rule with the other account's synthesized settle pattern, into a queue of its own. */
let otherAccount: { readonly ruleName: string; readonly queueUrl: string } | undefined;

/** Creates a queue and a rule with `pattern` that sends to it. */
async function loadRule(ruleName: string, pattern: unknown): Promise<string> {
  const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: `${ruleName}-target` }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  await events.send(new PutRuleCommand({ Name: ruleName, EventPattern: JSON.stringify(pattern) }));
  await events.send(new PutTargetsCommand({ Rule: ruleName, Targets: [{ Id: TARGET_ID, Arn: Attributes?.QueueArn }] }));
  return queueUrl;
}

beforeAll(async () => {
  // The stack's account as an environment: its patterns name it (in an environment-agnostic stack, AWS::AccountId).
  const synth = synthesize({ env: { account: OWN_ACCOUNT, region: 'us-east-1' } });
  const sentinels: Record<Delivery, () => CloudTrailEvent> = {
    settle: () => variant(createRole),
    immediate: () => variant(fixture('delete-role-conflict')),
  };
  for (const path of PATHS) {
    const ruleName = `routing-${RUN}-${path}`;
    const queueUrl = await loadRule(ruleName, patternOf(synth, path));
    loaded.set(path, { ruleName, queueUrl, sentinel: sentinels[path] });
  }
  const other = synthesize({ env: { account: OTHER_ACCOUNT, region: 'us-east-1' } });
  const ruleName = `routing-${RUN}-other-account`;
  otherAccount = { ruleName, queueUrl: await loadRule(ruleName, patternOf(other, 'settle')) };
});

afterAll(async () => {
  removeSynthOutputs();
  for (const { ruleName, queueUrl } of [...loaded.values(), ...(otherAccount === undefined ? [] : [otherAccount])]) {
    await events.send(new RemoveTargetsCommand({ Rule: ruleName, Ids: [TARGET_ID] }));
    await events.send(new DeleteRuleCommand({ Name: ruleName }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  }
});

describe('the synthesized rule patterns in moto EventBridge', () => {
  it.each([
    ['a successful CreateRole', () => variant(createRole)],
    ['a successful CreateRole made by CloudFormation', () => variant(fixture('create-role-by-cloudformation'))],
    ['a successful UpdateAssumeRolePolicy', () => variant(updateAssumeRolePolicy)],
    // A replaced role exists again once the settle delay is over, and adopts its leftover instead of losing it.
    ['a successful DeleteRole', () => variant(deleteRole)],
  ])('routes %s to the settle queue only', async (_, make) => {
    // Prepare
    const event = make();

    // Act
    const paths = await pathsOf(event);

    // Assess
    expect(paths).toEqual(['settle']);
  });

  it.each([
    ['a DeleteRole that failed with DeleteConflictException', () => variant(fixture('delete-role-conflict'))],
    [
      'a DeleteRole that failed with DeleteConflictException, built from the successful one',
      () =>
        failed(
          deleteRole,
          'DeleteConflictException',
          'Cannot delete entity, must remove roles from instance profile first.',
        ),
    ],
  ])('routes %s to the queue without delay only', async (_, make) => {
    // Prepare
    const event = make();

    // Act
    const paths = await pathsOf(event);

    // Assess
    expect(paths).toEqual(['immediate']);
  });

  it.each([
    ['a failed CreateRole (EntityAlreadyExists)', () => failed(createRole, 'EntityAlreadyExists')],
    ['a failed CreateRole with AccessDenied', () => failed(createRole, 'AccessDenied')],
    ['a failed UpdateAssumeRolePolicy', () => failed(updateAssumeRolePolicy, 'MalformedPolicyDocumentException')],
    ['a failed UpdateAssumeRolePolicy with AccessDenied', () => failed(updateAssumeRolePolicy, 'AccessDenied')],
    ['a DeleteRole that failed with NoSuchEntity', () => failed(deleteRole, 'NoSuchEntity')],
    ['a DeleteRole that failed with NoSuchEntityException', () => failed(deleteRole, 'NoSuchEntityException')],
    ['a DeleteRole that failed with AccessDenied', () => failed(deleteRole, 'AccessDenied')],
    [
      'a DeleteRole that failed with UnmodifiableEntityException',
      () => failed(deleteRole, 'UnmodifiableEntityException'),
    ],
    [
      'our own CreateInstanceProfile',
      () => iamCall('CreateInstanceProfile', { instanceProfileName: 'CLI-EC2-role', path: '/' }),
    ],
    [
      'our own AddRoleToInstanceProfile',
      () => iamCall('AddRoleToInstanceProfile', { instanceProfileName: 'CLI-EC2-role', roleName: 'CLI-EC2-role' }),
    ],
    [
      'our own RemoveRoleFromInstanceProfile',
      () => iamCall('RemoveRoleFromInstanceProfile', { instanceProfileName: 'CLI-EC2-role', roleName: 'CLI-EC2-role' }),
    ],
    ['our own DeleteInstanceProfile', () => iamCall('DeleteInstanceProfile', { instanceProfileName: 'CLI-EC2-role' })],
    [
      'AttachRolePolicy',
      () =>
        iamCall('AttachRolePolicy', { roleName: 'CLI-EC2-role', policyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }),
    ],
    // A TagRole that sets the opt-in tag's key is routed to the settle queue on AWS (EventBridge matches `key` within
    // the `tags` array's objects); moto 5.2 does not look into arrays of objects, so only the other side is run here.
    [
      'a TagRole that sets other tags',
      () => iamCall('TagRole', { roleName: 'CLI-EC2-role', tags: [{ key: 'team', value: 'web' }] }),
    ],
    [
      'a TagRole that sets the skip tag',
      () =>
        iamCall('TagRole', { roleName: 'CLI-EC2-role', tags: [{ key: 'auto-instance-profile:skip', value: 'true' }] }),
    ],
    [
      'an UntagRole of the opt-in tag',
      () => iamCall('UntagRole', { roleName: 'CLI-EC2-role', tagKeys: ['auto-instance-profile:opt-in'] }),
    ],
    ['CreateUser', () => iamCall('CreateUser', { userName: 'someone' })],
    ['DeleteUser', () => iamCall('DeleteUser', { userName: 'someone' })],
  ])('keeps %s out of both queues', async (_, make) => {
    // Prepare
    const event = make();

    // Act
    const paths = await pathsOf(event);

    // Assess
    expect(paths).toEqual([]);
  });

  it.each([
    ['the same record from a custom source', () => variant(createRole, (e) => ({ ...e, source: 'my.app' }))],
    ['a DeleteRole record from a custom source', () => variant(deleteRole, (e) => ({ ...e, source: 'my.app' }))],
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
    [
      'an aws.iam DeleteRole record whose eventSource is not IAM',
      () => variant(deleteRole, (e) => ({ ...e, detail: { ...e.detail, eventSource: 'sts.amazonaws.com' } })),
    ],
  ])('keeps %s out of both queues', async (_, make) => {
    // Prepare
    const event = make();

    // Act
    const paths = await pathsOf(event);

    // Assess
    expect(paths).toEqual([]);
  });
});

describe('the synthesized rule patterns name the stack’s own account', () => {
  it('keep an event of another account out: a stack of another account routes none of this account’s events', async () => {
    // Prepare
    const event = variant(createRole);
    if (otherAccount === undefined) throw new Error('the other account’s rule was not loaded');

    // Act: PutEvents delivers before it returns; the own account's rule has it once its sentinel arrives
    const paths = await pathsOf(event);
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: otherAccount.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );

    // Assess
    expect(paths).toEqual(['settle']);
    expect(Messages).toEqual([]);
  });
});

describe('the synthesized rule patterns in moto EventBridge, on the corpus of record shapes', () => {
  it('route each shape as the event table says: its kind’s path, or nowhere when the table handles neither the call nor its outcome', async () => {
    // Prepare
    const corpus = loadCorpus();
    const batch = corpus.map((entry) => variant(entry.event as unknown as CloudTrailEvent));
    const expected = Object.fromEntries(corpus.map((e) => [e.name, e.kind === null ? [] : [DELIVERY[e.kind]]]));

    // Act
    const reached = await pathsOfEach(batch);

    // Assess
    expect(Object.fromEntries(corpus.map((e, index) => [e.name, reached[index]]))).toEqual(expected);
  });
});
