import { readFileSync } from 'node:fs';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  IAMServiceException,
  ListInstanceProfilesForRoleCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import type { SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { UnsupportedEventError } from '../../core/errors.js';
import { type ProcessDeps, processBatch, processEvent, refuseInvocation } from '../../functions/remediator/process.js';
import { EC2_TRUST_URL_ENCODED } from '../support/policies.js';
import { RecordingCounter, RecordingLog, STEADY_USAGE } from './support/fakes.js';

const NOW = new Date('2026-11-28T18:26:30Z');
const createRole = (roleName: string, overrides: Record<string, unknown> = {}) => {
  const event = JSON.parse(readFileSync('test/fixtures/cloudtrail/create-role.json', 'utf8'));
  event.detail.requestParameters.roleName = roleName;
  return { ...event, ...overrides };
};
const record = (messageId: string, body: unknown): SQSRecord =>
  ({ messageId, body: typeof body === 'string' ? body : JSON.stringify(body), eventSource: 'aws:sqs' }) as SQSRecord;
const role = (RoleName: string) => ({
  Role: {
    RoleName,
    RoleId: `ID-${RoleName}`,
    Arn: `arn:aws:iam::123456789012:role/${RoleName}`,
    Path: '/',
    CreateDate: NOW,
    AssumeRolePolicyDocument: EC2_TRUST_URL_ENCODED,
  },
});

const iam = mockClient(IAMClient);
let deps: ProcessDeps & { log: RecordingLog; metrics: RecordingCounter };

beforeEach(() => {
  iam.reset();
  iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
  iam.on(CreateInstanceProfileCommand).resolves({});
  iam.on(AddRoleToInstanceProfileCommand).resolves({});
  deps = {
    iam: new IAMClient({}),
    config: DEFAULT_CONFIG,
    log: new RecordingLog(),
    metrics: new RecordingCounter(),
    now: () => NOW,
    profileUsage: STEADY_USAGE,
  };
});

describe('processBatch, proving its records', () => {
  it('acts on the records it proves, and on none it cannot: each refused with an error line and a metric', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(role('proven-role'));
    const proof = async () => new Map([['forged', 'SQS answered ReceiptHandleIsInvalid']]);

    // Act
    const result = await processBatch(
      [record('real', createRole('proven-role')), record('forged', createRole('forged-role'))],
      { ...deps, proof },
    );

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'forged' }]);
    expect(iam.commandCalls(GetRoleCommand).map((call) => call.args[0].input.RoleName)).toEqual(['proven-role']);
    expect(deps.log.lines.filter((line) => line.level === 'error')).toEqual([
      expect.objectContaining({
        message: 'record not proven, nothing changed',
        attributes: expect.objectContaining({
          messageId: 'forged',
          decision: 'refused',
          reason: 'SQS answered ReceiptHandleIsInvalid',
        }),
      }),
    ]);
    expect(deps.metrics.names()).toContain('RecordsRefused');
  });
});

describe('refuseInvocation', () => {
  it('changes nothing, with an error line, its metric and an Errors count for the errors alarm', () => {
    // Act
    const result = refuseInvocation(deps);

    // Assess
    expect(result).toEqual({ decision: 'refused', reason: 'not-an-sqs-batch' });
    expect(deps.log.lines).toEqual([expect.objectContaining({ level: 'error' })]);
    expect(deps.metrics.names()).toEqual(['RecordsRefused', 'Errors']);
    expect(deps.metrics.counts).toContainEqual({ metric: 'Errors', dimensions: { reason: 'record-refused' } });
    expect(iam.calls()).toEqual([]);
  });
});

