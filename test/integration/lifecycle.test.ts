/**
 * A role's whole life, through the built bundle (dist/remediator/index.mjs) against moto: trust changed
 * later, a DeleteRole that failed on our profile (release), a DeleteRole that went through (clean up), a
 * re-created role, our own calls and ignored callers. Every delivery goes through the IAM proxy, so each
 * case asserts the end state in IAM, the decision's log line, and the exact IAM calls it took.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { type FaultRules as ProxyRules, startIamProxy } from '../../emulator/iam-faults.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { type BatchResponse, invokeBundle, type LogLine, roleWithOurProfile, sqsBatch } from './support/bundle.js';
import {
  assumedRoleIdentity,
  type CloudTrailFixture,
  cloudTrailEvent,
  deleteConflictEvent,
  type EventOptions,
} from './support/cloudtrail.js';
import {
  addToProfile,
  attachPolicy,
  createProfile,
  createRole,
  deleteProfile,
  deleteRole,
  getProfile,
  MANAGED_TAGS,
  profilesOf,
  putInlinePolicy,
  removeFromProfile,
  roleExists,
  roleIdOf,
  uniqueRoleName,
  updateTrust,
} from './support/iam.js';
import { expectGranted } from './support/permissions.js';
import { recordOurs } from './support/stack.js';

const MOTO_URL = inject('motoUrl');
const LAMBDA_TRUST_JSON = EC2_TRUST_JSON.replace('ec2.amazonaws.com', 'lambda.amazonaws.com');
/** The function's own role, as the stack passes it in SERVICE_ROLE_ARN. */
const SERVICE_ROLE_ARN = 'arn:aws:iam::123456789012:role/AutoInstanceProfile-RemediatorRole-1A2B3C4D';
const TERRAFORM_CI = 'arn:aws:sts::*:assumed-role/terraform-ci/*';
const CONFLICT_MESSAGE = 'Cannot delete entity, must remove roles from instance profile first.';

/** What one delivery did: the batch result, its one decision line, and every IAM action it sent. */
interface Delivery {
  readonly result: BatchResponse;
  readonly decision: LogLine | undefined;
  readonly actions: readonly string[];
  readonly metrics: Record<string, unknown>[];
}

/**
 * Delivers one event the deployed way (an SQS batch), through a fresh IAM proxy that records each call,
 * and checks that the bundle logged exactly one decision about the role.
 */
async function deliver(
  role: string,
  event: unknown,
  env: Record<string, string> = {},
  rules: ProxyRules = {},
): Promise<Delivery> {
  const proxy = await startIamProxy(MOTO_URL, rules);
  try {
    const { result, logs, metrics } = await invokeBundle(sqsBatch(event), { ...env, AWS_ENDPOINT_URL_IAM: proxy.url });
    const lines = logs.filter((line) => line.role === role && line.decision !== undefined);
    expect(lines).toHaveLength(1);
    return { result, decision: lines[0], actions: [...proxy.actions], metrics };
  } finally {
    await proxy.close();
  }
}

/** Tries DeleteRole in moto, as the role's owner would, and returns IAM's error name (or 'deleted'). */
async function tryDeleteRole(role: string): Promise<string> {
  try {
    await deleteRole(role);
    return 'deleted';
  } catch (error) {
    return (error as Error).name;
  }
}

