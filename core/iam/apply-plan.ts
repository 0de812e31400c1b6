/**
 * Carries out the write half of a plan. Each function reports how IAM answered in terms the
 * remediation loop can re-decide on; only errors that mean "try again later" or "broken" are thrown.
 */
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  EntityAlreadyExistsException,
  LimitExceededException,
  NoSuchEntityException,
  TagInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import type { ProfileSpec } from '../snapshots.js';
import type { IamSender } from './client.js';
import {
  type IamPermission,
  OWNED_AND_TAGGED_AS_OURS,
  OWNED_PROFILE,
  PASSED_TO_EC2,
  TAGGED_AS_OURS,
} from './permissions.js';

/**
 * The IAM actions this module calls, in the shape of Karpenter's controller policy (see permissions.ts).
 * Tags passed to CreateInstanceProfile are authorised as iam:TagInstanceProfile, and AddRoleToInstanceProfile
 * needs iam:PassRole on the role it adds (to EC2). Creating needs the request to tag the profile as ours;
 * tagging needs that and the profile to be ours (so re-tagging an adopted leftover is allowed, and tagging
 * anyone else's profile as ours is not); adding a role needs the profile to be ours. {@link tagProfile}
 * (TagInstanceProfile) re-binds a leftover of ours to the role that adopts it.
 */
export const APPLY_PLAN_PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:CreateInstanceProfile', resource: 'instance-profile', condition: TAGGED_AS_OURS },
  { action: 'iam:TagInstanceProfile', resource: 'instance-profile', condition: OWNED_AND_TAGGED_AS_OURS },
  { action: 'iam:AddRoleToInstanceProfile', resource: 'instance-profile', condition: OWNED_PROFILE },
  { action: 'iam:PassRole', resource: 'role', condition: PASSED_TO_EC2 },
];

/** How a write went: `done`, or a state that calls for reading IAM again and re-deciding. */
export type WriteResult = 'done' | 'profile-exists' | 'profile-full' | 'entity-missing' | 'quota-exceeded';

/** CreateInstanceProfile with the role's name and path, and our tags. */
export async function createProfile(iam: IamSender, spec: ProfileSpec): Promise<WriteResult> {
  try {
    await iam.send(
      new CreateInstanceProfileCommand({ InstanceProfileName: spec.name, Path: spec.path, Tags: [...spec.tags] }),
    );
    return 'done';
  } catch (error) {
    // Another delivery, the console or IaC made it first: whose it is decides what happens next.
    if (error instanceof EntityAlreadyExistsException) return 'profile-exists';
    // For CreateInstanceProfile, LimitExceeded means the account holds as many profiles as its quota allows.
    if (error instanceof LimitExceededException) return 'quota-exceeded';
    throw error;
  }
}

/** AddRoleToInstanceProfile. */
export async function addRole(iam: IamSender, profileName: string, roleName: string): Promise<WriteResult> {
  try {
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName }));
    return 'done';
  } catch (error) {
    // A profile holds one role: LimitExceeded means it is full, perhaps with this very role from a racing delivery.
    if (error instanceof LimitExceededException) return 'profile-full';
    // The role or the profile went away between our read and this write.
    if (error instanceof NoSuchEntityException) return 'entity-missing';
    throw error;
  }
}

/**
 * TagInstanceProfile: binds one of our profiles to the role that adopts it (its id and ARN, with our
 * ownership tag, which IAM's condition on the grant requires in the request).
 */
export async function tagProfile(iam: IamSender, profileName: string, tags: ProfileSpec['tags']): Promise<WriteResult> {
  try {
    await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: profileName, Tags: [...tags] }));
    return 'done';
  } catch (error) {
    // Deleted between our read and this write: read again and decide anew.
    if (error instanceof NoSuchEntityException) return 'entity-missing';
    throw error;
  }
}
