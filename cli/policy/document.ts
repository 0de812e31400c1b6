/**
 * A command's policy as IAM reads it: `Version` 2012-10-17, one Allow statement per resource and condition, each with
 * its actions sorted, in a stable order. Pure.
 */
import { conditionBlock, conditionName, conditionsOf, type IamCondition } from '../../core/iam/index.js';
import { type CommandPermission, type PolicyResource, type PolicyScope, resourceArns } from './resources.js';

/** One statement of a policy document. */
export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
}

/** An IAM policy document. */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** A statement id per resource kind, so that the policy reads as what it is. */
const KIND_SIDS: Readonly<Record<PolicyResource, string>> = {
  '*': 'AccountWide',
  role: 'Roles',
  'instance-profile': 'InstanceProfiles',
  'ownership-table': 'OwnershipTable',
  'operator-role': 'OperatorRole',
  'service-function': 'ServiceFunction',
  'service-log-group': 'ServiceLogGroup',
  'service-mapping': 'ServiceEventSourceMappings',
  'reconcile-function': 'ReconcileFunction',
  'smoke-role': 'SmokeTestRole',
  'smoke-profile': 'SmokeTestInstanceProfile',
  'member-role': 'MemberRole',
  'service-queue': 'ServiceQueues',
  'service-rule': 'ServiceRules',
  trail: 'Trails',
  'stack-set': 'StackSet',
  organization: 'Organization',
};

/** The policy document that grants `permissions` in `scope`: duplicates merged, grouped by resource and condition. */
export function policyDocument(permissions: readonly CommandPermission[], scope: PolicyScope): PolicyDocument {
  const groups = new Map<string, { kind: PolicyResource; conditions: readonly IamCondition[]; actions: Set<string> }>();
  for (const permission of permissions) {
    const conditions = conditionsOf(permission);
    const key = `${permission.resource} ${JSON.stringify(conditions)}`;
    const group = groups.get(key) ?? { kind: permission.resource, conditions, actions: new Set<string>() };
    group.actions.add(permission.action);
    groups.set(key, group);
  }
  const statements = [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, { kind, conditions, actions }]): PolicyStatement => {
      const condition = conditionBlock(conditions);
      return {
        Sid: `${KIND_SIDS[kind]}${conditionSid(conditions)}`,
        Effect: 'Allow',
        Action: [...actions].sort(),
        Resource: [...resourceArns(kind, scope)],
        ...(condition === undefined ? {} : { Condition: condition }),
      };
    });
  return { Version: '2012-10-17', Statement: statements };
}

/** The actions a document allows, sorted: what docs/cli.md lists per command. */
export function documentActions(document: PolicyDocument): string[] {
  return [...new Set(document.Statement.flatMap((statement) => statement.Action))].sort();
}

function conditionSid(conditions: readonly IamCondition[]): string {
  if (conditions.length === 0) return '';
  return `OnlyIf${conditions.map(conditionName).join('And')}`;
}
