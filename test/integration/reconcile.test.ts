/**
 * The reconcile function, through its built bundle (dist/reconcile/index.mjs), against its own moto (the
 * account must hold only this test's roles): one message per candidate on a real SQS queue, and the
 * remediator bundle turns those messages into profiles. CloudTrail's event history is the emulator's
 * (emulator/cloudtrail.ts), which records the IAM calls made through its proxy and answers LookupEvents.
 */

import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateRoleCommand, GetInstanceProfileCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnershipTable } from '../../core/dynamodb/ownership-table.js';
import { RECONCILE_SOURCE } from '../../core/events.js';
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';
import { createMixedAccount, type MixedAccount } from '../../emulator/account.js';
import { CLOUDFORMATION_ACCESS_KEY, cloudTrail } from '../../emulator/cloudtrail.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOwnershipTable } from '../../emulator/ownership-table.js';
import { type ProxyServer, startProxy } from '../../emulator/proxy.js';
import { BUNDLES } from '../../toolchain/bundles.mjs';
import { invokeBundle, sqsBatch } from './support/bundle.js';

let moto: MotoServer;
let iam: IAMClient;
let sqs: SQSClient;
let account: MixedAccount;
/** The emulator's CloudTrail in front of moto: it records IAM writes made through it and answers LookupEvents. */
let trail: ProxyServer;
/** The stack's ownership table in this test's moto, where the account's leftovers of ours are recorded. */
const OWNERSHIP_TABLE = 'reconcile-ownership';

beforeAll(async () => {
  moto = await startMoto();
  trail = await startProxy({ targetUrl: moto.url, hooks: [cloudTrail({ publish: async () => {} })] });
  iam = new IAMClient({ endpoint: moto.url });
  sqs = new SQSClient({ endpoint: moto.url });
  const db = new DynamoDBClient({ endpoint: moto.url });
  await createOwnershipTable(db, OWNERSHIP_TABLE, []);
  // Made through the emulator's CloudTrail, as a person would: their CreateRole events are in its history.
  const recorded = new IAMClient({ endpoint: trail.url });
  account = await createMixedAccount(
    recorded,
    { ec2Missing: 12, ec2Covered: 4, adoptable: 2, otherService: 6, optedOut: 2, conflicting: 3, excluded: 1 },
    'rec',
    { records: new OwnershipTable(db, OWNERSHIP_TABLE) },
  );
  recorded.destroy();
});

afterAll(async () => {
  await trail?.close();
  await moto?.stop();
});

/** Every message on the queue, each received once. */
async function drain(queueUrl: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300 }),
    );
    if (Messages.length === 0) return bodies;
    bodies.push(...Messages.map((m) => m.Body ?? ''));
  }
}

/** The settle queue's delay here: long enough to see that messages wait for it, short enough for a test. */
const SETTLE_SECONDS = 2;

describe('reconcile bundle against moto', () => {
  it('queues one message per candidate, after the queue’s settle delay, and the remediator makes their profiles', async () => {
    // Prepare: the remediator's settle queue, with a delay that reconcile's messages must wait out too.
    const { QueueUrl: queueUrl = '' } = await sqs.send(
      new CreateQueueCommand({ QueueName: 'remediator', Attributes: { DelaySeconds: String(SETTLE_SECONDS) } }),
    );
    const env = {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ENDPOINT_URL_CLOUDTRAIL: trail.url,
      QUEUE_URL: queueUrl,
      OWNERSHIP_TABLE,
    };
    const candidates = [...account.names.ec2Missing, ...account.names.adoptable, ...account.names.conflicting];
    // One page of each listing, and one GetInstanceProfile per role whose same-name profile it is not in.
    const pagesAndReads = 2 + account.names.adoptable.length + account.names.conflicting.length;

    // Act
    const { result, logs } = await invokeBundle<Record<string, unknown>>({}, env, BUNDLES.reconcile.path);
    const early = await drain(queueUrl);
    await new Promise((resolve) => setTimeout(resolve, (SETTLE_SECONDS + 1) * 1000));
    const bodies = await drain(queueUrl);

    // Assess: nothing before the settle delay, then exactly one message per candidate, shaped for the adapter.
    expect(early).toEqual([]);
    // The roles were made through the emulator's CloudTrail as the account's root: their creator is known and not
    // ignored. They were made within a minute: one lookup for all.
    expect(result).toMatchObject({
      summary: account.expected,
      queued: candidates.length,
      iamCalls: pagesAndReads,
      creatorLookups: 1,
    });
    const messages = bodies.map((body) => JSON.parse(body));
    expect(messages.map((m) => m.detail.roleName).sort()).toEqual([...candidates].sort());
    expect(new Set(messages.map((m) => m.source))).toEqual(new Set([RECONCILE_SOURCE]));
    const finished = logs.filter((line) => line.message === 'reconcile finished');
    expect(finished).toEqual([
      expect.objectContaining({
        level: 'INFO',
        scanned: account.total,
        candidates: candidates.length,
        pages: { roles: 1, profiles: 1 },
        iamCalls: pagesAndReads,
      }),
    ]);
    // In the listing's order, which follows the order moto created the roles in, not the names'.
    expect([...((finished[0]?.conflicts ?? []) as string[])].sort()).toEqual([...account.names.conflicting].sort());

    // Act: the remediator takes the messages as SQS delivers them, ten at a time.
    for (let start = 0; start < bodies.length; start += 10) {
      const { result: batch } = await invokeBundle(sqsBatch(...bodies.slice(start, start + 10)), env);
      expect(batch.batchItemFailures).toEqual([]);
    }

    // Assess: every missing profile now exists with its role; the conflicts' profiles are untouched.
    for (const role of [...account.names.ec2Missing, ...account.names.adoptable]) {
      const { InstanceProfile: profile } = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: role }));
      expect(profile?.Roles?.map((r) => r.RoleName)).toEqual([role]);
    }
    for (const role of account.names.conflicting) {
      const { InstanceProfile: profile } = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: role }));
      expect(profile).toMatchObject({ Roles: [], Tags: [] });
    }
  });
});

