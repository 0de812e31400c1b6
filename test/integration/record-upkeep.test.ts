/**
 * The ownership record's upkeep (issue 20, "an upgrade from today's tag-only ownership keeps working"), through the
 * built reconcile bundle against its own moto (the survey reads every profile of the account), with the stack's
 * ownership table and the emulator's CloudTrail, whose event history holds the calls made through it, signed as
 * the service's roles or as a person. A pre-upgrade account: profiles the service made (tagged as ours, its
 * CreateInstanceProfile in the history), one it made before the history's 90 days, one a person made and tagged by
 * hand, a console profile; and the record's own leftovers: an intent to confirm, one that never landed, a profile
 * gone.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  type Tag,
  TagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OwnershipTable } from '../../core/dynamodb/ownership-table.js';
import { RECONCILE_PERMISSIONS } from '../../core/iam/index.js';
import {
  cloudTrail,
  PRE_PATH_SERVICE_ROLE_ACCESS_KEY,
  PRE_PATH_SERVICE_ROLE_ARN,
  SERVICE_ROLE_ACCESS_KEY,
  SERVICE_ROLE_ARN,
} from '../../emulator/cloudtrail.js';
import { cloudTrailEvent } from '../../emulator/cloudtrail-event.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOwnershipTable } from '../../emulator/ownership-table.js';
import { type ProxyServer, startProxy } from '../../emulator/proxy.js';
import type { UpkeepResult } from '../../functions/reconcile/upkeep.js';
import { BUNDLES } from '../../toolchain/bundles.mjs';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { invokeBundle, type LogLine, sqsBatch } from './support/bundle.js';

const DAY = 24 * 3600 * 1000;
const TABLE = 'upkeep-ownership';
const MANAGED: Tag = { Key: 'auto-instance-profile:managed', Value: 'true' };

let moto: MotoServer;
let trail: ProxyServer;
let records: OwnershipTable;
let env: Record<string, string>;
/** When the emulator's CloudTrail records the calls made through it: set back to make the account's history. */
let recordedAt = new Date();
/** The StartTime of every LookupEvents the function sent, in order. */
const lookupStarts: Date[] = [];

/** An IAM client through the emulator's CloudTrail, signed with an access key it maps to an identity (or a person's). */
function through(accessKeyId = 'AKIAPERSON'): IAMClient {
  return new IAMClient({ endpoint: trail.url, credentials: { accessKeyId, secretAccessKey: 'emulator' } });
}

/** A role made straight in moto (its CreateRole is not what the pass reads), and its id. */
async function role(name: string): Promise<string> {
  const direct = new IAMClient({ endpoint: moto.url });
  await direct.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
  const { Role } = await direct.send(new GetRoleCommand({ RoleName: name }));
  return Role?.RoleId ?? '';
}

/** A profile made by `client` at `at`, tagged as ours (with the role's id, as the service tagged them), holding `holds`. */
async function profile(client: IAMClient, name: string, options: { at: Date; holds?: string; tags?: Tag[] }) {
  recordedAt = options.at;
  await client.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: options.tags }));
  if (options.holds !== undefined) {
    await client.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: options.holds }));
  }
  recordedAt = new Date();
}

/** Runs a pass of the built reconcile bundle; its result, its log lines and the AWS calls it made outside IAM. */
async function pass() {
  const before = trail.calls.length;
  const { result, logs } = await invokeBundle<{ records: UpkeepResult }>({}, env, BUNDLES.reconcile.path);
  const calls = trail.calls.slice(before).filter((call) => call.service !== 'iam');
  return { records: result.records, logs, calls };
}

