/**
 * The decision: from what is known about a role now, what should happen to its instance profile?
 *
 * Pure: no SDK, no I/O, no clock. The caller gathers facts lazily: when {@link decide} needs a fact it
 * does not have yet, it says so with a {@link Need}, and the caller reads it and asks again. That keeps
 * every rule here while the IAM calls stay as few as the case allows (one for a role EC2 cannot assume).
 */
import type { Config } from './config.js';
import type { RoleTrigger } from './events.js';
import {
  isTagTrue,
  MANAGED_TAG,
  MAX_TAG_VALUE_LENGTH,
  SKIP_TAG,
  SOURCE_EVENT_ID_TAG,
  SOURCE_ROLE_ARN_TAG,
  SOURCE_ROLE_ID_TAG,
  type Tags,
} from './tags.js';
import { evaluateEc2Trust } from './trust-policy.js';

/** A role as IAM reports it now. */
export interface RoleSnapshot {
  readonly name: string;
  readonly path: string;
  readonly arn: string;
  readonly id: string;
  /** As GetRole returns it (URL-encoded JSON), or any form {@link evaluateEc2Trust} reads. */
  readonly trustPolicy: unknown;
  readonly tags: Tags;
}

/** An instance profile as IAM reports it now. */
export interface ProfileSnapshot {
  readonly name: string;
  readonly path: string;
  readonly tags: Tags;
  readonly roleNames: readonly string[];
}

/** Everything known so far. `undefined` means "not read yet"; `'absent'` means "read, and it does not exist". */
export interface Facts {
  readonly trigger: RoleTrigger;
  readonly now: Date;
  readonly role?: RoleSnapshot | 'absent' | undefined;
  /** Names of the instance profiles that hold the role. */
  readonly roleProfiles?: readonly string[] | undefined;
  /**
   * The instance profile with the role's name, whoever made it. `'exists'`: a write just told us it
   * exists (EntityAlreadyExists, LimitExceeded), so it must be read before deciding again.
   */
  readonly sameNameProfile?: ProfileSnapshot | 'absent' | 'exists' | undefined;
}

/** A fact the decision needs before it can go on. */
export interface Need {
  readonly kind: 'need';
  readonly fact: 'role' | 'roleProfiles' | 'sameNameProfile';
}

/** The instance profile to create: the role's name and path, our tags. */
export interface ProfileSpec {
  readonly name: string;
  readonly path: string;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
}

/** Why nothing needs doing. */
export type NothingReason =
  | 'ignored-caller'
  | 'role-gone'
  | 'opted-out'
  | 'excluded-path'
  | 'trust-unreadable'
  | 'no-ec2-trust'
  | 'ec2-denied'
  | 'already-in-profile';

/** Why a profile that should exist cannot be made without touching something we do not own. */
export type ConflictReason = 'profile-not-managed' | 'profile-holds-other-role';

/** What to do. Each plan carries a short `note` that explains it in the logs. */
export type Plan =
  | { readonly kind: 'create'; readonly roleName: string; readonly profile: ProfileSpec; readonly note: string }
  | { readonly kind: 'adopt'; readonly roleName: string; readonly profileName: string; readonly note: string }
  | { readonly kind: 'nothing'; readonly reason: NothingReason; readonly note: string }
  | {
      readonly kind: 'conflict';
      readonly reason: ConflictReason;
      readonly profileName: string;
      readonly profileRoles: readonly string[];
      readonly note: string;
    }
  | { readonly kind: 'retry'; readonly reason: 'role-not-visible-yet'; readonly note: string };

