/**
 * An `--org` command's fan-out: each selected account is reached (the caller's own account with the
 * caller's own credentials, every other one through AssumeRole into `--role-name`) and worked on by the
 * single-account code, a bounded number at once. An account that cannot be reached or read is an outcome,
 * not a stop; a failure of the caller's own credentials or connection stops them all (exit code 255).
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { mapBounded } from '../../core/map-bounded.js';
import type { AwsClientConfig, AwsSession } from '../aws.js';
import { asAwsAccessError, describeError } from '../errors.js';
import type { OrgAccount } from './accounts.js';

/** How many accounts are worked on at once unless `--concurrency` says otherwise. */
export const DEFAULT_CONCURRENCY = 8;

/** The STS action member accounts are reached with, on `arn:<partition>:iam::*:role/<role-name>`. */
export const REACH_PERMISSIONS = ['sts:AssumeRole'] as const;

/** What the work in one account gets: its client settings, with the member's credentials where assumed. */
export interface AccountAccess {
  readonly account: OrgAccount;
  /** Whether this is the caller's own account, worked on with the caller's own credentials. */
  readonly own: boolean;
  readonly clientConfig: AwsClientConfig & { readonly credentials?: AwsCredentialIdentity };
}

/**
 * What became of one account: the work's result; or why the account could not be reached or read; or, when the
 * command was interrupted before the account's turn, that it was not started.
 */
export type AccountOutcome<R> =
  | { readonly account: OrgAccount; readonly status: 'scanned'; readonly result: R }
  | {
      readonly account: OrgAccount;
      readonly status: 'unreachable';
      /** The error's code and message: `AccessDenied: User … is not authorized to perform: sts:AssumeRole …`. */
      readonly error: string;
    }
  | { readonly account: OrgAccount; readonly status: 'not-started'; readonly error: typeof NOT_STARTED };

/** Why an account was not started: the command was interrupted (Ctrl-C, SIGTERM) before its turn. */
export const NOT_STARTED = 'interrupted before its turn';

/** What the fan-out needs. */
export interface FanOutOptions {
  readonly session: AwsSession;
  readonly sts: Pick<STSClient, 'send'>;
  readonly roleName: string;
  readonly concurrency: number;
  /** Called as each account is done, with how many are. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops starting accounts once aborted (Ctrl-C); the ones under way finish. */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Reaches every account and runs `work` in it, at most `concurrency` at once, in the accounts' order.
 * An error from reaching or from `work` makes that account `unreachable`, unless it is an AwsAccessError
 * (the caller's credentials, no connection): that one is thrown. Accounts not started before an abort are
 * `not-started`: every account has its outcome, so that a report can say which it did not cover.
 */
export async function acrossAccounts<R>(
  accounts: readonly OrgAccount[],
  options: FanOutOptions,
  work: (access: AccountAccess) => Promise<R>,
): Promise<AccountOutcome<R>[]> {
  let done = 0;
  return mapBounded(accounts, options.concurrency, async (account): Promise<AccountOutcome<R>> => {
    if (options.signal?.aborted === true) return { account, status: 'not-started', error: NOT_STARTED };
    const outcome = await inAccount(account, options, work);
    options.onProgress?.(++done, accounts.length);
    return outcome;
  });
}

async function inAccount<R>(
  account: OrgAccount,
  options: FanOutOptions,
  work: (access: AccountAccess) => Promise<R>,
): Promise<AccountOutcome<R>> {
  try {
    const access = await reach(account, options);
    return { account, status: 'scanned', result: await work(access) };
  } catch (error) {
    const access = asAwsAccessError(error, 'AssumeRole');
    if (access !== undefined) throw access;
    return { account, status: 'unreachable', error: describeError(error) };
  }
}

/** The access to one account: the caller's own session for the caller's account, else AssumeRole's credentials. */
export async function reach(account: OrgAccount, options: FanOutOptions): Promise<AccountAccess> {
  const { session } = options;
  if (account.accountId === session.account) return { account, own: true, clientConfig: session.clientConfig };
  const partition = session.caller.split(':')[1] ?? 'aws';
  const answer = await options.sts.send(
    new AssumeRoleCommand({
      RoleArn: `arn:${partition}:iam::${account.accountId}:role/${options.roleName}`,
      RoleSessionName: 'auto-instance-profile-org',
    }),
  );
  const credentials = answer.Credentials;
  if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
    throw new Error(`AssumeRole into ${account.accountId} returned no credentials`);
  }
  return {
    account,
    own: false,
    clientConfig: {
      region: session.region,
      credentials: {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        ...(credentials.SessionToken === undefined ? {} : { sessionToken: credentials.SessionToken }),
        ...(credentials.Expiration === undefined ? {} : { expiration: credentials.Expiration }),
      },
    },
  };
}
