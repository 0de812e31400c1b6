/**
 * `doctor --smoke`: proves the deployed pipeline end to end. It creates a throwaway role that EC2 may
 * assume, waits for the service to give it its same-name instance profile (the settle delay plus a
 * margin), and reports how long that took. Then it deletes the role as a user would, through the service's
 * own delete handling: DeleteRole fails with DeleteConflict on the profile, the service releases it, and
 * DeleteRole is tried again. If the service does not release the profile in time, or the user presses
 * Ctrl-C, the doctor removes the role and its profile itself and says so: the smoke test leaves nothing.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IAMClient } from '@aws-sdk/client-iam';
import { SETTINGS } from '../../core/settings.js';
import { AwsAccessError, asAwsAccessError, describeError } from '../errors.js';
import { type CheckResult, notChecked } from './checks.js';
import {
  createSmokeRole,
  deleteSmokeRole,
  profilesHoldingRole,
  removeSmokeRole,
  SMOKE_ROLE_PREFIX,
} from './smoke-role.js';

/**
 * Added to the settle delay: CloudTrail's delivery to EventBridge (usually seconds, sometimes minutes),
 * the function's poll and its IAM calls, and IAM's eventual consistency.
 */
export const SMOKE_MARGIN_SECONDS = 120;
/** How often the smoke test looks for the profile, and for its release. */
export const SMOKE_POLL_MS = 1000;
/**
 * How long after the DeleteConflict the service may take to release the profile: the same margin, since the
 * same steps are in it (CloudTrail's delivery, the function's poll and IAM calls, eventual consistency),
 * without the settle delay, which deletes skip.
 */
export const SMOKE_RELEASE_TIMEOUT_SECONDS = SMOKE_MARGIN_SECONDS;

/** How long the smoke test waits, and why. */
export interface SmokeTiming {
  readonly timeoutSeconds: number;
  /** The deployed queue's DelaySeconds, when it could be read. */
  readonly settleDelaySeconds?: number | undefined;
  /** Where the wait comes from: `--timeout`, the queue's settle delay, or the stack's default settle delay. */
  readonly source: '--timeout' | 'queue' | 'default';
}

/** The wait: `--timeout` when given, else the queue's settle delay plus the margin, else the default delay plus the margin. Pure. */
export function smokeTiming(timeoutFlag: number | undefined, queueDelaySeconds: number | undefined): SmokeTiming {
  const settle = queueDelaySeconds === undefined ? {} : { settleDelaySeconds: queueDelaySeconds };
  if (timeoutFlag !== undefined) return { timeoutSeconds: timeoutFlag, ...settle, source: '--timeout' };
  if (queueDelaySeconds !== undefined) {
    return { timeoutSeconds: queueDelaySeconds + SMOKE_MARGIN_SECONDS, ...settle, source: 'queue' };
  }
  return { timeoutSeconds: SETTINGS.settleDelay.default + SMOKE_MARGIN_SECONDS, source: 'default' };
}

/** The wait in words, for the report. Pure. */
export function describeTiming(timing: SmokeTiming): string {
  switch (timing.source) {
    case '--timeout':
      return `--timeout ${timing.timeoutSeconds} s`;
    case 'queue':
      return `the queue's settle delay ${timing.settleDelaySeconds} s + ${SMOKE_MARGIN_SECONDS} s`;
    case 'default':
      return `the default settle delay ${SETTINGS.settleDelay.default} s + ${SMOKE_MARGIN_SECONDS} s, as the queue could not be read; pass --timeout to choose`;
  }
}

/** A fresh smoke-test role name: the prefix, the time in base 36 and a random part, within IAM's 64 characters. */
export function smokeRoleName(nowMs: number, random: string): string {
  return `${SMOKE_ROLE_PREFIX}${nowMs.toString(36)}-${random}`;
}

/** What the smoke test needs. Clock and sleep are injected so that tests need not wait. */
export interface SmokeDeps {
  readonly iam: IAMClient;
  readonly timing: SmokeTiming;
  /** Names of the checks that failed before: they explain a profile that never came. */
  readonly failedChecks?: readonly string[];
  /** The function's name, to point at its logs. */
  readonly functionName?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called at each poll for the profile with the seconds waited so far. */
  readonly onWait?: (elapsedSeconds: number, roleName: string) => void;
  /** Called at each poll for the release, after the DeleteConflict, with the seconds waited so far. */
  readonly onReleaseWait?: (elapsedSeconds: number, roleName: string) => void;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly randomSuffix?: () => string;
}

