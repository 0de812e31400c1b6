import { setTimeout as sleep } from 'node:timers/promises';
import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { ProfileUsageCache, USAGE_TTL_MS } from '../../core/iam/account-summary.js';
import type { IamSender } from '../../core/iam/client.js';
import { BATCH_SIZE } from '../../core/pipeline-settings.js';
import { type QuotaHeadroom, quotaHeadroom, quotaThresholdReached } from '../../core/quota.js';

const iam = mockClient(IAMClient);
const client = new IAMClient({});
/** The defaults: 95% of the quota, and a margin of 2 queues × 2 invocations × 10 records = 40 profiles. */
const HEADROOM = quotaHeadroom(DEFAULT_CONFIG);

beforeEach(() => {
  iam.reset();
  iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { InstanceProfiles: 800, InstanceProfilesQuota: 1000 } });
});

const reads = () => iam.commandCalls(GetAccountSummaryCommand).length;

describe('quotaHeadroom', () => {
  it('covers every instance that may create at once: both queues’ maxConcurrency × a batch', () => {
    // Act
    const headroom = quotaHeadroom({ instanceProfileQuotaPercent: 90, maxConcurrency: 5 });

    // Assess
    expect(HEADROOM).toEqual({ percent: 95, margin: 40, createsPerRead: BATCH_SIZE });
    expect(headroom).toEqual({ percent: 90, margin: 2 * 5 * BATCH_SIZE, createsPerRead: BATCH_SIZE });
  });
});

describe('ProfileUsageCache, far from the threshold', () => {
  it('reads GetAccountSummary once per 5 minutes, and counts its own creates meanwhile', async () => {
    // Prepare
    let now = 0;
    const cache = new ProfileUsageCache(() => now);

    // Act
    const first = await cache.lease(client, HEADROOM);
    first.created();
    now = USAGE_TTL_MS - 1;
    const cached = await cache.lease(client, HEADROOM);
    now = USAGE_TTL_MS;
    const fresh = await cache.lease(client, HEADROOM);

    // Assess
    expect(first.usage).toEqual({ used: 800, quota: 1000 });
    expect(cached.usage).toEqual({ used: 801, quota: 1000 });
    expect(fresh.usage).toEqual({ used: 800, quota: 1000 });
    expect(reads()).toBe(2);
  });

  it('reads again after a batch of its own creates, so that no read lags more than the margin covers', async () => {
    // Prepare
    const cache = new ProfileUsageCache(() => 0);

    // Act
    for (let i = 0; i < HEADROOM.createsPerRead; i++) (await cache.lease(client, HEADROOM)).created();
    const after = await cache.lease(client, HEADROOM);

    // Assess
    expect(reads()).toBe(2);
    expect(after.usage).toEqual({ used: 800, quota: 1000 });
  });

  it('shares one read among the records that need it at once', async () => {
    // Prepare
    const cache = new ProfileUsageCache(() => 0);

    // Act
    const leases = await Promise.all(Array.from({ length: 4 }, () => cache.lease(client, HEADROOM)));

    // Assess
    expect(reads()).toBe(1);
    expect(leases.map((lease) => lease.usage)).toEqual(Array(4).fill({ used: 800, quota: 1000 }));
  });

  it('says unknown when IAM reports no count or quota', async () => {
    // Prepare
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { Roles: 3 } });

    // Act
    const lease = await new ProfileUsageCache(() => 0).lease(client, HEADROOM);

    // Assess
    expect(lease.usage).toBe('unknown');
  });
});

