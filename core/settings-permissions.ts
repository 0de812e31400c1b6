/**
 * The actions with which the CLI's `scan` and `fix` read an account's deployed settings (its stack, and the
 * remediator's environment) and who created each candidate (CloudTrail): cli/scan/settings.ts makes the calls. Here
 * rather than beside them because the organization's member role (core/member-role.ts) is granted them too, and the
 * stack that makes that role (infra/org-access-role.ts) must not import the CLI.
 */
import { CREATED_BY_PERMISSIONS } from './created-by.js';

/** The actions that read the deployed settings and the creators: `scan` and `fix` (and their member role) need them. */
export const ACCOUNT_SETTINGS_PERMISSIONS = [
  'cloudformation:DescribeStacks',
  'lambda:GetFunctionConfiguration',
  ...CREATED_BY_PERMISSIONS.map((permission) => permission.action),
] as const;