describe('processBatch', () => {
  it('reports only the records that failed, and never throws the batch', async () => {
    // Prepare
    iam.on(GetRoleCommand, { RoleName: 'good-role' }).resolves(role('good-role'));
    const records = [
      record('m-good', createRole('good-role')),
      record('m-not-json', '{oops'),
      record('m-wrong-source', { ...createRole('x'), source: 'aws.s3' }),
      record('m-no-role', createRole('')),
    ];

    // Act
    const response = await processBatch(records, deps);

    // Assess
    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: 'm-not-json' }, { itemIdentifier: 'm-wrong-source' }],
    });
    expect(iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(1);
  });

  it('acknowledges a CreateRole record that names no role, logging it once with its event id for reconcile', async () => {
    // Prepare
    const event = createRole('');
    const records = [record('m-no-role', event)];

    // Act
    const response = await processBatch(records, deps);

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(deps.log.visible).toEqual([
      {
        level: 'warn',
        message: 'no role to act on, left to reconcile',
        attributes: expect.objectContaining({
          messageId: 'm-no-role',
          eventId: event.detail.eventID,
          decision: 'ignored',
          reason: 'no-role-name',
        }),
      },
    ]);
    expect(iam.calls()).toHaveLength(0);
    expect(deps.metrics.counts).toContainEqual({ metric: 'EventsIgnored', dimensions: { reason: 'no-role-name' } });
  });

  it('logs each rejected record as an error with its messageId', async () => {
    // Act
    await processBatch([record('m-not-json', 'not json')], deps);

    // Assess
    expect(deps.log.visible).toEqual([
      {
        level: 'error',
        message: 'unsupported event',
        attributes: expect.objectContaining({
          messageId: 'm-not-json',
          decision: 'reject',
          error: expect.any(UnsupportedEventError),
        }),
      },
    ]);
    expect(deps.metrics.counts).toContainEqual({ metric: 'Errors', dimensions: { reason: 'unsupported-event' } });
  });

  it('returns a role that IAM does not show yet, so SQS redelivers it', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'not yet', $metadata: {} }));

    // Act
    const response = await processBatch([record('m-1', createRole('young-role'))], deps);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
  });

  it('acknowledges a role that is long gone', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));
    const old = createRole('old-role', { time: '2026-11-28T10:00:00Z' });

    // Act
    const response = await processBatch([record('m-1', old)], deps);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
  });

  it('returns a record whose IAM call failed after the SDK’s retries, with an error line naming the role', async () => {
    // Prepare
    iam
      .on(GetRoleCommand)
      .rejects(new IAMServiceException({ name: 'ServiceFailure', $fault: 'server', message: '500', $metadata: {} }));

    // Act
    const response = await processBatch([record('m-1', createRole('busy-role'))], deps);

    // Assess
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-1' }]);
    expect(deps.log.visible).toEqual([
      expect.objectContaining({
        level: 'error',
        message: 'remediation failed',
        attributes: expect.objectContaining({ role: 'busy-role', decision: 'error', messageId: 'm-1' }),
      }),
    ]);
  });

  it('acknowledges a failed CreateRole without calling IAM', async () => {
    // Prepare
    const failed = createRole('dup-role');
    failed.detail.errorCode = 'EntityAlreadyExistsException';

    // Act
    const response = await processBatch([record('m-1', failed)], deps);

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(iam.calls()).toHaveLength(0);
    expect(deps.log.visible[0]?.attributes).toMatchObject({
      role: 'dup-role',
      decision: 'ignored',
      reason: 'failed-call',
    });
  });

  it('scopes role, event id and correlation id to their own record', async () => {
    // Prepare
    iam.on(GetRoleCommand, { RoleName: 'role-a' }).resolves(role('role-a'));
    iam.on(GetRoleCommand, { RoleName: 'role-b' }).resolves(role('role-b'));
    const a = createRole('role-a', { id: 'eb-a' });
    const b = createRole('role-b', { id: 'eb-b' });
    b.detail.eventID = 'ct-b';

    // Act
    await processBatch([record('m-a', a), record('m-b', b)], deps);

    // Assess
    const keys = deps.log.visible.map(({ attributes: { role, messageId, correlation_id, eventId } }) => ({
      role,
      messageId,
      correlation_id,
      eventId,
    }));
    expect(keys).toEqual([
      { role: 'role-a', messageId: 'm-a', correlation_id: 'eb-a', eventId: '6f0c2a1e-0b4d-4d8e-9a51-3c1f7e2b9d10' },
      { role: 'role-b', messageId: 'm-b', correlation_id: 'eb-b', eventId: 'ct-b' },
    ]);
  });
});

