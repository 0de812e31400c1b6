/**
 * Ownership the service can prove (issue 20, findings 1 to 3), through the built bundle and the stack's queues
 * in moto, with the ownership table as the stack defines it: a tag anyone may write, even with the role's id copied
 * into it, makes no profile the service's; only its record does. Each case is one the security review reproduced
 * on the code before (fabf574), where it released, adopted or deleted another team's profile.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { startIamProxy } from '../../emulator/iam-faults.js';
import type { SandboxPipeline } from '../../emulator/pipeline.js';
import { type LogLine, roleWithOurProfile } from './support/bundle.js';
import { cloudTrailEvent, deleteConflictEvent } from './support/cloudtrail.js';
import {
  createProfile,
  createRole,
  deleteRole,
  getProfile,
  profilesOf,
  removeFromProfile,
  roleIdOf,
  tagProfile,
  uniqueRoleName,
} from './support/iam.js';
import { expectGranted } from './support/permissions.js';
import { deliver as deliverThrough, stackQueuesInMoto } from './support/stack.js';

const MOTO_URL = inject('motoUrl');
const WRITES = [
  'CreateInstanceProfile',
  'TagInstanceProfile',
  'AddRoleToInstanceProfile',
  'RemoveRoleFromInstanceProfile',
  'DeleteInstanceProfile',
];

let pipeline: SandboxPipeline;

beforeAll(async () => {
  pipeline = await stackQueuesInMoto('ownership');
});

/** Delivers events through the stack's queues with an IAM proxy; the decision line about `role` and the IAM actions. */
async function deliver(role: string, events: unknown[]) {
  const proxy = await startIamProxy(MOTO_URL);
  try {
    const delivered = await deliverThrough(pipeline, events, { role, env: { AWS_ENDPOINT_URL_IAM: proxy.url } });
    return { ...delivered, decision: delivered.decision as LogLine | undefined, actions: [...proxy.actions] };
  } finally {
    await proxy.close();
  }
}

/** What anyone allowed iam:TagInstanceProfile and iam:GetRole can write on any profile: our tags, the role's real id. */
async function forgeOurTags(profile: string, role: string): Promise<void> {
  await tagProfile(profile, [
    { Key: 'auto-instance-profile:managed', Value: 'true' },
    { Key: 'auto-instance-profile:source-role-id', Value: (await roleIdOf(role)) ?? '' },
  ]);
}

describe('finding 1: a tag is no proof of ownership', () => {
  it('never releases another team’s same-name profile tagged as ours with the role’s real id', async () => {
    // Prepare: the team's own profile holds its role; someone who may tag writes our tags, and the role's id, on it
    const role = uniqueRoleName('team-web');
    await createRole(role);
    await createProfile(role, { role });
    await forgeOurTags(role, role);

    // Act: the team's delete-role fails on its own profile
    const { result, decision, actions } = await deliver(role, [await deleteConflictEvent(role)]);

    // Assess: nothing changed, and the log says why (on fabf574: released and deleted, 7 calls)
    expect(result.batchItemFailures).toEqual([]);
    expect(await profilesOf(role)).toEqual([role]);
    expect(decision).toMatchObject({
      decision: 'nothing',
      reason: 'held-by-unrecorded-profile',
      note: expect.stringContaining("the service's record has no trace of making it"),
      changes: [],
      recordCalls: 1,
    });
    expect(actions.filter((action) => WRITES.includes(action))).toEqual([]);
    expectGranted(actions);
  });

  it('still releases a profile it made itself, proven by its own record (the same case, not forged)', async () => {
    // Prepare
    const role = uniqueRoleName('own-web');
    await roleWithOurProfile(role);

    // Act
    const { decision, actions } = await deliver(role, [await deleteConflictEvent(role)]);

    // Assess
    expect(decision).toMatchObject({ decision: 'release', recordCalls: 1, iamCalls: 7 });
    expect(await getProfile(role)).toBeUndefined();
    expect(actions).toContain('DeleteInstanceProfile');
  });
});

describe('finding 2: a forged tag on an empty profile is not adopted', () => {
  it('reports a conflict instead of putting a new role into another team’s empty profile tagged as ours', async () => {
    // Prepare: the team's empty profile, tagged as ours; then a role of its name appears
    const role = uniqueRoleName('team-empty');
    await createProfile(role);
    await tagProfile(role, [{ Key: 'auto-instance-profile:managed', Value: 'true' }]);
    await createRole(role);

    // Act
    const { decision, actions } = await deliver(role, [cloudTrailEvent('create-role', role)]);

    // Assess (on fabf574: re-tagged to the new role and linked, then released on its delete)
    expect((await getProfile(role))?.Roles).toEqual([]);
    expect(decision).toMatchObject({ decision: 'conflict', reason: 'profile-unrecorded', changes: [] });
    expect(actions.filter((action) => ['TagInstanceProfile', 'AddRoleToInstanceProfile'].includes(action))).toEqual([]);
  });
});

describe('finding 3: the clean-up after a successful DeleteRole deletes only what the record proves ours', () => {
  it('never deletes another team’s empty profile tagged as ours when a role of its name is made and deleted', async () => {
    // Prepare: forge the tag, create and delete a role of that name
    const role = uniqueRoleName('team-spare');
    await createProfile(role);
    await createRole(role);
    await forgeOurTags(role, role);
    await deleteRole(role);

    // Act
    const { decision, actions } = await deliver(role, [cloudTrailEvent('delete-role', role)]);

    // Assess (on fabf574: deleted)
    expect(await getProfile(role)).toBeDefined();
    expect(decision).toMatchObject({ decision: 'nothing', reason: 'leftover-unrecorded', changes: [] });
    expect(actions).not.toContain('DeleteInstanceProfile');
  });

  it('still cleans up its own empty leftover (the same case, made by the service)', async () => {
    // Prepare: Terraform's destroy: the role leaves the profile, then goes
    const role = uniqueRoleName('own-spare');
    await roleWithOurProfile(role);
    await removeFromProfile(role, role);
    await deleteRole(role);

    // Act
    const { decision } = await deliver(role, [cloudTrailEvent('delete-role', role)]);

    // Assess
    expect(decision).toMatchObject({ decision: 'cleanup', recordCalls: 1 });
    expect(await getProfile(role)).toBeUndefined();
  });
});