/** The profile's tags as a record. */
async function profileTags(name: string): Promise<Record<string, string | undefined>> {
  const profile = await getProfile(name);
  return Object.fromEntries((profile?.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
}

const RELEASE_ACTIONS = ['RemoveRoleFromInstanceProfile', 'DeleteInstanceProfile'];
/** What a release reads first: the holding profiles, the role (its CreateDate and id), whose the profile is, the policies left. */
const RELEASE_READS = [
  'ListInstanceProfilesForRole',
  'GetRole',
  'GetInstanceProfile',
  'ListAttachedRolePolicies',
  'ListRolePolicies',
];

describe('UpdateAssumeRolePolicy', () => {
  it('gives a profile to a Lambda role whose trust now lets EC2 assume it', async () => {
    // Prepare
    const role = uniqueRoleName('opened-to-ec2');
    await createRole(role, { trust: LAMBDA_TRUST_JSON });
    await updateTrust(role, EC2_TRUST_JSON);
    const update = cloudTrailEvent('update-assume-role-policy', role, {
      requestParameters: { policyDocument: EC2_TRUST_JSON },
    });

    // Act
    const { result, decision, actions } = await deliver(role, update);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(await profileTags(role)).toMatchObject({
      'auto-instance-profile:managed': 'true',
      'auto-instance-profile:source-event-id': (update.detail as { eventID: string }).eventID,
    });
    expect(decision).toMatchObject({
      decision: 'create',
      trigger: 'trust-changed',
      eventName: 'UpdateAssumeRolePolicy',
      profile: role,
      note: expect.stringContaining('lets EC2 assume the role'),
      changes: [`created instance profile ${role}`, `added role ${role} to instance profile ${role}`],
      // A cold function reads the quota once (GetAccountSummary); a warm one reuses it for 5 minutes.
      iamCalls: 5,
    });
    expect(actions).toEqual([
      'GetRole',
      'ListInstanceProfilesForRole',
      'GetAccountSummary',
      'CreateInstanceProfile',
      'AddRoleToInstanceProfile',
    ]);
    expectGranted(actions);
  });

  it('leaves the profile in place, and says so, when the trust no longer lets EC2 assume the role', async () => {
    // Prepare
    const role = uniqueRoleName('closed-to-ec2');
    await createRole(role);
    await createProfile(role, { tags: MANAGED_TAGS, role });
    await recordOurs(role);
    await updateTrust(role, LAMBDA_TRUST_JSON);

    // Act
    const { result, decision, actions } = await deliver(
      role,
      cloudTrailEvent('update-assume-role-policy', role, { requestParameters: { policyDocument: LAMBDA_TRUST_JSON } }),
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'no-ec2-trust',
      note: expect.stringContaining('an existing instance profile is left in place'),
      changes: [],
      changed: false,
      iamCalls: 1,
    });
    expect(actions).toEqual(['GetRole']);
    expectGranted(actions);
  });
  it('does nothing when the role, still open to EC2, is already in a profile', async () => {
    // Prepare
    const role = uniqueRoleName('still-ec2');
    await createRole(role, { trust: LAMBDA_TRUST_JSON });
    await createProfile(role, { tags: MANAGED_TAGS, role });
    await recordOurs(role);
    await updateTrust(role, EC2_TRUST_JSON);

    // Act
    const { result, decision, actions } = await deliver(role, cloudTrailEvent('update-assume-role-policy', role));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'already-in-profile', changes: [], iamCalls: 2 });
    expect(actions).toEqual(['GetRole', 'ListInstanceProfilesForRole']);
    expectGranted(actions);
  });
});

describe('failed calls other than a DeleteRole conflict', () => {
  it.each([
    ['update-assume-role-policy', 'MalformedPolicyDocumentException'],
    ['delete-role', 'NoSuchEntityException'],
    ['delete-role-conflict', 'UnmodifiableEntityException'],
  ] as const)('%s failed with %s: ignored without an IAM call', async (fixture, errorCode) => {
    // Prepare
    const role = uniqueRoleName('failed-call');
    await createRole(role);
    await createProfile(role, { tags: MANAGED_TAGS, role });
    await recordOurs(role);
    const failed = cloudTrailEvent(fixture, role);
    Object.assign(failed.detail as object, { errorCode, errorMessage: 'injected by the test' });

    // Act
    const { result, decision, actions } = await deliver(role, failed);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({ decision: 'ignored', reason: 'failed-call', errorCode });
    expect(actions).toEqual([]);
  });
});

