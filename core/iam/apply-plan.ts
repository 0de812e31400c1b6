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
import { type IamSender, sendWrite } from './client.js';
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
  const command = new CreateInstanceProfileCommand({
    InstanceProfileName: spec.name,
    Path: spec.path,
    Tags: [...spec.tags],
  });
  return sendWrite(
    () => iam.send(command),
    [
      // Another delivery, the console or IaC made it first: whose it is decides what happens next.
      [EntityAlreadyExistsException, 'profile-exists'],
      // For CreateInstanceProfile, LimitExceeded means the account holds as many profiles as its quota allows.
      [LimitExceededException, 'quota-exceeded'],
    ],
  );
}

/** AddRoleToInstanceProfile. */
export async function addRole(iam: IamSender, profileName: string, roleName: string): Promise<WriteResult> {
  const command = new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName });
  return sendWrite(
    () => iam.send(command),
    [
      // A profile holds one role: LimitExceeded means it is full, perhaps with this very role from a racing delivery.
      [LimitExceededException, 'profile-full'],
      // The role or the profile went away between our read and this write.
      [NoSuchEntityException, 'entity-missing'],
    ],
  );
}

/**
 * TagInstanceProfile: binds one of our profiles to the role that adopts it (its id and ARN, with our
 * ownership tag, which IAM's condition on the grant requires in the request).
 */
export async function tagProfile(iam: IamSender, profileName: string, tags: ProfileSpec['tags']): Promise<WriteResult> {
  const command = new TagInstanceProfileCommand({ InstanceProfileName: profileName, Tags: [...tags] });
  // Deleted between our read and this write: read again and decide anew.
  return sendWrite(() => iam.send(command), [[NoSuchEntityException, 'entity-missing']]);
}
