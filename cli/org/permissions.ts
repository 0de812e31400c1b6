/**
 * What the `--org` commands need, in one place: the caller's permissions (in the management account or the
 * delegated administrator), from the lists the modules that make the calls export, and the member role's, whose
 * one home is core/member-role.ts (infra/org-access-role.ts grants the role exactly those; re-exported here for
 * the CLI's readers). docs/organization.md lists them.
 */

import { ORGANIZATION_READ_PERMISSIONS } from './accounts.js';
import { REACH_PERMISSIONS } from './fan-out.js';
import { STACK_SET_READ_PERMISSIONS } from './stack-set.js';

export {
  MEMBER_ROLE_IAM_PERMISSIONS,
  MEMBER_ROLE_PAUSE_ACTIONS,
  MEMBER_ROLE_PAUSE_FUNCTIONS,
  MEMBER_ROLE_READ_ACTIONS,
  MEMBER_ROLE_RECONCILE_NOW,
} from '../../core/member-role.js';

/** The caller's actions: read the organization and the StackSet, assume the member role. */
export const CALLER_PERMISSIONS = [
  ...ORGANIZATION_READ_PERMISSIONS,
  ...REACH_PERMISSIONS,
  ...STACK_SET_READ_PERMISSIONS,
] as const;
