/**
 * The rules of the ownership record's upkeep, which the reconcile pass applies to every record once a pass
 * (functions/reconcile/upkeep.ts does the reading and writing). A create writes one intent and nothing after it
 * (the hot path's one extra write); the pass settles what those intents became:
 * - an intent its profile answers (its creation id tagged, IAM's CreateDate within its run) is confirmed: the
 *   record then names the profile's id, bound to the intent's role (source `created`);
 * - an intent older than its run could have lasted that nothing answers is dropped;
 * - a record that proves nothing any more (its profile is gone and no intent is pending) is removed;
 * - a profile tagged as ours that no record proves is recorded only from proof: the service's own
 *   CreateInstanceProfile for that very profile id in CloudTrail's event history (source `cloudtrail`,
 *   core/service-creates.ts), read incrementally ({@link HistoryProgress}).
 *
 * Every write is conditional on the version of the record read (core/dynamodb/ownership-table.ts), so a
 * remediation writing meanwhile wins and the pass leaves that record to the next one. Pure: no I/O, no clock.
 */
import { EVENT_HISTORY_DAYS } from './created-by.js';
import {
  type CreationIntent,
  INTENT_WINDOW_SECONDS,
  type Owned,
  type OwnershipRecord,
  type ProvableProfile,
  proveOwnership,
  type RecordFact,
} from './ownership.js';
import { isOurs } from './tags.js';

/**
 * Seconds an intent stays pending past its run's window before the pass drops it: the clocks of the function that
 * wrote it and of the pass may differ, and the pass's listing is as old as the pass.
 */
export const INTENT_GRACE_SECONDS = 60;

/** A profile as the account's listing shows it (ListInstanceProfiles): its id and CreateDate, no tags. */
export interface ListedProfileFacts {
  readonly name: string;
  /** IAM's `InstanceProfileId`. */
  readonly id: string;
  readonly createDate?: Date | undefined;
  readonly roleNames: readonly string[];
}

/** A profile as GetInstanceProfile shows it: what a proof reads, and the ids of the roles it holds. */
export interface ReadProfileFacts extends ProvableProfile {
  readonly roleNames: readonly string[];
  /** The ids of `roleNames`, in the same order. */
  readonly roleIds: readonly string[];
}

/** What the pass does with one record. */
export type RecordUpkeep =
  /** Nothing: the record proves its profile, or holds an intent still pending. */
  | { readonly kind: 'keep'; readonly why: 'proves-profile' | 'intent-pending' }
  /** The profile must be read (GetInstanceProfile) before deciding: the listing has no tags, and may be stale. */
  | { readonly kind: 'read-profile' }
  /** An intent its profile answers: the record names the profile now, bound to the intent's role. */
  | {
      readonly kind: 'confirm';
      readonly owned: Owned;
      /** The other intents still pending. */
      readonly intents: readonly CreationIntent[];
      readonly version: number;
    }
  /** Intents nothing answered, past their run: dropped (and a profile that is gone forgotten); the rest kept. */
  | {
      readonly kind: 'prune';
      readonly owned: Owned | undefined;
      readonly intents: readonly CreationIntent[];
      /** How many intents are dropped. */
      readonly dropped: number;
      readonly version: number;
    }
  /** The record proves nothing any more: its profile is gone (or was never made) and no intent is pending. */
  | { readonly kind: 'remove'; readonly version: number };

/** When the pass looked: `listedAt`, when it read the account's profiles; `now`, for what it writes. */
export interface UpkeepTimes {
  readonly listedAt: Date;
  readonly now: Date;
}

/**
 * What to do with a record, from its profile as the listing showed it and, once read ({@link RecordUpkeep}
 * `read-profile`), as GetInstanceProfile shows it now (`read`). Only a record whose `owned` names the listed
 * profile's id is settled from the listing alone: every confirm and every removal rests on a read made after the
 * record was, so a profile made or adopted since the listing is never taken for gone.
 */