beforeAll(async () => {
  moto = await startMoto();
  trail = await startProxy({
    targetUrl: moto.url,
    hooks: [
      {
        onRequest(request) {
          if (request.call?.action === 'LookupEvents') {
            lookupStarts.push(new Date((JSON.parse(request.body.toString('utf8')).StartTime as number) * 1000));
          }
          return undefined;
        },
      },
      cloudTrail({ publish: async () => {}, clock: () => recordedAt }),
    ],
  });
  const db = new DynamoDBClient({ endpoint: moto.url });
  await createOwnershipTable(db, TABLE, [SERVICE_ROLE_ARN]);
  records = new OwnershipTable(db, TABLE);
  const { QueueUrl = '' } = await new SQSClient({ endpoint: moto.url }).send(
    new CreateQueueCommand({ QueueName: `upkeep-${randomUUID().slice(0, 8)}` }),
  );
  env = {
    AWS_ENDPOINT_URL: moto.url,
    // CloudTrail and the table through the proxy: it answers LookupEvents from its history, and sees every call.
    AWS_ENDPOINT_URL_CLOUDTRAIL: trail.url,
    AWS_ENDPOINT_URL_DYNAMODB: trail.url,
    QUEUE_URL: QueueUrl,
    OWNERSHIP_TABLE: TABLE,
    STACK_NAME: 'AutoInstanceProfile',
  };
});

afterAll(async () => {
  await trail?.close();
  await moto?.stop();
});

