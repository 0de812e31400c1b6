/**
 * The instance profile quota headroom: the service stops creating profiles before the account's last ones,
 * so that people and IaC keep them. One rule, read by the remediator's decision and by `doctor`. Pure.
 */
import type { ProfileUsage } from './snapshots.js';

/** The default share of `InstanceProfilesQuota`, in percent, at which the service stops creating profiles. */
export const DEFAULT_QUOTA_PERCENT = 95;

/** Whether the account holds `percent`% of its instance profile quota or more (a quota of 0 is always reached). */
export function quotaThresholdReached(usage: ProfileUsage, percent: number): boolean {
  return usage.used * 100 >= usage.quota * percent;
}

/** The usage as people read it, e.g. `950 of 1000 instance profiles in use (95%)`. */
export function describeUsage(usage: ProfileUsage): string {
  const percent = usage.quota > 0 ? `${Number(((usage.used / usage.quota) * 100).toFixed(1))}%` : 'no quota';
  return `${usage.used} of ${usage.quota} instance profiles in use (${percent})`;
}
