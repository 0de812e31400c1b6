/**
 * The account's instance profiles against its quota, from GetAccountSummary, read at most once per
 * {@link USAGE_TTL_MS} per warm function: the cache lives at module scope, so a new EC2 role costs the same
 * four IAM calls as before in steady state. Each profile this function creates meanwhile is added to the
 * cached count, so the cache never lags behind our own creates.
 */
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import type { ProfileUsage } from '../snapshots.js';
import type { IamSender } from './client.js';
import type { IamPermission } from './permissions.js';

/** The IAM action this module calls. It has no resource type, so it is granted on `*`; it is read-only. */
export const ACCOUNT_SUMMARY_PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:GetAccountSummary', resource: '*' },
];

/** How long a read usage is reused: 5 minutes. */
export const USAGE_TTL_MS = 5 * 60 * 1000;

/** GetAccountSummary's instance profile count and quota, or `'unknown'` when IAM does not report both. */
export async function readProfileUsage(iam: IamSender): Promise<ProfileUsage | 'unknown'> {
  const output = await iam.send(new GetAccountSummaryCommand({}));
  const SummaryMap = output?.SummaryMap ?? {};
  const used = SummaryMap.InstanceProfiles;
  const quota = SummaryMap.InstanceProfilesQuota;
  return used === undefined || quota === undefined ? 'unknown' : { used, quota };
}

/** Where a remediation gets the account's instance profile usage, and tells it of each profile it created. */
export interface ProfileUsageSource {
  get(iam: IamSender): Promise<ProfileUsage | 'unknown'>;
  created(): void;
}

/** A {@link readProfileUsage} that reuses its answer for {@link USAGE_TTL_MS}. */
export class ProfileUsageCache implements ProfileUsageSource {
  private cached: { readonly at: number; usage: ProfileUsage | 'unknown' } | undefined;

  /** @param clock milliseconds since the epoch; injectable for tests. @default Date.now */
  constructor(private readonly clock: () => number = Date.now) {}

  /** The usage, from the cache while it is fresh, else read with `iam`. */
  async get(iam: IamSender): Promise<ProfileUsage | 'unknown'> {
    const now = this.clock();
    if (this.cached !== undefined && now - this.cached.at < USAGE_TTL_MS) return this.cached.usage;
    const usage = await readProfileUsage(iam);
    this.cached = { at: now, usage };
    return usage;
  }

  /** Counts a profile this function created since the read. */
  created(): void {
    const cached = this.cached;
    if (cached !== undefined && cached.usage !== 'unknown') {
      cached.usage = { ...cached.usage, used: cached.usage.used + 1 };
    }
  }
}

/** The cache of this warm function (module scope). */
export const PROFILE_USAGE = new ProfileUsageCache();