/**
 * How the role went:
 * - `deleted`: the first DeleteRole succeeded, no profile held the role;
 * - `released`: DeleteRole failed with DeleteConflict, the service released its profile, and DeleteRole
 *   succeeded `seconds` after the conflict;
 * - `by-hand`: the service did not release the profile in time (or Ctrl-C), so the doctor removed the role
 *   from its profile and deleted both itself.
 */
export type SmokeRemoval =
  | { readonly how: 'deleted' }
  | { readonly how: 'released'; readonly seconds: number }
  | { readonly how: 'by-hand'; readonly why: 'timeout' | 'interrupted' };

/** How the smoke test went. */
export interface SmokeOutcome {
  readonly check: CheckResult;
  readonly roleName: string;
  /** Seconds from CreateRole's answer to the first sight of the profile holding the role. */
  readonly latencySeconds?: number;
  readonly timing: SmokeTiming;
  /** Whether the role and its profile are gone again. */
  readonly removed: boolean;
  /** How they went, when they did. */
  readonly removal?: SmokeRemoval;
  readonly interrupted: boolean;
}

/** Runs the smoke test. Throws only an AwsAccessError; every other failure is in the outcome. */
export async function runSmoke(deps: SmokeDeps): Promise<SmokeOutcome> {
  const now = deps.now ?? Date.now;
  const wait = deps.sleep ?? defaultSleep;
  const roleName = smokeRoleName(now(), deps.randomSuffix?.() ?? randomBytes(3).toString('hex'));
  const base = { roleName, timing: deps.timing };
  try {
    await createSmokeRole(deps.iam, roleName);
  } catch (error) {
    rethrowAccess(error, 'CreateRole');
    const check = notChecked('smoke', `CreateRole ${roleName} failed: ${describeError(error)}`);
    return { ...base, check, removed: true, interrupted: false };
  }
  const started = now();
  let latencySeconds: number | undefined;
  let waitError: unknown;
  try {
    latencySeconds = await waitForProfile(deps, roleName, started, now, wait);
  } catch (error) {
    waitError = error;
  }
  let removal: SmokeRemoval | undefined;
  let removalError: unknown;
  try {
    removal = await removeThroughService(deps, roleName, now, wait);
  } catch (error) {
    removalError = error;
  }
  const access =
    asAwsAccessError(waitError, 'ListInstanceProfilesForRole') ?? asAwsAccessError(removalError, 'DeleteRole');
  if (access !== undefined) {
    if (removal !== undefined) throw access;
    throw new AwsAccessError(`${access.message} (the smoke-test role ${roleName} is left behind: delete it by hand)`, {
      cause: access,
    });
  }
  // Ctrl-C while waiting for the profile, or for its release; not once the role is gone the ordinary way.
  const interrupted =
    deps.signal?.aborted === true &&
    (latencySeconds === undefined || (removal?.how === 'by-hand' && removal.why === 'interrupted'));
  return {
    ...base,
    ...(latencySeconds === undefined ? {} : { latencySeconds }),
    removed: removal !== undefined,
    ...(removal === undefined ? {} : { removal }),
    interrupted,
    check: smokeCheck({ ...deps, roleName, latencySeconds, waitError, removal, removalError, interrupted }),
  };
}

/**
 * Deletes the role as a user would: DeleteRole; on DeleteConflict, waits for the service to release its
 * profile and tries again. Falls back to removing the role and its profile by hand when the service has not
 * released it within SMOKE_RELEASE_TIMEOUT_SECONDS, or at once on Ctrl-C.
 */
async function removeThroughService(
  deps: SmokeDeps,
  roleName: string,
  now: () => number,
  wait: (ms: number, signal?: AbortSignal) => Promise<void>,
): Promise<SmokeRemoval> {
  const aborted = () => deps.signal?.aborted === true;
  if (!aborted()) {
    if ((await deleteSmokeRole(deps.iam, roleName)) === 'deleted') return { how: 'deleted' };
    const conflictAt = now();
    const deadline = conflictAt + SMOKE_RELEASE_TIMEOUT_SECONDS * 1000;
    for (;;) {
      const released = (await profilesHoldingRole(deps.iam, roleName)).length === 0;
      // IAM is eventually consistent: a DeleteRole right after the release may still conflict, so look again.
      if (released && (await deleteSmokeRole(deps.iam, roleName)) === 'deleted') {
        return { how: 'released', seconds: (now() - conflictAt) / 1000 };
      }
      const seen = now();
      if (seen >= deadline || aborted()) break;
      deps.onReleaseWait?.(Math.floor((seen - conflictAt) / 1000), roleName);
      await wait(Math.min(SMOKE_POLL_MS, deadline - seen), deps.signal);
    }
  }
  await removeSmokeRole(deps.iam, roleName);
  return { how: 'by-hand', why: aborted() ? 'interrupted' : 'timeout' };
}