describe('ProfileUsageCache, within the margin of the threshold', () => {
  beforeEach(() => {
    // 930 + 40 ≥ 950: within the margin
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { InstanceProfiles: 930, InstanceProfilesQuota: 1000 } });
  });

  it('decides the first create on the read that found it near, and reads again before the next', async () => {
    // Prepare
    const cache = new ProfileUsageCache(() => 0);

    // Act
    const first = await cache.lease(client, HEADROOM);
    const readsForFirst = reads();
    first.created();
    first.release();
    const second = await cache.lease(client, HEADROOM);

    // Assess
    expect(readsForFirst).toBe(1);
    expect(reads()).toBe(2);
    expect(second.usage).toEqual({ used: 930, quota: 1000 });
  });

  it('reads again even when the last decision created nothing: each create is decided on its own read', async () => {
    // Prepare
    const cache = new ProfileUsageCache(() => 0);

    // Act
    (await cache.lease(client, HEADROOM)).release();
    (await cache.lease(client, HEADROOM)).release();

    // Assess
    expect(reads()).toBe(2);
  });

  it('decides one create at a time: the next record waits until the last is released', async () => {
    // Prepare
    const cache = new ProfileUsageCache(() => 0);
    const first = await cache.lease(client, HEADROOM);

    // Act
    let secondLeased = false;
    const second = cache.lease(client, HEADROOM).then((lease) => {
      secondLeased = true;
      return lease;
    });
    await sleep(20);
    const waited = !secondLeased;
    first.release();
    first.release();
    (await second).release();

    // Assess
    expect(waited).toBe(true);
    expect(secondLeased).toBe(true);
  });
});

/**
 * An account with `count` instance profiles of a quota, read with a delay, and instances that each create when the
 * lease they decide on says the threshold is not reached: what the remediator does, without the rest of it.
 */
function account(count: number, quota: number) {
  const state = { count };
  const sender: IamSender = {
    send: (async () => {
      const snapshot = state.count;
      await sleep(3);
      return { SummaryMap: { InstanceProfiles: snapshot, InstanceProfilesQuota: quota } };
    }) as IamSender['send'],
  };
  /** One record: lease, decide, create (which takes a while), release. */
  const record = async (cache: ProfileUsageCache, headroom: QuotaHeadroom) => {
    const lease = await cache.lease(sender, headroom);
    try {
      if (lease.usage !== 'unknown' && !quotaThresholdReached(lease.usage, headroom.percent)) {
        await sleep(5);
        state.count++;
        lease.created();
      }
    } finally {
      lease.release();
    }
  };
  /** A batch of records on one instance, `concurrency` at a time, as the remediator works through one. */
  const batch = async (cache: ProfileUsageCache, headroom: QuotaHeadroom, records: number, concurrency: number) => {
    let left = records;
    const worker = async () => {
      for (; left > 0; left--) await record(cache, headroom);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  };
  return { state, sender, batch };
}

describe('two warm instances, each with a batch of ten records four at a time', () => {
  it.each([
    ['the count far below the threshold when they last read it', 0],
    ['the count just below the threshold when they last read it', 9],
  ])('pass the threshold together by at most one profile each, with %s', async (_, before) => {
    // Prepare: a threshold of 10 (50% of 20); each instance warm, having read the count before
    const headroom = quotaHeadroom({ instanceProfileQuotaPercent: 50, maxConcurrency: 2 });
    const { state, sender, batch } = account(before, 20);
    const instances = [new ProfileUsageCache(() => 0), new ProfileUsageCache(() => 0)];
    for (const cache of instances) (await cache.lease(sender, headroom)).release();

    // Act
    await Promise.all(instances.map((cache) => batch(cache, headroom, 10, 4)));

    // Assess: 10 is the threshold; one more per instance is the bound
    expect(state.count).toBeGreaterThanOrEqual(10);
    expect(state.count).toBeLessThanOrEqual(12);
  });

  it('each alone stops at the threshold exactly', async () => {
    // Prepare
    const headroom = quotaHeadroom({ instanceProfileQuotaPercent: 50, maxConcurrency: 2 });
    const { state, sender, batch } = account(3, 20);
    const cache = new ProfileUsageCache(() => 0);
    (await cache.lease(sender, headroom)).release();

    // Act
    await batch(cache, headroom, 10, 4);

    // Assess
    expect(state.count).toBe(10);
  });
});
