/**
 * The instance profile quota headroom: the service stops creating profiles before the account's last ones,
 * so that people and IaC keep them. One rule, read by the remediator's decision and by `doctor`. Pure.
 */
import type { Config } from './config.js';
import { BATCH_SIZE } from './pipeline-settings.js';
import type { ProfileUsage } from './snapshots.js';

/** Whether the account holds `percent`% of its instance profile quota or more (a quota of 0 is always reached). */
export function quotaThresholdReached(usage: ProfileUsage, percent: number): boolean {
  return usage.used * 100 >= usage.quota * percent;
}

/** The usage as people read it, e.g. `950 of 1000 instance profiles in use (95%)`. */
export function describeUsage(usage: ProfileUsage): string {
  const percent = usage.quota > 0 ? `${Number(((usage.used / usage.quota) * 100).toFixed(1))}%` : 'no quota';
  return `${usage.used} of ${usage.quota} instance profiles in use (${percent})`;
}

/** The function's queues whose invocations may create profiles at once: the settle queue's and the delete queue's. */
export const CREATING_QUEUES = 2;

/**
 * The quota headroom as the function holds it under concurrency: the threshold, and the margin below it within
 * which an instance reads GetAccountSummary again before each create instead of trusting what it read before.
 */
export interface QuotaHeadroom {
  /** Stop creating at this share of `InstanceProfilesQuota`, in percent. */
  readonly percent: number;
  /**
   * Profiles other instances may create unseen by this one: instances that may create at once (both queues'
   * `maxConcurrency`) × the records each takes at once (a batch).
   */
  readonly margin: number;
  /**
   * Own creates one read vouches for, far from the threshold: a batch. Each instance reads again after that many,
   * so that no read lags more than the other instances' batches behind, which the margin covers.
   */
  readonly createsPerRead: number;
}

/** The headroom of a function with these settings: `maxConcurrency` (MAX_CONCURRENCY) sizes the margin. */
export function quotaHeadroom(config: Pick<Config, 'instanceProfileQuotaPercent' | 'maxConcurrency'>): QuotaHeadroom {
  return {
    percent: config.instanceProfileQuotaPercent,
    margin: CREATING_QUEUES * config.maxConcurrency * BATCH_SIZE,
    createsPerRead: BATCH_SIZE,
  };
}

/** Whether `used` profiles are within the margin of the threshold (or past it): a create then needs a fresh read. */
export function nearThreshold(usage: ProfileUsage, headroom: QuotaHeadroom): boolean {
  return quotaThresholdReached({ used: usage.used + headroom.margin, quota: usage.quota }, headroom.percent);
}
