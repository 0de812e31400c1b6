/**
 * The decision: from what is known about a role now, what should happen to its instance profiles?
 *
 * Pure: no SDK, no I/O, no clock. The caller gathers facts lazily: when {@link decide} needs a fact it
 * does not have yet, it says so with a {@link Need}, and the caller reads it and asks again. That keeps
 * every rule here while the IAM calls stay as few as the case allows (one for a role EC2 cannot assume).
 *
 * Rules are split from the engine as in cdk-nag: {@link decide} checks what applies to every trigger (our
 * own calls, ignored callers) and hands over to the one {@link Decider} for the trigger's kind. The
 * eligibility checks (opt-out, excluded path, trust) are shared by every kind that may create a profile.
 */
import type { Config } from './config.js';
import type { Caller, RoleTrigger, TriggerKind } from './events.js';
import {
  CREATION_ID_TAG,
  isTagTrue,
  isValidTagValue,
  MANAGED_TAG,
  SKIP_TAG,
  SOURCE_EVENT_ID_TAG,
  SOURCE_ROLE_ARN_TAG,
  SOURCE_ROLE_ID_TAG,
  type Tags,
} from './tags.js';
import { evaluateEc2Trust, wildcardMatch } from './trust-policy.js';

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
  /** IAM stayed throttled or unavailable through the SDK's retries: nothing can be read or done now. */
  readonly iamFailure?: IamFailure | undefined;
  /** The role was read in this run: if it vanishes now, it was deleted, not "not visible yet". */
  readonly roleSeen?: boolean | undefined;
  /** The profile this run created: if its role vanished before it was added, the empty profile is ours to remove. */
  readonly createdProfile?: string | undefined;
  /** This run's id, tagged on a profile it creates, so that a create whose answer was lost is recognised. */
  readonly creationId?: string | undefined;
}

/** IAM could not answer: throttled, or unavailable (5xx, a dropped connection, a timeout); `detail` names the error. */
export interface IamFailure {
  readonly reason: 'throttled' | 'iam-unavailable';
  readonly detail: string;
}

/** A fact the decision needs before it can go on. */
export interface Need {
  readonly kind: 'need';
  readonly fact: 'role' | 'roleProfiles' | 'holdingProfiles' | 'sameNameProfile';
}

/** The instance profile to create: the role's name and path, our tags. */
export interface ProfileSpec {
  readonly name: string;
  readonly path: string;
  readonly tags: readonly { readonly Key: string; readonly Value: string }[];
}

/** Why nothing needs doing. */
export type NothingReason =
  | 'own-call'
  | 'ignored-caller'
  | 'creator-unknown'
  | 'role-gone'
  | 'opted-out'
  | 'excluded-path'
  | 'trust-unreadable'
  | 'no-ec2-trust'
  | 'ec2-denied'
  | 'already-in-profile'
  | 'not-in-profile'
  | 'held-by-unmanaged-profile'
  | 'no-leftover-profile'
  | 'leftover-not-ours'
  | 'leftover-in-use';

/** Why a profile that should exist cannot be made without touching something we do not own. */
export type ConflictReason = 'profile-not-managed' | 'profile-holds-other-role';

/** What to do. Each plan carries a short `note` that explains it in the logs. */
export type Plan =
  | { readonly kind: 'create'; readonly roleName: string; readonly profile: ProfileSpec; readonly note: string }
  | { readonly kind: 'adopt'; readonly roleName: string; readonly profileName: string; readonly note: string }
  | {
      readonly kind: 'release';
      readonly roleName: string;
      /** Our profiles that hold the role: the role is removed from each, then each is deleted. */
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
  if (caller === 'unknown') {
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
    return {
      kind: 'create',
      roleName: role.name,
      profile: profileSpec(role, facts.trigger, facts.creationId),
      note: `statement ${eligible.statement} lets EC2 assume the role and it has no instance profile`,
    };
  }
  return sameNameProfileExists(role, profile);
};

/**
 * A DeleteRole failed with DeleteConflict. The console deletes a role's profiles with it; we release
 * ours, so that the caller's retry succeeds. A profile that is not ours is never touched.
 */
