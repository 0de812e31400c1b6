/**
 * Remediation of one role: read what {@link decide} needs, carry out its plan, and re-decide whenever
 * IAM's answer shows the world changed under us (a racing delivery, a profile someone else made).
 * Logs exactly one line per decision, with the role, the decision, the reason and what this run changed.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from './config.js';
import {
  decide,
  type Facts,
  type IamFailure,
  type Need,
  type NothingReason,
  type Plan,
  type RetryReason,
  type WritePlan,
} from './decide.js';
import type { OwnershipStore, RecordWriteResult } from './dynamodb/ownership-table.js';
import { AutoInstanceProfileError } from './errors.js';
import type { RoleTrigger } from './events.js';
import { PROFILE_USAGE, type ProfileUsageSource, type UsageLease } from './iam/account-summary.js';
import { addRole, createProfile, tagProfile, type WriteResult } from './iam/apply-plan.js';
import { type IamSender, iamFailureOf } from './iam/client.js';
import { readProfile, readRole, readRolePolicies, readRoleProfiles } from './iam/read-state.js';
import { deleteProfile, releaseProfile } from './iam/release.js';
import type { Counter, Log, MetricName } from './observability.js';
import { type QuotaHeadroom, quotaHeadroom } from './quota.js';
import { CREATION_ID_TAG } from './tags.js';

/** What a remediation needs from outside. */
export interface RemediateDeps {
  readonly iam: IamSender;
  readonly config: Config;
  readonly log: Log;
  readonly metrics: Counter;
  /** The clock, for the "role not visible yet" window. @default () => new Date() */
  readonly now?: () => Date;
  /** A new id for each run, tagged on the profile it creates. @default randomUUID */
  readonly newId?: () => string;
  /** The account's instance profile usage (core/iam/account-summary.ts). @default the warm function's cache */
  readonly profileUsage?: ProfileUsageSource;
  /**
   * The service's ownership record (core/dynamodb/ownership-table.ts), which alone proves a profile ours.
   * @default - none: nothing can be proven ours (no release, clean-up or adopt), and creates are not recorded
   */
  readonly ownership?: OwnershipStore | undefined;
}

/** Facts a caller already has, for example from a listing of the account, so that they are not read again. */
export type KnownFacts = Partial<Pick<Facts, 'role' | 'roleProfiles' | 'holdingProfiles' | 'sameNameProfile'>>;

/** A plan the loop has settled on. */
export type FinalPlan = Exclude<Plan, Need>;

/** What was decided and done: the caller's result, and the body of the decision's log line. */
export interface Outcome {
  readonly role: string;
  readonly trigger: RoleTrigger['kind'];
  readonly decision: FinalPlan['kind'];
  readonly reason?: string;
  /** The profile the decision is about; for a release, every profile released. */
  readonly profile?: string;
  readonly note: string;
  /** True when this run changed IAM (never in a dry run), whatever the final decision. */
  readonly changed: boolean;
  /** What this run changed in IAM, in order, e.g. `created instance profile app-role`. */
  readonly changes: readonly string[];
  readonly dryRun: boolean;
  /** Every IAM request sent, the SDK's retries included. */
  readonly iamCalls: number;
  /** Requests to the ownership table: an intent before a create, a read before a release, clean-up or adopt. */
  readonly recordCalls: number;
  /** The id tagged on a profile this run creates ({@link CREATION_ID_TAG}). */
  readonly creationId: string;
}

/**
 * Rounds allowed before we call it a bug. A round is one fact read or one write: the longest path known (a create
 * that meets our leftover, whose record another delivery re-binds meanwhile) takes ten.
 */
const MAX_ROUNDS = 12;

/** One change this run made, and the metric it counts in, if any. */
type Change = { readonly text: string; readonly metric?: MetricName };

/** One run's view of IAM: counts every request sent and records what changed. */
class Session {
  requests = 0;
  recordRequests = 0;
  readonly changes: Change[] = [];
  createdProfile: string | undefined;
  readonly iam: IamSender;
  /** The ownership record, each call counted; undefined without a table. */
  readonly records: OwnershipStore | undefined;
  /** The quota usage this run decides its create on, held until the run ends. */
  lease: UsageLease | undefined;

  constructor(
    client: IamSender,
    readonly usage: ProfileUsageSource,
    store: OwnershipStore | undefined,
    readonly clock: () => Date,
    readonly headroom: QuotaHeadroom,
  ) {
    this.iam = { send: ((command: never) => this.count(client.send(command))) as IamSender['send'] };
    this.records =
      store === undefined
        ? undefined
        : {
            read: (name) => this.countRecord(store.read(name)),
            recordIntent: (name, intent) => this.countRecord(store.recordIntent(name, intent)),
            bind: (name, owned, version) => this.countRecord(store.bind(name, owned, version)),
          };
  }

