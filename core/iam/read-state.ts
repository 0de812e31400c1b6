/**
 * Reads the current state of a role and its instance profiles from IAM. Missing entities come back
 * as `'absent'`, never as errors; everything else the SDK could not do after its retries is re-thrown.
 */
import {
  GetInstanceProfileCommand,
  GetRoleCommand,
  ListAttachedRolePoliciesCommand,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import type { ProfileSnapshot, RolePolicies, RoleSnapshot } from '../snapshots.js';
import { tagsToRecord } from '../tags.js';
import type { IamSender } from './client.js';
import type { IamPermission } from './permissions.js';

/** The IAM action {@link readProfile} calls: all that a scan reads besides the listings. */
export const READ_PROFILE_PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:GetInstanceProfile', resource: 'instance-profile' },
];

/** The IAM actions this module calls. */
export const READ_STATE_PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:GetRole', resource: 'role' },
  { action: 'iam:ListInstanceProfilesForRole', resource: 'role' },
  ...READ_PROFILE_PERMISSIONS,
  { action: 'iam:ListAttachedRolePolicies', resource: 'role' },
  { action: 'iam:ListRolePolicies', resource: 'role' },
];

/** One of {@link READ_STATE_PERMISSIONS}, by its action, for callers that make only that call. */
export function readStatePermission(action: IamPermission['action']): IamPermission {
  const found = READ_STATE_PERMISSIONS.find((permission) => permission.action === action);
  if (found === undefined) throw new Error(`${action} is not one of READ_STATE_PERMISSIONS`);
  return found;
}

/** GetRole: the role with its trust policy (URL-encoded, as IAM returns it), path, tags and creation time. */
export async function readRole(iam: IamSender, roleName: string): Promise<RoleSnapshot | 'absent'> {
  try {
    const { Role: role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    if (role === undefined) return 'absent';
    return {
      name: role.RoleName ?? roleName,
      path: role.Path ?? '/',
      arn: role.Arn ?? '',
      id: role.RoleId ?? '',
      trustPolicy: role.AssumeRolePolicyDocument,
      tags: tagsToRecord(role.Tags),
      createDate: role.CreateDate,
    };
  } catch (error) {
    if (error instanceof NoSuchEntityException) return 'absent';
    throw error;
  }
}

/**
 * Whether any managed policy is attached to the role and any inline policy embedded in it: ListAttachedRolePolicies
 * and ListRolePolicies, one item each (one is enough to know the delete would fail), sent together.
 * `'absent'` when the role does not exist.
 */
export async function readRolePolicies(iam: IamSender, roleName: string): Promise<RolePolicies | 'absent'> {
  try {
    const [attached, inline] = await Promise.all([
      iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, MaxItems: 1 })),
      iam.send(new ListRolePoliciesCommand({ RoleName: roleName, MaxItems: 1 })),
    ]);
    return {
      attached: (attached.AttachedPolicies ?? []).length > 0,
      inline: (inline.PolicyNames ?? []).length > 0,
    };
  } catch (error) {
    if (error instanceof NoSuchEntityException) return 'absent';
    throw error;
  }
}

/**
 * ListInstanceProfilesForRole: the names of the profiles holding the role, or `'absent'` when the role
 * does not exist. A role can be in at most a handful of profiles, so the first page (up to 100) is the
 * whole answer; more pages are followed anyway.
 */
export async function readRoleProfiles(iam: IamSender, roleName: string): Promise<readonly string[] | 'absent'> {
  const names: string[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: roleName, Marker: marker }));
      for (const profile of page.InstanceProfiles ?? []) {
        if (profile.InstanceProfileName !== undefined) names.push(profile.InstanceProfileName);
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
  } catch (error) {
    if (error instanceof NoSuchEntityException) return 'absent';
    throw error;
  }
  return names;
}

/** GetInstanceProfile: the profile with its tags and roles (also our way to read tags: see README, moto). */
export async function readProfile(iam: IamSender, profileName: string): Promise<ProfileSnapshot | 'absent'> {
  try {
    const { InstanceProfile: profile } = await iam.send(
      new GetInstanceProfileCommand({ InstanceProfileName: profileName }),
    );
    if (profile === undefined) return 'absent';
    return {
      name: profile.InstanceProfileName ?? profileName,
      id: profile.InstanceProfileId ?? '',
      createDate: profile.CreateDate,
      path: profile.Path ?? '/',
      tags: tagsToRecord(profile.Tags),
      roleNames: (profile.Roles ?? []).flatMap((role) => (role.RoleName === undefined ? [] : [role.RoleName])),
      roleIds: (profile.Roles ?? []).flatMap((role) => (role.RoleName === undefined ? [] : [role.RoleId ?? ''])),
    };
  } catch (error) {
    if (error instanceof NoSuchEntityException) return 'absent';
    throw error;
  }
}
