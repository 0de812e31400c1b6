import { CREATED_BY_PERMISSIONS } from '../created-by.js';
import { OWNERSHIP_RECONCILE_PERMISSIONS, OWNERSHIP_REMEDIATOR_PERMISSIONS } from '../dynamodb/ownership-table.js';
import { SERVICE_CREATES_PERMISSIONS } from '../service-creates.js';
import { ACCOUNT_SUMMARY_PERMISSIONS } from './account-summary.js';
import { APPLY_PLAN_PERMISSIONS } from './apply-plan.js';
import { HAND_OVER_PERMISSIONS } from './hand-over.js';
import { LIST_ACCOUNT_PERMISSIONS } from './list-account.js';
import type { IamPermission } from './permissions.js';
import { READ_PROFILE_PERMISSIONS, READ_STATE_PERMISSIONS, readStatePermission } from './read-state.js';
import { RELEASE_PERMISSIONS } from './release.js';

export type { IamCondition, IamPermission, IamResourceType } from './permissions.js';
export {
  conditionBlock,
  conditionName,
  conditionsOf,
  OWNED_AND_TAGGED_AS_OURS,
  OWNED_PROFILE,
  PASSED_TO_EC2,
  TAGGED_AS_OURS,
} from './permissions.js';

/** Every IAM action the remediator calls, with its conditions: what its role is granted, exactly. */
export const REMEDIATOR_PERMISSIONS: readonly IamPermission[] = [
  ...READ_STATE_PERMISSIONS,
  ...APPLY_PLAN_PERMISSIONS,
  ...RELEASE_PERMISSIONS,
  ...ACCOUNT_SUMMARY_PERMISSIONS,
  ...OWNERSHIP_REMEDIATOR_PERMISSIONS,
];

/**
 * Every action the reconcile function calls, from the modules that call them: the account listing,
 * GetInstanceProfile for the roles whose same-name profile must be read (and for the record's upkeep), CloudTrail's
 * LookupEvents to learn who created a candidate and which profiles the service made, and the ownership table's
 * upkeep. It changes nothing in IAM: the remediator acts on what it sends.
 */
export const RECONCILE_PERMISSIONS: readonly IamPermission[] = union(
  LIST_ACCOUNT_PERMISSIONS,
  READ_PROFILE_PERMISSIONS,
  CREATED_BY_PERMISSIONS,
  SERVICE_CREATES_PERMISSIONS,
  OWNERSHIP_RECONCILE_PERMISSIONS,
);

/**
 * Every IAM action the CLI's `release` and `prune` call, on the user's credentials: reading the role and its
 * profile, handing a profile over (untag), taking it apart, and listing the account's profiles.
 */
export const RELEASE_COMMAND_PERMISSIONS: readonly IamPermission[] = [
  readStatePermission('iam:GetRole'),
  readStatePermission('iam:GetInstanceProfile'),
  ...HAND_OVER_PERMISSIONS,
  ...RELEASE_PERMISSIONS,
  ...LIST_ACCOUNT_PERMISSIONS.filter((permission) => permission.action === 'iam:ListInstanceProfiles'),
];

/** The permissions of several modules, each once: two modules that call the same action declare it alike. */
function union(...lists: readonly (readonly IamPermission[])[]): readonly IamPermission[] {
  const seen = new Map<string, IamPermission>();
  for (const permission of lists.flat()) {
    seen.set(JSON.stringify([permission.action, permission.resource, permission.condition ?? null]), permission);
  }
  return [...seen.values()];
}