describe('DeleteRole failed with DeleteConflictException: release', () => {
  it('removes the role from our profile and deletes it, so that the caller’s retry succeeds', async () => {
    // Prepare
    const role = uniqueRoleName('release');
    await roleWithOurProfile(role);
    expect(await tryDeleteRole(role)).toBe('DeleteConflictException');

    // Act
    const { result, decision, actions, metrics } = await deliver(role, await deleteConflictEvent(role));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
    expect(await profilesOf(role)).toEqual([]);
    expect(decision).toMatchObject({
      message: 'released instance profile',
      decision: 'release',
      trigger: 'delete-conflict',
      profile: role,
      note: expect.stringContaining(`(the call failed with: ${CONFLICT_MESSAGE})`),
      changes: [`removed role ${role} from instance profile ${role}`, `deleted instance profile ${role}`],
      iamCalls: 7,
    });
    expect(actions).toEqual([...RELEASE_READS, ...RELEASE_ACTIONS]);
    expectGranted(actions);
    expect(metrics).toContainEqual(expect.objectContaining({ ProfilesReleased: 1 }));
    expect(await tryDeleteRole(role)).toBe('deleted');
  });

  it('releases only the role’s same-name profile: a second profile tagged as ours is left alone and named', async () => {
    // Prepare
    const role = uniqueRoleName('release-two');
    const second = `${role}-second`;
    await roleWithOurProfile(role);
    await createProfile(second, { tags: MANAGED_TAGS, role });
    expect(await tryDeleteRole(role)).toBe('DeleteConflictException');

    // Act
    const { result, decision, actions } = await deliver(role, await deleteConflictEvent(role));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role, second]);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'held-by-unbound-profile',
      note: expect.stringContaining(`instance profile ${second} is tagged auto-instance-profile:managed=true`),
      changes: [],
      iamCalls: 4,
    });
    expect(actions).toEqual(['ListInstanceProfilesForRole', 'GetRole', 'GetInstanceProfile', 'GetInstanceProfile']);
    expectGranted(actions);
  });

  it.each([
    ['alone', false],
    ['beside one of ours', true],
  ])('changes nothing and names the blocking profile when a profile not ours holds the role, %s', async (_c, ours) => {
    // Prepare
    const role = uniqueRoleName('blocked');
    const theirs = `${role}-theirs`;
    await createRole(role);
    if (ours) {
      await createProfile(role, { tags: MANAGED_TAGS, role });
      await recordOurs(role);
    }
    await createProfile(theirs, { role });
    expect(await tryDeleteRole(role)).toBe('DeleteConflictException');

    // Act
    const { result, decision, actions } = await deliver(role, await deleteConflictEvent(role));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await roleExists(role)).toBe(true);
    expect(await profilesOf(role)).toEqual(ours ? [role, theirs] : [theirs]);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'held-by-unmanaged-profile',
      note: expect.stringContaining(`instance profile ${theirs} is not ours`),
      changes: [],
      iamCalls: ours ? 4 : 3,
    });
    expect(decision?.note).not.toContain(`profile ${role} `);
    expect(actions).toEqual([
      'ListInstanceProfilesForRole',
      'GetRole',
      ...(ours ? ['GetInstanceProfile'] : []),
      'GetInstanceProfile',
    ]);
    expect(actions.filter((action) => RELEASE_ACTIONS.includes(action))).toEqual([]);
    expectGranted(actions);
  });

  it('changes nothing when the conflict is not a profile (attached policies)', async () => {
    // Prepare
    const role = uniqueRoleName('policy-conflict');
    await createRole(role);
    const conflict = await deleteConflictEvent(role);
    (conflict.detail as { errorMessage: string }).errorMessage =
      'Cannot delete entity, must detach all policies first.';

    // Act
    const { result, decision, actions } = await deliver(role, conflict);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await roleExists(role)).toBe(true);
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'not-in-profile', changes: [], iamCalls: 1 });
    expect(actions).toEqual(['ListInstanceProfilesForRole']);
    expectGranted(actions);
  });
  it.each([
    [
      'attached managed policies',
      (role: string) => attachPolicy(role, 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore'),
    ],
    ['inline policies', (role: string) => putInlinePolicy(role, 'inline')],
  ])(
    'keeps our profile while the role still has %s: the delete would fail anyway (finding 4)',
    async (what, arrange) => {
      // Prepare: "try to delete, skip what is in use" must not break a role's running instances
      const role = uniqueRoleName('policies-too');
      await roleWithOurProfile(role);
      await arrange(role);
      expect(await tryDeleteRole(role)).toBe('DeleteConflictException');

      // Act
      const { result, decision, actions } = await deliver(role, await deleteConflictEvent(role));

      // Assess
      expect(result.batchItemFailures).toEqual([]);
      expect(await profilesOf(role)).toEqual([role]);
      expect(decision).toMatchObject({
        decision: 'nothing',
        reason: 'policies-remain',
        note: expect.stringContaining(`the role still has ${what}`),
        changes: [],
        iamCalls: 5,
      });
      expect(actions).toEqual(RELEASE_READS);
      expectGranted(actions);
    },
  );

  it('logs no release when the holding profile was released by someone else just before it is read', async () => {
    // Prepare
    const role = uniqueRoleName('released-meanwhile');
    await createRole(role);
    await createProfile(role, { tags: MANAGED_TAGS, role });
    await recordOurs(role);
    let raced = false;
    const rules: ProxyRules = {
      before: async (action) => {
        if (action !== 'GetInstanceProfile' || raced) return;
        raced = true;
        await removeFromProfile(role, role);
        await deleteProfile(role);
      },
    };

    // Act
    const { result, decision, actions } = await deliver(role, await deleteConflictEvent(role), {}, rules);

    // Assess
    expect(raced).toBe(true);
    expect(result.batchItemFailures).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
    expect(decision).toMatchObject({ decision: 'nothing', changes: [], changed: false });
    expect(decision?.note).toContain('no instance profile');
    expect(actions.filter((action) => RELEASE_ACTIONS.includes(action))).toEqual([]);
    expectGranted(actions);
  });
});

