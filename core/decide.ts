/**
 * The decision: from what is known about a role now, what should happen to its instance profiles?
 *
 * Pure: no SDK, no I/O, no clock. The caller gathers facts lazily: when {@link decide} needs a fact it
 * does not have yet, it says so with a {@link Need}, and the caller reads it and asks again. That keeps
 * every rule here while the IAM calls stay as few as the case allows (one for a role EC2 cannot assume).
 *
 * Rules are split from the engine as in cdk-nag: {@link decide} checks what applies to every trigger (our
 * own calls, ignored callers) and hands over to the one {@link Decider} for the trigger's kind. The
 * eligibility checks (opt-out, excluded path, trust, opt-in) are shared by every kind that may create a profile.
 */
import type { Config } from './config.js';
import type { Caller, RoleTrigger, TriggerKind } from './events.js';
import { holdsRole, sameIamName } from './names.js';
import {
  type CreationIntent,
  type OwnershipSource,
  type Proof,
  proveOwnership,
  type RecordFact,
  UNPROVEN_NOTES,
} from './ownership.js';
import { describeUsage, quotaThresholdReached } from './quota.js';
import type {
  IamFailure,
  ProfileSnapshot,
  ProfileSpec,
  ProfileUsage,
  RolePolicies,
  RoleSnapshot,
} from './snapshots.js';
import {
  CREATION_ID_TAG,
  isOurEmptyProfile,
  isOurs,
  isTagTrue,
  isValidTagValue,
  MANAGED_TAG,
  OPT_IN_TAG,
  SKIP_TAG,
  SOURCE_EVENT_ID_TAG,
  SOURCE_ROLE_ARN_TAG,
  SOURCE_ROLE_ID_TAG,
} from './tags.js';
import { evaluateEc2Trust, wildcardMatch } from './trust-policy.js';

export type * from './snapshots.js';

/** Everything known so far. `undefined` means "not read yet"; `'absent'` means "read, and it does not exist". */
export interface Facts {
  readonly trigger: RoleTrigger;
  readonly now: Date;
  readonly role?: RoleSnapshot | 'absent' | undefined;
  /** Names of the instance profiles that hold the role; `'absent'` when the role itself does not exist. */
  readonly roleProfiles?: readonly string[] | 'absent' | undefined;
  /** The profiles named in `roleProfiles`, read with their tags (a delete conflict needs to know whose they are). */
  readonly holdingProfiles?: readonly ProfileSnapshot[] | undefined;
  /**
   * The instance profile with the role's name, whoever made it. `'exists'`: a write or a listing showed
   * that it exists, so it must be read before deciding again.
   */
  readonly sameNameProfile?: ProfileSnapshot | 'absent' | 'exists' | undefined;
  /** A write answered that the same-name profile exists or is full: a read that then finds none is IAM lagging. */
  readonly writeSawProfile?: boolean | undefined;
  /** CreateInstanceProfile answered LimitExceeded: the account's instance profile quota is full. */
  readonly quotaFull?: boolean | undefined;
  /**
   * The ownership table's record for the role's name, which is its same-name profile's: whether the service made
   * that profile (core/ownership.ts). Read only when a release, clean-up or adopt would act on the profile.
   */
  readonly ownership?: RecordFact | undefined;
  /** The role's attached and inline policies: a release is useful only when none are left. */
  readonly rolePolicies?: RolePolicies | 'absent' | undefined;
  /** The account's instance profiles against its quota, read before a create (cached per warm function). */
  readonly profileUsage?: ProfileUsage | 'unknown' | undefined;
  /** IAM stayed throttled or unavailable through the SDK's retries: nothing can be read or done now. */
  readonly iamFailure?: IamFailure | undefined;
  /** The role was read in this run: if it vanishes now, it was deleted, not "not visible yet". */
  readonly roleSeen?: boolean | undefined;
  /** The profile this run created: if its role vanished before it was added, the empty profile is ours to remove. */
  readonly createdProfile?: string | undefined;
  /** This run's id, tagged on a profile it creates, so that a create whose answer was lost is recognised. */
  readonly creationId?: string | undefined;
}

