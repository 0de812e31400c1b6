import {
  CreateRoleCommand,
  DeleteConflictException,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
  NoSuchEntityException,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  runSmoke,
  SMOKE_MARGIN_SECONDS,
  SMOKE_RELEASE_TIMEOUT_SECONDS,
  smokeRoleName,
  smokeTiming,
} from '../../cli/doctor/smoke.js';
import { SMOKE_PERMISSIONS, SMOKE_ROLE_PREFIX, SMOKE_TEST_TAG } from '../../cli/doctor/smoke-role.js';
import { NoCredentialsError } from '../../cli/errors.js';
import { SETTINGS } from '../../core/settings.js';
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';

const START = 1_000_000;
const ROLE = smokeRoleName(START, 'abc123');

/** A clock that moves only when the smoke test sleeps, so that no test waits. */
function fakeClock() {
  let now = START;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      now += ms;
    },
  };
}

function profileList(...names: string[]) {
  return { InstanceProfiles: names.map((name) => ({ InstanceProfileName: name })) } as never;
}

const conflict = () => new DeleteConflictException({ message: 'in a profile', $metadata: {} });

/** DeleteRole conflicts until the role was removed from its profile by hand, as IAM would answer. */
function conflictUntilRemovedByHand(): void {
  iam.on(DeleteRoleCommand).callsFake(() => {
    if (iam.commandCalls(RemoveRoleFromInstanceProfileCommand).length === 0) throw conflict();
    return {};
  });
}

/** The IAM commands the smoke test sent, by name, in order. */
function sent(iam: AwsClientStub<IAMClient>): string[] {
  return iam.calls().map((call) => (call.args[0] as { constructor: { name: string } }).constructor.name);
}

let iam: AwsClientStub<IAMClient>;

beforeEach(() => {
  iam = mockClient(IAMClient);
  iam.on(CreateRoleCommand).resolves({});
  iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
  iam.on(DeleteInstanceProfileCommand).resolves({});
  iam.on(DeleteRoleCommand).resolves({});
});

