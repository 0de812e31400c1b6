/**
 * What `confirm PROFILE` may record: a person's word that the service made a profile, for the profiles it made
 * before it kept records and that CloudTrail's 90 days cannot prove. Only what the service itself could have
 * made is taken: a profile tagged {@link MANAGED_TAG}=true exactly (as IAM's conditions read it) that holds no
 * role, or only its same-name role (the only role the service ever puts in); it is bound to that role's id, else
 * to nobody (an adopt re-binds it). Anything else is refused, with why. Pure.
 */
import type { Owned, OwnershipRecord } from '../../core/ownership.js';
import { proveOwnership } from '../../core/ownership.js';
import { sameNameRoleId } from '../../core/record-upkeep.js';
import type { ProfileSnapshot } from '../../core/snapshots.js';
import { isOurs, MANAGED_TAG } from '../../core/tags.js';
import { DEPLOYED_RECORD_PERMISSIONS } from './deployed.js';

/**
 * What `confirm` calls with the caller's own credentials: the stack's outputs, each profile, and AssumeRole on the
 * operator role (STS GetCallerIdentity, which names the caller in the record, needs no permission). Through the
 * operator role it calls OWNERSHIP_CONFIRM_PERMISSIONS (core/dynamodb/ownership-table.ts) on the table.
 */
export const CONFIRM_CALLER_PERMISSIONS = [
  ...DEPLOYED_RECORD_PERMISSIONS,
  'iam:GetInstanceProfile',
  'sts:AssumeRole',
] as const;

/** What confirming one profile comes to. */
export type ConfirmPlan =
  | {
      readonly kind: 'record';
      readonly profileName: string;
      readonly owned: Owned;
      readonly version: number | 'absent';
    }
  | { readonly kind: 'recorded'; readonly profileName: string; readonly note: string }
  | { readonly kind: 'refuse'; readonly profileName: string; readonly reason: string };

/** The plan for `name`, from the profile and its record as read now; `by` is the caller's ARN. */
export function planConfirm(
  name: string,
  profile: ProfileSnapshot | 'absent',
  record: OwnershipRecord | 'absent',
  by: string,
  now: Date,
): ConfirmPlan {
  const refuse = (reason: string): ConfirmPlan => ({ kind: 'refuse', profileName: name, reason });
  if (profile === 'absent') return refuse(`there is no instance profile named ${name}`);
  if (!isOurs(profile.tags)) {
    const tagged = profile.tags[MANAGED_TAG];
    return refuse(
      tagged === undefined
        ? `instance profile ${profile.name} is not tagged ${MANAGED_TAG}=true: the service never made it (or it was handed over)`
        : `instance profile ${profile.name} is tagged ${MANAGED_TAG}=${tagged}, not exactly true: IAM's conditions would not let the service touch it`,
    );
  }
  const others = profile.roleNames.filter((role) => role.toLowerCase() !== profile.name.toLowerCase());
  if (others.length > 0) {
    return refuse(
      `instance profile ${profile.name} holds role ${others.join(', ')}, not its same-name role: the service never puts another role in a profile`,
    );
  }
  const proof = proveOwnership(record, profile);
  if (proof.proven) {
    const source = record === 'absent' ? undefined : record.owned?.source;
    return {
      kind: 'recorded',
      profileName: profile.name,
      note:
        proof.by === 'record'
          ? `already recorded (${source ?? 'unknown'}), bound to role id ${proof.roleId || 'none'}`
          : 'already proven by the intent of the create that made it; the next reconcile pass records it',
    };
  }
  const roleId = sameNameRoleId({ ...profile, roleIds: profile.roleIds ?? [] });
  return {
    kind: 'record',
    profileName: profile.name,
    owned: { profileId: profile.id, roleId, source: 'operator', at: now.toISOString(), by },
    version: record === 'absent' ? 'absent' : record.version,
  };
}