/** A fact the decision needs before it can go on. */
export interface Need {
  readonly kind: 'need';
  readonly fact:
    | 'role'
    | 'roleProfiles'
    | 'holdingProfiles'
    | 'sameNameProfile'
    | 'ownership'
    | 'rolePolicies'
    | 'profileUsage';
}

/** Why nothing needs doing. */
export type NothingReason =
  | 'own-call'
  | 'ignored-caller'
  | 'creator-unknown'
  | 'creator-pending'
  | 'role-gone'
  | 'opted-out'
  | 'not-opted-in'
  | 'excluded-path'
  | 'trust-unreadable'
  | 'no-ec2-trust'
  | 'ec2-denied'
  | 'already-in-profile'
  | 'not-in-profile'
  | 'held-by-unmanaged-profile'
  | 'held-by-unbound-profile'
  | 'held-by-unrecorded-profile'
  | 'stale-event'
  | 'policies-remain'
  | 'quota-headroom'
  | 'role-exists-again'
  | 'no-leftover-profile'
  | 'leftover-not-ours'
  | 'leftover-unrecorded'
  | 'leftover-in-use';

/** Why a profile that should exist cannot be made without touching something we do not own. */
export type ConflictReason = 'profile-not-managed' | 'profile-unrecorded' | 'profile-holds-other-role';

/** What a create records before CreateInstanceProfile: its intent, which the remediation stamps with the time. */
export type IntentSpec = Omit<CreationIntent, 'at'>;

/** The record an adopt writes before it touches the profile: binding it to the adopting role. */
export interface RecordBinding {
  readonly profileId: string;
  readonly roleId: string;
  readonly source: OwnershipSource;
  /** The version of the record read, or `'absent'`: the write is conditional on it. */
  readonly version: number | 'absent';
}

/** What to do. Each plan carries a short `note` that explains it in the logs. */
export type Plan =
  | {
      readonly kind: 'create';
      readonly roleName: string;
      readonly profile: ProfileSpec;
      /** Recorded before the create; undefined when nothing makes one (a scan's plan, not carried out). */
      readonly intent?: IntentSpec | undefined;
      readonly note: string;
    }
  | {
      readonly kind: 'adopt';
      readonly roleName: string;
      readonly profileName: string;
      /** Our tags to set first, binding a leftover to this role's id (TagInstanceProfile); empty when already bound. */
      readonly retag: ProfileSpec['tags'];
      /** The record to write first, binding the profile to this role; undefined when the record already does. */
      readonly bind?: RecordBinding | undefined;
      readonly note: string;
    }
  | {
      readonly kind: 'release';
      readonly roleName: string;
      /** The role's same-name profile, ours and bound to it: the role is removed from it, then it is deleted. */
      readonly profileNames: readonly string[];
      readonly note: string;
    }
  | { readonly kind: 'cleanup'; readonly profileName: string; readonly note: string }
  | { readonly kind: 'nothing'; readonly reason: NothingReason; readonly note: string }
  | {
      readonly kind: 'conflict';
      readonly reason: ConflictReason;
      readonly profileName: string;
      readonly profileRoles: readonly string[];
      readonly note: string;
    }
  | { readonly kind: 'retry'; readonly reason: RetryReason; readonly note: string };

/** Why the record must come back later. */
export type RetryReason = 'role-not-visible-yet' | 'profile-not-visible-yet' | 'quota-exceeded' | IamFailure['reason'];

/** The plans that change IAM. */
export type WritePlan = Extract<Plan, { kind: 'create' | 'adopt' | 'release' | 'cleanup' }>;

/** The rules for one trigger kind: a plan, or the next fact needed. */
export type Decider = (facts: Facts, config: Config) => Plan | Need;

