/**
 * The account's instance profiles against its quota, from GetAccountSummary, shared by the records of a warm
 * function (the cache lives at module scope), so that a new EC2 role costs the same four IAM calls as before in
 * steady state. Each profile this function creates is added to what it read, so that the count never lags behind
 * its own creates. Other instances' creates it cannot see until it reads again, so:
 * - far from the threshold, a read serves {@link USAGE_TTL_MS} and at most `createsPerRead` (a batch) of this
 *   instance's creates, and the margin below the threshold (core/quota.ts, {@link QuotaHeadroom}) covers what the
 *   other instances may create meanwhile;
 * - within the margin, each create is decided on a read that no other create decision of this instance used, one
 *   decision at a time: the next record waits for the previous one to create, or not, then reads again.
 * One read is in flight per instance: records that need the usage at once share it. So near the threshold no
 * instance makes more than one create the others cannot see, and warm instances together pass it by at most one
 * each; an instance that sat idle on a read far from it while the others came near can add at most one batch before
 * it reads again.
 */
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { nearThreshold, type QuotaHeadroom } from '../quota.js';
import type { ProfileUsage } from '../snapshots.js';
import type { IamSender } from './client.js';
import type { IamPermission } from './permissions.js';

/** The IAM action this module calls. It has no resource type, so it is granted on `*`; it is read-only. */
export const ACCOUNT_SUMMARY_PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:GetAccountSummary', resource: '*' },
];

/** How long a read usage is reused far from the threshold: 5 minutes. */
export const USAGE_TTL_MS = 5 * 60 * 1000;

/** GetAccountSummary's instance profile count and quota, or `'unknown'` when IAM does not report both. */
export async function readProfileUsage(iam: IamSender): Promise<ProfileUsage | 'unknown'> {
  const output = await iam.send(new GetAccountSummaryCommand({}));
  const SummaryMap = output?.SummaryMap ?? {};
  const used = SummaryMap.InstanceProfiles;
  const quota = SummaryMap.InstanceProfilesQuota;
  return used === undefined || quota === undefined ? 'unknown' : { used, quota };
}

/** The usage one record decides a create on, held until the record is done with it. */
export interface UsageLease {
  /** What was read, plus this function's creates since. */
  readonly usage: ProfileUsage | 'unknown';
  /** The record created a profile. */
  created(): void;
  /** The record is done with the usage, whether it created or not; calling it again does nothing. */
  release(): void;
}

/** Where a remediation gets the account's instance profile usage. */
export interface ProfileUsageSource {
  /** The usage to decide one create on, as fresh as `headroom` asks; release the lease when the record is done. */
  lease(iam: IamSender, headroom: QuotaHeadroom): Promise<UsageLease>;
}

/** One read, and what this function did since. */
interface Read {
  /** When the read began. */
  readonly at: number;
  readonly usage: ProfileUsage | 'unknown';
  /** This function's creates since the read began (those during it too: it may not count them). */
  creates: number;
  /** A near-threshold create decision has been made on it. */
  leased: boolean;
}

/** A {@link ProfileUsageSource} over {@link readProfileUsage}, for one warm function. */
export class ProfileUsageCache implements ProfileUsageSource {
  private cached: Read | undefined;
  private inflight: Promise<ProfileUsage | 'unknown'> | undefined;
  /** Creates since the read in flight began, which it starts its count with. */
  private createsDuringRead = 0;
  /** The last near-threshold lease in line: the next one starts when it is released. */
  private turn: Promise<void> = Promise.resolve();

  /** @param clock milliseconds since the epoch; injectable for tests. @default Date.now */
  constructor(private readonly clock: () => number = Date.now) {}

  async lease(iam: IamSender, headroom: QuotaHeadroom): Promise<UsageLease> {
    const usage = await this.usage(iam, headroom);
    const created = () => this.count();
    if (usage === 'unknown' || !nearThreshold(usage, headroom)) return { usage, created, release: () => {} };
    const release = await this.takeTurn();
    try {
      const cached = this.cached;
      const unused = cached !== undefined && !cached.leased && cached.creates === 0 && this.fresh(cached);
      if (!unused) {
        // A read already in flight may have begun before the last create: this one must begin after it.
        await this.inflight?.catch(() => undefined);
        await this.read(iam);
      }
      const read = this.cached;
      if (read === undefined) throw new Error('no usage read');
      read.leased = true;
      return { usage: beliefOf(read), created, release };
    } catch (error) {
      release();
      throw error;
    }
  }

  /** The cached usage while it may serve, else the read in flight, else a new read. */
  private usage(iam: IamSender, headroom: QuotaHeadroom): Promise<ProfileUsage | 'unknown'> {
    const cached = this.cached;
    if (cached !== undefined && this.fresh(cached) && cached.creates < headroom.createsPerRead) {
      return Promise.resolve(beliefOf(cached));
    }
    return this.inflight ?? this.read(iam);
  }

  private read(iam: IamSender): Promise<ProfileUsage | 'unknown'> {
    const at = this.clock();
    this.createsDuringRead = 0;
    const reading = readProfileUsage(iam)
      .then((usage) => {
        const read: Read = { at, usage, creates: this.createsDuringRead, leased: false };
        this.cached = read;
        return beliefOf(read);
      })
      .finally(() => {
        if (this.inflight === reading) this.inflight = undefined;
      });
    this.inflight = reading;
    return reading;
  }

  private count(): void {
    this.createsDuringRead++;
    if (this.cached !== undefined) this.cached.creates++;
  }

  private fresh(read: Read): boolean {
    return this.clock() - read.at < USAGE_TTL_MS;
  }

  /** Waits for the near-threshold leases before this one; resolves with the release of this one. */
  private takeTurn(): Promise<() => void> {
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const before = this.turn;
    this.turn = before.then(() => mine);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      done();
    };
    return before.then(() => release);
  }
}

/** A read's count with this function's creates since. */
function beliefOf(read: Read): ProfileUsage | 'unknown' {
  return read.usage === 'unknown' ? 'unknown' : { used: read.usage.used + read.creates, quota: read.usage.quota };
}

/** The cache of this warm function (module scope). */
export const PROFILE_USAGE = new ProfileUsageCache();