  private countRecord<T>(sent: Promise<T>): Promise<T> {
    this.recordRequests++;
    return sent;
  }

  created(profile: string): void {
    this.createdProfile = profile;
    this.lease?.created();
    this.changes.push({ text: `created instance profile ${profile}`, metric: 'ProfilesCreated' });
  }

  added(profile: string, role: string): void {
    // Adding the role to a profile this run created completes the create; to an older one, it adopts it.
    const text = `added role ${role} to instance profile ${profile}`;
    this.changes.push(this.createdProfile === profile ? { text } : { text, metric: 'ProfilesAdopted' });
  }

  tagged(profile: string, role: string): void {
    this.changes.push({ text: `tagged instance profile ${profile} with role ${role}'s id` });
  }

  removed(profile: string, role: string): void {
    this.changes.push({ text: `removed role ${role} from instance profile ${profile}`, metric: 'ProfilesReleased' });
  }

  deleted(profile: string): void {
    this.changes.push({ text: `deleted instance profile ${profile}`, metric: 'ProfilesDeleted' });
  }

  private async count<T>(sent: Promise<T>): Promise<T> {
    try {
      const output = await sent;
      this.requests += attemptsOf(output);
      return output;
    } catch (error) {
      this.requests += attemptsOf(error);
      throw error;
    }
  }
}

/** Requests the SDK sent for one call: `$metadata.attempts`, or 1 where it is not reported. */
function attemptsOf(result: unknown): number {
  const attempts = (result as { $metadata?: { attempts?: unknown } } | undefined)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts > 0 ? attempts : 1;
}

/**
 * Decides and acts for one role trigger, starting from `known` facts. IAM throttled or unavailable after
 * the SDK's retries is a `retry` decision, with what the run changed before; it throws only what is not
 * IAM passing by (access denied, a bug), for the caller to count as an error.
 */
export async function remediate(trigger: RoleTrigger, deps: RemediateDeps, known: KnownFacts = {}): Promise<Outcome> {
  const { config } = deps;
  const creationId = (deps.newId ?? randomUUID)();
  const clock = deps.now ?? (() => new Date());
  const now = clock();
  const session = new Session(
    deps.iam,
    deps.profileUsage ?? PROFILE_USAGE,
    deps.ownership,
    clock,
    quotaHeadroom(config),
  );
  try {
    return await decideAndAct(deps, session, { ...known, trigger, now, creationId }, creationId);
  } finally {
    // Near the quota's threshold, the lease holds this function's next create decision until this one is done.
    session.lease?.release();
  }
}

/** The decide-read-act loop of {@link remediate}. */
async function decideAndAct(deps: RemediateDeps, session: Session, start: Facts, creationId: string): Promise<Outcome> {
  const { config } = deps;
  const { trigger } = start;
  let facts = start;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const step = decide(facts, config);
    if (step.kind === 'need') {
      try {
        facts = { ...facts, ...(await gather(step, facts, session)) };
      } catch (error) {
        facts = { ...facts, iamFailure: passingFailure(error) };
      }
      continue;
    }
    if (step.kind === 'create' && config.dryRun && facts.sameNameProfile === undefined) {
      // A create learns of a same-name profile from CreateInstanceProfile's EntityAlreadyExists. A dry run, which
      // does not try it, reads the profile instead: it then reports the adopt or the conflict the create would have
      // met, not a create.
      try {
        facts = { ...facts, ...(await gather({ kind: 'need', fact: 'sameNameProfile' }, facts, session)) };
      } catch (error) {
        facts = { ...facts, iamFailure: passingFailure(error) };
      }
      continue;
    }
    if (isWrite(step) && !config.dryRun) {
      let result: ApplyResult;
      try {
        result = await apply(step, session);
      } catch (error) {
        // Whatever this run changed before IAM gave out is still reported and counted.
        facts = { ...facts, iamFailure: passingFailure(error) };
        continue;
      }
      if (result !== 'done') {
        deps.log.debug('re-deciding', { role: trigger.roleName, decision: step.kind, iamAnswer: result });
        facts = afterWrite(facts, result, session);
        continue;
      }
    }
    return report(step, trigger, deps, session, creationId);
  }
  throw new AutoInstanceProfileError(`no stable decision for role ${trigger.roleName} after ${MAX_ROUNDS} rounds`);
}

