/**
 * Do no harm (issue 13), through the built bundle (dist/remediator/index.mjs) against moto: every
 * destructive action rests on a real, current signal about a profile bound to that role. Each case is one
 * of the security review's findings, as it was reproduced on the code before; each asserts the end state
 * in IAM, the decision's log line, and the IAM calls it took.
 */
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { instanceProfileQuota, startIamProxy } from '../../emulator/iam-faults.js';
import type { SandboxPipeline } from '../../emulator/pipeline.js';
import { startProxy } from '../../emulator/proxy.js';
import { invokeBundle, type LogLine, roleWithOurProfile, sqsBatch } from './support/bundle.js';
import { cloudTrailEvent, deleteConflictEvent } from './support/cloudtrail.js';
import {
  createProfile,
  createRole,
  deleteRole,
  getProfile,
  MANAGED_TAGS,
  profilesOf,
  removeFromProfile,
  roleIdOf,
  tagProfile,
  uniqueRoleName,
} from './support/iam.js';
import { expectGranted } from './support/permissions.js';
import { deliver as deliverThrough, stackQueuesInMoto } from './support/stack.js';

const MOTO_URL = inject('motoUrl');

/** The stack's queues in moto: every record of these cases comes through them, as deployed. */
let pipeline: SandboxPipeline;

beforeAll(async () => {
  pipeline = await stackQueuesInMoto('do-no-harm');
});

/**
 * Delivers events through the stack's queues in one batch, with a proxy that records each IAM call; the
 * decision lines about `role`.
 */
async function deliver(role: string, events: unknown[], env: Record<string, string> = {}) {
  const proxy = await startIamProxy(MOTO_URL);
  try {
    const { result, logs, metrics } = await deliverThrough(pipeline, events, {
      env: { ...env, AWS_ENDPOINT_URL_IAM: proxy.url },
    });
    const decisions = logs.filter((line) => line.role === role && line.decision !== undefined);
    return { result, decisions, decision: decisions[0] as LogLine | undefined, actions: [...proxy.actions], metrics };
  } finally {
    await proxy.close();
  }
}

async function tagsOf(name: string): Promise<Record<string, string | undefined>> {
  return Object.fromEntries(((await getProfile(name))?.Tags ?? []).map((tag) => [tag.Key, tag.Value]));
}

const DESTRUCTIVE = ['RemoveRoleFromInstanceProfile', 'DeleteInstanceProfile'];

describe('finding 1: a forged ownership tag is no licence to release', () => {
  it('leaves a profile IaC made alone, and names it, when someone tagged it as ours and the role’s delete fails', async () => {
    // Prepare: prod-web-profile holds web-role; anyone allowed iam:TagInstanceProfile forges our tag on it
    const role = uniqueRoleName('web-role');
    const theirs = `prod-web-profile-${role}`;
    await createRole(role);
    await createProfile(theirs, { role });
    await tagProfile(theirs, MANAGED_TAGS);

    // Act
    const { result, decision, actions } = await deliver(role, [await deleteConflictEvent(role)]);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([theirs]);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'held-by-unbound-profile',
      note: expect.stringContaining(`instance profile ${theirs} is tagged auto-instance-profile:managed=true`),
      changes: [],
    });
    expect(actions.filter((action) => DESTRUCTIVE.includes(action))).toEqual([]);
    expectGranted(actions);
  });

  it('leaves the role’s same-name profile alone when it is tagged ours but not with the role’s id (and unrecorded)', async () => {
    // Prepare: a same-name profile someone else made, then tagged as ours (no source-role-id of this role)
    const role = uniqueRoleName('same-name-forged');
    await createRole(role);
    await createProfile(role, { role });
    await tagProfile(role, [...MANAGED_TAGS, { Key: 'auto-instance-profile:source-role-id', Value: 'AROAFORGED' }]);

    // Act
    const { decision, actions } = await deliver(role, [await deleteConflictEvent(role)]);

    // Assess
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'held-by-unrecorded-profile', changes: [] });
    expect(actions.filter((action) => DESTRUCTIVE.includes(action))).toEqual([]);
  });
});

