/**
 * The ownership record's upkeep, once a pass, before the scan (whose adopt candidates read the record): the rules
 * are core/record-upkeep.ts's; this reads what they need and writes what they decide.
 *
 * Cost per pass: one ListInstanceProfiles per 1,000 profiles and one Scan per 1 MB of records; one
 * GetInstanceProfile per record that its listed profile does not settle (an intent to confirm, a profile gone),
 * per profile CloudTrail shows the service made that no record proves (with one GetItem), and per profile whose
 * tags the survey reads (every unproven profile once after an install or an upgrade, then only those it found);
 * the LookupEvents of what CloudTrail recorded since the last pass (one per 50 CreateInstanceProfile events); one
 * conditional write per record changed, and one for the meta item. Memory: the account's profiles (names and ids),
 * one page of records.
 */
import type { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { DEFAULT_LOOKUP_BUDGET } from '../../core/created-by.js';
import type { OwnershipTable, RecordWriteResult, UpkeepState } from '../../core/dynamodb/ownership-table.js';
import type { IamSender } from '../../core/iam/client.js';
import { listProfilePages } from '../../core/iam/list-account.js';
import { readProfile } from '../../core/iam/read-state.js';
import { mapBounded } from '../../core/map-bounded.js';
import type { Log } from '../../core/observability.js';
import type { OwnershipRecord } from '../../core/ownership.js';
import {
  type ListedProfileFacts,
  learnedOwnership,
  profilesToSurvey,
  progressAfter,
  type RangeRead,
  type ReadProfileFacts,
  rangesToRead,
  recordUpkeep,
  type ServiceCreate,
  type UnrecordedProfile,
} from '../../core/record-upkeep.js';
import { type LookupBudget, readServiceCreates } from '../../core/service-creates.js';
import type { ProfileSnapshot } from '../../core/snapshots.js';
import { isOurs } from '../../core/tags.js';

/** Profiles read at once (GetInstanceProfile), as the records of a page and the survey need them. */
export const UPKEEP_CONCURRENCY = 4;

/** How long a pass spends on the record before it leaves the rest to the next pass and scans. */
export const UPKEEP_TIME_BUDGET_MS = 5 * 60 * 1000;

/**
 * The LookupEvents a pass spends on the record at most: half the pass's budget (core/created-by.ts), 30,000
 * CreateInstanceProfile events; the creator lookups get what is left. A first pass that needs more reads the rest
 * of the 90 days in the next ones (core/record-upkeep.ts, `HistoryProgress`).
 */
export const UPKEEP_LOOKUP_BUDGET = DEFAULT_LOOKUP_BUDGET / 2;

/** The part of the ownership table the upkeep calls. */
export type UpkeepStore = Pick<
  OwnershipTable,
  'pages' | 'read' | 'bind' | 'settle' | 'remove' | 'readUpkeepState' | 'writeUpkeepState'
>;

/** What the upkeep needs. */
export interface UpkeepDeps {
  readonly iam: IamSender;
  readonly records: UpkeepStore;
  /** CloudTrail's event history; without it nothing is learnt from it. */
  readonly cloudtrail?: Pick<CloudTrailClient, 'send'> | undefined;
  /** The pass's LookupEvents, shared with its creator lookups. */
  readonly lookups: LookupBudget;
  /** The stack's name, for the roles of versions before the service's IAM path (core/service-creates.ts). */
  readonly stackName?: string | undefined;
  readonly log: Log;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default UPKEEP_TIME_BUDGET_MS */
  readonly timeBudgetMs?: number;
}

/** What one pass did to the record. */
export interface UpkeepResult {
  /** Records read (the meta item aside). */
  readonly records: number;
  /** Intents confirmed: the record names their profile now. */
  readonly confirmed: number;
  /** Records removed: they proved nothing any more. */
  readonly dropped: number;
  /** Intents dropped: past their run, answered by no profile. */
  readonly intentsDropped: number;
  /** Profiles recorded from the service's own CreateInstanceProfile in CloudTrail's event history. */
  readonly learned: number;
  /** Profiles tagged as ours that no record proves, as far as the pass knows (see {@link profilesToSurvey}). */
  readonly unrecordedTagged: number;
  /** Their names (at most UNRECORDED_KEPT). */
  readonly unrecorded: readonly string[];
  /** Writes that lost to another writer of the record (a remediation): left to the next pass. */
  readonly changedMeanwhile: number;
  /** Records left for the next pass: the time budget ran out. */
  readonly deferred: number;
  /** LookupEvents calls made. */
  readonly lookups: number;
  /** The event history read is complete up to now (no gap left). */
  readonly historyComplete: boolean;
  /** IAM calls made: the listing's pages and the profiles read. */
  readonly iamCalls: number;
  /** Calls to the table: pages scanned, records read, writes. */
  readonly recordCalls: number;
}

/** Confirms, prunes and removes records, learns from CloudTrail, and counts the tagged profiles no record proves. */
export async function upkeepRecords(deps: UpkeepDeps): Promise<UpkeepResult> {
  const clock = deps.now ?? (() => new Date());
  const started = clock();
  const deadline = started.getTime() + (deps.timeBudgetMs ?? UPKEEP_TIME_BUDGET_MS);
  const late = () => clock().getTime() > deadline;
  const counts = { records: 0, confirmed: 0, dropped: 0, intentsDropped: 0, learned: 0, changed: 0, deferred: 0 };
  let iamCalls = 0;
  let recordCalls = 0;
  const read = async (name: string): Promise<ReadProfileFacts | 'absent'> => {
    iamCalls++;
    return readFacts(await readProfile(deps.iam, name));
  };
  const written = (result: RecordWriteResult, onDone: () => void) => {
    recordCalls++;
    if (result === 'done') onDone();
    else counts.changed++;
  };

  // The account's profiles, by name (IAM's names are unique case-insensitively) and by id.
  const listedAt = clock();
  const byName = new Map<string, ListedProfileFacts>();
  for await (const page of listProfilePages(deps.iam)) {
    iamCalls++;
    for (const profile of page) if (profile.id !== '') byName.set(profile.name.toLowerCase(), profile);
  }
  const byId = new Map([...byName.values()].map((profile) => [profile.id, profile]));
  const times = { listedAt, now: started };
  // The profiles a record proves, or may prove (an intent pending): none of them is counted as unrecorded.
  const accounted = new Set<string>();

  const upkeep = async (record: OwnershipRecord) => {
    const listed = byName.get(record.profileName.toLowerCase()) ?? 'absent';
    let step = recordUpkeep(record, listed, undefined, times);
    // The profile of the record's name as last seen: listed, or read when the rules asked for it.
    let current: { readonly id: string } | 'absent' = listed;
    if (step.kind === 'read-profile') {
      if (late()) {
        counts.deferred++;
        if (listed !== 'absent') accounted.add(listed.id);
        return;
      }
      const fresh = await read(record.profileName);
      current = fresh;
      step = recordUpkeep(record, listed, fresh, times);
    }
    const { profileName } = record;
    switch (step.kind) {
      case 'read-profile':
        return;
      case 'keep':
        if (current !== 'absent') accounted.add(current.id);
        return;
      case 'confirm':
        written(await deps.records.settle(profileName, step.owned, step.intents, step.version), () => {
          counts.confirmed++;
        });
        accounted.add(step.owned.profileId);
        return;
      case 'prune':
        written(await deps.records.settle(profileName, step.owned, step.intents, step.version), () => {
          counts.intentsDropped += step.dropped;
        });
        if (current !== 'absent' && (step.owned !== undefined || step.intents.length > 0)) accounted.add(current.id);
        return;
      case 'remove':
        written(await deps.records.remove(profileName, step.version), () => {
          counts.dropped++;
        });
        return;
    }
  };
  for await (const page of deps.records.pages()) {
    recordCalls++;
    counts.records += page.length;
    await mapBounded(page, UPKEEP_CONCURRENCY, upkeep);
  }

  // What the service made before it kept records, from its own CreateInstanceProfile in CloudTrail's history.
  const stored = await deps.records.readUpkeepState();
  recordCalls++;
  const { state } = stored;
  // Each page of events is learnt from before the next is read, so that a pass cut short has learnt all it read.
  const learn = async (creates: readonly ServiceCreate[]) => {
    await mapBounded(creates, UPKEEP_CONCURRENCY, async (create) => {
      const listed = byId.get(create.profileId);
      // Gone since, or proven already: nothing to read.
      if (listed === undefined || accounted.has(create.profileId)) return;
      const profile = await read(listed.name);
      const record = await deps.records.read(listed.name);
      recordCalls++;
      const learned = learnedOwnership(create, profile, record, started);
      if (!learned.learned) return;
      const version = record === 'absent' ? 'absent' : record.version;
      written(await deps.records.bind(listed.name, learned.owned, version), () => {
        counts.learned++;
        deps.log.info('recorded instance profile from CloudTrail', {
          profile: listed.name,
          profileId: create.profileId,
          eventId: create.eventId,
          eventTime: create.eventTime.toISOString(),
          by: create.issuerArn,
          roleId: learned.owned.roleId,
        });
      });
      accounted.add(create.profileId);
    });
  };
  const ranges = rangesToRead(state.history, started);
  const reads: RangeRead[] = [];
  if (deps.cloudtrail !== undefined) {
    for (const range of ranges) {
      if (late()) break;
      const result = await readServiceCreates(deps.cloudtrail, range, deps.lookups, deps.stackName, learn, late);
      reads.push(result);
      if (!result.done) break;
    }
  }
  const history = deps.cloudtrail === undefined ? state.history : progressAfter(state.history, ranges, reads, started);

  // The tagged profiles no record proves: all of them once, then those found then.
  const surveyed = state.surveyedAt !== undefined;
  const toSurvey = profilesToSurvey(byName.values(), accounted, { surveyed, unrecorded: state.unrecorded });
  const found = await mapBounded(
    toSurvey,
    UPKEEP_CONCURRENCY,
    async (listed): Promise<UnrecordedProfile[] | 'late'> => {
      if (late()) return 'late';
      const profile = await read(listed.name);
      return profile !== 'absent' && profile.id === listed.id && isOurs(profile.tags)
        ? [{ name: profile.name, id: profile.id }]
        : [];
    },
  );
  const complete = !found.includes('late');
  const unrecorded = complete ? found.flatMap((entry) => (entry === 'late' ? [] : entry)) : state.unrecorded;
  const next: UpkeepState = {
    history,
    surveyedAt: state.surveyedAt ?? (complete ? listedAt : undefined),
    unrecorded,
    unrecordedBeyond: surveyed ? state.unrecordedBeyond : 0,
  };
  const saved = await deps.records.writeUpkeepState(next, stored.version);
  recordCalls++;
  if (saved !== 'done') counts.changed++;
  // Whoever looks events up next (the creator lookups) keeps CloudTrail's rate.
  await deps.lookups.idle();
  return {
    records: counts.records,
    confirmed: counts.confirmed,
    dropped: counts.dropped,
    intentsDropped: counts.intentsDropped,
    learned: counts.learned,
    unrecordedTagged: unrecorded.length + next.unrecordedBeyond,
    unrecorded: unrecorded.map((profile) => profile.name),
    changedMeanwhile: counts.changed,
    deferred: counts.deferred,
    lookups: deps.lookups.calls,
    historyComplete: history.gap === undefined && reads.length === ranges.length && reads.every((r) => r.done),
    iamCalls,
    recordCalls,
  };
}

/** A profile as GetInstanceProfile read it, in the upkeep's terms. */
function readFacts(profile: ProfileSnapshot | 'absent'): ReadProfileFacts | 'absent' {
  if (profile === 'absent') return 'absent';
  return { ...profile, roleIds: profile.roleIds ?? [] };
}
