/**
 * The tag guard: a policy statement that denies creating, tagging or untagging instance profiles with our tag
 * keys (`auto-instance-profile:*`) to every principal but the service's roles. IAM's conditions on the service's
 * own role (core/iam/permissions.ts) cannot tell our `managed` tag from one someone else put on a profile; this
 * keeps the keys to the service. The organization stack can attach it as a service control policy
 * (`tagGuardPolicy`); docs/deploy.md shows the same statement for a single account.
 */
import { TAG_PREFIX } from '../core/tags.js';

/** The IAM actions that set or remove an instance profile's tags (CreateInstanceProfile takes tags too). */
export const TAG_GUARD_ACTIONS: readonly string[] = [
  'iam:CreateInstanceProfile',
  'iam:TagInstanceProfile',
  'iam:UntagInstanceProfile',
];

/**
 * The policy document: Deny {@link TAG_GUARD_ACTIONS} when the request names a key in our namespace
 * (`aws:TagKeys`), unless the principal is one of `servicePrincipalArns` (`aws:PrincipalArn`, patterns with `*`).
 */
export function tagGuardDocument(servicePrincipalArns: readonly string[]): Record<string, unknown> {
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
          ArnNotLike: { 'aws:PrincipalArn': [...servicePrincipalArns] },
        },
      },
    ],
  };
}