/** Decides from the facts so far: a {@link Plan}, or the next fact it {@link Need}s. */
export function decide(facts: Facts, config: Config): Plan | Need {
  const { trigger } = facts;
  const invokedBy = trigger.caller.invokedBy;
  if (invokedBy !== undefined && config.ignoredCallers.includes(invokedBy)) {
    return nothing('ignored-caller', `made by ${invokedBy}, which is configured to be left alone`);
  }

  const { role } = facts;
  if (role === undefined) return need('role');
  if (role === 'absent') return roleAbsent(facts, config);

  if (isTagTrue(role.tags, SKIP_TAG)) return nothing('opted-out', `role is tagged ${SKIP_TAG}=true`);
  const excluded = config.excludedPathPrefixes.find((prefix) => role.path.startsWith(prefix));
  if (excluded !== undefined) return nothing('excluded-path', `role path ${role.path} is under ${excluded}`);

  const trust = evaluateEc2Trust(role.trustPolicy);
  if (!trust.ec2) {
    if (trust.reason === 'unreadable') return nothing('trust-unreadable', 'trust policy is not a JSON object');
    if (trust.reason === 'denied') return nothing('ec2-denied', `statement ${trust.statement} denies EC2`);
    return nothing('no-ec2-trust', 'no Allow statement lets ec2.amazonaws.com assume the role');
  }

  if (facts.roleProfiles === undefined) return need('roleProfiles');
  if (facts.roleProfiles.length > 0) {
    return nothing('already-in-profile', `role is in instance profile ${facts.roleProfiles.join(', ')}`);
  }

  const profile = facts.sameNameProfile;
  if (profile === 'exists') return need('sameNameProfile');
  // Optimistic: try to create first and read the same-name profile only when creation says it exists.
  if (profile === undefined || profile === 'absent') {
    return {
      kind: 'create',
      roleName: role.name,
      profile: profileSpec(role, trigger),
      note: `statement ${trust.statement} lets EC2 assume the role and it has no instance profile`,
    };
  }
  return sameNameProfileExists(role, profile);
}

function roleAbsent(facts: Facts, config: Config): Plan {
  const { eventTime } = facts.trigger;
  const ageSeconds =
    eventTime === undefined ? Number.POSITIVE_INFINITY : (facts.now.getTime() - eventTime.getTime()) / 1000;
  if (ageSeconds < config.roleNotFoundRetrySeconds) {
    return {
      kind: 'retry',
      reason: 'role-not-visible-yet',
      note: `role not found ${Math.max(0, Math.round(ageSeconds))} s after the event; IAM may not show it yet`,
    };
  }
  return nothing('role-gone', 'role no longer exists');
}

function sameNameProfileExists(role: RoleSnapshot, profile: ProfileSnapshot): Plan {
  if (profile.roleNames.includes(role.name)) {
    return nothing('already-in-profile', `role is in instance profile ${profile.name}`);
  }
  const holders = profile.roleNames.join(', ');
  if (!isTagTrue(profile.tags, MANAGED_TAG)) {
    return {
      kind: 'conflict',
      reason: 'profile-not-managed',
      profileName: profile.name,
      profileRoles: profile.roleNames,
      note: `instance profile ${profile.name} exists without ${MANAGED_TAG}=true${holders ? ` and holds ${holders}` : ''}`,
    };
  }
  if (profile.roleNames.length > 0) {
    return {
      kind: 'conflict',
      reason: 'profile-holds-other-role',
      profileName: profile.name,
      profileRoles: profile.roleNames,
      note: `managed instance profile ${profile.name} holds ${holders}`,
    };
  }
  return {
    kind: 'adopt',
    roleName: role.name,
    profileName: profile.name,
    note: `managed instance profile ${profile.name} exists and is empty`,
  };
}

/** Our tags on a profile we create. A role ARN longer than a tag value may be (deep paths) is left out; the id stays. */
function profileSpec(role: RoleSnapshot, trigger: RoleTrigger): ProfileSpec {
  const tags = [
    { Key: MANAGED_TAG, Value: 'true' },
    { Key: SOURCE_ROLE_ID_TAG, Value: role.id },
  ];
  if (role.arn.length <= MAX_TAG_VALUE_LENGTH) tags.push({ Key: SOURCE_ROLE_ARN_TAG, Value: role.arn });
  if (trigger.eventId !== undefined) tags.push({ Key: SOURCE_EVENT_ID_TAG, Value: trigger.eventId });
  return { name: role.name, path: role.path, tags };
}

function need(fact: Need['fact']): Need {
  return { kind: 'need', fact };
}

function nothing(reason: NothingReason, note: string): Plan {
  return { kind: 'nothing', reason, note };
}
