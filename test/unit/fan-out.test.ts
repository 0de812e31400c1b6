/** cli/org/fan-out.ts: every selected account has its outcome, those an interruption kept from starting included. */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsSession } from '../../cli/aws.js';
import { acrossAccounts } from '../../cli/org/fan-out.js';

const SESSION: AwsSession = {
  region: 'us-east-1',
  regionSource: '--region',
  customSqsEndpoint: false,
  clientConfig: { region: 'us-east-1' },
  account: '111111111111',
  caller: 'arn:aws:iam::111111111111:user/admin',
};

const sts = mockClient(STSClient);

afterEach(() => sts.reset());

describe('acrossAccounts', () => {
  it('finishes the account under way when interrupted, and reports the ones after it as not started', async () => {
    // Prepare
    const controller = new AbortController();
    const ids = ['111111111111', '222222222222', '333333333333'];

    // Act: Ctrl-C while the first account (the caller's own) is worked on
    const outcomes = await acrossAccounts(
      ids.map((accountId) => ({ accountId, name: `n-${accountId}` })),
      { session: SESSION, sts: new STSClient({}), roleName: 'R', concurrency: 1, signal: controller.signal },
      async (access) => {
        controller.abort();
        return access.account.accountId;
      },
    );

    // Assess
    expect(outcomes).toEqual([
      { account: { accountId: '111111111111', name: 'n-111111111111' }, status: 'scanned', result: '111111111111' },
      {
        account: { accountId: '222222222222', name: 'n-222222222222' },
        status: 'not-started',
        error: 'interrupted before its turn',
      },
      {
        account: { accountId: '333333333333', name: 'n-333333333333' },
        status: 'not-started',
        error: 'interrupted before its turn',
      },
    ]);
    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });
});
