import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  DeleteConflictException,
  DeleteInstanceProfileCommand,
  EntityAlreadyExistsException,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  IAMServiceException,
  LimitExceededException,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  NoSuchEntityException,
  RemoveRoleFromInstanceProfileCommand,
  TagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Config, DEFAULT_CONFIG } from '../../core/config.js';
import { AutoInstanceProfileError } from '../../core/errors.js';
import type { RoleTrigger } from '../../core/events.js';
import { type KnownFacts, remediate } from '../../core/remediate.js';
import { EC2_TRUST_URL_ENCODED } from '../support/policies.js';
import { MemoryOwnership, RecordingCounter, RecordingLog, STEADY_USAGE } from './support/fakes.js';
import { eventTrigger, scanTrigger } from './support/triggers.js';

const NOW = new Date('2026-11-28T12:00:00Z');
const ROLE = 'CLI-EC2-role';
const ROLE_ARN = `arn:aws:iam::123456789012:role/${ROLE}`;
const trigger = eventTrigger('role-created', ROLE, { eventTime: new Date(NOW.getTime() - 30_000) });
const getRoleOutput = (overrides: Record<string, unknown> = {}) => ({
  Role: {
    RoleName: ROLE,
    RoleId: 'AROAEXAMPLE',
    Arn: ROLE_ARN,
    Path: '/',
    CreateDate: NOW,
    AssumeRolePolicyDocument: EC2_TRUST_URL_ENCODED,
    Tags: [],
    ...overrides,
  },
});
const profileOutput = (tags: { Key: string; Value: string }[], roleNames: string[]) => ({
  InstanceProfile: {
    InstanceProfileName: ROLE,
    InstanceProfileId: 'AIPAEXAMPLE',
    Arn: `arn:aws:iam::123456789012:instance-profile/${ROLE}`,
    Path: '/',
    CreateDate: NOW,
    Tags: tags,
    Roles: roleNames.map((RoleName) => ({ RoleName, Path: '/', RoleId: 'x', Arn: 'x', CreateDate: NOW })),
  },
});
const MANAGED = [{ Key: 'auto-instance-profile:managed', Value: 'true' }];
/** Ours and bound to the role of {@link getRoleOutput}. */
const BOUND = [...MANAGED, { Key: 'auto-instance-profile:source-role-id', Value: 'AROAEXAMPLE' }];
const iamError = <T>(Type: new (o: { message: string; $metadata: object }) => T) =>
  new Type({ message: 'from the test', $metadata: {} });

const iam = mockClient(IAMClient);
let log: RecordingLog;
let metrics: RecordingCounter;
/** The ownership record: by default it proves the profile of {@link profileOutput} ours, bound to the role. */
let records: MemoryOwnership;
const run = (config: Partial<Config> = {}, input: RoleTrigger = trigger, known: KnownFacts = {}) =>
  remediate(
    input,
    {
      iam: new IAMClient({}),
      config: { ...DEFAULT_CONFIG, ...config },
      log,
      metrics,
      now: () => NOW,
      newId: () => 'run-1',
      profileUsage: STEADY_USAGE,
      ownership: records,
    },
    known,
  );
const calls = () => iam.calls().map((c) => c.args[0].constructor.name);

beforeEach(() => {
  iam.reset();
  log = new RecordingLog();
  metrics = new RecordingCounter();
  records = MemoryOwnership.proving(ROLE, 'AIPAEXAMPLE', 'AROAEXAMPLE');
});

