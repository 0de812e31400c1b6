/**
 * The two ways of reading an account the scan was measured against (see core/iam/list-account.ts), for the
 * bench and for the scan's integration test to show beside the listing's cost. Both decide exactly as the
 * scan does ({@link decideListed}, {@link classify}); only how the facts are read differs.
 */
import { type IAMClient, ListRolesCommand, type Role } from '@aws-sdk/client-iam';
import type { Config } from '../core/config.js';
import { type ListedRole, listProfilePages, PROFILE_PAGE_SIZE } from '../core/iam/list-account.js';
import { readProfile, readRole, readRoleProfiles } from '../core/iam/read-state.js';
import { mapBounded } from '../core/map-bounded.js';
import { iamNameKey } from '../core/names.js';
import {
  type Classification,
  classify,
  decideListed,
  type ProfileReader,
  type RecordReader,
  type RoleDecision,
} from '../core/scan.js';
import { evaluateEc2Trust } from '../core/trust-policy.js';

/** A baseline's answer and the IAM calls it made. */
export interface BaselineResult extends Classification {
  readonly iamCalls: number;
}

const CONTEXT = { now: new Date(), scanId: 'baseline' };

/**
 * ListRoles (trust policies, no tags) and ListInstanceProfiles (profiles with their roles, no tags), then
 * GetRole for the tags of every role EC2 may assume outside the excluded paths (opt-out is a tag).
 * Needs iam:ListRoles, iam:ListInstanceProfiles, iam:GetRole (+ iam:GetInstanceProfile).
 */
export async function listRolesScan(
  iam: IAMClient,
  config: Config,
  concurrency = 8,
  readRecord?: RecordReader,
): Promise<BaselineResult> {
  let calls = 0;
  const profilesOf = new Map<string, string[]>();
  const profileNames = new Set<string>();
  for await (const page of listProfilePages(iam)) {
    calls++;
    for (const profile of page) {
      profileNames.add(profile.name.toLowerCase());
      for (const role of profile.roleNames) profilesOf.set(role, [...(profilesOf.get(role) ?? []), profile.name]);
    }
  }
  const roles = await listAllRoles(iam, () => calls++);
  const read = counted(() => calls++);
  const decisions = await mapBounded(roles, concurrency, async (role) => {
    const name = role.RoleName ?? '';
    const excluded = config.excludedPathPrefixes.some((prefix) => (role.Path ?? '/').startsWith(prefix));
    let tags = {};
    if (!excluded && evaluateEc2Trust(role.AssumeRolePolicyDocument).ec2) {
      calls++;
      const full = await readRole(iam, name);
      tags = full === 'absent' ? {} : full.tags;
    }
    const listed: ListedRole = {
      role: {
        name,
        path: role.Path ?? '/',
        arn: role.Arn ?? '',
        id: role.RoleId ?? '',
        trustPolicy: role.AssumeRolePolicyDocument,
        tags,
      },
      profileNames: profilesOf.get(name) ?? [],
    };
    return decideListed(
      listed,
      profileNames.has(iamNameKey(name)) ? 'exists' : 'absent',
      config,
      CONTEXT,
      read(iam),
      readRecord,
    );
  });
  return { ...classify(decisions), iamCalls: calls };
}

/**
 * The naive way: ListRoles for the names, then GetRole and ListInstanceProfilesForRole for every role,
 * and GetInstanceProfile for the same-name profile of every role that needs one (nothing says which exist).
 * Needs iam:ListRoles, iam:GetRole, iam:ListInstanceProfilesForRole (+ iam:GetInstanceProfile).
 */
export async function naiveScan(
  iam: IAMClient,
  config: Config,
  concurrency = 8,
  readRecord?: RecordReader,
): Promise<BaselineResult> {
  let calls = 0;
  const roles = await listAllRoles(iam, () => calls++);
  const read = counted(() => calls++);
  const decisions = await mapBounded(roles, concurrency, async (listedRole): Promise<RoleDecision | undefined> => {
    const name = listedRole.RoleName ?? '';
    calls += 2;
    const [role, profileNames] = await Promise.all([readRole(iam, name), readRoleProfiles(iam, name)]);
    if (role === 'absent' || profileNames === 'absent') return undefined;
    return decideListed({ role, profileNames }, 'exists', config, CONTEXT, read(iam), readRecord);
  });
  return { ...classify(decisions.filter((d) => d !== undefined)), iamCalls: calls };
}

async function listAllRoles(iam: IAMClient, onCall: () => void): Promise<Role[]> {
  const roles: Role[] = [];
  let marker: string | undefined;
  do {
    onCall();
    const page = await iam.send(new ListRolesCommand({ MaxItems: PROFILE_PAGE_SIZE, Marker: marker }));
    roles.push(...(page.Roles ?? []));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);
  return roles;
}

function counted(onCall: () => void): (iam: IAMClient) => ProfileReader {
  return (iam) => (name) => {
    onCall();
    return readProfile(iam, name);
  };
}
