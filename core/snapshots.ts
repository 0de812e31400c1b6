/**
 * What IAM reports about a role and its instance profiles now, in the shape the rules (core/decide.ts) read
 * and the IAM readers (core/iam/*) return. A module of its own, so that the readers do not import the rules.
 */
import type { Tags } from './tags.js';

/** A role as IAM reports it now. */
export interface RoleSnapshot {
  readonly name: string;
  readonly path: string;
  readonly arn: string;
  readonly id: string;
  /** As GetRole returns it (URL-encoded JSON), or any form the trust policy reader takes. */
  readonly trustPolicy: unknown;
  readonly tags: Tags;
  /** When the role was created (GetRole's `CreateDate`); tells a stale delete signal from a current one. */
  readonly createDate?: Date | undefined;
}

/** An instance profile as IAM reports it now. */
export interface ProfileSnapshot {
  readonly name: string;
  /** IAM's `InstanceProfileId`, which the ownership record names; empty when IAM gave none. */
  readonly id: string;
  /** When IAM created it: what proves a create's intent (core/ownership.ts). */
  readonly createDate?: Date | undefined;
  readonly path: string;
  readonly tags: Tags;
  readonly roleNames: readonly string[];
  /** The ids of `roleNames`, in the same order, where IAM gave them (GetInstanceProfile does). */
  readonly roleIds?: readonly string[] | undefined;
}

/**
 * The policies still on a role, which make DeleteRole fail with DeleteConflict whatever we release: whether
 * any managed policy is attached (ListAttachedRolePolicies) and any inline policy is embedded (ListRolePolicies).
 */
export interface RolePolicies {
  readonly attached: boolean;
  readonly inline: boolean;
}

/** The account's instance profiles and its quota for them (GetAccountSummary). */
export interface ProfileUsage {
  /** `InstanceProfiles`: how many the account holds. */
  readonly used: number;
  /** `InstanceProfilesQuota`: how many it may hold (1,000 by default, up to 5,000). */
  readonly quota: number;
}

/** The instance profile to create: the role's name and path, our tags. */
export interface ProfileSpec {
  readonly name: string;
  readonly path: string;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
}

/** IAM could not answer: throttled, or unavailable (5xx, a dropped connection, a timeout); `detail` names the error. */
export interface IamFailure {
  readonly reason: 'throttled' | 'iam-unavailable';
  readonly detail: string;
}
