/**
 * The remediator's IAM permissions: exactly the actions its modules export, each on the ARN pattern
 * of its resource type in this account. Nothing on `*`.
 */
import { Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { IamPermission, IamResourceType } from '../core/iam/index.js';

/** A statement id per resource type, so the policy reads as what it is. */
const STATEMENT_IDS: Readonly<Record<IamResourceType, string>> = {
  role: 'RemediatorReadsRolesAndPassesThemToProfiles',
  'instance-profile': 'RemediatorManagesInstanceProfiles',
};

/**
 * `arn:${Partition}:iam::${Account}:<type>/*` for the stack that holds `scope`.
 *
 * PassRole is covered by the `role/*` pattern: AddRoleToInstanceProfile requires it on the role, and
 * the function passes only roles of its own account. No `iam:PassedToService` condition is added:
 * AWS does not document that the PassRole check made by AddRoleToInstanceProfile carries that key,
 * and a condition on an absent key would deny every profile (see docs/deploy.md).
 */
export function iamResourceArn(scope: IConstruct, type: IamResourceType): string {
  return Stack.of(scope).formatArn({ service: 'iam', region: '', resource: type, resourceName: '*' });
}

/** One Allow statement per resource type, with that type's actions sorted, in a stable order. */
export function remediatorPolicyStatements(
  scope: IConstruct,
  permissions: readonly IamPermission[],
): readonly PolicyStatement[] {
  const actionsByType = new Map<IamResourceType, Set<string>>();
  for (const { action, resource } of permissions) {
    const actions = actionsByType.get(resource) ?? new Set<string>();
    actions.add(action);
    actionsByType.set(resource, actions);
  }
  return [...actionsByType.keys()].sort().map(
    (type) =>
      new PolicyStatement({
        sid: STATEMENT_IDS[type],
        effect: Effect.ALLOW,
        actions: [...(actionsByType.get(type) ?? [])].sort(),
        resources: [iamResourceArn(scope, type)],
      }),
  );
}
