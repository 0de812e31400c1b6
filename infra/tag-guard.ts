/**
 * The tag guard: a policy that keeps our tag keys (`auto-instance-profile:*`) on instance profiles to the service's
 * own roles, and keeps those roles to whoever deploys the service. IAM's conditions on the service's role
 * (core/iam/permissions.ts) cannot tell our `managed` tag from one someone else put on a profile; this keeps the keys
 * to the service. The organization stack can attach it as a service control policy (`tagGuardPolicy`); docs/deploy.md
 * shows the same document for a single account (a test holds the two alike).
 *
 * The service's roles are told by their IAM path ({@link SERVICE_ROLE_PATH}), never by a name prefix: anyone allowed
 * to create a role may give it any name, so a prefix exempts whoever creates a role with it. A path exempts only
 * roles on it, and the second statement denies creating or changing a role on that path to every principal but the
 * deployer (the StackSet's execution role in an organization).
 */
import { SERVICE_ROLE_PATH } from '../core/pipeline-settings.js';
import { TAG_PREFIX } from '../core/tags.js';

/** The IAM actions that set or remove an instance profile's tags (CreateInstanceProfile takes tags too). */
export const TAG_GUARD_ACTIONS: readonly string[] = [
  'iam:CreateInstanceProfile',
  'iam:TagInstanceProfile',
  'iam:UntagInstanceProfile',
];

/**
 * Every IAM action that creates, changes, deletes or hands out a role: the actions of the Service Authorization
 * Reference's IAM table (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html)
 * that act on the `role` resource type and write. PassRole is among them: a role passed to a function of someone
 * else's would run their code with the service's permissions, and with its exemption from the tag statement.
 * CreateServiceLinkedRole and DeleteServiceLinkedRole are not: they act only under `/aws-service-role/`.
 */
export const ROLE_CHANGE_ACTIONS: readonly string[] = [
  'iam:AttachRolePolicy',
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:PassRole',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
];

/**
 * The execution role a service-managed StackSet creates its stacks with, in every target account: "StackSets with
 * service-managed permissions creates an execution role named `stacksets-exec-*` in each target account"
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-custom-execution-role.html), at the root
 * path, which the StackSets service role assumes as `arn:aws:iam::*:role/stacksets-exec-*`
 * (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudFormationStackSetsOrgAdminServiceRolePolicy.html).
 */
export const STACK_SET_EXECUTION_ROLE_NAME = 'stacksets-exec-*';

/**
 * The role CloudFormation deploys a CDK app's stacks with, when the account was bootstrapped by `cdk bootstrap` with its
 * default qualifier (`hnb659fds`): what docs/deploy.md's single-account document assumes `npm run deploy` runs as.
 */
export const CDK_EXECUTION_ROLE_NAME = 'cdk-hnb659fds-cfn-exec-role-*';

/** The ARN pattern of a role name (or name pattern) at the root path, in any account of the partition. */
export function roleArnPattern(partition: string, name: string): string {
  return `arn:${partition}:iam::*:role/${name}`;
}

/** The ARN pattern of every role on the service's path ({@link SERVICE_ROLE_PATH}), in any account of the partition. */
export function serviceRolesArnPattern(partition: string): string {
  return `arn:${partition}:iam::*:role${SERVICE_ROLE_PATH}*`;
}

/** Where the guard applies, and who deploys the service. */
export interface TagGuardOptions {
  /** The partition (`aws`, or a token for it). */
  readonly partition: string;
  /** ARN patterns of the principals that deploy the service: the only ones that may create or change its roles. */
  readonly deployers: readonly string[];
}

/**
 * The policy document, two Deny statements:
 * - {@link TAG_GUARD_ACTIONS} when the request names a key in our namespace (`aws:TagKeys`), unless the principal is a
 *   role on the service's path (`aws:PrincipalArn`);
 * - {@link ROLE_CHANGE_ACTIONS} on a role on the service's path, unless the principal is one of `deployers`.
 */
export function tagGuardDocument(options: TagGuardOptions): Record<string, unknown> {
  const serviceRoles = serviceRolesArnPattern(options.partition);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyAutoInstanceProfileSetsItsTags',
        Effect: 'Deny',
        Action: [...TAG_GUARD_ACTIONS],
        Resource: '*',
        Condition: {
          'ForAnyValue:StringLike': { 'aws:TagKeys': [`${TAG_PREFIX}*`] },
          ArnNotLike: { 'aws:PrincipalArn': [serviceRoles] },
        },
      },
      {
        Sid: 'OnlyItsDeployerChangesItsRoles',
        Effect: 'Deny',
        Action: [...ROLE_CHANGE_ACTIONS],
        Resource: [serviceRoles],
        Condition: { ArnNotLike: { 'aws:PrincipalArn': [...options.deployers] } },
      },
    ],
  };
}