export function recordUpkeep(
  record: OwnershipRecord,
  listed: ListedProfileFacts | 'absent',
  read: ReadProfileFacts | 'absent' | undefined,
  times: UpkeepTimes,
): RecordUpkeep {
  const pending = record.intents.filter((intent) => isPending(intent, times.listedAt));
  const { owned, version } = record;
  const current = read ?? listed;
  if (owned !== undefined && current !== 'absent' && current.id === owned.profileId) {
    // The record proves its profile: intents beside it are creates that met it, or that never landed.
    if (pending.length === record.intents.length) return { kind: 'keep', why: 'proves-profile' };
    return { kind: 'prune', owned, intents: pending, dropped: record.intents.length - pending.length, version };
  }
  if (read === undefined) return { kind: 'read-profile' };
  if (read !== 'absent') {
    const proof = proveOwnership(record, read);
    if (proof.proven && proof.by === 'intent' && proof.intent !== undefined) {
      const { intent } = proof;
      return {
        kind: 'confirm',
        owned: {
          profileId: read.id,
          roleId: intent.roleId,
          source: 'created',
          at: times.now.toISOString(),
          eventId: intent.eventId,
        },
        intents: pending.filter((other) => other !== intent),
        version,
      };
    }
  }
  if (pending.length === 0) return { kind: 'remove', version };
  if (pending.length === record.intents.length && owned === undefined) return { kind: 'keep', why: 'intent-pending' };
  return {
    kind: 'prune',
    owned: undefined,
    intents: pending,
    dropped: record.intents.length - pending.length,
    version,
  };
}

/**
 * Whether an intent may still be answered by a profile the pass has not seen: written less than its run's window
 * ({@link INTENT_WINDOW_SECONDS}) and {@link INTENT_GRACE_SECONDS} before the listing. An unreadable time is not.
 */
export function isPending(intent: CreationIntent, listedAt: Date): boolean {
  const at = Date.parse(intent.at);
  return at + (INTENT_WINDOW_SECONDS + INTENT_GRACE_SECONDS) * 1000 >= listedAt.getTime();
}

/** A successful CreateInstanceProfile of the service's own, as CloudTrail's event history shows it. */
export interface ServiceCreate {
  readonly profileName: string;
  readonly profileId: string;
  readonly eventId: string;
  readonly eventTime: Date;
  /** The service role that made it (`userIdentity.sessionContext.sessionIssuer.arn`). */
  readonly issuerArn: string;
}

/** Why a profile the service created (by CloudTrail) is not recorded from it. */
export type NotLearnedReason =
  /** A record proves it already (a confirmed create, an adopt, an earlier pass). */
  | 'recorded'
  /** No profile has that id now: deleted since. */
  | 'gone'
  /** Not tagged {@link MANAGED_TAG}=true exactly: someone else's now (handed over with `release`, say). */
  | 'not-tagged';

/**
 * The record a profile the service made before it kept records is given, from its CloudTrail proof, or why not.
 * Bound to the role the profile holds now if that is its same-name role (the only role the service ever puts
 * in), else to nobody (`roleId` ''): an adopt then re-binds it.
 */
export function learnedOwnership(
  create: ServiceCreate,
  profile: ReadProfileFacts | 'absent',
  record: RecordFact,
  now: Date,
): { readonly learned: true; readonly owned: Owned } | { readonly learned: false; readonly why: NotLearnedReason } {
  if (profile === 'absent' || profile.id !== create.profileId) return { learned: false, why: 'gone' };
  if (!isOurs(profile.tags)) return { learned: false, why: 'not-tagged' };
  if (proveOwnership(record, profile).proven) return { learned: false, why: 'recorded' };
  return {
    learned: true,
    owned: {
      profileId: profile.id,
      roleId: sameNameRoleId(profile),
      source: 'cloudtrail',
      at: now.toISOString(),
      eventId: create.eventId,
      by: create.issuerArn,
    },
  };
}

/** The id of the profile's same-name role, if that is the role it holds; '' otherwise. */
export function sameNameRoleId(profile: Pick<ReadProfileFacts, 'name' | 'roleNames' | 'roleIds'>): string {
  const [roleName] = profile.roleNames;
  if (profile.roleNames.length !== 1 || roleName?.toLowerCase() !== profile.name.toLowerCase()) return '';
  return profile.roleIds[0] ?? '';
}

