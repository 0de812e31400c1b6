/**
 * The IAM client the service's functions and CLI use, with IAM's own retry rules. The SDK classes
 * `LimitExceededException` as throttling, but IAM answers it for a full profile (AddRoleToInstanceProfile:
 * it already holds a role) or a full account (CreateInstanceProfile: the quota), neither of which a retry
 * can fix: it is never retried here, so a lost race costs one request instead of three with backoff.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { AdaptiveRetryStrategy, StandardRetryStrategy } from '@smithy/core/retry';
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { IamRetrySettings } from '../config.js';

/** The part of an IAM client that the core's IAM modules call. */
export type IamSender = Pick<IAMClient, 'send'>;

/** Error codes that the SDK would retry as throttling but that IAM never means as such. */
const NEVER_THROTTLING = new Set(['LimitExceededException', 'LimitExceeded']);

/** The SDK's strategy for `settings`, except that {@link NEVER_THROTTLING} errors are final. */
export function iamRetryStrategy(settings: IamRetrySettings): RetryStrategyV2 {
  const maxAttempts = async () => settings.maxAttempts;
  const inner: RetryStrategyV2 =
    settings.mode === 'adaptive' ? new AdaptiveRetryStrategy(maxAttempts) : new StandardRetryStrategy(maxAttempts);
  return {
    acquireInitialRetryToken: (scope: string) => inner.acquireInitialRetryToken(scope),
    refreshRetryTokenForRetry: (token: RetryToken, info: RetryErrorInfo) =>
      inner.refreshRetryTokenForRetry(token, isNeverThrottling(info) ? { ...info, errorType: 'CLIENT_ERROR' } : info),
    recordSuccess: (token: RetryToken) => inner.recordSuccess(token),
  };
}

/** An IAM client with {@link iamRetryStrategy}; endpoints and credentials come from the SDK's standard chain. */
export function createIamClient(
  settings: IamRetrySettings,
  options: { readonly profile?: string; readonly region?: string } = {},
): IAMClient {
  return new IAMClient({ ...options, maxAttempts: settings.maxAttempts, retryStrategy: iamRetryStrategy(settings) });
}

function isNeverThrottling(info: RetryErrorInfo): boolean {
  const name = info.error?.name;
  return name !== undefined && NEVER_THROTTLING.has(name);
}
