import { APPLY_PLAN_PERMISSIONS } from './apply-plan.js';
import type { IamPermission } from './permissions.js';
import { READ_STATE_PERMISSIONS } from './read-state.js';
import { RELEASE_PERMISSIONS } from './release.js';

export type { IamCondition, IamPermission, IamResourceType } from './permissions.js';
export { OWNED_PROFILE, TAGGED_AS_OURS } from './permissions.js';

/** Every IAM action the remediator calls, with its conditions: what its role is granted, exactly. */
export const REMEDIATOR_PERMISSIONS: readonly IamPermission[] = [
  ...READ_STATE_PERMISSIONS,
  ...APPLY_PLAN_PERMISSIONS,
  ...RELEASE_PERMISSIONS,
];
