/**
 * How a module of core/iam declares what it calls: each action with its resource type and the conditions it
 * is granted under. The conditions follow the instance-profile statements of Karpenter's published controller
 * policy (aws/karpenter-provider-aws, website/content/en/preview/getting-started/getting-started-with-karpenter/
 * cloudformation.yaml: AllowScopedInstanceProfileCreationActions, AllowScopedInstanceProfileTagActions,
 * AllowScopedInstanceProfileActions, AllowPassingInstanceRole, AllowUnscopedInstanceProfileListAction), with our
 * one tag in place of Karpenter's cluster tags. docs/deploy.md ("What each condition guarantees") says what each
 * one holds the service to, and what it does not.
 */
import { MANAGED_TAG } from '../tags.js';
import { EC2_SERVICE_PRINCIPALS } from '../trust-policy.js';

/**
 * The kinds of resource our calls touch; the construct turns each into an ARN pattern in its own account.
 * `*` is for the actions that have no resource type in the Service Authorization Reference
 * (GetAccountAuthorizationDetails, ListInstanceProfiles, CloudTrail's LookupEvents). `ownership-table` is the
 * stack's own DynamoDB table (core/dynamodb/ownership-table.ts), by its ARN.
 */
export type IamResourceType = 'role' | 'instance-profile' | 'ownership-table' | '*';

/** A condition on a grant, in IAM's terms: `{ "StringEquals": { key: value } }`; several values match any. */
export interface IamCondition {
  readonly test: 'StringEquals';
  readonly key: string;
  readonly value: string | readonly string[];
}

/**
 * One action a module calls, the resource type it acts on, and the conditions it is granted under (all must
 * hold). The construct grants exactly these. The actions are IAM's, CloudTrail's LookupEvents (with which the
 * reconcile pass learns who created a role and proves what the service made), and DynamoDB's on the ownership table.
 */
export interface IamPermission {
  readonly action: `iam:${string}` | `cloudtrail:${string}` | `dynamodb:${string}`;
  readonly resource: IamResourceType;
  readonly condition?: IamCondition | readonly IamCondition[] | undefined;
}

/** Only on a profile tagged as ours: IAM itself keeps the service away from profiles it does not own. */
export const OWNED_PROFILE: IamCondition = {
  test: 'StringEquals',
  key: `aws:ResourceTag/${MANAGED_TAG}`,
  value: 'true',
};

/** Only when the request tags the profile as ours: the service cannot create a profile it would not own. */
export const TAGGED_AS_OURS: IamCondition = {
  test: 'StringEquals',
  key: `aws:RequestTag/${MANAGED_TAG}`,
  value: 'true',
};

/**
 * Both: tagging only a profile that is ours, and only with our tag set to `true` in the request. As Karpenter's
 * AllowScopedInstanceProfileTagActions, which is what its CreateInstanceProfile-with-Tags relies on (its
 * provider never calls TagInstanceProfile otherwise: pkg/providers/instanceprofile/instanceprofile.go, Create):
 * the tags of a create are authorised as iam:TagInstanceProfile on the profile being made, whose tags are the
 * request's.
 */
export const OWNED_AND_TAGGED_AS_OURS: readonly IamCondition[] = [OWNED_PROFILE, TAGGED_AS_OURS];

/**
 * PassRole only to EC2: the one PassRole check our calls cause is AddRoleToInstanceProfile's, which the Service
 * Authorization Reference lists with `iam:PassedToService` = `ec2.amazonaws.com`. China's EC2 principal is
 * listed too, as Karpenter's AllowPassingInstanceRole does, so one policy serves every partition.
 */
export const PASSED_TO_EC2: IamCondition = {
  test: 'StringEquals',
  key: 'iam:PassedToService',
  value: EC2_SERVICE_PRINCIPALS,
};

/** A permission's conditions as a list (empty when it has none). */
export function conditionsOf(permission: Pick<IamPermission, 'condition'>): readonly IamCondition[] {
  const { condition } = permission;
  if (condition === undefined) return [];
  return isConditionList(condition) ? condition : [condition];
}

/**
 * The `Condition` block of a policy statement for a list of conditions: `{ test: { key: value } }`, values
 * with one element written as a string. Undefined for none. Two conditions on the same key cannot be written
 * in one block without one hiding the other, so they throw.
 */
export function conditionBlock(
  conditions: readonly IamCondition[],
): Record<string, Record<string, string | string[]>> | undefined {
  if (conditions.length === 0) return undefined;
  const block: Record<string, Record<string, string | string[]>> = {};
  for (const { test, key, value } of conditions) {
    const byKey = block[test] ?? {};
    if (key in byKey) throw new Error(`Two ${test} conditions on ${key} in one grant`);
    byKey[key] = typeof value === 'string' ? value : value.length === 1 ? (value[0] ?? '') : [...value];
    block[test] = byKey;
  }
  return block;
}

/** A condition in a statement id: `TaggedAsOurs`, `RequestTagsAsOurs`, `PassedToEc2`, else its key's letters. */
export function conditionName(condition: IamCondition): string {
  if (condition.key.startsWith('aws:ResourceTag/')) return 'TaggedAsOurs';
  if (condition.key.startsWith('aws:RequestTag/')) return 'RequestTagsAsOurs';
  if (condition.key === 'iam:PassedToService') return 'PassedToEc2';
  return condition.key.replace(/[^A-Za-z0-9]/g, '');
}

function isConditionList(condition: IamCondition | readonly IamCondition[]): condition is readonly IamCondition[] {
  return Array.isArray(condition);
}
