/**
 * What each AWS action of the CLI acts on, and the ARN patterns a policy grants it on: the one place that knows how
 * the stack's resources, the member role and the organization are named. The IAM actions come with their resource
 * type from core/iam (`role`, `instance-profile`, `*`), CloudTrail's LookupEvents and DynamoDB's on the ownership
 * table likewise from core ({@link DECLARED_RESOURCES}); the other actions are declared as plain lists next to the
 * code that calls them (cli/doctor/probes.ts, cli/org/*, cli/ownership/*, core/settings-permissions.ts), and
 * {@link ACTION_RESOURCES} says what each acts on.
 */
import { CREATED_BY_PERMISSIONS } from '../../core/created-by.js';
import { OWNERSHIP_CONFIRM_PERMISSIONS, OWNERSHIP_SCAN_PERMISSIONS } from '../../core/dynamodb/ownership-table.js';
import { ACCOUNT_SUMMARY_PERMISSIONS } from '../../core/iam/account-summary.js';
import { conditionsOf, type IamCondition, type IamResourceType } from '../../core/iam/index.js';
import { LIST_ACCOUNT_PERMISSIONS } from '../../core/iam/list-account.js';
import { READ_STATE_PERMISSIONS } from '../../core/iam/read-state.js';
import { SERVICE_ROLE_PATH } from '../../core/pipeline-settings.js';
import { SMOKE_ROLE_PREFIX } from '../doctor/smoke-role.js';

/**
 * The kinds of resource the CLI's calls act on:
 * - `role`, `instance-profile`, `*`: as core/iam declares them, in the caller's account (`*` for the actions that
 *   have no resource type);
 * - `ownership-table`: the stack's ownership table (core/dynamodb/ownership-table.ts), any table of the account in the
 *   stack's region: CloudFormation names it from the stack's name (a StackSet's stack is named `StackSet-…-<uuid>`),
 *   so no name pattern fits every install. The caller only reads it (GetItem, Scan); its writes go through the
 *   operator role, which the table's own policy admits and the stack grants on the table's ARN alone;
 * - `operator-role`: the stack's operator role (with `operatorPrincipals`), by the service's IAM path
 *   (`role/auto-instance-profile/*`, {@link SERVICE_ROLE_PATH}), where only the service's roles live (the tag guard
 *   keeps that path to its deployer); of them, only the operator role trusts a person, and its trust policy names
 *   exactly the `operatorPrincipals`;
 * - `service-function`: the stack's remediator function, whose environment holds the stack's settings, in the
 *   stack's account and region; any name, as CloudFormation makes it from the stack's name, as for the queues;
 * - `service-log-group`: the stack's remediator function's log group, in the stack's account and region; any name, as
 *   CloudFormation makes it from the stack's name (the stack's `FunctionLogGroupName` output says which);
 * - `service-mapping`: the event source mappings of the stack's remediator (`pause` and `resume` switch them), in the
 *   stack's account and region; any id, as Lambda makes it;
 * - `reconcile-function`: the stack's reconcile function, which `fix` starts where it hands over to the service
 *   (core/lambda/reconcile-now.ts): any function of the stack's account and region, granted only on the tag the
 *   stack puts on that function alone (the grant's condition);
 * - `smoke-role`, `smoke-profile`: `doctor --smoke`'s throwaway role and its same-name profile, by name prefix;
 * - `member-role`: the role `--org` commands assume, in every account of the organization;
 * - `service-queue`, `service-rule`: the stack's queues and rules, in the stack's account and region; any name, as
 *   CloudFormation makes them from the stack's name and cuts them to fit (a StackSet's stack name alone is 65
 *   characters, a rule's may be 64), and `doctor --stack-name` reads any stack's;
 * - `trail`: any trail the account sees, in any region or account (an organization's trail lives in the management
 *   account, a multi-region trail in its home region);
 * - `stack-set`: the organization's StackSets, in the region (in the management account, also when read as a delegated
 *   administrator); any name, as the organization stack's `stackSetName` and `doctor --org --stack-set-name` choose it;
 * - `organization`: the organization's root and OUs.
 */
