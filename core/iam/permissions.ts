import { MANAGED_TAG } from '../tags.js';

/**
 * The kinds of IAM resource our calls touch; the construct turns each into an ARN pattern in its own
 * account. `*` is for the few read actions that have no resource type (GetAccountAuthorizationDetails).
 */
export type IamResourceType = 'role' | 'instance-profile' | '*';

/** A condition on a grant, in IAM's terms: `{ "StringEquals": { key: value } }`. */
export interface IamCondition {
  readonly test: 'StringEquals';
  readonly key: string;
  readonly value: string;
}

/**
 * One IAM action a module calls, the resource type it acts on, and the condition it is granted under.
 * The construct grants exactly these.
 */
export interface IamPermission {
  readonly action: `iam:${string}`;
  readonly resource: IamResourceType;
  readonly condition?: IamCondition | undefined;
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