/**
 * How long after a call its event may still be missing from the event history: an hour. "CloudTrail typically
 * delivers logs within an average of about 5 minutes of an API call. This time is not guaranteed."
 * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/get-and-view-cloudtrail-log-files.html). The pass
 * reads up to its own time, but counts as read only what is older than this, so that a late event is read by the
 * next pass too.
 */
export const EVENT_HISTORY_LAG_MS = 60 * 60 * 1000;

/**
 * How far the event history has been read, kept in the table's meta item: everything before `readUntil`, except
 * `gap`, an older stretch a pass ran out of budget in (LookupEvents answers newest first).
 */
export interface HistoryProgress {
  readonly readUntil?: Date | undefined;
  readonly gap?: TimeRange | undefined;
}

/** A stretch of the event history, `from` ≤ `to`. */
export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

/**
 * The stretches to read this pass, in order: the gap an earlier pass left, then everything since `readUntil` (the
 * 90 days on a first pass, after an install or an upgrade), never older than the event history.
 */
export function rangesToRead(progress: HistoryProgress, now: Date): readonly TimeRange[] {
  const oldest = new Date(now.getTime() - EVENT_HISTORY_DAYS * 24 * 3600 * 1000);
  const clamp = (date: Date) => (date < oldest ? oldest : date);
  const ranges: TimeRange[] = [];
  if (progress.gap !== undefined && progress.gap.to > oldest) {
    ranges.push({ from: clamp(progress.gap.from), to: progress.gap.to });
  }
  ranges.push({ from: clamp(progress.readUntil ?? oldest), to: now });
  return ranges;
}

/** How the reading of one range ended: read through, or stopped (out of budget) with events down to `reachedBack`. */
export type RangeRead = { readonly done: true } | { readonly done: false; readonly reachedBack: Date };

/**
 * The progress after a pass that read {@link rangesToRead}'s ranges, each as `reads` says (one per range, in
 * order; a range not started is missing). Keeps at most one gap: a pass works on the gap first, and reads what is
 * new only once the gap is closed.
 */
export function progressAfter(
  progress: HistoryProgress,
  ranges: readonly TimeRange[],
  reads: readonly RangeRead[],
  now: Date,
): HistoryProgress {
  const settled = new Date(now.getTime() - EVENT_HISTORY_LAG_MS);
  const hadGap = ranges.length > 1;
  const gapRead = hadGap ? reads[0] : undefined;
  const newRange = ranges[ranges.length - 1];
  const newRead = reads[ranges.length - 1];
  // The old gap, shrunk to what is still unread, or gone.
  let gap: TimeRange | undefined;
  if (hadGap && ranges[0] !== undefined) {
    gap =
      gapRead === undefined ? ranges[0] : gapRead.done ? undefined : { from: ranges[0].from, to: gapRead.reachedBack };
  }
  if (newRange === undefined || newRead === undefined || gap !== undefined) {
    // The new stretch waits for the gap: progress stays where it was.
    return { readUntil: progress.readUntil, gap };
  }
  const readUntil = settled > newRange.from ? settled : newRange.from;
  if (newRead.done) return { readUntil };
  return { readUntil, gap: { from: newRange.from, to: newRead.reachedBack } };
}

/** A profile tagged as ours that no record proves, as the pass remembers it: by name and id. */
export interface UnrecordedProfile {
  readonly name: string;
  readonly id: string;
}

/**
 * The profiles whose tags the pass reads to count those tagged as ours that no record proves. The first pass
 * (`surveyed` false: after an install or an upgrade) reads every profile no record proves, once: what the service
 * made before it kept records is among them, and no later profile can be (every create of the service leaves an
 * intent, which the pass confirms). Later passes read only the ones found then that are still there with the same
 * id and still unproven, to see whether someone confirmed them or removed the tag.
 */
export function profilesToSurvey(
  listing: Iterable<ListedProfileFacts>,
  proven: ReadonlySet<string>,
  state: { readonly surveyed: boolean; readonly unrecorded: readonly UnrecordedProfile[] },
): ListedProfileFacts[] {
  const unproven = [...listing].filter((profile) => !proven.has(profile.id));
  if (!state.surveyed) return unproven;
  const remembered = new Set(state.unrecorded.map((profile) => profile.id));
  return unproven.filter((profile) => remembered.has(profile.id));
}