describe('processEvent', () => {
  it('returns the decision for a manual invoke', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(role('manual-role'));

    // Act
    const result = await processEvent(createRole('manual-role'), deps);

    // Assess
    expect(result).toMatchObject({ role: 'manual-role', decision: 'create', changed: true, iamCalls: 4 });
  });

  it('throws for an event it cannot use, so the invoker sees why', async () => {
    // Act
    const act = processEvent({ source: 'aws.s3' }, deps);

    // Assess
    await expect(act).rejects.toThrow(UnsupportedEventError);
  });
});

describe('processBatch, concurrency and the deadline', () => {
  /** GetRole answers after a pause and records how many were in flight, per role and in all. */
  function slowGetRole() {
    const seen = {
      maxInFlight: 0,
      inFlight: 0,
      perRole: new Map<string, number>(),
      maxPerRole: 0,
      order: [] as string[],
    };
    iam.on(GetRoleCommand).callsFake(async ({ RoleName }: { RoleName: string }) => {
      seen.inFlight++;
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight);
      const mine = (seen.perRole.get(RoleName) ?? 0) + 1;
      seen.perRole.set(RoleName, mine);
      seen.maxPerRole = Math.max(seen.maxPerRole, mine);
      seen.order.push(RoleName);
      await new Promise((resolve) => setTimeout(resolve, 5));
      seen.inFlight--;
      seen.perRole.set(RoleName, mine - 1);
      return role(RoleName);
    });
    return seen;
  }

  it('works on a few records at once, and never on two of one role', async () => {
    // Prepare
    const seen = slowGetRole();
    const names = ['a', 'b', 'A', 'c', 'd', 'e', 'a', 'f', 'g', 'a'];
    const records = names.map((name, i) => record(`m-${i}`, createRole(name)));

    // Act
    const response = await processBatch(records, deps, { concurrency: 4 });

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    expect(seen.maxInFlight).toBe(4);
    expect(seen.order.filter((name) => name.toLowerCase() === 'a')).toEqual(['a', 'A', 'a', 'a']);
    expect(seen.maxPerRole).toBe(1);
    expect(iam.commandCalls(GetRoleCommand)).toHaveLength(10);
  });

  it('keeps each record’s log keys on its own lines while records run side by side', async () => {
    // Prepare
    slowGetRole();
    const records = ['r1', 'r2', 'r3', 'r4'].map((name) => record(`m-${name}`, createRole(name)));

    // Act
    await processBatch(records, deps, { concurrency: 4 });

    // Assess
    const decisions = deps.log.visible.filter((line) => line.message === 'linked instance profile');
    expect(decisions).toHaveLength(4);
    for (const line of decisions) {
      expect(line.attributes.messageId).toBe(`m-${line.attributes.role}`);
    }
  });

  it('starts no record once the deadline is near, and returns those for redelivery', async () => {
    // Prepare
    slowGetRole();
    const records = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((name) => record(`m-${name}`, createRole(name)));
    let remaining = 20_000;
    const remainingMs = () => {
      remaining -= 3_000;
      return remaining;
    };

    // Act
    const response = await processBatch(records, deps, { concurrency: 1, remainingMs });

    // Assess: 17 s, 14 s, 11 s and 8 s left start a record; 5 s and 2 s do not
    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'm-r5' }, { itemIdentifier: 'm-r6' }]);
    expect(iam.commandCalls(GetRoleCommand)).toHaveLength(4);
    expect(deps.log.visible).toContainEqual(
      expect.objectContaining({ level: 'warn', attributes: expect.objectContaining({ returned: 2 }) }),
    );
  });
});
