/**
 * Remediation of one role: read what {@link decide} needs, carry out its plan, and re-decide whenever
 * IAM's answer shows the world changed under us (a racing delivery, a profile someone else made).
 * Logs exactly one line per decision, with the role, the decision, the reason and what this call changed.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Config } from './config.js';
import { decide, type Facts, type Need, type Plan, type WritePlan } from './decide.js';
import { AutoInstanceProfileError } from './errors.js';
import type { RoleTrigger } from './events.js';
import { addRole, createProfile, type WriteResult } from './iam/apply-plan.js';
import { readProfile, readRole, readRoleProfiles } from './iam/read-state.js';
import { deleteProfile, removeRole } from './iam/release.js';
import type { Counter, Log } from './observability.js';

/** What a remediation needs from outside. */
export interface RemediateDeps {
  readonly iam: IAMClient;
  readonly config: Config;
  readonly log: Log;
  readonly metrics: Counter;
  /** The clock, for the "role not visible yet" window. @default () => new Date() */
  readonly now?: () => Date;
}

/** Facts a caller already has, for example from a listing of the account, so that they are not read again. */
export type KnownFacts = Partial<Omit<Facts, 'trigger' | 'now'>>;

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
  /** True when this call changed IAM (never in a dry run). */
  readonly changed: boolean;
  /** What this call changed in IAM, in order, e.g. `created instance profile app-role`. */
  readonly changes: readonly string[];
  readonly dryRun: boolean;
  /** IAM API calls made; the SDK's retries of one call count once. */
  readonly iamCalls: number;
}

/** Rounds allowed before we call it a bug: the worst race (create, then add, each lost) needs five. */
const MAX_ROUNDS = 8;

/** Counts IAM calls and records what changed. */
class Session {
  iamCalls = 0;
  readonly changes: string[] = [];

  constructor(readonly iam: IAMClient) {}

  call<T>(work: Promise<T>): Promise<T> {
    this.iamCalls++;
    return work;
  }
}

/**
 * Decides and acts for one role trigger, starting from `known` facts. Throws only what the caller should
 * retry or park in the DLQ.
 */
export async function remediate(trigger: RoleTrigger, deps: RemediateDeps, known: KnownFacts = {}): Promise<Outcome> {
  const { config } = deps;
  const start: Facts = { ...known, trigger, now: (deps.now ?? (() => new Date()))() };
  let facts = start;
  const session = new Session(deps.iam);

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const step = decide(facts, config);
    if (step.kind === 'need') {
      facts = { ...facts, ...(await gather(step, facts, session)) };
      continue;
    }
    if (isWrite(step) && !config.dryRun) {
      const result = await apply(step, session);
      if (result !== 'done') {
        deps.log.debug('re-deciding', { role: trigger.roleName, decision: step.kind, iamAnswer: result });
        facts = afterWrite(facts, result);
        continue;
      }
    }
    return report(step, trigger, deps, session);
  }
  throw new AutoInstanceProfileError(`no stable decision for role ${trigger.roleName} after ${MAX_ROUNDS} rounds`);
}

function isWrite(plan: FinalPlan): plan is WritePlan {
  return plan.kind === 'create' || plan.kind === 'adopt' || plan.kind === 'release' || plan.kind === 'cleanup';
}

async function gather(step: Need, facts: Facts, session: Session): Promise<Partial<Facts>> {
  const { iam } = session;
  const roleName = facts.trigger.roleName;
  switch (step.fact) {
    case 'role':
      return { role: await session.call(readRole(iam, roleName)) };
    case 'roleProfiles':
      return { roleProfiles: await session.call(readRoleProfiles(iam, roleName)) };
    case 'holdingProfiles': {
      const names = Array.isArray(facts.roleProfiles) ? facts.roleProfiles : [];
      const read = await Promise.all(names.map((name) => session.call(readProfile(iam, name))));
      // A profile deleted since the listing no longer holds the role: it is simply not there.
      return { holdingProfiles: read.filter((profile) => profile !== 'absent') };
    }
    case 'sameNameProfile':
      return { sameNameProfile: await session.call(readProfile(iam, roleName)) };
  }
}