/** The passing IAM failure an error is, or the error itself, re-thrown: anything else is not ours to wait out. */
function passingFailure(error: unknown): IamFailure {
  const failure = iamFailureOf(error);
  if (failure === undefined) throw error;
  return failure;
}

function isWrite(plan: FinalPlan): plan is WritePlan {
  return plan.kind === 'create' || plan.kind === 'adopt' || plan.kind === 'release' || plan.kind === 'cleanup';
}

async function gather(step: Need, facts: Facts, session: Session): Promise<Partial<Facts>> {
  const { iam } = session;
  const roleName = facts.trigger.roleName;
  switch (step.fact) {
    case 'role': {
      const role = await readRole(iam, roleName);
      return { role, roleSeen: facts.roleSeen === true || role !== 'absent' };
    }
    case 'roleProfiles':
      return { roleProfiles: await readRoleProfiles(iam, roleName) };
    case 'rolePolicies':
      return { rolePolicies: await readRolePolicies(iam, roleName) };
    case 'profileUsage': {
      session.lease?.release();
      session.lease = await session.usage.lease(iam, session.headroom);
      return { profileUsage: session.lease.usage };
    }
    case 'ownership':
      return { ownership: session.records === undefined ? 'no-table' : await session.records.read(roleName) };
    case 'holdingProfiles': {
      const names = Array.isArray(facts.roleProfiles) ? facts.roleProfiles : [];
      const read = await Promise.all(names.map((name) => readProfile(iam, name)));
      // A profile deleted since the listing no longer holds the role: it is simply not there.
      return { holdingProfiles: read.filter((profile) => profile !== 'absent') };
    }
    case 'sameNameProfile': {
      const profile = await readProfile(iam, roleName);
      // Our create went through though its answer was lost (the SDK's retry then met EntityAlreadyExists).
      if (
        profile !== 'absent' &&
        session.createdProfile === undefined &&
        profile.tags[CREATION_ID_TAG] === facts.creationId
      ) {
        session.created(profile.name);
        return { sameNameProfile: profile, createdProfile: profile.name };
      }
      return { sameNameProfile: profile };
    }
  }
}

/** What a write told us: done, or a state that calls for reading IAM (or the record) again and re-deciding. */
type ApplyResult = WriteResult | 'profile-in-use' | Exclude<RecordWriteResult, 'done'>;

async function apply(plan: WritePlan, session: Session): Promise<ApplyResult> {
  const { iam } = session;
  switch (plan.kind) {
    case 'create': {
      // The intent first: a crash after the create leaves a profile the record can still prove ours.
      if (plan.intent !== undefined && session.records !== undefined) {
        await session.records.recordIntent(plan.profile.name, { ...plan.intent, at: session.clock().toISOString() });
      }
      const created = await createProfile(iam, plan.profile);
      if (created !== 'done') return created;
      session.created(plan.profile.name);
      return link(session, plan.profile.name, plan.roleName);
    }
    case 'adopt': {
      // The record first: from here on the profile is this role's, whatever happens to the writes below.
      if (plan.bind !== undefined && session.records !== undefined) {
        const { profileId, roleId, source, version } = plan.bind;
        const at = session.clock().toISOString();
        const bound = await session.records.bind(plan.profileName, { profileId, roleId, source, at }, version);
        if (bound !== 'done') return bound;
      }
      if (plan.retag.length > 0) {
        const tagged = await tagProfile(iam, plan.profileName, plan.retag);
        if (tagged !== 'done') return tagged;
        session.tagged(plan.profileName, plan.roleName);
      }
      return link(session, plan.profileName, plan.roleName);
    }
    case 'release':
      for (const profileName of plan.profileNames) {
        const released = await releaseProfile(iam, profileName, [plan.roleName], (change) =>
          change.kind === 'removed' ? session.removed(profileName, plan.roleName) : session.deleted(profileName),
        );
        if (released !== 'done') return released;
      }
      return 'done';
    case 'cleanup': {
      const deleted = await deleteProfile(iam, plan.profileName);
      if (deleted === 'done') session.deleted(plan.profileName);
      return deleted;
    }
  }
}

async function link(session: Session, profileName: string, roleName: string): Promise<WriteResult> {
  const added = await addRole(session.iam, profileName, roleName);
  if (added === 'done') session.added(profileName, roleName);
  return added;
}