async function waitForProfile(
  deps: SmokeDeps,
  roleName: string,
  started: number,
  now: () => number,
  wait: (ms: number, signal?: AbortSignal) => Promise<void>,
): Promise<number | undefined> {
  const deadline = started + deps.timing.timeoutSeconds * 1000;
  for (;;) {
    const profiles = await profilesHoldingRole(deps.iam, roleName);
    const seen = now();
    if (profiles.includes(roleName)) return (seen - started) / 1000;
    if (seen >= deadline || deps.signal?.aborted === true) return undefined;
    deps.onWait?.(Math.floor((seen - started) / 1000), roleName);
    await wait(Math.min(SMOKE_POLL_MS, deadline - seen), deps.signal);
  }
}

/** What became of the role, in words, for the check's line. Pure. */
export function describeRemoval(removal: SmokeRemoval | undefined, removalError: unknown, roleName: string): string {
  if (removal === undefined) {
    return `removing them failed (${describeError(removalError)}): delete role ${roleName} and its instance profile by hand`;
  }
  switch (removal.how) {
    case 'deleted':
      return 'DeleteRole removed the role at the first attempt';
    case 'released':
      return `DeleteRole conflicted on the profile, the service released it, and DeleteRole removed the role ${removal.seconds.toFixed(1)} s after the conflict`;
    case 'by-hand':
      return removal.why === 'interrupted'
        ? 'the doctor removed the role and its profile itself'
        : `DeleteRole conflicted on the profile and the service did not release it within ${SMOKE_RELEASE_TIMEOUT_SECONDS} s, so the doctor removed the role and its profile itself: deletes do not reach the function (look at the stack's delete rule and queue)`;
  }
}

/** The smoke check's line, from what happened. Pure. */
export function smokeCheck(facts: {
  readonly roleName: string;
  readonly timing: SmokeTiming;
  readonly latencySeconds?: number | undefined;
  readonly waitError?: unknown;
  readonly removal?: SmokeRemoval | undefined;
  readonly removalError?: unknown;
  readonly interrupted: boolean;
  readonly failedChecks?: readonly string[] | undefined;
  readonly functionName?: string | undefined;
}): CheckResult {
  const { roleName, removal } = facts;
  const removed = describeRemoval(removal, facts.removalError, roleName);
  if (facts.interrupted) return notChecked('smoke', `interrupted; ${removed}`);
  if (facts.waitError !== undefined) {
    return notChecked('smoke', `ListInstanceProfilesForRole failed: ${describeError(facts.waitError)}; ${removed}`);
  }
  if (facts.latencySeconds !== undefined) {
    const settle =
      facts.timing.settleDelaySeconds === undefined ? '' : ` (settle delay ${facts.timing.settleDelaySeconds} s)`;
    // The profile came, but a delete the service did not handle is a fault of the pipeline too.
    const passed = removal !== undefined && removal.how !== 'by-hand';
    return {
      name: 'smoke',
      status: passed ? 'ok' : 'failed',
      detail: `instance profile ${roleName} held its role ${facts.latencySeconds.toFixed(1)} s after CreateRole${settle}; ${removed}`,
    };
  }
  const failed = facts.failedChecks ?? [];
  const because =
    failed.length === 0
      ? ''
      : ` The ${listInWords(failed)} check${failed.length > 1 ? 's' : ''} failed: events do not reach the function until ${failed.length > 1 ? 'they pass' : 'it passes'}.`;
  const logs =
    facts.functionName === undefined
      ? ''
      : ` Look at the function's log group /aws/lambda/${facts.functionName} and at the dead-letter queue.`;
  return {
    name: 'smoke',
    status: 'failed',
    detail: `no instance profile ${roleName} held the role within ${facts.timing.timeoutSeconds} s (${describeTiming(facts.timing)}); ${removed}.${because}${logs}`,
  };
}

/** `a`, `a and b`, `a, b and c`. */
function listInWords(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

function rethrowAccess(error: unknown, operation: string): void {
  const access = asAwsAccessError(error, operation);
  if (access !== undefined) throw access;
}

async function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  // An aborted sleep just ends early: the loop sees the signal and stops.
  await sleep(ms, undefined, signal === undefined ? undefined : { signal }).catch(() => undefined);
}