describe('finding 3: a stale delete signal never acts on a new role', () => {
  it('changes nothing when a DeleteConflict record older than the role (a redelivery, a DLQ redrive) arrives', async () => {
    // Prepare: the role was deleted and made again since the record, and got a new profile of ours
    const role = uniqueRoleName('recreated-after-conflict');
    await roleWithOurProfile(role);
    const stale = cloudTrailEvent('delete-role-conflict', role, { ageSeconds: 30 });

    // Act
    const { result, decision, actions } = await deliver(role, [stale]);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'stale-event',
      note: expect.stringContaining('older than the role'),
      changes: [],
      iamCalls: 2,
    });
    expect(actions).toEqual(['ListInstanceProfilesForRole', 'GetRole']);
    expectGranted(actions);
  });
});

describe('a delete signal that waited (a pause, a redrive) is no current wish to delete', () => {
  it('changes nothing, and reads nothing, on a DeleteConflict record three days old: the person retries, afresh', async () => {
    // Prepare: our profile holds the role; the failed delete-role waited three days in a paused delete queue
    const role = uniqueRoleName('conflict-after-pause');
    await roleWithOurProfile(role);
    const waited = cloudTrailEvent('delete-role-conflict', role, { ageSeconds: 3 * 86_400 });

    // Act
    const { result, decision, actions } = await deliver(role, [waited]);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'stale-event',
      note: expect.stringContaining('is 3 d 0 h old, more than the 60 minutes'),
      changes: [],
    });
    expect(actions).toEqual([]);
  });
});

describe('finding 6: a replaced role keeps its profile', () => {
  it('lets the role made again adopt its leftover when the DeleteRole is seen, re-tagged to its id, same profile id', async () => {
    // Prepare: Terraform's replace: remove the role from its profile, delete it, create it again at once
    const role = uniqueRoleName('tf-replace');
    await roleWithOurProfile(role);
    const profileId = (await getProfile(role))?.InstanceProfileId;
    await removeFromProfile(role, role);
    await deleteRole(role);
    await createRole(role);
    const newId = await roleIdOf(role);

    // Act: the DeleteRole comes through the settle queue, seconds after the new role exists
    const deleted = await deliver(role, [cloudTrailEvent('delete-role', role)]);
    const created = await deliver(role, [cloudTrailEvent('create-role', role)]);

    // Assess
    expect(deleted.result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect((await getProfile(role))?.InstanceProfileId).toBe(profileId);
    expect(await tagsOf(role)).toMatchObject({ 'auto-instance-profile:source-role-id': newId });
    expect(deleted.decision).toMatchObject({
      decision: 'adopt',
      trigger: 'role-deleted',
      changes: [
        `tagged instance profile ${role} with role ${role}'s id`,
        `added role ${role} to instance profile ${role}`,
      ],
      iamCalls: 5,
    });
    expect(deleted.actions).toEqual([
      'GetInstanceProfile',
      'GetRole',
      'ListInstanceProfilesForRole',
      'TagInstanceProfile',
      'AddRoleToInstanceProfile',
    ]);
    expectGranted(deleted.actions);
    expect(created.decision).toMatchObject({ decision: 'nothing', reason: 'already-in-profile', iamCalls: 2 });
  });

  it('releases the adopted profile on the new role’s delete conflict: it is bound to the new id', async () => {
    // Prepare
    const role = uniqueRoleName('tf-replace-release');
    await roleWithOurProfile(role);
    await removeFromProfile(role, role);
    await deleteRole(role);
    await createRole(role);
    await deliver(role, [cloudTrailEvent('delete-role', role)]);

    // Act
    const { decision } = await deliver(role, [await deleteConflictEvent(role)]);

    // Assess
    expect(decision).toMatchObject({ decision: 'release', iamCalls: 7 });
    expect(await getProfile(role)).toBeUndefined();
  });
});

describe('finding 7: ours means exactly what IAM’s StringEquals means', () => {
  it.each([' TRUE ', 'True'])('never releases a profile tagged managed=%j', async (value) => {
    // Prepare: the role's own profile, bound to its id, but with a tag IAM's condition would not match
    const role = uniqueRoleName('loose-tag');
    await createRole(role);
    await createProfile(role, {
      role,
      tags: [
        { Key: 'auto-instance-profile:managed', Value: value },
        { Key: 'auto-instance-profile:source-role-id', Value: (await roleIdOf(role)) ?? '' },
      ],
    });

    // Act
    const { result, decision, actions } = await deliver(role, [await deleteConflictEvent(role)]);

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'held-by-unmanaged-profile', changes: [] });
    expect(actions.filter((action) => DESTRUCTIVE.includes(action))).toEqual([]);
  });

  it('never adopts a leftover tagged managed=" TRUE ": it is a conflict', async () => {
    // Prepare
    const role = uniqueRoleName('loose-adopt');
    await createProfile(role, { tags: [{ Key: 'auto-instance-profile:managed', Value: ' TRUE ' }] });
    await createRole(role);

    // Act
    const { decision } = await deliver(role, [cloudTrailEvent('create-role', role)]);

    // Assess
    expect(await profilesOf(role)).toEqual([]);
    expect(decision).toMatchObject({ decision: 'conflict', reason: 'profile-not-managed' });
  });
});

