/** Arranges and inspects IAM state in moto, through the SDK with the same standard endpoint variables. */

import { randomUUID } from 'node:crypto';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
  NoSuchEntityException,
  type Tag,
} from '@aws-sdk/client-iam';
import { EC2_TRUST_JSON } from '../../support/policies.js';

export const iam = new IAMClient({});

/** A role name no other test uses, within IAM's 64 characters. */
export function uniqueRoleName(label: string): string {
  return `${label}-${randomUUID().slice(0, 8)}`;
}

/** Creates a role; EC2 trust unless told otherwise. */
export async function createRole(
  name: string,
  options: { trust?: string; path?: string; tags?: Tag[] } = {},
): Promise<void> {
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: options.trust ?? EC2_TRUST_JSON,
      Path: options.path,
      Tags: options.tags,
    }),
  );
}

/** Creates an instance profile, optionally holding a role. */
export async function createProfile(name: string, options: { tags?: Tag[]; role?: string } = {}): Promise<void> {
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: options.tags }));
  if (options.role !== undefined) {
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: options.role }));
  }
}

/** The profile as IAM reports it, or undefined. Tags come from GetInstanceProfile (moto's ListInstanceProfileTags fails). */
export async function getProfile(name: string) {
  try {
    return (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return undefined;
    throw error;
  }
}

/** Names of the profiles holding the role. */
export async function profilesOf(roleName: string): Promise<string[]> {
  const { InstanceProfiles = [] } = await iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: roleName }));
  return InstanceProfiles.map((p) => p.InstanceProfileName ?? '');
}

/** The ownership tag. */
export const MANAGED_TAGS: Tag[] = [{ Key: 'auto-instance-profile:managed', Value: 'true' }];