describe('remediate', () => {
  it('creates and links a same-named profile in four calls, like the console', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).resolves({});
    iam.on(AddRoleToInstanceProfileCommand).resolves({});

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).toEqual([
      'GetRoleCommand',
      'ListInstanceProfilesForRoleCommand',
      'CreateInstanceProfileCommand',
      'AddRoleToInstanceProfileCommand',
    ]);
    expect(iam.commandCalls(GetRoleCommand)[0]?.args[0].input).toEqual({ RoleName: ROLE });
    expect(iam.commandCalls(ListInstanceProfilesForRoleCommand)[0]?.args[0].input).toEqual({ RoleName: ROLE });
    expect(iam.commandCalls(CreateInstanceProfileCommand)[0]?.args[0].input).toEqual({
      InstanceProfileName: ROLE,
      Path: '/',
      Tags: [
        { Key: 'auto-instance-profile:managed', Value: 'true' },
        { Key: 'auto-instance-profile:source-role-id', Value: 'AROAEXAMPLE' },
        { Key: 'auto-instance-profile:source-role-arn', Value: ROLE_ARN },
        { Key: 'auto-instance-profile:source-event-id', Value: 'evt-1' },
        { Key: 'auto-instance-profile:creation-id', Value: 'run-1' },
      ],
    });
    expect(iam.commandCalls(AddRoleToInstanceProfileCommand)[0]?.args[0].input).toEqual({
      InstanceProfileName: ROLE,
      RoleName: ROLE,
    });
    expect(outcome).toMatchObject({ role: ROLE, decision: 'create', profile: ROLE, changed: true, iamCalls: 4 });
    expect(metrics.names()).toEqual(['ProfilesCreated']);
  });

  it('gives the profile the role’s path', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput({ Path: '/teams/web/' }));
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });

    // Act
    await run();

    // Assess
    expect(iam.commandCalls(CreateInstanceProfileCommand)[0]?.args[0].input).toMatchObject({ Path: '/teams/web/' });
  });

  it('logs exactly one line that explains the decision', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });

    // Act
    await run();

    // Assess
    expect(log.visible).toEqual([
      {
        level: 'info',
        message: 'linked instance profile',
        attributes: expect.objectContaining({
          role: ROLE,
          decision: 'create',
          profile: ROLE,
          note: expect.stringContaining('lets EC2 assume the role'),
          caller: 'arn:aws:iam::123456789012:user/platform-admin',
        }),
      },
    ]);
  });

  it('does nothing, in two calls, when the role is already in an instance profile', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({
      InstanceProfiles: [
        {
          InstanceProfileName: 'console-made',
          InstanceProfileId: 'x',
          Arn: 'x',
          Path: '/',
          CreateDate: NOW,
          Roles: [],
        },
      ],
    });

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).toEqual(['GetRoleCommand', 'ListInstanceProfilesForRoleCommand']);
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'already-in-profile', changed: false, iamCalls: 2 });
    expect(log.visible).toEqual([
      expect.objectContaining({
        level: 'info',
        attributes: expect.objectContaining({ role: ROLE, decision: 'nothing' }),
      }),
    ]);
    expect(metrics.counts).toEqual([{ metric: 'Skipped', dimensions: { reason: 'already-in-profile' } }]);
  });

  it.each([
    [
      'EC2 may not assume it',
      getRoleOutput({ AssumeRolePolicyDocument: EC2_TRUST_URL_ENCODED.replace('ec2', 'lambda') }),
      'no-ec2-trust',
    ],
    ['it is tagged skip', getRoleOutput({ Tags: [{ Key: 'auto-instance-profile:skip', Value: 'true' }] }), 'opted-out'],
    ['it is a service-linked role', getRoleOutput({ Path: '/aws-service-role/ec2.amazonaws.com/' }), 'excluded-path'],
  ])('does nothing, in one call, when %s', async (_case, output, reason) => {
    // Prepare
    iam.on(GetRoleCommand).resolves(output);

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).toEqual(['GetRoleCommand']);
    expect(outcome).toMatchObject({ decision: 'nothing', reason, iamCalls: 1 });
  });

  it('makes no call for a role made by an ignored caller', async () => {
    // Prepare
    const fromCfn = eventTrigger('role-created', ROLE, { caller: { invokedBy: 'cloudformation.amazonaws.com' } });

    // Act
    const outcome = await run({ ignoredCallers: ['cloudformation.amazonaws.com'] }, fromCfn);

    // Assess
    expect(calls()).toEqual([]);
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'ignored-caller', iamCalls: 0 });
  });

  it('records its intent before it creates: one write, with this run’s creation id, the role’s id and the event', async () => {
    // Prepare
    records = new MemoryOwnership();
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).callsFake(() => {
      // The intent is already there when IAM gets the create.
      expect(records.calls).toEqual(['intent']);
      return {};
    });

    // Act
    const outcome = await run();

    // Assess
    expect(records.calls).toEqual(['intent']);
    expect(records.records.get(ROLE.toLowerCase())).toEqual({
      profileName: ROLE,
      owned: undefined,
      intents: [{ creationId: 'run-1', roleId: 'AROAEXAMPLE', eventId: 'evt-1', at: NOW.toISOString() }],
      version: 1,
    });
    expect(outcome).toMatchObject({ decision: 'create', iamCalls: 4, recordCalls: 1 });
  });

  it('creates without an intent, and proves nothing later, when it has no table (the local invoke tool)', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });

    // Act
    const outcome = await remediate(trigger, {
      iam: new IAMClient({}),
      config: DEFAULT_CONFIG,
      log,
      metrics,
      now: () => NOW,
      profileUsage: STEADY_USAGE,
    });

    // Assess
    expect(outcome).toMatchObject({ decision: 'create', iamCalls: 4, recordCalls: 0 });
  });

  it('re-binds the record to the role before it adopts a leftover the record binds to an earlier role', async () => {
    // Prepare: Terraform's replace: the leftover was made for the role's earlier incarnation
    records = MemoryOwnership.proving(ROLE, 'AIPAEXAMPLE', 'AROAOLD');
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam
      .on(GetInstanceProfileCommand)
      .resolves(profileOutput([...MANAGED, { Key: 'auto-instance-profile:source-role-id', Value: 'AROAOLD' }], []));
    iam.on(TagInstanceProfileCommand).callsFake(() => {
      expect(records.calls).toEqual(['intent', 'read', 'bind']);
      return {};
    });

    // Act
    const outcome = await run();

    // Assess
    expect(records.records.get(ROLE.toLowerCase())).toMatchObject({
      owned: { profileId: 'AIPAEXAMPLE', roleId: 'AROAEXAMPLE', source: 'adopted', at: NOW.toISOString() },
      intents: [],
    });
    expect(outcome).toMatchObject({ decision: 'adopt', iamCalls: 6, recordCalls: 3 });
    expect(outcome.note).toContain('re-bound to role id AROAEXAMPLE');
  });

  it('reads the record and the profile again when another write re-bound the record first', async () => {
    // Prepare: the record moves on between the read and the bind (a racing delivery adopted it)
    records = MemoryOwnership.proving(ROLE, 'AIPAEXAMPLE', 'AROAOLD');
    const read = records.read.bind(records);
    let reads = 0;
    records.read = async (name) => {
      const record = await read(name);
      if (++reads === 1 && record !== 'absent') return { ...record, version: record.version - 1 };
      return record;
    };
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(MANAGED, []));

    // Act
    const outcome = await run();

    // Assess
    expect(records.calls).toEqual(['intent', 'read', 'bind', 'read', 'bind']);
    expect(calls().filter((call) => call === 'GetInstanceProfileCommand')).toHaveLength(2);
    expect(outcome).toMatchObject({ decision: 'adopt', changed: true });
  });

  it.each([
    ['has nothing for it (a forged tag on another team’s empty profile)', () => new MemoryOwnership()],
    ['is about an earlier profile of the name', () => MemoryOwnership.proving(ROLE, 'AIPAEARLIER', 'AROAEXAMPLE')],
  ])('never adopts an empty profile tagged as ours when the record %s', async (_case, made) => {
    // Prepare
    records = made();
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(BOUND, []));

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).not.toContain('AddRoleToInstanceProfileCommand');
    expect(calls()).not.toContain('TagInstanceProfileCommand');
    expect(outcome).toMatchObject({ decision: 'conflict', reason: 'profile-unrecorded', changed: false });
  });

  it('adds the role to an empty profile of ours left from an earlier role, re-tagged to this role’s id', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam
      .on(GetInstanceProfileCommand)
      .resolves(profileOutput([...MANAGED, { Key: 'auto-instance-profile:source-role-id', Value: 'AROAOLD' }], []));
    iam.on(AddRoleToInstanceProfileCommand).resolves({});

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).toEqual([
      'GetRoleCommand',
      'ListInstanceProfilesForRoleCommand',
      'CreateInstanceProfileCommand',
      'GetInstanceProfileCommand',
      'TagInstanceProfileCommand',
      'AddRoleToInstanceProfileCommand',
    ]);
    expect(iam.commandCalls(GetInstanceProfileCommand)[0]?.args[0].input).toEqual({ InstanceProfileName: ROLE });
    expect(iam.commandCalls(TagInstanceProfileCommand)[0]?.args[0].input).toEqual({
      InstanceProfileName: ROLE,
      Tags: [
        { Key: 'auto-instance-profile:managed', Value: 'true' },
        { Key: 'auto-instance-profile:source-role-id', Value: 'AROAEXAMPLE' },
        { Key: 'auto-instance-profile:source-role-arn', Value: ROLE_ARN },
      ],
    });
    expect(outcome).toMatchObject({ decision: 'adopt', changed: true, iamCalls: 6 });
    expect(metrics.names()).toEqual(['ProfilesAdopted']);
  });

  it('adds the role to an empty profile of ours already bound to it, without tagging', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(BOUND, []));
    iam.on(AddRoleToInstanceProfileCommand).resolves({});

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).not.toContain('TagInstanceProfileCommand');
    expect(outcome).toMatchObject({ decision: 'adopt', changed: true, iamCalls: 5 });
  });

  it.each([
    ['not ours', [{ Key: 'owner', Value: 'platform' }], ['other-role'], 'profile-not-managed'],
    ['not ours and empty', [], [], 'profile-not-managed'],
    ['ours but holding another role', MANAGED, ['other-role'], 'profile-holds-other-role'],
  ])(
    'changes nothing and warns with both names when the same-name profile is %s',
    async (_case, tags, roles, reason) => {
      // Prepare
      iam.on(GetRoleCommand).resolves(getRoleOutput());
      iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
      iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
      iam.on(GetInstanceProfileCommand).resolves(profileOutput(tags, roles));

      // Act
      const outcome = await run();

      // Assess
      expect(iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(0);
      expect(outcome).toMatchObject({ decision: 'conflict', reason, profile: ROLE });
      expect(log.visible).toEqual([
        {
          level: 'warn',
          message: 'instance profile conflict',
          attributes: expect.objectContaining({ role: ROLE, profile: ROLE, profileRoles: roles, decision: 'conflict' }),
        },
      ]);
      expect(metrics.counts).toEqual([{ metric: 'Conflicts', dimensions: { reason } }]);
    },
  );

  it('converges without error when a racing delivery created and linked the profile first', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(MANAGED, [ROLE]));

    // Act
    const outcome = await run();

    // Assess
    expect(iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(0);
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'already-in-profile' });
  });

  it('converges without error when a racing delivery linked the role between our create and add', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).resolves({});
    iam.on(AddRoleToInstanceProfileCommand).rejects(iamError(LimitExceededException));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(MANAGED, [ROLE]));

    // Act
    const outcome = await run();

    // Assess
    expect(calls().at(-1)).toBe('GetInstanceProfileCommand');
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'already-in-profile', iamCalls: 5 });
  });

  it.each([
    [30_000, 'retry', undefined],
    [600_000, 'nothing', 'role-gone'],
  ] as const)('for a missing role %i ms after the event decides %s', async (ageMs, decision, reason) => {
    // Prepare
    iam.on(GetRoleCommand).rejects(iamError(NoSuchEntityException));

    // Act
    const outcome = await run({}, eventTrigger('role-created', ROLE, { eventTime: new Date(NOW.getTime() - ageMs) }));

    // Assess
    expect(calls()).toEqual(['GetRoleCommand']);
    expect(outcome.decision).toBe(decision);
    if (reason) expect(outcome.reason).toBe(reason);
  });

  it('deletes the empty profile it just made when the role is deleted before the add, and acknowledges the record', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolvesOnce(getRoleOutput()).rejects(iamError(NoSuchEntityException));
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).resolves({});
    iam.on(AddRoleToInstanceProfileCommand).rejects(iamError(NoSuchEntityException));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(MANAGED, []));

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).toEqual([
      'GetRoleCommand',
      'ListInstanceProfilesForRoleCommand',
      'CreateInstanceProfileCommand',
      'AddRoleToInstanceProfileCommand',
      'GetRoleCommand',
      'GetInstanceProfileCommand',
      'DeleteInstanceProfileCommand',
    ]);
    expect(outcome).toMatchObject({
      decision: 'cleanup',
      changes: [`created instance profile ${ROLE}`, `deleted instance profile ${ROLE}`],
    });
    expect(metrics.names()).toEqual(['ProfilesCreated', 'ProfilesDeleted']);
  });

  it('treats a role deleted while it was being remediated as gone, not as not visible yet', async () => {
    // Prepare: the profile vanished too, so there is nothing of ours to remove
    iam.on(GetRoleCommand).resolvesOnce(getRoleOutput()).rejects(iamError(NoSuchEntityException));
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).resolves({});
    iam.on(AddRoleToInstanceProfileCommand).rejects(iamError(NoSuchEntityException));
    iam.on(GetInstanceProfileCommand).rejects(iamError(NoSuchEntityException));

    // Act
    const outcome = await run();

    // Assess
    expect(outcome).toMatchObject({
      decision: 'nothing',
      reason: 'role-gone',
      changes: [`created instance profile ${ROLE}`],
    });
  });

  it('answers a full account with its own decision and metric, and returns the record', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(LimitExceededException));

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).toEqual(['GetRoleCommand', 'ListInstanceProfilesForRoleCommand', 'CreateInstanceProfileCommand']);
    expect(outcome).toMatchObject({ decision: 'retry', reason: 'quota-exceeded' });
    expect(log.visible).toEqual([
      expect.objectContaining({ level: 'error', message: 'instance profile quota is full' }),
    ]);
    expect(metrics.names()).toEqual(['QuotaExceeded', 'Errors', 'Retries']);
  });

  it('knows a profile as its own when the answer to its create was lost and the retry met EntityAlreadyExists', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam
      .on(GetInstanceProfileCommand)
      .resolves(profileOutput([...BOUND, { Key: 'auto-instance-profile:creation-id', Value: 'run-1' }], []));

    // Act
    const outcome = await run();

    // Assess
    expect(outcome).toMatchObject({
      decision: 'adopt',
      changes: [`created instance profile ${ROLE}`, `added role ${ROLE} to instance profile ${ROLE}`],
    });
    expect(metrics.names()).toEqual(['ProfilesCreated']);
  });

  it('counts the profile it created when a racing delivery added the role first', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).resolves({});
    iam.on(AddRoleToInstanceProfileCommand).rejects(iamError(LimitExceededException));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(MANAGED, [ROLE]));

    // Act
    const outcome = await run();

    // Assess
    expect(outcome).toMatchObject({
      decision: 'nothing',
      reason: 'already-in-profile',
      changed: true,
      changes: [`created instance profile ${ROLE}`],
    });
    expect(metrics.names()).toEqual(['ProfilesCreated', 'Skipped']);
  });

  it('counts every request the SDK sent, its retries included', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves({ ...getRoleOutput(), $metadata: { attempts: 3 } });
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [], $metadata: { attempts: 2 } });
    iam.on(CreateInstanceProfileCommand).resolves({});
    iam.on(AddRoleToInstanceProfileCommand).resolves({});

    // Act
    const outcome = await run();

    // Assess
    expect(outcome.iamCalls).toBe(3 + 2 + 1 + 1);
  });

  it.each([
    ['throttled', 'Throttling', 'client', 400, 'throttled'],
    ['a 5xx', 'ServiceFailure', 'server', 500, 'iam-unavailable'],
  ] as const)(
    'returns the record, with what it changed, when IAM stays %s through the SDK’s retries',
    async (_case, name, $fault, httpStatusCode, reason) => {
      // Prepare: the profile is made, then the add meets IAM's failure on every attempt.
      const failure = new IAMServiceException({
        name,
        $fault,
        message: 'from the test',
        $metadata: { httpStatusCode, attempts: 3 },
      });
      iam.on(GetRoleCommand).resolves(getRoleOutput());
      iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
      iam.on(CreateInstanceProfileCommand).resolves({});
      iam.on(AddRoleToInstanceProfileCommand).rejects(failure);

      // Act
      const outcome = await run();

      // Assess
      expect(outcome).toMatchObject({
        decision: 'retry',
        reason,
        note: `IAM answered ${name} after 3 attempts; the queue delivers the record again later`,
        changed: true,
        changes: [`created instance profile ${ROLE}`],
        iamCalls: 1 + 1 + 1 + 3,
      });
      expect(log.visible.map((line) => [line.level, line.message])).toEqual([['warn', 'not done yet, will retry']]);
      expect(metrics.counts).toEqual([
        { metric: 'ProfilesCreated', dimensions: undefined },
        { metric: 'Retries', dimensions: { reason } },
      ]);
    },
  );

  it('returns the record when a read fails on a dropped connection after the SDK’s retries', async () => {
    // Prepare
    const reset = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });
    iam.on(GetRoleCommand).rejects(reset);

    // Act
    const outcome = await run();

    // Assess
    expect(outcome).toMatchObject({ decision: 'retry', reason: 'iam-unavailable', changed: false });
    expect(iam.commandCalls(ListInstanceProfilesForRoleCommand)).toHaveLength(0);
  });

  it('re-throws an error that is not IAM passing by (access denied)', async () => {
    // Prepare
    const denied = new IAMServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      message: 'not authorized to perform: iam:CreateInstanceProfile',
      $metadata: { httpStatusCode: 403 },
    });
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(denied);

    // Act
    const act = run();

    // Assess
    await expect(act).rejects.toBe(denied);
    expect(iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(0);
  });

  it('plans but changes nothing in a dry run, having read that no profile has the role’s name', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(GetInstanceProfileCommand).rejects(iamError(NoSuchEntityException));

    // Act
    const outcome = await run({ dryRun: true });

    // Assess
    expect(calls()).toEqual(['GetRoleCommand', 'ListInstanceProfilesForRoleCommand', 'GetInstanceProfileCommand']);
    expect(outcome).toMatchObject({ decision: 'create', changed: false, dryRun: true });
    expect(log.visible[0]).toMatchObject({ message: 'would link instance profile', attributes: { dryRun: true } });
    expect(metrics.counts).toEqual([]);
  });

  it.each([
    ['someone else’s', [], [], 'conflict', 'instance profile conflict'],
    ['our empty leftover of', BOUND, [], 'adopt', 'would link instance profile'],
  ] as const)(
    'reports in a dry run what the create would meet: %s profile of the role’s name gives %s',
    async (_case, tags, roles, decision, message) => {
      // Prepare
      iam.on(GetRoleCommand).resolves(getRoleOutput());
      iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
      iam.on(GetInstanceProfileCommand).resolves(profileOutput([...tags], [...roles]));

      // Act
      const outcome = await run({ dryRun: true });

      // Assess
      expect(outcome).toMatchObject({ decision, changed: false, dryRun: true });
      expect(log.visible[0]?.message).toBe(message);
      expect(iam.commandCalls(CreateInstanceProfileCommand)).toHaveLength(0);
      expect(iam.commandCalls(AddRoleToInstanceProfileCommand)).toHaveLength(0);
    },
  );

  it('returns the record for later, without an error, when a profile exists but cannot be read yet', async () => {
    // Prepare
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam.on(GetInstanceProfileCommand).rejects(iamError(NoSuchEntityException));

    // Act
    const outcome = await run();

    // Assess
    expect(calls()).toEqual([
      'GetRoleCommand',
      'ListInstanceProfilesForRoleCommand',
      'CreateInstanceProfileCommand',
      'GetInstanceProfileCommand',
    ]);
    expect(outcome).toMatchObject({
      decision: 'retry',
      reason: 'profile-not-visible-yet',
      note: 'profile exists but cannot be read yet',
    });
    expect(log.visible.map((line) => line.level)).toEqual(['info']);
    expect(metrics.counts).toEqual([{ metric: 'Retries', dimensions: { reason: 'profile-not-visible-yet' } }]);
  });

  it('gives up with an error instead of looping when IAM keeps contradicting itself', async () => {
    // Prepare: our empty profile, which every add says is full
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
    iam.on(CreateInstanceProfileCommand).rejects(iamError(EntityAlreadyExistsException));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(MANAGED, []));
    iam.on(AddRoleToInstanceProfileCommand).rejects(iamError(LimitExceededException));

    // Act
    const act = run();

    // Assess
    await expect(act).rejects.toThrow(AutoInstanceProfileError);
    expect(iam.calls().length).toBeLessThan(16);
  });
});