describe('DeleteRole succeeded: clean up', () => {
  it('deletes our empty same-name profile a Terraform-style destroy left behind', async () => {
    // Prepare: Terraform removes the role from its profiles, deletes the role, and leaves the profile
    const role = uniqueRoleName('tf-destroy');
    await roleWithOurProfile(role);
    await removeFromProfile(role, role);
    await deleteRole(role);

    // Act
    const { result, decision, actions, metrics } = await deliver(role, cloudTrailEvent('delete-role', role));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
    expect(decision).toMatchObject({
      message: 'deleted leftover instance profile',
      decision: 'cleanup',
      trigger: 'role-deleted',
      profile: role,
      note: `our instance profile ${role} is empty and no role of its name exists`,
      changes: [`deleted instance profile ${role}`],
      iamCalls: 3,
    });
    expect(actions).toEqual(['GetInstanceProfile', 'GetRole', 'DeleteInstanceProfile']);
    expectGranted(actions);
    expect(metrics).toContainEqual(expect.objectContaining({ ProfilesDeleted: 1 }));
  });

  it.each([
    ['is not ours', [], false, 'leftover-not-ours', 'is not ours'],
    ['holds another role', MANAGED_TAGS, true, 'leftover-in-use', 'holds'],
  ])('never deletes a same-name profile that %s', async (_case, tags, holdsOther, reason, note) => {
    // Prepare
    const role = uniqueRoleName('leftover');
    const other = uniqueRoleName('other');
    await createRole(role);
    if (holdsOther) await createRole(other);
    await createProfile(role, { tags, role: holdsOther ? other : undefined });
    await deleteRole(role);

    // Act
    const { result, decision, actions } = await deliver(role, cloudTrailEvent('delete-role', role));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect((await getProfile(role))?.Roles?.map((r) => r.RoleName)).toEqual(holdsOther ? [other] : []);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason,
      note: expect.stringContaining(`instance profile ${role} ${note}`),
      changes: [],
      iamCalls: 1,
    });
    expect(actions).toEqual(['GetInstanceProfile']);
    expectGranted(actions);
  });

  it('does nothing when no profile has the role’s name', async () => {
    // Prepare
    const role = uniqueRoleName('no-leftover');
    await createRole(role);
    await deleteRole(role);

    // Act
    const { result, decision, actions } = await deliver(role, cloudTrailEvent('delete-role', role));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'no-leftover-profile', changes: [], iamCalls: 1 });
    expect(actions).toEqual(['GetInstanceProfile']);
    expectGranted(actions);
  });
  it('keeps our leftover when a role is added to it just before the delete', async () => {
    // Prepare: the role is made again and linked (another delivery) between our read and our delete
    const role = uniqueRoleName('relinked');
    await createRole(role);
    await createProfile(role, { tags: MANAGED_TAGS });
    await recordOurs(role);
    await deleteRole(role);
    let raced = false;
    const rules: ProxyRules = {
      before: async (action) => {
        if (action !== 'DeleteInstanceProfile' || raced) return;
        raced = true;
        await createRole(role);
        await addToProfile(role, role);
      },
    };

    // Act
    const { result, decision, actions } = await deliver(role, cloudTrailEvent('delete-role', role), {}, rules);

    // Assess
    expect(raced).toBe(true);
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'leftover-in-use', changes: [], iamCalls: 4 });
    expect(actions).toEqual(['GetInstanceProfile', 'GetRole', 'DeleteInstanceProfile', 'GetInstanceProfile']);
    expectGranted(actions);
  });
});

