/**
 * Takes our instance profiles apart: removes a role from a profile, deletes an empty profile. Both are
 * granted only on profiles tagged as ours ({@link OWNED_PROFILE}), so IAM refuses them on any other.
 * "Already gone" is success; a profile that holds a role again is reported for the loop to re-decide.
 */
import {
  DeleteConflictException,
  DeleteInstanceProfileCommand,
  NoSuchEntityException,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { type IamSender, sendWrite } from './client.js';
import { type IamPermission, OWNED_PROFILE } from './permissions.js';

/** The IAM actions this module calls, each only on profiles tagged as ours. */
export const RELEASE_PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:RemoveRoleFromInstanceProfile', resource: 'instance-profile', condition: OWNED_PROFILE },
  { action: 'iam:DeleteInstanceProfile', resource: 'instance-profile', condition: OWNED_PROFILE },
];

/** How a release write went: `done` (or already so), or the profile holds a role and cannot go. */
export type ReleaseResult = 'done' | 'profile-in-use';

/** RemoveRoleFromInstanceProfile. A role or profile that is already gone, or not in it, counts as done. */
export async function removeRole(iam: IamSender, profileName: string, roleName: string): Promise<ReleaseResult> {
  const command = new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName });
  return sendWrite(() => iam.send(command), [[NoSuchEntityException, 'done']]);
}

/** DeleteInstanceProfile. Already deleted counts as done; one that holds a role (again) is `profile-in-use`. */
export async function deleteProfile(iam: IamSender, profileName: string): Promise<ReleaseResult> {
  return sendWrite(
    () => iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: profileName })),
    [
      [NoSuchEntityException, 'done'],
      // A role was added since we read it empty: IAM keeps it, and so do we.
      [DeleteConflictException, 'profile-in-use'],
    ],
  );
}

/** One change a release made, in order. */
export type ReleaseChange =
  | { readonly kind: 'removed'; readonly profileName: string; readonly roleName: string }
  | { readonly kind: 'deleted'; readonly profileName: string };

/** A change as the logs and the CLI print it, e.g. `removed role app from instance profile app`. */
export function describeChange(change: ReleaseChange): string {
  return change.kind === 'removed'
    ? `removed role ${change.roleName} from instance profile ${change.profileName}`
    : `deleted instance profile ${change.profileName}`;
}

/**
 * The release action, shared by the remediator and the CLI's `release --delete`: removes each role from
 * the profile, then deletes it, reporting each change as it is made. `profile-in-use` when a role was added
 * meanwhile (the profile stays).
 */
export async function releaseProfile(
  iam: IamSender,
  profileName: string,
  roleNames: readonly string[],
  onChange: (change: ReleaseChange) => void,
): Promise<ReleaseResult> {
  for (const roleName of roleNames) {
    await removeRole(iam, profileName, roleName);
    onChange({ kind: 'removed', profileName, roleName });
  }
  const deleted = await deleteProfile(iam, profileName);
  if (deleted === 'done') onChange({ kind: 'deleted', profileName });
  return deleted;
}