describe('the record’s upkeep through the reconcile bundle: a pre-upgrade account', () => {
  const ids: Record<string, string> = {};

  it('records, from CloudTrail, what the service made; names what no proof covers; settles its own leftovers', async () => {
    // Prepare: what the service made before it kept records, on its path and before it
    ids.web = await role('legacy-web');
    await profile(through(SERVICE_ROLE_ACCESS_KEY), 'legacy-web', {
      at: new Date(Date.now() - 2 * DAY),
      holds: 'legacy-web',
      tags: [MANAGED, { Key: 'auto-instance-profile:source-role-id', Value: ids.web }],
    });
    await profile(through(PRE_PATH_SERVICE_ROLE_ACCESS_KEY), 'legacy-spare', {
      at: new Date(Date.now() - 30 * DAY),
      tags: [MANAGED],
    });
    // … and one it made before the event history's 90 days
    await role('legacy-old');
    await profile(through(SERVICE_ROLE_ACCESS_KEY), 'legacy-old', {
      at: new Date(Date.now() - 100 * DAY),
      holds: 'legacy-old',
      tags: [MANAGED],
    });
    // A person's profile, tagged as ours by hand, and a console profile
    ids.team = await role('team-app');
    await profile(through(), 'team-app', { at: new Date(Date.now() - DAY), holds: 'team-app' });
    await through().send(new TagInstanceProfileCommand({ InstanceProfileName: 'team-app', Tags: [MANAGED] }));
    await role('console-app');
    await profile(through(), 'console-app', { at: new Date(Date.now() - DAY), holds: 'console-app' });
    // The record's own: a create's intent whose profile landed, one that never did, a record of a profile gone
    ids.fresh = await role('fresh-web');
    await records.recordIntent('fresh-web', {
      creationId: 'run-fresh',
      roleId: ids.fresh,
      at: new Date().toISOString(),
    });
    await profile(through(SERVICE_ROLE_ACCESS_KEY), 'fresh-web', {
      at: new Date(),
      holds: 'fresh-web',
      tags: [MANAGED, { Key: 'auto-instance-profile:creation-id', Value: 'run-fresh' }],
    });
    const tenMinutesAgo = new Date(Date.now() - 600_000).toISOString();
    await records.recordIntent('never-made', { creationId: 'run-lost', roleId: 'AROALOST', at: tenMinutesAgo });
    await records.bind(
      'deleted-web',
      { profileId: 'AIPAGONE0000000000000', roleId: 'AROAGONE', source: 'created', at: tenMinutesAgo },
      'absent',
    );

    // Act
    const { records: upkept, logs, calls } = await pass();

    // Assess: the service's two profiles in the history are recorded, bound as they stand
    expect(upkept).toMatchObject({ confirmed: 1, dropped: 2, learned: 2, unrecordedTagged: 2, historyComplete: true });
    expect(await records.read('legacy-web')).toMatchObject({
      owned: { source: 'cloudtrail', roleId: ids.web, by: SERVICE_ROLE_ARN, eventId: expect.any(String) },
      intents: [],
    });
    expect(await records.read('legacy-spare')).toMatchObject({
      owned: { source: 'cloudtrail', roleId: '', by: PRE_PATH_SERVICE_ROLE_ARN },
    });
    // … the create's intent is confirmed; what proves nothing is gone
    expect(await records.read('fresh-web')).toMatchObject({
      owned: { source: 'created', roleId: ids.fresh },
      intents: [],
    });
    expect(await records.read('never-made')).toBe('absent');
    expect(await records.read('deleted-web')).toBe('absent');
    // … no proof, no record: the hand-tagged profile and the one older than the history are named, not recorded
    expect(await records.read('team-app')).toBe('absent');
    expect(await records.read('legacy-old')).toBe('absent');
    expect(await records.read('console-app')).toBe('absent');
    expect([...upkept.unrecorded].sort()).toEqual(['legacy-old', 'team-app']);
    expect(
      logs.find((line) => line.message === 'instance profiles tagged as ours that no record proves'),
    ).toMatchObject({
      level: 'WARN',
      unrecordedTagged: 2,
      note: expect.stringContaining('auto-instance-profile confirm'),
    });
    expect(logs.find((line) => line.message === 'reconcile finished')).toMatchObject({
      records: expect.objectContaining({ confirmed: 1, dropped: 2, learned: 2, unrecordedTagged: 2 }),
    });
    // … the whole history read, from 90 days back; every CloudTrail and table call one the role is granted
    expect(Date.now() - (lookupStarts[0]?.getTime() ?? 0)).toBeGreaterThan(89 * DAY);
    const granted = new Set(RECONCILE_PERMISSIONS.map((permission) => permission.action));
    const made = [...new Set(calls.map((call) => `${call.service}:${call.action}`))];
    expect(made).toEqual(expect.arrayContaining(['cloudtrail:LookupEvents', 'dynamodb:Scan', 'dynamodb:UpdateItem']));
    expect(made.filter((action) => !granted.has(action as never))).toEqual([]);
  });

  it('reads only what is new on the next pass, and re-reads only the profiles it named', async () => {
    // Prepare
    const firstPassLookups = lookupStarts.length;

    // Act
    const { records: upkept } = await pass();

    // Assess: one lookup, from where the first pass left off (an hour back, for CloudTrail's lag), nothing learnt;
    // the listing and the two named profiles re-read, nothing else
    const starts = lookupStarts.slice(firstPassLookups);
    expect(starts).toHaveLength(1);
    expect(Date.now() - (starts[0]?.getTime() ?? 0)).toBeLessThan(2 * 3600 * 1000);
    expect(upkept).toMatchObject({
      learned: 0,
      confirmed: 0,
      dropped: 0,
      lookups: 1,
      unrecordedTagged: 2,
      iamCalls: 3,
    });
  });

  it('lets the service release a profile it learnt, and not one a person tagged, when their roles are deleted', async () => {
    // Prepare: both delete-roles fail on the profile
    const remediatorEnv = { AWS_ENDPOINT_URL: moto.url, OWNERSHIP_TABLE: TABLE };
    const conflict = (name: string) =>
      cloudTrailEvent('delete-role-conflict', name, { now: new Date(Date.now() + 2000) });

    // Act
    const { logs } = await invokeBundle(sqsBatch(conflict('legacy-web'), conflict('team-app')), remediatorEnv);

    // Assess
    const decisions = logs.filter((line): line is LogLine => line.decision !== undefined);
    expect(decisions.find((line) => line.role === 'legacy-web')).toMatchObject({ decision: 'release' });
    expect(decisions.find((line) => line.role === 'team-app')).toMatchObject({
      decision: 'nothing',
      reason: 'held-by-unrecorded-profile',
    });
  });
});