/** Forgets what a write proved stale, so that the next round reads it again; keeps what this run knows. */
function afterWrite(facts: Facts, result: Exclude<ApplyResult, 'done'>, session: Session): Facts {
  const kept: Facts = {
    trigger: facts.trigger,
    now: facts.now,
    creationId: facts.creationId,
    roleSeen: facts.roleSeen,
    createdProfile: session.createdProfile,
  };
  switch (result) {
    case 'entity-missing':
    case 'profile-in-use':
      return kept;
    case 'record-changed':
      // Another write bound the record since we read it: read it, and the profile, again.
      return { ...facts, createdProfile: session.createdProfile, ownership: undefined, sameNameProfile: 'exists' };
    case 'quota-exceeded':
      return { ...facts, quotaFull: true };
    case 'profile-exists':
    case 'profile-full':
      return { ...facts, createdProfile: session.createdProfile, sameNameProfile: 'exists', writeSawProfile: true };
  }
}

/** The log message of each decision, as carried out and as a dry run. */
const MESSAGES: Readonly<Record<FinalPlan['kind'], readonly [done: string, dryRun: string]>> = {
  create: ['linked instance profile', 'would link instance profile'],
  adopt: ['linked instance profile', 'would link instance profile'],
  release: ['released instance profile', 'would release instance profile'],
  cleanup: ['deleted leftover instance profile', 'would delete leftover instance profile'],
  conflict: ['instance profile conflict', 'instance profile conflict'],
  retry: ['not done yet, will retry', 'not done yet, will retry'],
  nothing: ['nothing to do', 'nothing to do'],
};

/** An alarm: a line of its own at a higher level, and a metric of its own. */
interface Alarm {
  readonly level: 'warn' | 'error';
  readonly message: string;
  readonly metric: MetricName;
}

/** The reasons that raise an {@link Alarm} instead of the plain line. */
const ALARMS: Partial<Record<RetryReason | NothingReason, Alarm>> = {
  'quota-exceeded': { level: 'error', message: 'instance profile quota is full', metric: 'QuotaExceeded' },
  'quota-headroom': {
    level: 'warn',
    message: 'instance profile quota headroom reached',
    metric: 'QuotaHeadroomReached',
  },
};

/**
 * Logs the one line that explains the decision and what this run changed, counts both, and returns
 * them as an {@link Outcome}. Changes are counted from what was done, not from the final plan: a run
 * whose half-done work a racing delivery finished still counts the profile it created.
 */
function report(
  plan: FinalPlan,
  trigger: RoleTrigger,
  deps: RemediateDeps,
  session: Session,
  creationId: string,
): Outcome {
  const { dryRun } = deps.config;
  const outcome: Outcome = {
    role: trigger.roleName,
    trigger: trigger.kind,
    decision: plan.kind,
    reason: 'reason' in plan ? plan.reason : undefined,
    profile: profileOf(plan),
    note: plan.note,
    changed: session.changes.length > 0,
    changes: session.changes.map((change) => change.text),
    dryRun,
    iamCalls: session.requests,
    recordCalls: session.recordRequests,
    creationId,
  };
  const { origin } = trigger;
  const attributes = {
    ...outcome,
    ...(origin.type === 'event'
      ? { eventName: origin.eventName, caller: origin.caller.arn, invokedBy: origin.caller.invokedBy }
      : {}),
  };
  const [done, wouldDo] = MESSAGES[plan.kind];
  const message = isWrite(plan) && dryRun ? wouldDo : done;
  for (const { metric } of session.changes) if (metric !== undefined) deps.metrics.count(metric);
  switch (plan.kind) {
    case 'conflict':
      deps.log.warn(message, { ...attributes, profileRoles: plan.profileRoles });
      deps.metrics.count('Conflicts', { reason: plan.reason });
      break;
    case 'retry':
    case 'nothing': {
      const alarm = ALARMS[plan.reason];
      if (alarm !== undefined) {
        deps.log[alarm.level](alarm.message, attributes);
        deps.metrics.count(alarm.metric);
        // The errors alarm watches the `Errors` total alone (one alarm metric, not one per kind): count it there too.
        deps.metrics.count('Errors', { reason: plan.reason });
      } else {
        // IAM failing through the SDK's retries is worth a warning; waiting for IAM to show a write is not.
        deps.log[plan.reason === 'throttled' || plan.reason === 'iam-unavailable' ? 'warn' : 'info'](
          message,
          attributes,
        );
      }
      deps.metrics.count(plan.kind === 'retry' ? 'Retries' : 'Skipped', { reason: plan.reason });
      break;
    }
    default:
      deps.log.info(message, attributes);
  }
  return outcome;
}

function profileOf(plan: FinalPlan): string | undefined {
  switch (plan.kind) {
    case 'create':
      return plan.profile.name;
    case 'adopt':
    case 'conflict':
    case 'cleanup':
      return plan.profileName;
    case 'release':
      return plan.profileNames.join(', ');
    default:
      return undefined;
  }
}