/** Decides from the facts so far: a {@link Plan}, or the next fact it {@link Need}s. */
export function decide(facts: Facts, config: Config): Plan | Need {
  const { origin } = facts.trigger;
  // An event's caller, or the creator a scan looked up: the same rules for both.
  const caller = origin.type === 'event' ? origin.caller : origin.creator;
  if (caller === 'pending') {
    // Its CreateRole is on its way: that event decides, with its caller, as for any new role.
    if (DELIVERS_PROFILES[facts.trigger.kind]) {
      return nothing(
        'creator-pending',
        'the role is younger than CloudTrail’s delivery lag and its CreateRole is not in the event history yet: ' +
          'its own event decides',
      );
    }
  } else if (caller === 'unknown') {
    if (DELIVERS_PROFILES[facts.trigger.kind] && config.unknownCreator === 'skip') {
      return nothing('creator-unknown', 'who created the role is not known (older than CloudTrail’s event history)');
    }
  } else if (caller !== undefined) {
    if (isOwnCall(caller, config)) {
      return nothing('own-call', 'the call was made by this service itself');
    }
    // Ignored callers are left alone when they create or change roles; their deletes still release
    // our profiles, since that only ever touches what we own and keeps their delete from failing.
    const ignored = DELIVERS_PROFILES[facts.trigger.kind] ? ignoredCaller(caller, config) : undefined;
    if (ignored !== undefined)
      return nothing('ignored-caller', `made by ${ignored}, which is configured to be left alone`);
  }
  // Passing, and not ours to fix: the record comes back later, without counting as an error.
  const { iamFailure } = facts;
  if (iamFailure !== undefined) {
    return retry(iamFailure.reason, `IAM answered ${iamFailure.detail}; the queue delivers the record again later`);
  }
  return DECIDERS[facts.trigger.kind](facts, config);
}

/** Whether a trigger kind may lead to a profile being created or linked. */
const DELIVERS_PROFILES: Readonly<Record<TriggerKind, boolean>> = {
  'role-created': true,
  'trust-changed': true,
  'opt-in-tagged': true,
  'found-by-scan': true,
  'delete-conflict': false,
  'role-deleted': false,
};

/** A role that may need a profile: created, opened to EC2 later, or found by a scan. */
const decideLink: Decider = (facts, config) => {
  if (facts.quotaFull) {
    return retry(
      'quota-exceeded',
      "the account's instance profile quota is full (CreateInstanceProfile answered LimitExceeded); raise it or delete unused profiles",
    );
  }
  const { role } = facts;
  if (role === undefined) return need('role');
  if (role === 'absent' || facts.roleProfiles === 'absent') return roleVanished(facts, config);

  const eligible = eligibility(role, facts.trigger.kind, config);
  if (!eligible.ok) return eligible.plan;

  if (facts.roleProfiles === undefined) return need('roleProfiles');
  if (facts.roleProfiles.length > 0) {
    return nothing('already-in-profile', `role is in instance profile ${facts.roleProfiles.join(', ')}`);
  }

  const profile = facts.sameNameProfile;
  if (profile === 'exists') return need('sameNameProfile');
  if (profile === 'absent' && facts.writeSawProfile) {
    // Creating again would loop: IAM said it exists, so it will show up; the record comes back later.
    return retry('profile-not-visible-yet', 'profile exists but cannot be read yet');
  }
  // Optimistic: try to create first and read the same-name profile only when creation says it exists.
  if (profile === undefined || profile === 'absent') {
    const usage = facts.profileUsage;
    if (usage === undefined) return need('profileUsage');
    if (usage !== 'unknown' && quotaThresholdReached(usage, config.instanceProfileQuotaPercent)) {
      // A leftover of ours can still be adopted: that takes no new profile.
      if (profile === undefined) return need('sameNameProfile');
      return nothing(
        'quota-headroom',
        `${describeUsage(usage)}, at or above ${config.instanceProfileQuotaPercent}% of InstanceProfilesQuota: ` +
          'the last ones are left to people and IaC; raise the quota or delete unused profiles',
      );
    }
    return {
      kind: 'create',
      roleName: role.name,
      profile: profileSpec(role, facts.trigger, facts.creationId),
      intent:
        facts.creationId === undefined
          ? undefined
          : { creationId: facts.creationId, roleId: role.id, eventId: eventIdOf(facts.trigger) },
      note: `statement ${eligible.statement} lets EC2 assume the role and it has no instance profile`,
    };
  }
  return sameNameProfileExists(facts, role, profile);
};