export type PolicyResource =
  | IamResourceType
  | 'operator-role'
  | 'service-function'
  | 'service-log-group'
  | 'service-mapping'
  | 'reconcile-function'
  | 'smoke-role'
  | 'smoke-profile'
  | 'member-role'
  | 'service-queue'
  | 'service-rule'
  | 'trail'
  | 'stack-set'
  | 'organization';

/** One AWS action a command calls, what it acts on, and the conditions it is granted under (all must hold). */
export interface CommandPermission {
  readonly action: string;
  readonly resource: PolicyResource;
  readonly condition?: IamCondition | readonly IamCondition[] | undefined;
}

/**
 * What the actions core declares with their resource type act on (unconditioned): the IAM reads the CLI's plain lists
 * name (doctor's `iam:GetAccountSummary`, the ownership check's `iam:ListInstanceProfiles` and
 * `iam:GetInstanceProfile`), CloudTrail's LookupEvents, and DynamoDB's reads and writes of the ownership table.
 */
export const DECLARED_RESOURCES: Readonly<Record<string, PolicyResource>> = Object.fromEntries(
  [
    ...LIST_ACCOUNT_PERMISSIONS,
    ...READ_STATE_PERMISSIONS,
    ...ACCOUNT_SUMMARY_PERMISSIONS,
    ...CREATED_BY_PERMISSIONS,
    ...OWNERSHIP_SCAN_PERMISSIONS,
    ...OWNERSHIP_CONFIRM_PERMISSIONS,
  ]
    .filter((permission) => conditionsOf(permission).length === 0)
    .map((permission) => [permission.action, permission.resource]),
);

/**
 * What the CLI's other actions act on. CloudFormation's DescribeStacks is `*`: the doctor, `scan` and `fix` list the
 * region's stacks when the single-account stack is absent, and a listing has no stack to name (the Service
 * Authorization Reference makes its `stack` resource optional). `sts:AssumeRole` is the `--org` commands' reach into
 * member accounts; `fix` and `confirm` assume the operator role instead ({@link OPERATOR_RESOURCES}). STS
 * GetCallerIdentity, which every command calls first, needs no permission at all ({@link NEEDS_NO_PERMISSION}).
 */
export const ACTION_RESOURCES: Readonly<Record<string, PolicyResource>> = {
  'cloudtrail:DescribeTrails': '*',
  'cloudtrail:GetTrailStatus': 'trail',
  'cloudtrail:GetEventSelectors': 'trail',
  'cloudformation:DescribeStacks': '*',
  'cloudformation:DescribeStackSet': 'stack-set',
  'cloudformation:ListStackInstances': 'stack-set',
  'events:DescribeRule': 'service-rule',
  'lambda:GetFunctionConfiguration': 'service-function',
  'logs:FilterLogEvents': 'service-log-group',
  // Neither has a resource type: a listing (by the function's name), and a metric query.
  'lambda:ListEventSourceMappings': '*',
  'cloudwatch:GetMetricData': '*',
  'lambda:UpdateEventSourceMapping': 'service-mapping',
  'sqs:GetQueueAttributes': 'service-queue',
  'organizations:ListAccounts': '*',
  'organizations:DescribeOrganization': '*',
  'organizations:ListAccountsForParent': 'organization',
  'organizations:ListOrganizationalUnitsForParent': 'organization',
  'sts:AssumeRole': 'member-role',
};

/** What `fix` and `confirm` assume to write the ownership record: the stack's operator role. */
export const OPERATOR_RESOURCES: Readonly<Record<string, PolicyResource>> = { 'sts:AssumeRole': 'operator-role' };

/**
 * What `doctor --smoke`'s IAM actions (SMOKE_PERMISSIONS) act on: its own throwaway role, and the same-name profile
 * the service gives it, both named {@link SMOKE_ROLE_PREFIX}….
 */
