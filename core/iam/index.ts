import { APPLY_PLAN_PERMISSIONS } from './apply-plan.js';
import type { IamPermission } from './permissions.js';
import { READ_STATE_PERMISSIONS } from './read-state.js';

export type { IamPermission, IamResourceType } from './permissions.js';

/** Every IAM action the remediator calls: what its role is granted, exactly. */
export const REMEDIATOR_PERMISSIONS: readonly IamPermission[] = [...READ_STATE_PERMISSIONS, ...APPLY_PLAN_PERMISSIONS];
