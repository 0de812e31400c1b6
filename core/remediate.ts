/**
 * Remediation of one role: read what {@link decide} needs, carry out its plan, and re-decide whenever
 * IAM's answer shows the world changed under us (a racing delivery, a profile someone else made).
 * Logs exactly one line per decision, with the role, the decision and the reason.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { Config } from './config.js';
import { decide, type Facts, type Need, type Plan } from './decide.js';
import { AutoInstanceProfileError } from './errors.js';
import type { RoleTrigger } from './events.js';
import { addRole, createProfile, type WriteResult } from './iam/apply-plan.js';
import { readProfile, readRole, readRoleProfiles } from './iam/read-state.js';
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

/** A plan the loop has settled on. */
export type FinalPlan = Exclude<Plan, Need>;

/** What was decided and done: the caller's result, and the body of the decision's log line. */
export interface Outcome {
  readonly role: string;
  readonly decision: FinalPlan['kind'];
  readonly reason?: string;
  readonly profile?: string;
  readonly note: string;
  /** True when IAM was changed: a `create` or `adopt` carried out, not a dry run. */
  readonly changed: boolean;
  readonly dryRun: boolean;
  /** IAM API calls made; the SDK's retries of one call count once. */
  readonly iamCalls: number;
}

/** Rounds allowed before we call it a bug: the worst race (create, then add, each lost) needs five. */
const MAX_ROUNDS = 8;

type Call = <T>(work: Promise<T>) => Promise<T>;

/** Decides and acts for one role trigger. Throws only what the caller should retry or park in the DLQ. */
export async function remediate(trigger: RoleTrigger, deps: RemediateDeps): Promise<Outcome> {
  const { iam, config } = deps;
  let facts: Facts = { trigger, now: (deps.now ?? (() => new Date()))() };
  let iamCalls = 0;
  const call: Call = (work) => {
    iamCalls++;
    return work;
  };

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const step = decide(facts, config);
    if (step.kind === 'need') {
      facts = { ...facts, ...(await gather(step, trigger.roleName, iam, call)) };
      continue;
    }
    if ((step.kind === 'create' || step.kind === 'adopt') && !config.dryRun) {
      const result = await apply(step, iam, call);
      if (result !== 'done') {
        deps.log.debug('re-deciding', { role: trigger.roleName, decision: step.kind, iamAnswer: result });
        facts = afterWrite(facts, result);
        continue;
      }
    }
    return report(step, trigger, deps, iamCalls);
  }
  throw new AutoInstanceProfileError(`no stable decision for role ${trigger.roleName} after ${MAX_ROUNDS} rounds`);
}

async function gather(step: Need, roleName: string, iam: IAMClient, call: Call): Promise<Partial<Facts>> {
  switch (step.fact) {
    case 'role':
      return { role: await call(readRole(iam, roleName)) };
    case 'roleProfiles':
      return { roleProfiles: await call(readRoleProfiles(iam, roleName)) };
    case 'sameNameProfile':
      return { sameNameProfile: await call(readProfile(iam, roleName)) };
  }
}

async function apply(
  plan: Extract<Plan, { kind: 'create' | 'adopt' }>,
  iam: IAMClient,
  call: Call,
): Promise<WriteResult> {
  if (plan.kind === 'create') {
    const created = await call(createProfile(iam, plan.profile));
    if (created !== 'done') return created;
  }
  const profileName = plan.kind === 'create' ? plan.profile.name : plan.profileName;
  return call(addRole(iam, profileName, plan.roleName));
}

/** Forgets what a write proved stale, so that the next round reads it again. */
function afterWrite(facts: Facts, result: Exclude<WriteResult, 'done'>): Facts {
  if (result === 'entity-missing') return { trigger: facts.trigger, now: facts.now };
  return { ...facts, sameNameProfile: 'exists' };
}

/** Logs the one line that explains the decision, counts it, and returns it as an {@link Outcome}. */
function report(plan: FinalPlan, trigger: RoleTrigger, deps: RemediateDeps, iamCalls: number): Outcome {
  const writes = plan.kind === 'create' || plan.kind === 'adopt';
  const outcome: Outcome = {
    role: trigger.roleName,
    decision: plan.kind,
    reason: 'reason' in plan ? plan.reason : undefined,
    profile: profileOf(plan),
    note: plan.note,
    changed: writes && !deps.config.dryRun,
    dryRun: deps.config.dryRun,
    iamCalls,
  };
  const attributes = { ...outcome, caller: trigger.caller.arn, invokedBy: trigger.caller.invokedBy };
  switch (plan.kind) {
    case 'create':
    case 'adopt':
      deps.log.info(outcome.changed ? 'linked instance profile' : 'would link instance profile', attributes);
      if (outcome.changed) deps.metrics.count(plan.kind === 'create' ? 'ProfilesCreated' : 'ProfilesAdopted');
      break;
    case 'conflict':
      deps.log.warn('instance profile conflict', { ...attributes, profileRoles: plan.profileRoles });
      deps.metrics.count('Conflicts', { reason: plan.reason });
      break;
    case 'retry':
      deps.log.info('role not visible yet', attributes);
      deps.metrics.count('Retries', { reason: plan.reason });
      break;
    case 'nothing':
      deps.log.info('nothing to do', attributes);
      deps.metrics.count('Skipped', { reason: plan.reason });
      break;
  }
  return outcome;
}

function profileOf(plan: FinalPlan): string | undefined {
  if (plan.kind === 'create') return plan.profile.name;
  if (plan.kind === 'adopt' || plan.kind === 'conflict') return plan.profileName;
  return undefined;
}