/** What a write told us: done, or a state that calls for reading IAM again and re-deciding. */
type ApplyResult = WriteResult | 'profile-in-use';

async function apply(plan: WritePlan, session: Session): Promise<ApplyResult> {
  const { iam } = session;
  switch (plan.kind) {
    case 'create': {
      const created = await session.call(createProfile(iam, plan.profile));
      if (created !== 'done') return created;
      session.changes.push(`created instance profile ${plan.profile.name}`);
      return link(session, plan.profile.name, plan.roleName);
    }
    case 'adopt':
      return link(session, plan.profileName, plan.roleName);
    case 'release':
      for (const profileName of plan.profileNames) {
        await session.call(removeRole(iam, profileName, plan.roleName));
        session.changes.push(`removed role ${plan.roleName} from instance profile ${profileName}`);
        const deleted = await session.call(deleteProfile(iam, profileName));
        if (deleted !== 'done') return deleted;
        session.changes.push(`deleted instance profile ${profileName}`);
      }
      return 'done';
    case 'cleanup': {
      const deleted = await session.call(deleteProfile(iam, plan.profileName));
      if (deleted === 'done') session.changes.push(`deleted instance profile ${plan.profileName}`);
      return deleted;
    }
  }
}

async function link(session: Session, profileName: string, roleName: string): Promise<WriteResult> {
  const added = await session.call(addRole(session.iam, profileName, roleName));
  if (added === 'done') session.changes.push(`added role ${roleName} to instance profile ${profileName}`);
  return added;
}

/** Forgets what a write proved stale, so that the next round reads it again. */
function afterWrite(facts: Facts, result: Exclude<ApplyResult, 'done'>): Facts {
  const fresh: Facts = { trigger: facts.trigger, now: facts.now };
  switch (result) {
    case 'entity-missing':
    case 'profile-in-use':
      return fresh;
    case 'profile-exists':
    case 'profile-full':
      return { ...facts, sameNameProfile: 'exists' };
  }
}

/** The log message of each decision, as carried out and as a dry run. */
const MESSAGES: Readonly<Record<FinalPlan['kind'], readonly [done: string, dryRun: string]>> = {
  create: ['linked instance profile', 'would link instance profile'],
  adopt: ['linked instance profile', 'would link instance profile'],
  release: ['released instance profile', 'would release instance profile'],
  cleanup: ['deleted leftover instance profile', 'would delete leftover instance profile'],
  conflict: ['instance profile conflict', 'instance profile conflict'],
  retry: ['role not visible yet', 'role not visible yet'],
  nothing: ['nothing to do', 'nothing to do'],
};

/** Logs the one line that explains the decision, counts it, and returns it as an {@link Outcome}. */
function report(plan: FinalPlan, trigger: RoleTrigger, deps: RemediateDeps, session: Session): Outcome {
  const { dryRun } = deps.config;
  const outcome: Outcome = {
    role: trigger.roleName,
    trigger: trigger.kind,
    decision: plan.kind,
    reason: 'reason' in plan ? plan.reason : undefined,
    profile: profileOf(plan),
    note: plan.note,
    changed: session.changes.length > 0,
    changes: session.changes,
    dryRun,
    iamCalls: session.iamCalls,
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
  switch (plan.kind) {
    case 'create':
    case 'adopt':
      deps.log.info(message, attributes);
      if (!dryRun) deps.metrics.count(plan.kind === 'create' ? 'ProfilesCreated' : 'ProfilesAdopted');
      break;
    case 'release':
      deps.log.info(message, attributes);
      if (!dryRun) for (const _ of plan.profileNames) deps.metrics.count('ProfilesReleased');
      break;
    case 'cleanup':
      deps.log.info(message, attributes);
      if (!dryRun) deps.metrics.count('ProfilesDeleted');
      break;
    case 'conflict':
      deps.log.warn(message, { ...attributes, profileRoles: plan.profileRoles });
      deps.metrics.count('Conflicts', { reason: plan.reason });
      break;
    case 'retry':
      deps.log.info(message, attributes);
      deps.metrics.count('Retries', { reason: plan.reason });
      break;
    case 'nothing':
      deps.log.info(message, attributes);
      deps.metrics.count('Skipped', { reason: plan.reason });
      break;
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