/**
 * A DeleteRole failed with DeleteConflict. The console deletes a role's same-name profile with it; we
 * release that profile when it is ours and bound to the role, so that the caller's retry succeeds. Only on
 * a current signal (not older than the role) and only when the delete can then succeed: no other profile
 * and no policy left on the role. Otherwise nothing changes and the note says why.
 */
const decideRelease: Decider = (facts) => {
  const expired = expiry(facts);
  if (expired !== undefined) return nothing('stale-event', expired);
  const { roleProfiles } = facts;
  if (roleProfiles === undefined) return need('roleProfiles');
  if (roleProfiles === 'absent') return nothing('role-gone', 'role no longer exists: the delete went through');
  if (roleProfiles.length === 0) {
    return nothing(
      'not-in-profile',
      // Someone may have emptied the profile since the call failed (doctor --smoke does on Ctrl-C): say what is known.
      'role is in no instance profile now: nothing of ours holds it (if DeleteRole still conflicts, its policies do)',
    );
  }
  const { role } = facts;
  if (role === undefined) return need('role');
  if (role === 'absent') return nothing('role-gone', 'role no longer exists: the delete went through');
  const stale = staleness(facts, role);
  if (stale !== undefined) return nothing('stale-event', stale);
  if (facts.holdingProfiles === undefined) return need('holdingProfiles');
  // The listing may be stale by the time each profile is read: only a profile that still holds the role blocks it.
  const holding = facts.holdingProfiles.filter((profile) => holdsRole(profile, role.name));
  if (holding.length === 0) {
    return nothing('not-in-profile', 'role is in no instance profile any more: the profiles that held it let go of it');
  }
  const notOurs = holding.filter((profile) => !isOurs(profile.tags));
  if (notOurs.length > 0) {
    return nothing(
      'held-by-unmanaged-profile',
      `instance profile ${names(notOurs)} is not ours (no ${MANAGED_TAG}=true) and blocks the delete; nothing was changed`,
    );
  }
  // Only the role's same-name profile can be ours to release (names are unique case-insensitively).
  const elsewhere = holding.filter((profile) => !sameIamName(profile.name, role.name));
  if (elsewhere.length > 0) {
    return nothing(
      'held-by-unbound-profile',
      `instance profile ${names(elsewhere)} is tagged ${MANAGED_TAG}=true but is not the role's same-name profile; ` +
        'it is left alone and blocks the delete; nothing was changed',
    );
  }
  const { ownership } = facts;
  if (ownership === undefined) return need('ownership');
  const proofs = holding.map((profile) => ({ profile, proof: proveOwnership(ownership, profile) }));
  const unproven = proofs.flatMap(({ profile, proof }) =>
    proof.proven ? [] : [`${profile.name} ${UNPROVEN_NOTES[proof.why]}`],
  );
  if (unproven.length > 0) {
    return nothing(
      'held-by-unrecorded-profile',
      `instance profile ${unproven.join('; ')}; it is left alone and blocks the delete; nothing was changed`,
    );
  }
  const unbound = proofs.flatMap(({ profile, proof }) =>
    proof.proven && proof.roleId !== role.id ? [`${profile.name} (made for role id ${proof.roleId})`] : [],
  );
  if (unbound.length > 0) {
    return nothing(
      'held-by-unbound-profile',
      `instance profile ${unbound.join(', ')} is ours but bound to an earlier role of this name, not role id ${role.id}; ` +
        'it is left alone and blocks the delete; nothing was changed',
    );
  }
  const policies = facts.rolePolicies;
  if (policies === undefined) return need('rolePolicies');
  if (policies === 'absent') return nothing('role-gone', 'role no longer exists: the delete went through');
  const remaining = [policies.attached ? 'attached managed policies' : '', policies.inline ? 'inline policies' : '']
    .filter((what) => what !== '')
    .join(' and ');
  if (remaining !== '') {
    return nothing(
      'policies-remain',
      `the role still has ${remaining}, so DeleteRole would fail anyway; instance profile ${names(holding)} is kept ` +
        'until they are removed and the delete is tried again',
    );
  }
  const conflict = facts.trigger.origin.type === 'event' ? facts.trigger.origin.errorMessage : undefined;
  return {
    kind: 'release',
    roleName: role.name,
    profileNames: holding.map((profile) => profile.name),
    note:
      `removing the role from our instance profile ${names(holding)} and deleting it, as the console does, ` +
      `so that DeleteRole can succeed${conflict === undefined ? '' : ` (the call failed with: ${conflict})`}`,
  };
};

