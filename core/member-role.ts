/**
 * The role the `--org` commands assume in member accounts: its default name and what it must be granted, in one
 * place that the CLI (which assumes it) and infra/org-access-role.ts (the stack that makes a least-privilege one)
 * both read. The grants come from the lists of the modules that make the calls.
 */
import { DECISIONS_PERMISSIONS } from './decision-log.js';
import { DOCTOR_PERMISSIONS } from './doctor-permissions.js';
import { APPLY_PLAN_PERMISSIONS } from './iam/apply-plan.js';
import { LIST_ACCOUNT_PERMISSIONS } from './iam/list-account.js';
import type { IamPermission } from './iam/permissions.js';
import { READ_STATE_PERMISSIONS } from './iam/read-state.js';
import { EVENT_SOURCE_READ_PERMISSIONS, EVENT_SOURCE_WRITE_PERMISSIONS } from './lambda/event-source-mappings.js';
import { RECONCILE_FUNCTION_ONLY, RECONCILE_NOW_PERMISSIONS } from './lambda/reconcile-now.js';
import { STACK_NAME, STACK_SET_INSTANCE_PREFIX } from './pipeline-settings.js';
import { ACCOUNT_SETTINGS_PERMISSIONS } from './settings-permissions.js';

/** The role `--org` commands assume in member accounts unless `--role-name` says otherwise. */
export const DEFAULT_MEMBER_ROLE = 'OrganizationAccountAccessRole';

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
 * The member role's other actions, all reads on `*`: the doctor's checks (`doctor --org`), what `scan --org` and
 * `fix --org` read besides IAM: the account's deployed settings (the stack, its remediator's configuration) and who
 * created each candidate (CloudTrail LookupEvents), the remediator's decision lines (`decisions --org`: its log group,
 * CloudWatch Logs FilterLogEvents), and its event source mappings (`pause --org`, `resume --org`).
 */
export const MEMBER_ROLE_READ_ACTIONS: readonly string[] = [
  ...new Set([
    ...DOCTOR_PERMISSIONS.filter((action) => !action.startsWith('iam:')),
    ...ACCOUNT_SETTINGS_PERMISSIONS,
    ...DECISIONS_PERMISSIONS,
    ...EVENT_SOURCE_READ_PERMISSIONS,
  ]),
];

/**
 * One of the member role's two writes outside IAM: `pause --org` and `resume --org` switch the remediator's event source
 * mappings (UpdateEventSourceMapping), granted only on the mappings of the service's functions
 * ({@link MEMBER_ROLE_PAUSE_FUNCTIONS}, by the `lambda:FunctionArn` condition key).
 */
export const MEMBER_ROLE_PAUSE_ACTIONS: readonly string[] = [...EVENT_SOURCE_WRITE_PERMISSIONS];

/**
 * The functions whose mappings the member role may switch, by name: CloudFormation names a function it makes after
 * its stack, so the service's are `AutoInstanceProfile-…` (the account's own stack) and `StackSet-…` (the
 * organization's StackSet's stack). A stack deployed under another name is out of the role's reach.
 */
export const MEMBER_ROLE_PAUSE_FUNCTIONS: readonly string[] = [`${STACK_NAME}-*`, `${STACK_SET_INSTANCE_PREFIX}*`];

/**
 * The other: `fix --org` hands an account's missing roles over to the service where
 * it is installed, starting its reconcile pass (core/lambda/reconcile-now.ts): lambda:InvokeFunction on the account's
 * functions in the stack's region, only on the one the stack tags as its reconcile function.
 */
export const MEMBER_ROLE_RECONCILE_NOW = {
  actions: RECONCILE_NOW_PERMISSIONS,
  condition: RECONCILE_FUNCTION_ONLY,
} as const;

function unique(permissions: readonly IamPermission[]): IamPermission[] {
  const seen = new Map<string, IamPermission>();
  for (const permission of permissions) seen.set(JSON.stringify(permission), permission);
  return [...seen.values()];
}
