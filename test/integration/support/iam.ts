/** Arranges and inspects IAM state in moto, through the SDK with the same standard endpoint variables. */

import { randomUUID } from 'node:crypto';
import {
  AddRoleToInstanceProfileCommand,
  AttachRolePolicyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
  type Tag,
  TagInstanceProfileCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { readRole } from '../../../core/iam/read-state.js';
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

/** Deletes a role, as its owner would: IAM refuses while a profile holds it (DeleteConflict). */
export async function deleteRole(name: string): Promise<void> {
  await iam.send(new DeleteRoleCommand({ RoleName: name }));
}

/** Whether the role exists. */
export async function roleExists(name: string): Promise<boolean> {
  return (await readRole(iam, name)) !== 'absent';
}

/** Removes a role from a profile, as Terraform does before it deletes the role. */
export async function removeFromProfile(profileName: string, roleName: string): Promise<void> {
  await iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName }));
}

/** Replaces a role's trust policy (UpdateAssumeRolePolicy). */
export async function updateTrust(roleName: string, policy: string): Promise<void> {
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: roleName, PolicyDocument: policy }));
}

/** Adds a role to a profile. */
export async function addToProfile(profileName: string, roleName: string): Promise<void> {
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: profileName, RoleName: roleName }));
}

/** Deletes an (empty) instance profile. */
export async function deleteProfile(name: string): Promise<void> {
  await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }));
}

/** Attaches a managed policy to a role: another cause of DeleteConflict on DeleteRole. */
export async function attachPolicy(roleName: string, policyArn: string): Promise<void> {
  await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
}

/** Embeds an inline policy in a role: another cause of DeleteConflict on DeleteRole. */
export async function putInlinePolicy(roleName: string, policyName: string): Promise<void> {
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: policyName,
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 's3:ListAllMyBuckets', Resource: '*' }],
      }),
    }),
  );
}

/** The role's unique id (RoleId), which our profiles carry in `auto-instance-profile:source-role-id`. */
export async function roleIdOf(name: string): Promise<string | undefined> {
  return (await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.RoleId;
}

/** Tags an instance profile, as anyone allowed iam:TagInstanceProfile may (a forged ownership tag, say). */
export async function tagProfile(profileName: string, tags: Tag[]): Promise<void> {
  await iam.send(new TagInstanceProfileCommand({ InstanceProfileName: profileName, Tags: tags }));
}