describe('a role re-created under the same name', () => {
  it('reuses its leftover managed profile', async () => {
    // Prepare: profile by us, Terraform-style destroy without the DeleteRole event yet, the role made again
    const role = uniqueRoleName('recreated');
    await roleWithOurProfile(role);
    await removeFromProfile(role, role);
    await deleteRole(role);
    await createRole(role);

    // Act
    const { result, decision, actions } = await deliver(role, cloudTrailEvent('create-role', role));

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(await profileTags(role)).toMatchObject({ 'auto-instance-profile:managed': 'true' });
    expect(decision).toMatchObject({
      decision: 'adopt',
      profile: role,
      note: expect.stringContaining(`our instance profile ${role} exists and is empty; re-bound to role id`),
      recordCalls: 3,
      changes: [
        `tagged instance profile ${role} with role ${role}'s id`,
        `added role ${role} to instance profile ${role}`,
      ],
      iamCalls: 7,
    });
    expect(actions).toEqual([
      'GetRole',
      'ListInstanceProfilesForRole',
      'GetAccountSummary',
      'CreateInstanceProfile',
      'GetInstanceProfile',
      'TagInstanceProfile',
      'AddRoleToInstanceProfile',
    ]);
    expect(await profileTags(role)).toMatchObject({ 'auto-instance-profile:source-role-id': await roleIdOf(role) });
    expectGranted(actions);
  });
});

describe('our own calls', () => {
  /** Each handled event, with a state in which it would otherwise change IAM. */
  const cases: [CloudTrailFixture, (role: string) => Promise<void>, (role: string) => Promise<void>][] = [
    ['create-role', (role) => createRole(role), async (role) => expect(await getProfile(role)).toBeUndefined()],
    [
      'update-assume-role-policy',
      (role) => createRole(role),
      async (role) => expect(await getProfile(role)).toBeUndefined(),
    ],
    [
      'delete-role-conflict',
      async (role) => {
        await createRole(role);
        await createProfile(role, { tags: MANAGED_TAGS, role });
        await recordOurs(role);
      },
      async (role) => expect(await profilesOf(role)).toEqual([role]),
    ],
    [
      'delete-role',
      async (role) => {
        await createRole(role);
        await createProfile(role, { tags: MANAGED_TAGS });
        await recordOurs(role);
        await deleteRole(role);
      },
      async (role) => expect((await getProfile(role))?.Roles).toEqual([]),
    ],
  ];

  it.each(cases)('are never acted on: %s by the service’s function role', async (fixture, arrange, unchanged) => {
    // Prepare
    const role = uniqueRoleName('own-call');
    await arrange(role);
    const own = cloudTrailEvent(fixture, role, {
      userIdentity: assumedRoleIdentity(SERVICE_ROLE_ARN, 'auto-instance-profile'),
    });

    // Act
    const { result, decision, actions } = await deliver(role, own, { SERVICE_ROLE_ARN });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    await unchanged(role);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'own-call',
      caller: `arn:aws:sts::123456789012:assumed-role/AutoInstanceProfile-RemediatorRole-1A2B3C4D/auto-instance-profile`,
      changes: [],
      iamCalls: 0,
    });
    expect(actions).toEqual([]);
  });
});

