/**
 * What the `--org` commands need, in one place: the caller's permissions (in the management account or the
 * delegated administrator), and the member role's, from the lists the modules that make the calls export.
 * infra/org-access-role.ts grants the member role exactly these; docs/organization.md lists them.
 */

import { APPLY_PLAN_PERMISSIONS } from '../../core/iam/apply-plan.js';
import type { IamPermission } from '../../core/iam/index.js';
import { LIST_ACCOUNT_PERMISSIONS } from '../../core/iam/list-account.js';
import { READ_STATE_PERMISSIONS } from '../../core/iam/read-state.js';
import { DOCTOR_PERMISSIONS } from '../doctor/probes.js';
import { ACCOUNT_SETTINGS_PERMISSIONS } from '../scan/settings.js';
import { ORGANIZATION_READ_PERMISSIONS } from './accounts.js';
import { REACH_PERMISSIONS } from './fan-out.js';
import { STACK_SET_READ_PERMISSIONS } from './stack-set.js';

/** The caller's actions: read the organization and the StackSet, assume the member role. */
export const CALLER_PERMISSIONS = [
  ...ORGANIZATION_READ_PERMISSIONS,
  ...REACH_PERMISSIONS,
  ...STACK_SET_READ_PERMISSIONS,
] as const;

/**
 * The member role's IAM actions, with their resource types and conditions: the scan's listings and reads (`scan --org`),
 * the remediation's reads and writes for create and adopt (`fix --org`), and the doctor's GetAccountSummary.
 */
export const MEMBER_ROLE_IAM_PERMISSIONS: readonly IamPermission[] = unique([
  ...LIST_ACCOUNT_PERMISSIONS,
  ...READ_STATE_PERMISSIONS,
  ...APPLY_PLAN_PERMISSIONS,
  ...DOCTOR_PERMISSIONS.filter((action) => action.startsWith('iam:')).map(
    (action): IamPermission => ({ action: action as IamPermission['action'], resource: '*' }),
  ),
]);

/**
 * The member role's other actions, all reads on `*`: the doctor's checks (`doctor --org`), and what `scan --org` and
 * `fix --org` read besides IAM: the account's deployed settings (the stack, its remediator's configuration) and who
 * created each candidate (CloudTrail LookupEvents).
 */
export const MEMBER_ROLE_READ_ACTIONS: readonly string[] = [
  ...new Set([...DOCTOR_PERMISSIONS.filter((action) => !action.startsWith('iam:')), ...ACCOUNT_SETTINGS_PERMISSIONS]),
];

function unique(permissions: readonly IamPermission[]): IamPermission[] {
  const seen = new Map<string, IamPermission>();
  for (const permission of permissions) seen.set(JSON.stringify(permission), permission);
  return [...seen.values()];
}
