/**
 * A function's IAM permissions: exactly the actions its modules export, each on the ARN pattern of its
 * resource type in this account, under the condition it declares. No write action on `*`.
 */
import { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import {
  conditionBlock,
  conditionName,
  conditionsOf,
  type IamCondition,
  type IamPermission,
  type IamResourceType,
} from '../core/iam/index.js';

/** A statement id per resource type, so the policy reads as what it is. */
const TYPE_SIDS: Readonly<Record<IamResourceType, string>> = {
  role: 'Roles',
  'instance-profile': 'InstanceProfiles',
  'ownership-table': 'OwnershipTable',
  '*': 'AccountListings',
};

/** The stack's own resources a permission may name, by their ARNs (`ownership-table`: the table's). */
export type OwnResourceArns = Readonly<Partial<Record<'ownership-table', string>>>;

/** The resource types granted on a pattern (`<type>/*` or `*`), which cdk-nag's AwsSolutions-IAM5 asks to explain. */
export function isWildcardType(type: IamResourceType): boolean {
  return type !== 'ownership-table';
}

/** The suffix of a conditioned statement's id, by the kinds of its condition keys. */
function conditionSid(conditions: readonly IamCondition[]): string {
  if (conditions.length === 0) return '';
  return `OnlyIf${conditions.map(conditionName).join('And')}`;
}

/**
 * `arn:${Partition}:iam::${Account}:<type>/*` for the stack that holds `scope`, or `*` for actions that
 * have no resource type.
 *
 * PassRole is covered by the `role/*` pattern: AddRoleToInstanceProfile requires it on the role, and
 * the function passes only roles of its own account, only to EC2 (`iam:PassedToService`, which the
 * Service Authorization Reference lists for AddRoleToInstanceProfile's PassRole check).
 */
export function iamResourceArn(scope: IConstruct, type: IamResourceType, own: OwnResourceArns = {}): string {
  if (type === '*') return '*';
  if (type === 'ownership-table') {
    const arn = own[type];
    if (arn === undefined) throw new Error(`A permission on the ${type} needs its ARN`);
    return arn;
  }
  return Stack.of(scope).formatArn({ service: 'iam', region: '', resource: type, resourceName: '*' });
}

/**
 * One Allow statement per resource type and condition, with its actions sorted, in a stable order:
 * unconditioned first, then by condition.
 */
export function iamPolicyStatements(
  scope: IConstruct,
  permissions: readonly IamPermission[],
  own: OwnResourceArns = {},
): readonly PolicyStatement[] {
  const groups = new Map<
    string,
    { type: IamResourceType; conditions: readonly IamCondition[]; actions: Set<string> }
  >();
  for (const permission of permissions) {
    const conditions = conditionsOf(permission);
    const key = `${permission.resource} ${conditions.length === 0 ? '' : JSON.stringify(conditions)}`;
    const group = groups.get(key) ?? { type: permission.resource, conditions, actions: new Set<string>() };
    group.actions.add(permission.action);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([, { type, conditions, actions }]) =>
        new PolicyStatement({
          sid: `${TYPE_SIDS[type]}${conditionSid(conditions)}`,
          effect: Effect.ALLOW,
          actions: [...actions].sort(),
          resources: [iamResourceArn(scope, type, own)],
          conditions: conditionBlock(conditions),
        }),
    );
}