describe('smokeTiming', () => {
  it('waits --timeout when given, else the queue delay plus the margin, else the default delay plus the margin', () => {
    // Prepare, Act
    const flag = smokeTiming(10, 30);
    const queue = smokeTiming(undefined, 3);
    const neither = smokeTiming(undefined, undefined);

    // Assess
    expect(flag).toEqual({ timeoutSeconds: 10, settleDelaySeconds: 30, source: '--timeout' });
    expect(queue).toEqual({ timeoutSeconds: 3 + SMOKE_MARGIN_SECONDS, settleDelaySeconds: 3, source: 'queue' });
    expect(neither).toEqual({ timeoutSeconds: SETTINGS.settleDelay.default + SMOKE_MARGIN_SECONDS, source: 'default' });
  });

  it('names roles with the prefix, within 64 characters', () => {
    // Prepare, Act
    const name = smokeRoleName(Date.UTC(2099, 11, 31), 'ffffff');

    // Assess
    expect(name.startsWith(SMOKE_ROLE_PREFIX)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(64);
  });
});

describe('runSmoke', () => {
  it('creates an EC2 role tagged as a smoke test, reports when its profile appears, and deletes the role through the service’s release', async () => {
    // Prepare: the profile at the third look; after the conflict, released at the second look
    const clock = fakeClock();
    iam
      .on(ListInstanceProfilesForRoleCommand)
      .resolvesOnce(profileList())
      .resolvesOnce(profileList())
      .resolvesOnce(profileList(ROLE))
      .resolvesOnce(profileList(ROLE))
      .resolves(profileList());
    iam.on(DeleteRoleCommand).rejectsOnce(conflict()).resolves({});

    // Act
    const outcome = await runSmoke({
      iam: iam as unknown as IAMClient,
      timing: smokeTiming(undefined, 3),
      randomSuffix: () => 'abc123',
      now: clock.now,
      sleep: clock.sleep,
    });

    // Assess
    expect(outcome).toMatchObject({
      roleName: ROLE,
      latencySeconds: 2,
      removed: true,
      removal: { how: 'released', seconds: 1 },
      interrupted: false,
    });
    expect(outcome.check).toMatchObject({ name: 'smoke', status: 'ok' });
    expect(outcome.check.detail).toBe(
      `instance profile ${ROLE} held its role 2.0 s after CreateRole (settle delay 3 s); DeleteRole conflicted on the profile, the service released it, and DeleteRole removed the role 1.0 s after the conflict`,
    );
    const create = iam.commandCalls(CreateRoleCommand)[0]?.args[0].input;
    expect(JSON.parse(create?.AssumeRolePolicyDocument ?? '')).toEqual(EC2_TRUST_POLICY);
    expect(create?.Tags).toEqual([{ Key: SMOKE_TEST_TAG, Value: 'true' }]);
    expect(sent(iam).slice(4)).toEqual([
      'DeleteRoleCommand',
      'ListInstanceProfilesForRoleCommand',
      'ListInstanceProfilesForRoleCommand',
      'DeleteRoleCommand',
    ]);
  });

  it('tries DeleteRole again when it still conflicts right after the release, as IAM is eventually consistent', async () => {
    // Prepare
    const clock = fakeClock();
    iam.on(ListInstanceProfilesForRoleCommand).resolvesOnce(profileList(ROLE)).resolves(profileList());
    iam.on(DeleteRoleCommand).rejectsOnce(conflict()).rejectsOnce(conflict()).resolves({});

    // Act
    const outcome = await runSmoke({
      iam: iam as unknown as IAMClient,
      timing: smokeTiming(5, undefined),
      randomSuffix: () => 'abc123',
      ...clock,
    });

    // Assess
    expect(outcome).toMatchObject({ removed: true, removal: { how: 'released', seconds: 1 } });
    expect(outcome.check.status).toBe('ok');
    expect(iam.commandCalls(DeleteRoleCommand)).toHaveLength(3);
    expect(iam.commandCalls(RemoveRoleFromInstanceProfileCommand)).toHaveLength(0);
  });

  it('removes the role and its profile by hand when the service does not release it in time, says so, and fails', async () => {
    // Prepare
    const clock = fakeClock();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(profileList(ROLE));
    conflictUntilRemovedByHand();

    // Act
    const outcome = await runSmoke({
      iam: iam as unknown as IAMClient,
      timing: smokeTiming(5, undefined),
      randomSuffix: () => 'abc123',
      ...clock,
    });

    // Assess
    expect(outcome).toMatchObject({ removed: true, removal: { how: 'by-hand', why: 'timeout' }, latencySeconds: 0 });
    expect(outcome.check.status).toBe('failed');
    expect(outcome.check.detail).toContain(
      `DeleteRole conflicted on the profile and the service did not release it within ${SMOKE_RELEASE_TIMEOUT_SECONDS} s, so the doctor removed the role and its profile itself`,
    );
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(SMOKE_RELEASE_TIMEOUT_SECONDS * 1000);
    expect(sent(iam).slice(-4)).toEqual([
      'ListInstanceProfilesForRoleCommand',
      'RemoveRoleFromInstanceProfileCommand',
      'DeleteInstanceProfileCommand',
      'DeleteRoleCommand',
    ]);
    expect(iam.commandCalls(DeleteInstanceProfileCommand)[0]?.args[0].input).toEqual({ InstanceProfileName: ROLE });
  });

  it('fails with the cause when no profile appears in time, and still deletes the role', async () => {
    // Prepare
    const clock = fakeClock();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(profileList());

    // Act
    const outcome = await runSmoke({
      iam: iam as unknown as IAMClient,
      timing: smokeTiming(5, undefined),
      failedChecks: ['trail', 'rule'],
      functionName: 'AutoInstanceProfile-Remediator',
      randomSuffix: () => 'abc123',
      now: clock.now,
      sleep: clock.sleep,
    });

    // Assess
    expect(outcome.check.status).toBe('failed');
    expect(outcome.check.detail).toContain(`no instance profile ${ROLE} held the role within 5 s (--timeout 5 s)`);
    expect(outcome.check.detail).toContain('DeleteRole removed the role at the first attempt');
    expect(outcome.check.detail).toContain('The trail and rule checks failed');
    expect(outcome.check.detail).toContain('/aws/lambda/AutoInstanceProfile-Remediator');
    expect(outcome).toMatchObject({ removed: true, removal: { how: 'deleted' } });
    expect(outcome.latencySeconds).toBeUndefined();
    expect(clock.sleeps.reduce((sum, ms) => sum + ms, 0)).toBe(5000);
    expect(iam.commandCalls(DeleteRoleCommand)).toHaveLength(1);
    expect(iam.commandCalls(DeleteInstanceProfileCommand)).toHaveLength(0);
  });

  it('stops waiting on Ctrl-C and removes the role by hand at once', async () => {
    // Prepare
    const clock = fakeClock();
    const controller = new AbortController();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(profileList());

    // Act
    const outcome = await runSmoke({
      iam: iam as unknown as IAMClient,
      timing: smokeTiming(60, undefined),
      signal: controller.signal,
      onWait: () => controller.abort(),
      now: clock.now,
      sleep: clock.sleep,
    });

    // Assess
    expect(outcome).toMatchObject({
      interrupted: true,
      removed: true,
      removal: { how: 'by-hand', why: 'interrupted' },
    });
    expect(outcome.check).toMatchObject({ status: 'not-checked', detail: expect.stringContaining('interrupted') });
    expect(iam.commandCalls(DeleteRoleCommand)).toHaveLength(1);
  });

  it('stops waiting for the release on Ctrl-C, removes the role by hand, and reports the interruption', async () => {
    // Prepare
    const clock = fakeClock();
    const controller = new AbortController();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(profileList(ROLE));
    conflictUntilRemovedByHand();

    // Act
    const outcome = await runSmoke({
      iam: iam as unknown as IAMClient,
      timing: smokeTiming(60, undefined),
      signal: controller.signal,
      onReleaseWait: () => controller.abort(),
      randomSuffix: () => 'abc123',
      ...clock,
    });

    // Assess
    expect(outcome).toMatchObject({
      interrupted: true,
      removed: true,
      removal: { how: 'by-hand', why: 'interrupted' },
    });
    expect(outcome.check.status).toBe('not-checked');
    expect(iam.commandCalls(DeleteInstanceProfileCommand)).toHaveLength(1);
  });

  it('treats a role that is already gone as removed', async () => {
    // Prepare
    const clock = fakeClock();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(profileList(ROLE));
    iam.on(DeleteRoleCommand).rejects(new NoSuchEntityException({ message: 'gone', $metadata: {} }));

    // Act
    const outcome = await runSmoke({
      iam: iam as unknown as IAMClient,
      timing: smokeTiming(5, undefined),
      randomSuffix: () => 'abc123',
      ...clock,
    });

    // Assess
    expect(outcome).toMatchObject({ removed: true, removal: { how: 'deleted' }, latencySeconds: 0 });
    expect(outcome.check.status).toBe('ok');
    expect(iam.commandCalls(DeleteRoleCommand)).toHaveLength(1);
  });

  it('leaves the check not checked when CreateRole is denied, and throws for missing credentials', async () => {
    // Prepare
    const clock = fakeClock();
    const denied = Object.assign(new Error('not allowed'), { name: 'AccessDenied' });
    iam.on(CreateRoleCommand).rejectsOnce(denied).rejects(new NoCredentialsError());
    const deps = { iam: iam as unknown as IAMClient, timing: smokeTiming(5, undefined), ...clock };

    // Act
    const outcome = await runSmoke(deps);
    const withoutCredentials = runSmoke(deps);

    // Assess
    expect(outcome.check).toMatchObject({ status: 'not-checked', detail: expect.stringContaining('AccessDenied') });
    await expect(withoutCredentials).rejects.toBeInstanceOf(NoCredentialsError);
  });

  it('calls only the IAM actions it declares in SMOKE_PERMISSIONS (CreateRole with tags needs iam:TagRole)', async () => {
    // Prepare: the longest way, by hand after the release wait
    const clock = fakeClock();
    iam.on(ListInstanceProfilesForRoleCommand).resolves(profileList(ROLE));
    conflictUntilRemovedByHand();

    // Act
    await runSmoke({
      iam: iam as unknown as IAMClient,
      timing: smokeTiming(5, undefined),
      randomSuffix: () => 'abc123',
      ...clock,
    });

    // Assess
    const actions = new Set(sent(iam).map((name) => `iam:${name.replace(/Command$/, '')}`));
    expect([...actions].filter((action) => !(SMOKE_PERMISSIONS as readonly string[]).includes(action))).toEqual([]);
    expect(SMOKE_PERMISSIONS).toContain('iam:TagRole');
  });
});