describe('ignored callers', () => {
  it('leaves a role CloudFormation created alone by default', async () => {
    // Prepare
    const role = uniqueRoleName('cfn-role');
    await createRole(role);

    // Act
    const { result, decision, actions } = await deliver(
      role,
      cloudTrailEvent('create-role-by-cloudformation', role),
      {},
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'ignored-caller',
      invokedBy: 'cloudformation.amazonaws.com',
      note: expect.stringContaining('made by cloudformation.amazonaws.com'),
      changes: [],
      iamCalls: 0,
    });
    expect(actions).toEqual([]);
  });

  it('gives a CloudFormation role its profile when IGNORED_CALLERS is set empty (opted back in)', async () => {
    // Prepare
    const role = uniqueRoleName('cfn-opt-in');
    await createRole(role);

    // Act
    const { decision, actions } = await deliver(role, cloudTrailEvent('create-role-by-cloudformation', role), {
      IGNORED_CALLERS: '',
    });

    // Assess
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({
      decision: 'create',
      changes: [`created instance profile ${role}`, `added role ${role} to instance profile ${role}`],
      iamCalls: 5,
    });
    expectGranted(actions);
  });

  it.each([
    ['terraform-ci', 'nothing', 0],
    ['terraform-other', 'create', 5],
  ])('matches an ARN pattern against the caller: a role created by %s → %s', async (caller, expected, calls) => {
    // Prepare
    const role = uniqueRoleName('tf-role');
    await createRole(role);
    const identity = assumedRoleIdentity(`arn:aws:iam::123456789012:role/${caller}`, 'pipeline-42');

    // Act
    const { decision, actions } = await deliver(
      role,
      cloudTrailEvent('create-role', role, { userIdentity: identity }),
      {
        IGNORED_CALLERS: `cloudformation.amazonaws.com,${TERRAFORM_CI}`,
      },
    );

    // Assess
    expect(await profilesOf(role)).toEqual(expected === 'create' ? [role] : []);
    expect(decision).toMatchObject({
      decision: expected,
      caller: `arn:aws:sts::123456789012:assumed-role/${caller}/pipeline-42`,
      iamCalls: calls,
    });
    if (expected === 'nothing') expect(decision?.note).toContain(`made by ${TERRAFORM_CI}`);
    expect(actions).toHaveLength(calls);
    expectGranted(actions);
  });

  const ignored: [string, EventOptions, Record<string, string>][] = [
    [
      'CloudFormation (default)',
      {
        userIdentity: {
          ...assumedRoleIdentity('arn:aws:iam::123456789012:role/cfn-exec', 'AWSCloudFormation'),
          invokedBy: 'cloudformation.amazonaws.com',
        },
      },
      {},
    ],
    [
      'an ARN pattern',
      { userIdentity: assumedRoleIdentity('arn:aws:iam::123456789012:role/terraform-ci', 'destroy') },
      { IGNORED_CALLERS: TERRAFORM_CI },
    ],
  ];

  it.each(ignored)('still releases our profile when %s’s delete conflicts on it', async (_case, options, env) => {
    // Prepare
    const role = uniqueRoleName('ignored-delete');
    await roleWithOurProfile(role);
    expect(await tryDeleteRole(role)).toBe('DeleteConflictException');

    // Act
    const { result, decision, actions } = await deliver(role, await deleteConflictEvent(role, options), env);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await getProfile(role)).toBeUndefined();
    expect(decision).toMatchObject({
      decision: 'release',
      changes: [`removed role ${role} from instance profile ${role}`, `deleted instance profile ${role}`],
      iamCalls: 7,
    });
    expect(actions).toEqual([...RELEASE_READS, ...RELEASE_ACTIONS]);
    expectGranted(actions);
    expect(await tryDeleteRole(role)).toBe('deleted');
  });

  it.each(ignored)('still cleans up our empty leftover after %s deleted the role', async (_case, options, env) => {
    // Prepare
    const role = uniqueRoleName('ignored-destroy');
    await createRole(role);
    await createProfile(role, { tags: MANAGED_TAGS });
    await recordOurs(role);
    await deleteRole(role);

    // Act
    const { decision, actions } = await deliver(role, cloudTrailEvent('delete-role', role, options), env);

    // Assess
    expect(await getProfile(role)).toBeUndefined();
    expect(decision).toMatchObject({ decision: 'cleanup', changes: [`deleted instance profile ${role}`], iamCalls: 3 });
    expectGranted(actions);
  });
});

