/**
 * Hands one of our instance profiles over to the user: removes our tags, so that the profile stays (in
 * use by its role and instances) and is no longer ours: the service never touches it again, and the user
 * may manage it, for example `terraform import` it. Granted only on profiles tagged as ours.
 */
import { NoSuchEntityException, UntagInstanceProfileCommand } from '@aws-sdk/client-iam';
import { TAG_PREFIX, type Tags } from '../tags.js';
import { type IamSender, sendWrite } from './client.js';
import { type IamPermission, OWNED_PROFILE } from './permissions.js';

/** The IAM action this module calls, only on profiles tagged as ours. */
export const HAND_OVER_PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:UntagInstanceProfile', resource: 'instance-profile', condition: OWNED_PROFILE },
];

/** Our tag keys among a profile's tags: every key in the `auto-instance-profile:` namespace. */
export function ourTagKeys(tags: Tags): string[] {
  return Object.keys(tags).filter((key) => key.startsWith(TAG_PREFIX));
}

/** UntagInstanceProfile with our keys, all in one call. `'absent'` when the profile no longer exists. */
export async function removeOurTags(
  iam: IamSender,
  profileName: string,
  tagKeys: readonly string[],
): Promise<'done' | 'absent'> {
  const command = new UntagInstanceProfileCommand({ InstanceProfileName: profileName, TagKeys: [...tagKeys] });
  return sendWrite(() => iam.send(command), [[NoSuchEntityException, 'absent']]);
}