describe('remediate, over the role’s life', () => {
  const listed = (...names: string[]) => ({
    InstanceProfiles: names.map((InstanceProfileName) => ({
      InstanceProfileName,
      InstanceProfileId: 'x',
      Arn: 'x',
      Path: '/',
      CreateDate: NOW,
      Roles: [],
    })),
  });
  const conflict = eventTrigger('delete-conflict', ROLE, {
    errorCode: 'DeleteConflictException',
    eventTime: new Date(NOW.getTime() + 5_000),
  });
  /** The role's state for a release: GetRole, and no policies left. */
  const releasable = () => {
    iam.on(GetRoleCommand).resolves(getRoleOutput());
    iam.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
  };

  it('releases our bound profile on a delete conflict once nothing else blocks the delete: remove, then delete', async () => {
    // Prepare
    releasable();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(listed(ROLE));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(BOUND, [ROLE]));

    // Act
    const outcome = await run({}, conflict);

    // Assess
    expect(calls()).toEqual([
      'ListInstanceProfilesForRoleCommand',
      'GetRoleCommand',
      'GetInstanceProfileCommand',
      'ListAttachedRolePoliciesCommand',
      'ListRolePoliciesCommand',
      'RemoveRoleFromInstanceProfileCommand',
      'DeleteInstanceProfileCommand',
    ]);
    expect(iam.commandCalls(ListAttachedRolePoliciesCommand)[0]?.args[0].input).toEqual({
      RoleName: ROLE,
      MaxItems: 1,
    });
    expect(iam.commandCalls(ListRolePoliciesCommand)[0]?.args[0].input).toEqual({ RoleName: ROLE, MaxItems: 1 });
    expect(iam.commandCalls(RemoveRoleFromInstanceProfileCommand)[0]?.args[0].input).toEqual({
      InstanceProfileName: ROLE,
      RoleName: ROLE,
    });
    expect(iam.commandCalls(DeleteInstanceProfileCommand)[0]?.args[0].input).toEqual({ InstanceProfileName: ROLE });
    expect(outcome).toMatchObject({
      decision: 'release',
      changed: true,
      changes: [`removed role ${ROLE} from instance profile ${ROLE}`, `deleted instance profile ${ROLE}`],
      iamCalls: 7,
    });
    expect(log.visible).toEqual([expect.objectContaining({ message: 'released instance profile' })]);
    expect(metrics.names()).toEqual(['ProfilesReleased', 'ProfilesDeleted']);
    expect(records.calls).toEqual(['read']);
    expect(outcome.recordCalls).toBe(1);
  });

  it('releases nothing when the record does not prove the profile ours, whatever its tags say', async () => {
    // Prepare: the tags say ours and bound to this role, as anyone allowed to tag and read the role can write them
    records = new MemoryOwnership();
    releasable();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(listed(ROLE));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(BOUND, [ROLE]));

    // Act
    const outcome = await run({}, conflict);

    // Assess
    expect(calls()).toEqual(['ListInstanceProfilesForRoleCommand', 'GetRoleCommand', 'GetInstanceProfileCommand']);
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'held-by-unrecorded-profile', changed: false });
    expect(outcome.note).toContain('record has no trace');
  });

  it('touches nothing when a holding profile is not ours, and says which one blocks the delete', async () => {
    // Prepare
    releasable();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(listed('team-profile'));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput([], [ROLE]));

    // Act
    const outcome = await run({}, conflict);

    // Assess
    expect(calls()).toEqual(['ListInstanceProfilesForRoleCommand', 'GetRoleCommand', 'GetInstanceProfileCommand']);
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'held-by-unmanaged-profile', changed: false });
    expect(outcome.note).toContain(ROLE);
  });

  it.each([
    [
      'attached managed policies',
      { AttachedPolicies: [{ PolicyName: 'p', PolicyArn: 'arn:aws:iam::aws:policy/p' }] },
      { PolicyNames: [] },
    ],
    ['inline policies', { AttachedPolicies: [] }, { PolicyNames: ['inline'] }],
  ])('keeps our profile when the role still has %s, and says so', async (what, attached, inline) => {
    // Prepare
    releasable();
    iam.on(ListAttachedRolePoliciesCommand).resolves(attached);
    iam.on(ListRolePoliciesCommand).resolves(inline);
    iam.on(ListInstanceProfilesForRoleCommand).resolves(listed(ROLE));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(BOUND, [ROLE]));

    // Act
    const outcome = await run({}, conflict);

    // Assess
    expect(calls()).not.toContain('RemoveRoleFromInstanceProfileCommand');
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'policies-remain', changed: false });
    expect(outcome.note).toContain(what);
  });

  it('counts a profile already removed or deleted by a racing delivery as released', async () => {
    // Prepare
    releasable();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(listed(ROLE));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(BOUND, [ROLE]));
    iam.on(RemoveRoleFromInstanceProfileCommand).rejects(iamError(NoSuchEntityException));
    iam.on(DeleteInstanceProfileCommand).rejects(iamError(NoSuchEntityException));

    // Act
    const outcome = await run({}, conflict);

    // Assess
    expect(outcome).toMatchObject({ decision: 'release' });
  });

  it('changes nothing in a dry run', async () => {
    // Prepare
    releasable();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(listed(ROLE));
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(BOUND, [ROLE]));

    // Act
    const outcome = await run({ dryRun: true }, conflict);

    // Assess
    expect(calls()).not.toContain('RemoveRoleFromInstanceProfileCommand');
    expect(calls()).not.toContain('DeleteInstanceProfileCommand');
    expect(outcome).toMatchObject({ decision: 'release', changed: false, changes: [], dryRun: true });
    expect(log.visible).toEqual([expect.objectContaining({ message: 'would release instance profile' })]);
  });

  it('deletes our empty leftover profile after a successful DeleteRole when no role of its name exists', async () => {
    // Prepare
    iam.on(GetInstanceProfileCommand).resolves(profileOutput(MANAGED, []));
    iam.on(GetRoleCommand).rejects(iamError(NoSuchEntityException));

    // Act
    const outcome = await run({}, eventTrigger('role-deleted', ROLE));

    // Assess
    expect(calls()).toEqual(['GetInstanceProfileCommand', 'GetRoleCommand', 'DeleteInstanceProfileCommand']);
    expect(outcome).toMatchObject({ decision: 'cleanup', changes: [`deleted instance profile ${ROLE}`] });
    expect(metrics.names()).toEqual(['ProfilesDeleted']);
  });

  it('keeps the leftover profile when a role was added to it since it was read', async () => {
    // Prepare
    iam
      .on(GetInstanceProfileCommand)
      .resolvesOnce(profileOutput(MANAGED, []))
      .resolves(profileOutput(MANAGED, [ROLE]));
    iam.on(GetRoleCommand).rejects(iamError(NoSuchEntityException));
    iam.on(DeleteInstanceProfileCommand).rejects(iamError(DeleteConflictException));

    // Act
    const outcome = await run({}, eventTrigger('role-deleted', ROLE));

    // Assess
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'leftover-in-use', changed: false });
  });

  it('starts from facts a listing already read, and makes only the writes', async () => {
    // Prepare
    const role = {
      name: ROLE,
      path: '/',
      arn: ROLE_ARN,
      id: 'AROAEXAMPLE',
      trustPolicy: EC2_TRUST_URL_ENCODED,
      tags: {},
    };

    // Act
    const outcome = await run({}, scanTrigger(ROLE), { role, roleProfiles: [], sameNameProfile: 'absent' });

    // Assess
    expect(calls()).toEqual(['CreateInstanceProfileCommand', 'AddRoleToInstanceProfileCommand']);
    expect(outcome).toMatchObject({ trigger: 'found-by-scan', decision: 'create', iamCalls: 2 });
  });

  it('treats a role gone since a scan saw it as gone, not as not visible yet', async () => {
    // Prepare
    iam.on(GetRoleCommand).rejects(iamError(NoSuchEntityException));

    // Act
    const outcome = await run({}, scanTrigger(ROLE));

    // Assess
    expect(outcome).toMatchObject({ decision: 'nothing', reason: 'role-gone' });
  });
});
