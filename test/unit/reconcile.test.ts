import {
  GetAccountAuthorizationDetailsCommand,
  GetInstanceProfileCommand,
  IAMClient,
  ListInstanceProfilesCommand,
} from '@aws-sdk/client-iam';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { type Creator, type CreatorFinder, DEFAULT_LOOKUP_BUDGET } from '../../core/created-by.js';
import { fromEventBridge, reconcileMessage } from '../../core/events.js';
import {
  type ReconcileMetricName,
  ReconcileQueueError,
  RecordUpkeepError,
  reconcile,
} from '../../functions/reconcile/reconcile.js';
import { sendAll } from '../../functions/reconcile/send.js';
import type { UpkeepResult } from '../../functions/reconcile/upkeep.js';
import { EC2_TRUST_URL_ENCODED } from '../support/policies.js';
import { RecordingLog } from './support/fakes.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/remediator';
const sqsMock = mockClient(SQSClient);
const iamMock = mockClient(IAMClient);
const noPause = async () => {};
const messages = (count: number) => Array.from({ length: count }, (_, i) => ({ id: `m${i}`, body: `body-${i}` }));
const batchInputs = () => sqsMock.commandCalls(SendMessageBatchCommand).map((call) => call.args[0].input);

beforeEach(() => {
  sqsMock.reset();
  iamMock.reset();
});

describe('sendAll', () => {
  it('sends ten entries per call, each without delay', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    const result = await sendAll(new SQSClient({}), QUEUE_URL, messages(23), noPause);

    // Assess
    expect(batchInputs().map((input) => input.Entries?.length)).toEqual([10, 10, 3]);
    expect(batchInputs()[2]).toEqual({
      QueueUrl: QUEUE_URL,
      Entries: [
        { Id: 'm20', MessageBody: 'body-20' },
        { Id: 'm21', MessageBody: 'body-21' },
        { Id: 'm22', MessageBody: 'body-22' },
      ],
    });
    expect(result).toEqual({ sent: 23, calls: 3, failed: [] });
  });

  it('sends again the entries SQS failed, and gives up on those it blames on the sender', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: [],
        Failed: [
          { Id: 'm1', SenderFault: false, Code: 'InternalError' },
          { Id: 'm2', SenderFault: true, Code: 'InvalidMessageContents', Message: 'bad' },
        ],
      })
      .resolves({ Successful: [], Failed: [] });

    // Act
    const result = await sendAll(new SQSClient({}), QUEUE_URL, messages(3), noPause);

    // Assess
    expect(batchInputs().map((input) => input.Entries?.map((entry) => entry.Id))).toEqual([['m0', 'm1', 'm2'], ['m1']]);
    expect(result).toEqual({
      sent: 2,
      calls: 2,
      failed: [{ id: 'm2', code: 'InvalidMessageContents', message: 'bad' }],
    });
  });

  it('stops sending an entry SQS keeps failing after three attempts', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: 'm0', SenderFault: false, Code: 'InternalError' }] });

    // Act
    const result = await sendAll(new SQSClient({}), QUEUE_URL, messages(1), noPause);

    // Assess
    expect(result).toEqual({ sent: 0, calls: 3, failed: [{ id: 'm0', code: 'InternalError', message: undefined }] });
  });
});