export const SMOKE_RESOURCES: Readonly<Record<string, PolicyResource>> = {
  'iam:CreateRole': 'smoke-role',
  'iam:TagRole': 'smoke-role',
  'iam:ListInstanceProfilesForRole': 'smoke-role',
  'iam:DeleteRole': 'smoke-role',
  'iam:RemoveRoleFromInstanceProfile': 'smoke-profile',
  'iam:DeleteInstanceProfile': 'smoke-profile',
};

/**
 * Calls AWS authorises without any policy: GetCallerIdentity answers even a caller whose policy denies it ("No
 * permissions are required to perform this operation", STS API Reference).
 */
export const NEEDS_NO_PERMISSION: readonly string[] = ['sts:GetCallerIdentity'];

/** Where a policy applies: the partition, the caller's account and the region of the stack. */
export interface PolicyScope {
  readonly partition: string;
  /**
   * The caller's account id, or `*` when it is not known: one policy then serves every account. IAM's actions act in
   * the caller's own account only, and the other services' resources of another account need that account's own
   * resource policy too.
   */
  readonly account: string;
  readonly region: string;
  /** The role `--org` commands assume in member accounts. */
  readonly memberRoleName: string;
}

/** The account in a policy's ARNs when none is given: any, so that one policy serves every account. */
export const ANY_ACCOUNT = '*';

/** The ARN patterns of a resource kind in a scope. */
export function resourceArns(kind: PolicyResource, scope: PolicyScope): readonly string[] {
  const { partition: p, account: a, region: r } = scope;
  switch (kind) {
    case '*':
      return ['*'];
    case 'role':
    case 'instance-profile':
      return [`arn:${p}:iam::${a}:${kind}/*`];
    case 'ownership-table':
      return [`arn:${p}:dynamodb:${r}:${a}:table/*`];
    case 'operator-role':
      return [`arn:${p}:iam::${a}:role${SERVICE_ROLE_PATH}*`];
    case 'service-function':
    case 'reconcile-function':
      return [`arn:${p}:lambda:${r}:${a}:function:*`];
    case 'service-log-group':
      return [`arn:${p}:logs:${r}:${a}:log-group:*`];
    case 'service-mapping':
      return [`arn:${p}:lambda:${r}:${a}:event-source-mapping:*`];
    case 'smoke-role':
      return [`arn:${p}:iam::${a}:role/${SMOKE_ROLE_PREFIX}*`];
    case 'smoke-profile':
      return [`arn:${p}:iam::${a}:instance-profile/${SMOKE_ROLE_PREFIX}*`];
    case 'member-role':
      return [`arn:${p}:iam::*:role/${scope.memberRoleName}`];
    case 'service-queue':
      return [`arn:${p}:sqs:${r}:${a}:*`];
    case 'service-rule':
      return [`arn:${p}:events:${r}:${a}:rule/*`];
    case 'trail':
      return [`arn:${p}:cloudtrail:*:*:trail/*`];
    case 'stack-set':
      return [`arn:${p}:cloudformation:${r}:*:stackset/*:*`];
    case 'organization':
      return [`arn:${p}:organizations::*:root/o-*/r-*`, `arn:${p}:organizations::*:ou/o-*/ou-*`];
  }
}

/**
 * Plain action lists (`DOCTOR_PERMISSIONS` …) as permissions, each on what `resources` says it acts on, else on what
 * {@link ACTION_RESOURCES} or core ({@link DECLARED_RESOURCES}) says.
 */
export function onTheirResources(
  actions: readonly string[],
  resources: Readonly<Record<string, PolicyResource>> = {},
): CommandPermission[] {
  return actions.map((action) => {
    const resource = resources[action] ?? ACTION_RESOURCES[action] ?? DECLARED_RESOURCES[action];
    if (resource === undefined) throw new Error(`No resource is known for ${action}: add it to ACTION_RESOURCES`);
    return { action, resource };
  });
}
