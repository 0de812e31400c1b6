/**
 * The IAM calls of `doctor --smoke`: create a throwaway role that EC2 may assume, see which instance
 * profiles hold it, delete it with DeleteRole alone (the service's delete handling does the rest), or
 * remove it with its profile by hand. "Already gone" is success everywhere.
 */
import {
  CreateRoleCommand,
  DeleteConflictException,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  type IAMClient,
  ListInstanceProfilesForRoleCommand,
  NoSuchEntityException,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { TAG_PREFIX } from '../../core/tags.js';
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';

/**
 * The IAM actions `doctor --smoke` needs, on top of DOCTOR_PERMISSIONS (cli/doctor/probes.ts). Tags passed
 * to CreateRole need iam:TagRole. All of them can be limited to the resources named {@link SMOKE_ROLE_PREFIX}*.
 */
export const SMOKE_PERMISSIONS = [
  'iam:CreateRole',
  'iam:TagRole',
  'iam:ListInstanceProfilesForRole',
  'iam:RemoveRoleFromInstanceProfile',
  'iam:DeleteInstanceProfile',
  'iam:DeleteRole',
] as const;

/** Every smoke-test role's name starts with this, so that a policy can allow exactly these. */
export const SMOKE_ROLE_PREFIX = 'auto-instance-profile-smoke-';

/** The tag on every smoke-test role: `true`, so that a left-over one is easy to find. */
export const SMOKE_TEST_TAG = `${TAG_PREFIX}smoke-test`;

/** Creates the smoke-test role: trusted by EC2, as a user's role would be, and tagged as a smoke test. */
export async function createSmokeRole(iam: IAMClient, roleName: string): Promise<void> {
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify(EC2_TRUST_POLICY),
      Description: 'auto-instance-profile doctor --smoke: a throwaway role, removed by the doctor; safe to delete',
      Tags: [{ Key: SMOKE_TEST_TAG, Value: 'true' }],
    }),
  );
}

/** The names of the instance profiles that hold the role; none when the role is gone. */
export async function profilesHoldingRole(iam: IAMClient, roleName: string): Promise<string[]> {
  try {
    const { InstanceProfiles = [] } = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: roleName }));
    return InstanceProfiles.flatMap((profile) =>
      profile.InstanceProfileName === undefined ? [] : [profile.InstanceProfileName],
    );
  } catch (error) {
    if (error instanceof NoSuchEntityException) return [];
    throw error;
  }
}

/**
 * DeleteRole, as a user runs `aws iam delete-role`: `deleted` (or already gone), or `conflict` while an
 * instance profile holds the role. The service releases its own profile on that conflict.
 */
export async function deleteSmokeRole(iam: IAMClient, roleName: string): Promise<'deleted' | 'conflict'> {
  try {
    await ignoreMissing(iam.send(new DeleteRoleCommand({ RoleName: roleName })));
    return 'deleted';
  } catch (error) {
    if (error instanceof DeleteConflictException) return 'conflict';
    throw error;
  }
}

const DELETE_ATTEMPTS = 3;

/**
 * Removes the smoke-test role and its same-name profile by hand, when the service's delete handling did
 * not: out of every profile that holds it, the same-name profile deleted, then the role deleted. A profile
 * that lands meanwhile (a late second delivery) makes DeleteRole conflict, so the round is repeated.
 */
export async function removeSmokeRole(iam: IAMClient, roleName: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    for (const profile of await profilesHoldingRole(iam, roleName)) {
      await ignoreMissing(
        iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profile, RoleName: roleName })),
      );
      // Only the profile made for this role: any other one holding it is not ours to delete.
      if (profile === roleName) {
        await ignoreMissing(iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: profile })));
      }
    }
    try {
      await ignoreMissing(iam.send(new DeleteRoleCommand({ RoleName: roleName })));
      return;
    } catch (error) {
      if (!(error instanceof DeleteConflictException) || attempt >= DELETE_ATTEMPTS) throw error;
    }
  }
}

async function ignoreMissing(call: Promise<unknown>): Promise<void> {
  try {
    await call;
  } catch (error) {
    if (!(error instanceof NoSuchEntityException)) throw error;
  }
}