/**
 * How old a failed DeleteRole may be and still make the service release the role's profile: one hour.
 *
 * The release serves a person (or a pipeline) who is deleting the role now, and whose `delete-role` failed only
 * because our profile held the role: it lets their retry succeed. That wish is current for minutes, not days.
 * A signal reaches the function within minutes when all is well: CloudTrail's delivery to EventBridge (seconds,
 * sometimes a minute or more), no settle delay on the delete queue, and at most `MAX_RECEIVE_COUNT` receives
 * `VISIBILITY_TIMEOUT_SECONDS` apart (core/pipeline-settings.ts: 15 minutes) before it goes to the dead-letter queue; an hour holds all
 * of that with room to spare. Older ones have waited: through a pause (`auto-instance-profile pause`), a dead-letter
 * redrive, an outage. By then the person has retried (a fresh signal, decided on its own), gone another way, or
 * given up, and instances may have been launched with the profile meanwhile: removing it on a days-old failure would
 * act on a wish nobody holds any more. So an older signal changes nothing, and the note says to retry the delete.
 * The other triggers are not held to an age: a create, an adopt or a clean-up rests on IAM's state now (an EC2
 * role without a profile; our empty profile with no role of its name), which is as current as the read that
 * shows it, whenever the event that named the role was sent.
 */
export const DELETE_SIGNAL_MAX_AGE_SECONDS = 3600;

/**
 * Why a failed DeleteRole is too old to act on ({@link DELETE_SIGNAL_MAX_AGE_SECONDS}), or undefined when it is not.
 * A signal without a time is left to {@link staleness}; one from a clock ahead of ours is taken as fresh.
 */
function expiry(facts: Facts): string | undefined {
  const { origin } = facts.trigger;
  const eventTime = origin.type === 'event' ? origin.eventTime : undefined;
  if (eventTime === undefined) return undefined;
  const ageSeconds = (facts.now.getTime() - eventTime.getTime()) / 1000;
  if (ageSeconds <= DELETE_SIGNAL_MAX_AGE_SECONDS) return undefined;
  return (
    `the delete signal (${eventTime.toISOString()}) is ${describeAge(ageSeconds)} old, more than the ` +
    `${DELETE_SIGNAL_MAX_AGE_SECONDS / 60} minutes within which a failed delete-role is acted on ` +
    '(it waited: a pause, a dead-letter redrive); nothing was changed: retry the delete-role, and its fresh ' +
    'failure releases the profile'
  );
}

/** An age in words: `3 d 4 h`, `2 h 5 min`, `61 min`. */
function describeAge(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const hours = Math.floor(minutes / 60);
  const days = Math.floor(hours / 24);
  if (days > 0) return `${days} d ${hours % 24} h`;
  if (hours > 1) return `${hours} h ${minutes % 60} min`;
  return `${minutes} min`;
}

/**
 * Why a delete signal is stale, or undefined when it is current: a call made before the role was created
 * was about an earlier role of that name (a redelivery, a DLQ redrive). CloudTrail records whole seconds and
 * IAM's CreateDate has milliseconds, so a signal stamped in the second the role was created cannot be told
 * from one about the role it replaced: only a later second is after the role. A signal without a time is
 * taken as stale too: when in doubt, keep the profile (the caller's retry of `delete-role` is a new signal).
 */
function staleness(facts: Facts, role: RoleSnapshot): string | undefined {
  const { origin } = facts.trigger;
  const eventTime = origin.type === 'event' ? origin.eventTime : undefined;
  if (eventTime === undefined) return 'the delete signal has no time, so it cannot be told from a stale one';
  if (role.createDate === undefined) return undefined;
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  if (seconds(eventTime) > seconds(role.createDate)) return undefined;
  const when =
    seconds(eventTime) === seconds(role.createDate) ? 'in the second the role was created' : 'older than the role';
  return (
    `the delete signal (${eventTime.toISOString()}) is ${when} (created ${role.createDate.toISOString()}): ` +
    'it may be about an earlier role of that name; nothing was changed'
  );
}

