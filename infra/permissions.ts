/**
 * A function's IAM permissions: exactly the actions its modules export, each on the ARN pattern of its
 * resource type in this account, under the condition it declares. No write action on `*`.
 */
import { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { IamCondition, IamPermission, IamResourceType } from '../core/iam/index.js';

/** A statement id per resource type, so the policy reads as what it is. */
const TYPE_SIDS: Readonly<Record<IamResourceType, string>> = {
  role: 'Roles',
  'instance-profile': 'InstanceProfiles',
  '*': 'AccountListings',
};

/** The suffix of a conditioned statement's id, by the condition key's kind. */
function conditionSid(condition: IamCondition | undefined): string {
  if (condition === undefined) return '';
  if (condition.key.startsWith('aws:ResourceTag/')) return 'OnlyIfTaggedAsOurs';
  if (condition.key.startsWith('aws:RequestTag/')) return 'OnlyIfRequestTagsAsOurs';
  return `If${condition.key.replace(/[^A-Za-z0-9]/g, '')}`;
}

/**
 * `arn:${Partition}:iam::${Account}:<type>/*` for the stack that holds `scope`, or `*` for actions that
 * have no resource type.
 *
 * PassRole is covered by the `role/*` pattern: AddRoleToInstanceProfile requires it on the role, and
 * the function passes only roles of its own account. No `iam:PassedToService` condition is added:
 * AWS does not document that the PassRole check made by AddRoleToInstanceProfile carries that key,
 * and a condition on an absent key would deny every profile (see docs/deploy.md).
 */
export function iamResourceArn(scope: IConstruct, type: IamResourceType): string {
  if (type === '*') return '*';
  return Stack.of(scope).formatArn({ service: 'iam', region: '', resource: type, resourceName: '*' });
}

/**
 * One Allow statement per resource type and condition, with its actions sorted, in a stable order:
 * unconditioned first, then by condition.
 */
export function iamPolicyStatements(
  scope: IConstruct,
  permissions: readonly IamPermission[],
): readonly PolicyStatement[] {
  const groups = new Map<
    string,
    { type: IamResourceType; condition?: IamCondition | undefined; actions: Set<string> }
  >();
  for (const { action, resource, condition } of permissions) {
    const key = `${resource} ${condition === undefined ? '' : JSON.stringify(condition)}`;
    const group = groups.get(key) ?? { type: resource, condition, actions: new Set<string>() };
    group.actions.add(action);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(
      ([, { type, condition, actions }]) =>
        new PolicyStatement({
          sid: `${TYPE_SIDS[type]}${conditionSid(condition)}`,
          effect: Effect.ALLOW,
          actions: [...actions].sort(),
          resources: [iamResourceArn(scope, type)],
          conditions: condition === undefined ? undefined : { [condition.test]: { [condition.key]: condition.value } },
        }),
    );
}
