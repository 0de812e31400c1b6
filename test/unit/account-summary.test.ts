import { GetAccountSummaryCommand, IAMClient } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { ProfileUsageCache, USAGE_TTL_MS } from '../../core/iam/account-summary.js';

const iam = mockClient(IAMClient);
const client = new IAMClient({});

beforeEach(() => {
  iam.reset();
  iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { InstanceProfiles: 940, InstanceProfilesQuota: 1000 } });
});

describe('ProfileUsageCache', () => {
  it('reads GetAccountSummary once per 5 minutes, and counts our own creates meanwhile', async () => {
    // Prepare
    let now = 0;
    const cache = new ProfileUsageCache(() => now);

    // Act
    const first = await cache.get(client);
    cache.created();
    now = USAGE_TTL_MS - 1;
    const cached = await cache.get(client);
    now = USAGE_TTL_MS;
    const fresh = await cache.get(client);

    // Assess
    expect(first).toEqual({ used: 940, quota: 1000 });
    expect(cached).toEqual({ used: 941, quota: 1000 });
    expect(fresh).toEqual({ used: 940, quota: 1000 });
    expect(iam.commandCalls(GetAccountSummaryCommand)).toHaveLength(2);
  });

  it('says unknown when IAM reports no count or quota', async () => {
    // Prepare
    iam.on(GetAccountSummaryCommand).resolves({ SummaryMap: { Roles: 3 } });

    // Act
    const usage = await new ProfileUsageCache(() => 0).get(client);

    // Assess
    expect(usage).toBe('unknown');
  });
});
