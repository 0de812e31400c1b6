/**
 * The IAM client the service's functions and CLI use, with IAM's own retry rules. The SDK classes
 * `LimitExceededException` as throttling, but IAM answers it for a full profile (AddRoleToInstanceProfile:
 * it already holds a role) or a full account (CreateInstanceProfile: the quota), neither of which a retry
 * can fix: it is never retried here, so a lost race costs one request instead of three with backoff.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import {
  AdaptiveRetryStrategy,
  isServerError,
  isThrottlingError,
  isTransientError,
  StandardRetryStrategy,
} from '@smithy/core/retry';
import type { AwsCredentialIdentity, RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';
import type { IamRetrySettings } from '../config.js';
import type { IamFailure } from '../snapshots.js';

/** The part of an IAM client that the core's IAM modules call. */
export type IamSender = Pick<IAMClient, 'send'>;

/**
 * Sends a write (`send`) and says how it went: `'done'`, or the answer `answers` pairs with the class of
 * IAM's error (an entity already there, already gone or full is an answer to re-decide on, not a failure).
 * Any other error is thrown.
 */
export async function sendWrite<A extends string>(
  send: () => Promise<unknown>,
  answers: readonly (readonly [abstract new (...args: never[]) => Error, A])[],
): Promise<'done' | A> {
  try {
    await send();
    return 'done';
  } catch (error) {
    const answer = answers.find(([type]) => error instanceof type);
    if (answer === undefined) throw error;
    return answer[1];
  }
}

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

/**
 * An IAM client with {@link iamRetryStrategy}; endpoints come from the SDK's standard chain, and so do
 * credentials unless given (an organization member's, from AssumeRole).
 */
export function createIamClient(
  settings: IamRetrySettings,
  options: { readonly profile?: string; readonly region?: string; readonly credentials?: AwsCredentialIdentity } = {},
): IAMClient {
  return new IAMClient({ ...options, maxAttempts: settings.maxAttempts, retryStrategy: iamRetryStrategy(settings) });
}

function isNeverThrottling(info: RetryErrorInfo): boolean {
  const name = info.error?.name;
  return name !== undefined && NEVER_THROTTLING.has(name);
}

/**
 * What an error the SDK gave up on says about IAM: throttled, or unavailable (5xx, a dropped or refused
 * connection, a timeout), both of which pass; undefined for any other error (access denied, a bug).
 */
export function iamFailureOf(error: unknown): IamFailure | undefined {
  if (!(error instanceof Error) || NEVER_THROTTLING.has(error.name)) return undefined;
  // The SDK's own classification, which also decided that it was worth retrying.
  const classified = error as Parameters<typeof isThrottlingError>[0];
  const attempts = (error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts;
  const detail = `${error.name}${typeof attempts === 'number' ? ` after ${attempts} attempts` : ''}`;
  if (isThrottlingError(classified)) return { reason: 'throttled', detail };
  if (isTransientError(classified) || isServerError(classified)) return { reason: 'iam-unavailable', detail };
  return undefined;
}