describe('reconcile bundle: who created a role', () => {
  it('gives no profile to a role CloudFormation created (an ignored caller), and one to a role a person created', async () => {
    // Prepare: two EC2 roles made through the emulator's CloudTrail, one as CloudFormation, one as a person.
    const asCloudFormation = new IAMClient({
      endpoint: trail.url,
      credentials: { accessKeyId: CLOUDFORMATION_ACCESS_KEY, secretAccessKey: 'emulator' },
    });
    const asPerson = new IAMClient({ endpoint: trail.url });
    const trust = JSON.stringify(EC2_TRUST_POLICY);
    await asCloudFormation.send(new CreateRoleCommand({ RoleName: 'by-stack', AssumeRolePolicyDocument: trust }));
    await asPerson.send(new CreateRoleCommand({ RoleName: 'by-person', AssumeRolePolicyDocument: trust }));
    const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'creators' }));
    const env = {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ENDPOINT_URL_CLOUDTRAIL: trail.url,
      QUEUE_URL: queueUrl,
      OWNERSHIP_TABLE,
    };

    // Act
    const { result, logs } = await invokeBundle<Record<string, unknown>>({}, env, 'dist/reconcile/index.mjs');
    const bodies = await drain(queueUrl);
    const queuedNames = bodies.map((body) => JSON.parse(body).detail.roleName as string);
    for (let start = 0; start < bodies.length; start += 10) {
      await invokeBundle(sqsBatch(...bodies.slice(start, start + 10)), { AWS_ENDPOINT_URL: moto.url, OWNERSHIP_TABLE });
    }

    // Assess: CloudFormation's role is not a candidate and has no profile; the person's has its own.
    expect(queuedNames).toContain('by-person');
    expect(queuedNames).not.toContain('by-stack');
    // The message carries the creator the pass learnt, for the remediator to rule on as the pass did.
    const byPerson = bodies.map((body) => JSON.parse(body)).find((message) => message.detail.roleName === 'by-person');
    expect(byPerson?.detail.creator).toMatchObject({ arn: expect.stringMatching(/^arn:aws:(iam|sts)::/) });
    expect(result.creatorLookups).toBeGreaterThanOrEqual(1);
    expect(logs.find((line) => line.message === 'reconcile finished')).toMatchObject({
      creatorLookups: result.creatorLookups,
    });
    const { InstanceProfile: profile } = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: 'by-person' }),
    );
    expect(profile?.Roles?.map((role) => role.RoleName)).toEqual(['by-person']);
    await expect(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'by-stack' }))).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
    asCloudFormation.destroy();
    asPerson.destroy();
  });
});

describe('reconcile bundle: SELECTION=opt-in', () => {
  it('queues only the opted-in EC2 roles, counts the others as not selected, and the remediator makes only theirs', async () => {
    // Prepare: EC2 roles in no profile, made by a person through the emulator's CloudTrail; half tagged opt-in
    const asPerson = new IAMClient({ endpoint: trail.url });
    const trust = JSON.stringify(EC2_TRUST_POLICY);
    const optedIn = ['opt-in-a', 'opt-in-b'];
    const untagged = ['not-opted-a', 'not-opted-b', 'not-opted-c'];
    for (const name of optedIn) {
      const Tags = [{ Key: 'auto-instance-profile:opt-in', Value: 'true' }];
      await asPerson.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust, Tags }));
    }
    for (const name of untagged) {
      await asPerson.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
    }
    const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'opt-in' }));
    const env = {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ENDPOINT_URL_CLOUDTRAIL: trail.url,
      QUEUE_URL: queueUrl,
      OWNERSHIP_TABLE,
      SELECTION: 'opt-in',
    };

    // Act
    const { result } = await invokeBundle<{ summary: { notSelected: number; missing: number } }>(
      {},
      env,
      BUNDLES.reconcile.path,
    );
    const bodies = await drain(queueUrl);
    const queuedNames = bodies.map((body) => JSON.parse(body).detail.roleName as string);
    for (let start = 0; start < bodies.length; start += 10) {
      await invokeBundle(sqsBatch(...bodies.slice(start, start + 10)), env);
    }

    // Assess: the opted-in roles are candidates (with the account's conflicts, which every pass queues); no untagged one
    expect(queuedNames).toEqual(expect.arrayContaining(optedIn));
    for (const name of untagged) expect(queuedNames).not.toContain(name);
    expect(result.summary.missing).toBe(optedIn.length);
    // Every untagged EC2 role of the account is not selected: these, and those the earlier passes gave profiles to
    expect(result.summary.notSelected).toBeGreaterThanOrEqual(untagged.length);
    for (const name of optedIn) {
      const { InstanceProfile: profile } = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
      expect(profile?.Roles?.map((role) => role.RoleName)).toEqual([name]);
    }
    for (const name of untagged) {
      await expect(iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).rejects.toBeInstanceOf(
        NoSuchEntityException,
      );
    }
    asPerson.destroy();
  });
});