const decideRelease: Decider = (facts) => {
  const { roleProfiles } = facts;
  if (roleProfiles === undefined) return need('roleProfiles');
  if (roleProfiles === 'absent') return nothing('role-gone', 'role no longer exists: the delete went through');
  if (roleProfiles.length === 0) {
    return nothing(
      'not-in-profile',
      'role is in no instance profile; the delete conflict is elsewhere (attached or inline policies)',
    );
  }
  if (facts.holdingProfiles === undefined) return need('holdingProfiles');
  // The listing may be stale by the time each profile is read: only a profile that still holds the role blocks it.
  const roleName = facts.trigger.roleName.toLowerCase();
  const holding = facts.holdingProfiles.filter((profile) =>
    profile.roleNames.some((name) => name.toLowerCase() === roleName),
  );
  if (holding.length === 0) {
    return nothing('not-in-profile', 'role is in no instance profile any more: the profiles that held it let go of it');
  }
  const notOurs = holding.filter((profile) => !isTagTrue(profile.tags, MANAGED_TAG));
  if (notOurs.length > 0) {
    return nothing(
      'held-by-unmanaged-profile',
      `instance profile ${names(notOurs)} is not ours (no ${MANAGED_TAG}=true) and blocks the delete; nothing was changed`,
    );
  }
  const conflict = facts.trigger.origin.type === 'event' ? facts.trigger.origin.errorMessage : undefined;
  return {
    kind: 'release',
    roleName: facts.trigger.roleName,
    profileNames: holding.map((profile) => profile.name),
    note:
      `removing the role from our instance profile ${names(holding)} and deleting it, as the console does, ` +
      `so that DeleteRole can succeed${conflict === undefined ? '' : ` (the call failed with: ${conflict})`}`,
  };
};

/**
 * A DeleteRole succeeded. Terraform removes a role from its profiles before deleting it and leaves them
 * behind; the console deletes them. We delete the same-name profile if it is ours and empty, nothing else.
 */
const decideCleanup: Decider = (facts) => {
  const profile = facts.sameNameProfile;
  if (profile === undefined || profile === 'exists') return need('sameNameProfile');
  if (profile === 'absent') return nothing('no-leftover-profile', 'no instance profile has the role’s name');
  if (!isTagTrue(profile.tags, MANAGED_TAG)) {
    return nothing('leftover-not-ours', `instance profile ${profile.name} is not ours (no ${MANAGED_TAG}=true)`);
  }
  if (profile.roleNames.length > 0) {
    return nothing('leftover-in-use', `instance profile ${profile.name} holds ${profile.roleNames.join(', ')}`);
  }
  return {
    kind: 'cleanup',
    profileName: profile.name,
    note: `our instance profile ${profile.name} is empty and its role is deleted`,
  };
};

/** The rules for each trigger kind. */
const DECIDERS: Readonly<Record<TriggerKind, Decider>> = {
  'role-created': decideLink,
  'trust-changed': decideLink,
  'found-by-scan': decideLink,
  'delete-conflict': decideRelease,
  'role-deleted': decideCleanup,
};

/**
 * Whether a role that exists may have a profile at all: not opted out, not under an excluded path, and
 * EC2 may assume it (with the trust statement that says so). Shared by every kind that may create one.
 */
export type Eligibility =
  | { readonly ok: true; readonly statement: string }
  | { readonly ok: false; readonly plan: Extract<Plan, { kind: 'nothing' }> };

/** The opt-out, path and trust checks, in that order: the cheapest reason to leave a role alone wins. */
export function eligibility(role: RoleSnapshot, kind: TriggerKind, config: Config): Eligibility {
  if (isTagTrue(role.tags, SKIP_TAG))
    return { ok: false, plan: nothing('opted-out', `role is tagged ${SKIP_TAG}=true`) };
  const excluded = config.excludedPathPrefixes.find((prefix) => role.path.startsWith(prefix));
  if (excluded !== undefined) {
    return { ok: false, plan: nothing('excluded-path', `role path ${role.path} is under ${excluded}`) };
  }
  const trust = evaluateEc2Trust(role.trustPolicy);
  if (trust.ec2) return { ok: true, statement: trust.statement };
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
    if (profile !== 'absent' && isTagTrue(profile.tags, MANAGED_TAG) && profile.roleNames.length === 0) {
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

/**
 * Our tags on a profile we create. A value IAM would refuse as a tag (a role ARN that is too long, or
 * has `,` in the name or `(` in the path) is left out rather than failing the create; the id always fits.
 */
function profileSpec(role: RoleSnapshot, trigger: RoleTrigger, creationId: string | undefined): ProfileSpec {
  const tags = [
    { Key: MANAGED_TAG, Value: 'true' },
    { Key: SOURCE_ROLE_ID_TAG, Value: role.id },
  ];
  if (isValidTagValue(role.arn)) tags.push({ Key: SOURCE_ROLE_ARN_TAG, Value: role.arn });
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