describe('finding 10: the account’s last instance profiles are left to people and IaC', () => {
  /** The account's instance profiles now (moto is shared by the tests of this run). */
  async function profileCount(): Promise<number> {
    const iam = new IAMClient({ endpoint: MOTO_URL });
    try {
      return (await iam.send(new GetAccountSummaryCommand({}))).SummaryMap?.InstanceProfiles ?? 0;
    } finally {
      iam.destroy();
    }
  }

  it('creates nothing at the threshold of InstanceProfilesQuota, says why, and counts it', async () => {
    // Prepare: a quota one above the account's count, and a threshold of 50%: below the quota, above the threshold
    const role = uniqueRoleName('quota-headroom');
    await createRole(role);
    const quota = instanceProfileQuota(MOTO_URL, (await profileCount()) + 1);
    const proxy = await startProxy({ targetUrl: MOTO_URL, hooks: [quota] });

    try {
      // Act
      const { result, logs, metrics } = await invokeBundle(sqsBatch(cloudTrailEvent('create-role', role)), {
        AWS_ENDPOINT_URL_IAM: proxy.url,
        INSTANCE_PROFILE_QUOTA_PERCENT: '50',
      });

      // Assess
      expect(result.batchItemFailures).toEqual([]);
      expect(await getProfile(role)).toBeUndefined();
      const decision = logs.find((line) => line.role === role && line.decision !== undefined);
      expect(decision).toMatchObject({
        level: 'WARN',
        message: 'instance profile quota headroom reached',
        decision: 'nothing',
        reason: 'quota-headroom',
        note: expect.stringContaining('at or above 50% of InstanceProfilesQuota'),
        iamCalls: 4,
      });
      expect(proxy.actions).toEqual([
        'GetRole',
        'ListInstanceProfilesForRole',
        'GetAccountSummary',
        'GetInstanceProfile',
      ]);
      expect(metrics).toContainEqual(expect.objectContaining({ QuotaHeadroomReached: 1 }));
    } finally {
      await proxy.close();
      quota.close();
    }
  });

  it('reads GetAccountSummary once per warm function: the second new role of a batch costs 4 IAM calls', async () => {
    // Prepare
    const first = uniqueRoleName('warm-a');
    const second = uniqueRoleName('warm-b');
    await createRole(first);
    await createRole(second);

    // Act: one invocation, one record after the other
    const { result, logs } = await invokeBundle(
      sqsBatch(cloudTrailEvent('create-role', first), cloudTrailEvent('create-role', second)),
      { BATCH_CONCURRENCY: '1' },
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(first)).toEqual([first]);
    expect(await profilesOf(second)).toEqual([second]);
    const calls = (role: string) => logs.find((line) => line.role === role && line.decision !== undefined)?.iamCalls;
    expect([calls(first), calls(second)]).toEqual([5, 4]);
  });
});