/**
 * A DeleteRole succeeded (seen after the settle delay). Terraform removes a role from its profiles before
 * deleting it and leaves them behind; the console deletes the same-name one. We delete the same-name
 * profile if it is ours and empty and no role of that name exists again; a role made again under the
 * name (Terraform's replace) adopts it instead, so that instances pointing at it keep working.
 */
const decideCleanup: Decider = (facts, config) => {
  const profile = facts.sameNameProfile;
  if (profile === undefined || profile === 'exists') return need('sameNameProfile');
  if (profile === 'absent') return nothing('no-leftover-profile', 'no instance profile has the role’s name');
  if (!isOurs(profile.tags)) {
    return nothing('leftover-not-ours', `instance profile ${profile.name} is not ours (no ${MANAGED_TAG}=true)`);
  }
  if (!isOurEmptyProfile(profile)) {
    return nothing('leftover-in-use', `instance profile ${profile.name} holds ${profile.roleNames.join(', ')}`);
  }
  if (facts.ownership === undefined) return need('ownership');
  const proof = proveOwnership(facts.ownership, profile);
  if (!proof.proven) {
    return nothing(
      'leftover-unrecorded',
      `instance profile ${profile.name} ${UNPROVEN_NOTES[proof.why]}; it is left alone`,
    );
  }
  const { role } = facts;
  if (role === undefined) return need('role');
  if (role !== 'absent') {
    const plan = decideLink(facts, config);
    if (plan.kind !== 'nothing') return plan;
    return nothing(
      'role-exists-again',
      `a role named ${role.name} exists again, so its leftover instance profile ${profile.name} is kept (${plan.note})`,
    );
  }
  return {
    kind: 'cleanup',
    profileName: profile.name,
    note: `our instance profile ${profile.name} is empty and no role of its name exists`,
  };
};

/** The rules for each trigger kind. */
const DECIDERS: Readonly<Record<TriggerKind, Decider>> = {
  'role-created': decideLink,
  'trust-changed': decideLink,
  'opt-in-tagged': decideLink,
  'found-by-scan': decideLink,
  'delete-conflict': decideRelease,
  'role-deleted': decideCleanup,
};

/**
 * Whether a role that exists may have a profile at all: not opted out, not under an excluded path, EC2 may
 * assume it (with the trust statement that says so), and, with `selection` = `opt-in`, opted in. Shared by every
 * kind that may create one; never asked on a release or a clean-up, which a profile we made gets whatever the role's
 * tags or the setting say now.
 */
export type Eligibility =
  | { readonly ok: true; readonly statement: string }
  | { readonly ok: false; readonly plan: Extract<Plan, { kind: 'nothing' }> };

/**
 * The opt-out, path, trust and opt-in checks, in that order: the opt-out tag wins over the opt-in tag, and a role
 * left out for want of the opt-in tag is one EC2 may assume (a scan counts it as not selected).
 */
export function eligibility(
  role: RoleSnapshot,
  kind: TriggerKind,
  config: Pick<Config, 'excludedPathPrefixes' | 'selection'>,
): Eligibility {
  if (isTagTrue(role.tags, SKIP_TAG))
    return { ok: false, plan: nothing('opted-out', `role is tagged ${SKIP_TAG}=true`) };
  const excluded = config.excludedPathPrefixes.find((prefix) => role.path.startsWith(prefix));
  if (excluded !== undefined) {
    return { ok: false, plan: nothing('excluded-path', `role path ${role.path} is under ${excluded}`) };
  }
  const trust = evaluateEc2Trust(role.trustPolicy);
  if (trust.ec2) {
    if (config.selection === 'opt-in' && !isTagTrue(role.tags, OPT_IN_TAG)) {
      return {
        ok: false,
        plan: nothing('not-opted-in', `selection is opt-in and the role is not tagged ${OPT_IN_TAG}=true`),
      };
    }
    return { ok: true, statement: trust.statement };
  }
  // A profile made earlier stays: instances may still use it, and taking it away is the user's call.
  const kept = kind === 'trust-changed' ? '; an existing instance profile is left in place' : '';
  const plan =
    trust.reason === 'unreadable'
      ? nothing('trust-unreadable', `trust policy is not a JSON object${kept}`)
      : trust.reason === 'denied'
        ? nothing('ec2-denied', `statement ${trust.statement} denies EC2${kept}`)
        : nothing('no-ec2-trust', `no Allow statement lets ec2.amazonaws.com assume the role${kept}`);
  return { ok: false, plan };
}