describe('reconcile', () => {
  const roleDetail = (name: string) => ({
    RoleName: name,
    RoleId: `AROA${name}`,
    Arn: `arn:aws:iam::123456789012:role/${name}`,
    Path: '/',
    AssumeRolePolicyDocument: EC2_TRUST_URL_ENCODED,
    Tags: [],
    InstanceProfileList: [],
  });
  const profile = (name: string) => ({
    InstanceProfileName: name,
    InstanceProfileId: 'AIPA',
    Arn: `arn:aws:iam::123456789012:instance-profile/${name}`,
    Path: '/',
    CreateDate: NOW,
    Roles: [],
  });
  const run = (
    log: RecordingLog,
    recorded: [ReconcileMetricName, number][],
    more: Partial<Parameters<typeof reconcile>[0]> = {},
  ) =>
    reconcile({
      iam: new IAMClient({}),
      sqs: new SQSClient({}),
      queueUrl: QUEUE_URL,
      config: DEFAULT_CONFIG,
      log,
      metrics: { record: (metric, value) => recorded.push([metric, value]) },
      now: () => NOW,
      newScanId: () => 'scan-1',
      ...more,
    });

  beforeEach(() => {
    iamMock.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [profile('blocked')], IsTruncated: false });
    iamMock
      .on(GetAccountAuthorizationDetailsCommand)
      .resolves({ RoleDetailList: [roleDetail('new'), roleDetail('blocked')], IsTruncated: false });
    iamMock.on(GetInstanceProfileCommand).resolves({ InstanceProfile: { ...profile('blocked'), Tags: [] } });
  });

  it('queues the missing and the conflicting roles, one message each, and logs one summary line', async () => {
    // Prepare
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const log = new RecordingLog();
    const recorded: [ReconcileMetricName, number][] = [];

    // Act
    const result = await run(log, recorded);

    // Assess
    expect(batchInputs()[0]?.Entries?.map((entry) => entry.MessageBody)).toEqual([
      JSON.stringify(reconcileMessage('new', 'scan-1', NOW)),
      JSON.stringify(reconcileMessage('blocked', 'scan-1', NOW)),
    ]);
    expect(result).toMatchObject({ scanId: 'scan-1', queued: 2, iamCalls: 3 });
    expect(log.visible).toEqual([
      expect.objectContaining({
        level: 'info',
        message: 'reconcile finished',
        attributes: expect.objectContaining({ scanned: 2, candidates: 2, conflicts: ['blocked'], iamCalls: 3 }),
      }),
    ]);
    expect(recorded).toEqual([
      ['RolesScanned', 2],
      ['ProfilesMissing', 1],
      ['ConflictsFound', 1],
      ['CandidatesQueued', 2],
      ['CandidatesNotQueued', 0],
      ['ScanIamCalls', 3],
      ['CreatorLookups', 0],
    ]);
  });

  it('puts the creator it learnt into each candidate’s message', async () => {
    // Prepare: one role made by a person, one older than CloudTrail's event history
    sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const person = { arn: 'arn:aws:iam::123456789012:user/platform-admin', type: 'IAMUser' };
    const creators = (): CreatorFinder => ({
      calls: 1,
      find: async () =>
        new Map<string, Creator>([
          ['new', { known: true, caller: person }],
          ['blocked', { known: false, reason: 'older-than-event-history' }],
        ]),
    });

    // Act
    await reconcile({
      iam: new IAMClient({}),
      sqs: new SQSClient({}),
      queueUrl: QUEUE_URL,
      // With `remediate`, a role of unknown creator is a candidate too, and its message says so.
      config: { ...DEFAULT_CONFIG, unknownCreator: 'remediate' },
      log: new RecordingLog(),
      metrics: { record: () => {} },
      creators,
      now: () => NOW,
      newScanId: () => 'scan-1',
    });

    // Assess
    const bodies = batchInputs()[0]?.Entries?.map((entry) => JSON.parse(entry.MessageBody ?? '{}')) ?? [];
    expect(bodies.map((body) => body.detail)).toEqual([
      { roleName: 'new', creator: person },
      { roleName: 'blocked', creator: 'unknown' },
    ]);
    expect(bodies.map((body) => fromEventBridge(body))).toMatchObject([
      { kind: 'found-by-scan', roleName: 'new', origin: { type: 'scan', scanId: 'scan-1', creator: person } },
      { kind: 'found-by-scan', roleName: 'blocked', origin: { type: 'scan', scanId: 'scan-1', creator: 'unknown' } },
    ]);
  });

  it('fails the pass, naming the roles, when a candidate cannot be queued', async () => {
    // Prepare
    sqsMock
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [], Failed: [{ Id: 'c1', SenderFault: true, Code: 'InvalidMessageContents' }] });
    const log = new RecordingLog();
    const recorded: [ReconcileMetricName, number][] = [];

    // Act
    const pass = run(log, recorded);

    // Assess
    await expect(pass).rejects.toBeInstanceOf(ReconcileQueueError);
    expect(log.visible).toEqual([
      expect.objectContaining({
        level: 'error',
        attributes: expect.objectContaining({ notQueued: [expect.objectContaining({ role: 'blocked' })] }),
      }),
    ]);
    expect(recorded).toContainEqual(['CandidatesNotQueued', 1]);
  });

  describe('with the record’s upkeep', () => {
    const upkept: UpkeepResult = {
      records: 12,
      confirmed: 3,
      dropped: 1,
      intentsDropped: 2,
      learned: 4,
      unrecordedTagged: 2,
      unrecorded: ['legacy-a', 'legacy-b'],
      changedMeanwhile: 0,
      deferred: 0,
      lookups: 7,
      historyComplete: true,
      iamCalls: 9,
      recordCalls: 20,
    };

    it('upkeeps first, leaves the creator lookups what it did not spend, and says what it did', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
      const log = new RecordingLog();
      const recorded: [ReconcileMetricName, number][] = [];
      const budgets: number[] = [];
      const order: string[] = [];

      // Act
      const result = await run(log, recorded, {
        upkeep: async () => {
          order.push('upkeep');
          return upkept;
        },
        creators: (_now, budget) => {
          order.push('creators');
          budgets.push(budget);
          return { find: async () => new Map(), calls: 0 };
        },
      });

      // Assess
      expect(order).toEqual(['upkeep', 'creators']);
      expect(budgets).toEqual([DEFAULT_LOOKUP_BUDGET - 7]);
      expect(result.records).toEqual(upkept);
      expect(log.visible).toEqual([
        expect.objectContaining({
          level: 'warn',
          message: 'instance profiles tagged as ours that no record proves',
          attributes: expect.objectContaining({
            unrecordedTagged: 2,
            profiles: ['legacy-a', 'legacy-b'],
            note: expect.stringContaining('auto-instance-profile confirm'),
          }),
        }),
        expect.objectContaining({
          message: 'reconcile finished',
          attributes: expect.objectContaining({
            records: expect.objectContaining({
              read: 12,
              confirmed: 3,
              dropped: 1,
              learned: 4,
              unrecordedTagged: 2,
              lookups: 7,
            }),
          }),
        }),
      ]);
      expect(recorded).toEqual(
        expect.arrayContaining([
          ['RecordUpkeepFailed', 0],
          ['RecordsConfirmed', 3],
          ['RecordsDropped', 1],
          ['RecordsLearned', 4],
          ['UnrecordedTaggedProfiles', 2],
          ['RecordLookups', 7],
        ]),
      );
    });

    it('still scans and queues when the upkeep fails, then fails the pass so that the Errors alarm sees it', async () => {
      // Prepare
      sqsMock.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
      const log = new RecordingLog();
      const recorded: [ReconcileMetricName, number][] = [];

      // Act
      const pass = run(log, recorded, {
        upkeep: async () => {
          throw new Error('AccessDeniedException');
        },
      });

      // Assess
      await expect(pass).rejects.toBeInstanceOf(RecordUpkeepError);
      expect(batchInputs()).toHaveLength(1);
      expect(log.visible.map((line) => [line.level, line.message])).toEqual([
        ['error', 'record upkeep failed'],
        ['info', 'reconcile finished'],
      ]);
      expect(recorded).toContainEqual(['RecordUpkeepFailed', 1]);
    });
  });
});
