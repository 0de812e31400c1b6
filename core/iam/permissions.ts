/** The kinds of IAM resource our calls touch; the construct turns each into an ARN pattern in its own account. */
export type IamResourceType = 'role' | 'instance-profile';

/** One IAM action a module calls, and the resource type it acts on. The construct grants exactly these. */
export interface IamPermission {
  readonly action: `iam:${string}`;
  readonly resource: IamResourceType;
}