/**
 * The role is not there. Read earlier in this run, it was deleted meanwhile: an empty profile we made for
 * it is removed, not left behind. Otherwise it may be deleted, or not visible yet.
 */
function roleVanished(facts: Facts, config: Config): Plan | Need {
  if (facts.createdProfile !== undefined) {
    const profile = facts.sameNameProfile;
    if (profile === undefined || profile === 'exists') return need('sameNameProfile');
    if (profile !== 'absent' && isOurEmptyProfile(profile)) {
      return {
        kind: 'cleanup',
        profileName: profile.name,
        note: `the role was deleted after this run created its instance profile ${profile.name}; removing the empty profile`,
      };
    }
  }
  if (facts.roleSeen) return nothing('role-gone', 'role was deleted while it was being remediated');
  return roleAbsent(facts, config);
}

function roleAbsent(facts: Facts, config: Config): Plan {
  const { origin } = facts.trigger;
  // A scan saw the role moments ago, so it is gone; an event may be newer than what IAM shows yet.
  const eventTime = origin.type === 'event' ? origin.eventTime : undefined;
  const ageSeconds =
    eventTime === undefined ? Number.POSITIVE_INFINITY : (facts.now.getTime() - eventTime.getTime()) / 1000;
  if (ageSeconds < 0) {
    // A clock ahead of ours: the age cannot be trusted, so the role gets the benefit of the doubt.
    return retry(
      'role-not-visible-yet',
      `role not found; the event's time is ${Math.round(-ageSeconds)} s in the future, so its age is unknown`,
    );
  }
  if (ageSeconds < config.roleNotFoundRetrySeconds) {
    return retry(
      'role-not-visible-yet',
      `role not found ${Math.round(ageSeconds)} s after the event; IAM may not show it yet`,
    );
  }
  return nothing('role-gone', 'role no longer exists');
}

function sameNameProfileExists(facts: Facts, role: RoleSnapshot, profile: ProfileSnapshot): Plan | Need {
  if (holdsRole(profile, role.name)) {
    return nothing('already-in-profile', `role is in instance profile ${profile.name}`);
  }
  const holders = profile.roleNames.join(', ');
  if (!isOurs(profile.tags)) {
    return {
      kind: 'conflict',
      reason: 'profile-not-managed',
      profileName: profile.name,
      profileRoles: profile.roleNames,
      note: `instance profile ${profile.name} exists without ${MANAGED_TAG}=true${holders ? ` and holds ${holders}` : ''}`,
    };
  }
  if (!isOurEmptyProfile(profile)) {
    return {
      kind: 'conflict',
      reason: 'profile-holds-other-role',
      profileName: profile.name,
      profileRoles: profile.roleNames,
      note: `managed instance profile ${profile.name} holds ${holders}`,
    };
  }
  const { ownership } = facts;
  if (ownership === undefined) return need('ownership');
  const proof = proveOwnership(ownership, profile);
  if (!proof.proven || ownership === 'absent' || ownership === 'no-table') {
    return {
      kind: 'conflict',
      reason: 'profile-unrecorded',
      profileName: profile.name,
      profileRoles: profile.roleNames,
      note: `instance profile ${profile.name} ${proof.proven ? 'cannot be proven ours' : UNPROVEN_NOTES[proof.why]}; it is not adopted`,
    };
  }
  // A leftover of an earlier role of this name is bound to this one, in the record (which decides) and in the
  // tags (which IAM's conditions and people read). A profile proven by its intent is recorded now: a create that
  // stopped before adding its role is confirmed by finishing it.
  const bind = bindingOf(proof, profile, role, ownership.version);
  const tagged = profile.tags[SOURCE_ROLE_ID_TAG] === role.id;
  return {
    kind: 'adopt',
    roleName: role.name,
    profileName: profile.name,
    retag: tagged ? [] : bindingTags(role),
    bind,
    note:
      `our instance profile ${profile.name} exists and is empty` +
      (bind === undefined
        ? ''
        : bind.source === 'created'
          ? '; recording it as made for this role'
          : `; re-bound to role id ${role.id}`),
  };
}