describe('DRY_RUN=true', () => {
  it('logs the release it would make and changes nothing', async () => {
    // Prepare
    const role = uniqueRoleName('dry-release');
    await roleWithOurProfile(role);

    // Act
    const { result, decision, actions } = await deliver(role, await deleteConflictEvent(role), {
      DRY_RUN: 'true',
    });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({
      message: 'would release instance profile',
      decision: 'release',
      dryRun: true,
      changed: false,
      changes: [],
      iamCalls: 5,
    });
    expect(actions).toEqual(RELEASE_READS);
    expectGranted(actions);
  });

  it('logs the clean-up it would make and changes nothing', async () => {
    // Prepare
    const role = uniqueRoleName('dry-cleanup');
    await createRole(role);
    await createProfile(role, { tags: MANAGED_TAGS });
    await recordOurs(role);
    await deleteRole(role);

    // Act
    const { result, decision, actions } = await deliver(role, cloudTrailEvent('delete-role', role), {
      DRY_RUN: 'true',
    });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect((await getProfile(role))?.Roles).toEqual([]);
    expect(decision).toMatchObject({
      message: 'would delete leftover instance profile',
      decision: 'cleanup',
      dryRun: true,
      changed: false,
      changes: [],
      iamCalls: 2,
    });
    expect(actions).toEqual(['GetInstanceProfile', 'GetRole']);
    expectGranted(actions);
  });
});

describe('the user deletes with the AWS CLI a role we gave a profile', () => {
  const run = promisify(execFile);

  /** Runs `aws ...` (AWS CLI v1) in `cwd`; AWS_ENDPOINT_URL points it at moto. Never throws: returns the exit code. */
  async function aws(cwd: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run('aws', args, { cwd, env: { ...process.env, AWS_PAGER: '' } });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string; stderr?: string };
      return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  it('fails the first delete-role on our profile, releases it on the conflict event, and the retry succeeds', async () => {
    // Prepare: the user's role, and the profile the bundle gave it
    const workdir = await mkdtemp(join(tmpdir(), 'lifecycle-cli-'));
    try {
      await writeFile(join(workdir, 'assumeRole.json'), EC2_TRUST_JSON);
      const role = uniqueRoleName('CLI-EC2-role');
      const created = await aws(
        workdir,
        'iam',
        'create-role',
        '--role-name',
        role,
        '--assume-role-policy-document',
        'file://assumeRole.json',
      );
      expect(created.code).toBe(0);
      await invokeBundle(sqsBatch(cloudTrailEvent('create-role', role)));
      expect(await profilesOf(role)).toEqual([role]);

      // Act: the first attempt, CloudTrail's record of its failure through the bundle, the retry
      const first = await aws(workdir, 'iam', 'delete-role', '--role-name', role);
      const { result, decision, actions } = await deliver(role, await deleteConflictEvent(role));
      const retry = await aws(workdir, 'iam', 'delete-role', '--role-name', role);

      // Assess
      expect(first.code).not.toBe(0);
      expect(first.stderr).toContain('DeleteConflict');
      expect(first.stderr).toContain(CONFLICT_MESSAGE);
      expect(result.batchItemFailures).toEqual([]);
      expect(decision).toMatchObject({ decision: 'release', iamCalls: 7 });
      expect(actions).toEqual([...RELEASE_READS, ...RELEASE_ACTIONS]);
      expectGranted(actions);
      expect(retry).toMatchObject({ code: 0 });
      expect(await roleExists(role)).toBe(false);
      const profile = await aws(workdir, 'iam', 'get-instance-profile', '--instance-profile-name', role);
      expect(profile.stderr).toContain('NoSuchEntity');
      // CloudTrail records the successful retry too: nothing is left to clean up.
      const after = await deliver(role, cloudTrailEvent('delete-role', role));
      expect(after.decision).toMatchObject({ decision: 'nothing', reason: 'no-leftover-profile', iamCalls: 1 });
      expectGranted(after.actions);
    } finally {
      await rm(workdir, { recursive: true, force: true });
    }
  });
});