/** The record an adopt writes, or undefined when the record already binds the profile to the role by its id. */
function bindingOf(
  proof: Extract<Proof, { proven: true }>,
  profile: ProfileSnapshot,
  role: RoleSnapshot,
  version: number,
): RecordBinding | undefined {
  const bound = proof.roleId === role.id;
  if (bound && proof.by === 'record') return undefined;
  return { profileId: profile.id, roleId: role.id, source: bound ? 'created' : 'adopted', version };
}

/** The tags that bind one of our profiles to a role; {@link MANAGED_TAG} too, as IAM grants TagInstanceProfile only with it. */
function bindingTags(role: RoleSnapshot): ProfileSpec['tags'] {
  const tags = [
    { Key: MANAGED_TAG, Value: 'true' },
    { Key: SOURCE_ROLE_ID_TAG, Value: role.id },
  ];
  if (isValidTagValue(role.arn)) tags.push({ Key: SOURCE_ROLE_ARN_TAG, Value: role.arn });
  return tags;
}

/**
 * Our tags on a profile we create. A value IAM would refuse as a tag (a role ARN that is too long, or
 * has `,` in the name or `(` in the path) is left out rather than failing the create; the id always fits.
 */
function profileSpec(role: RoleSnapshot, trigger: RoleTrigger, creationId: string | undefined): ProfileSpec {
  const tags = [...bindingTags(role)];
  const { origin } = trigger;
  if (origin.type === 'event' && origin.eventId !== undefined && isValidTagValue(origin.eventId)) {
    tags.push({ Key: SOURCE_EVENT_ID_TAG, Value: origin.eventId });
  }
  if (creationId !== undefined && isValidTagValue(creationId)) tags.push({ Key: CREATION_ID_TAG, Value: creationId });
  return { name: role.name, path: role.path, tags };
}

/**
 * Whether the caller is this service's own function role: its assumed-role session, or the role itself as
 * the session's issuer. Our own IAM calls are recorded by CloudTrail too and must never loop back.
 */
function isOwnCall(caller: Caller, config: Config): boolean {
  const own = config.serviceRoleArn;
  if (own === undefined) return false;
  if (caller.issuerArn === own) return true;
  const roleName = own.slice(own.lastIndexOf('/') + 1);
  return caller.arn !== undefined && /^arn:[^:]+:sts::\d+:assumed-role\/([^/]+)\//.exec(caller.arn)?.[1] === roleName;
}

/**
 * The ignored-callers entry that matches the caller, if any: a service name matches `invokedBy`
 * (`cloudformation.amazonaws.com`), an ARN pattern with `*` matches the caller's ARN
 * (`arn:aws:sts::*:assumed-role/terraform-ci/*`).
 */
export function ignoredCaller(caller: Caller, config: Pick<Config, 'ignoredCallers'>): string | undefined {
  return config.ignoredCallers.find((entry) =>
    entry.startsWith('arn:')
      ? caller.arn !== undefined && wildcardMatch(entry, caller.arn)
      : caller.invokedBy !== undefined && entry.toLowerCase() === caller.invokedBy.toLowerCase(),
  );
}

/** The CloudTrail event id of an event's trigger, if it has one. */
function eventIdOf(trigger: RoleTrigger): string | undefined {
  return trigger.origin.type === 'event' ? trigger.origin.eventId : undefined;
}

function names(profiles: readonly ProfileSnapshot[]): string {
  return profiles.map((profile) => profile.name).join(', ');
}

function retry(reason: RetryReason, note: string): Plan {
  return { kind: 'retry', reason, note };
}

function need(fact: Need['fact']): Need {
  return { kind: 'need', fact };
}

function nothing(reason: NothingReason, note: string): Extract<Plan, { kind: 'nothing' }> {
  return { kind: 'nothing', reason, note };
}
