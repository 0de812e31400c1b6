/**
 * Opening an account for the commands that act on its IAM (`scan`, `fix`, `release`, `prune`): their
 * options, the exclusions (the stack's defaults unless `--exclude-path` changes them), the IAM session,
 * confirmation on a terminal, and how an IAM error becomes the one-line cause of exit code 255.
 */
import { createInterface } from 'node:readline/promises';
import { type IAMClient, IAMServiceException } from '@aws-sdk/client-iam';
import { type Config, DEFAULT_CONFIG, loadConfig, parseCommaList } from '../core/config.js';
import { createIamClient } from '../core/iam/client.js';
import { problemOf } from '../core/setting-kinds.js';
import { SETTINGS } from '../core/settings.js';
import { AWS_OPTION_ROWS, AWS_OPTIONS, HELP_OPTION, HELP_ROW, type HelpRow, nonBlank } from './args.js';
import { type AwsOptions, type AwsSession, openAwsSession } from './aws.js';
import type { CliIo } from './command.js';
import { type AwsAccessError, asServiceError, UsageError } from './errors.js';
import { type ReportIdentity, reportIdentity } from './output.js';

/** The options of every account command. */
export const ACCOUNT_OPTIONS = {
  ...AWS_OPTIONS,
  ...HELP_OPTION,
  json: { type: 'boolean', default: false },
} as const;

/** `--exclude-path`, for the commands that decide about roles. */
export const EXCLUDE_OPTION = { 'exclude-path': { type: 'string', multiple: true } } as const;

/** `--yes`, for the commands that change IAM. */
export const YES_OPTION = { yes: { type: 'boolean', short: 'y', default: false } } as const;

/** The help row of {@link EXCLUDE_OPTION}. */
export const EXCLUDE_ROW: HelpRow = [
  '--exclude-path PREFIX',
  `leave roles under these paths alone; repeat it or give a comma list; "" for none (default: ${DEFAULT_CONFIG.excludedPathPrefixes.join(', ')})`,
];

/** The help rows every account command ends its options with. */
export const COMMON_ROWS: readonly HelpRow[] = [...AWS_OPTION_ROWS, HELP_ROW];

/**
 * The stack's defaults, with the excluded paths replaced when `--exclude-path` is given (each entry held to
 * the stack's own rule, `excludedPathPrefixes` in core/settings.ts) and the SDK's retry variables (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS)
 * read as the functions read them. No other variable of the functions' counts here.
 */
export function configFrom(
  excludePaths: readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>> = {},
): Config {
  const { iamRetry } = loadConfig({ AWS_RETRY_MODE: env.AWS_RETRY_MODE, AWS_MAX_ATTEMPTS: env.AWS_MAX_ATTEMPTS });
  if (excludePaths === undefined) return { ...DEFAULT_CONFIG, iamRetry };
  const prefixes = excludePaths.flatMap(parseCommaList);
  const problem = problemOf(SETTINGS.excludedPathPrefixes, prefixes);
  if (problem !== undefined) throw new UsageError(`--exclude-path ${problem.requirement}, not ${problem.got}`);
  return { ...DEFAULT_CONFIG, iamRetry, excludedPathPrefixes: prefixes };
}

/** Exit code 255 of a command that works on IAM: an IAM error it cannot go on from counts too ({@link withIamErrors}). */
export const IAM_ERROR_EXIT_MEANING =
  'no credentials, an unknown profile, no region, AWS could not be reached, or an IAM error (An error occurred (AccessDenied) calling IAM: …), one line';

/** The same for a command that also works on the organization with `--org` (scan, fix). */
export const IAM_OR_ORG_ERROR_EXIT_MEANING = `${IAM_ERROR_EXIT_MEANING}; with --org, an Organizations error`;

/**
 * Opens the session the options name, as every command does: `--profile` and `--region` (blank is a usage
 * error), then STS GetCallerIdentity. Exit code 255 when AWS cannot be reached as the caller.
 */
export function openSession(values: AwsOptions, io: CliIo): Promise<AwsSession> {
  return openAwsSession(
    { profile: nonBlank('profile', values.profile), region: nonBlank('region', values.region) },
    io.env,
  );
}

/** An open session, its report identity and an IAM client on it. */
export interface IamSession {
  readonly session: AwsSession;
  readonly identity: ReportIdentity;
  readonly iam: IAMClient;
}

/**
 * Opens the session the options name (exit code 255 when AWS cannot be reached as the caller), with an IAM
 * client that retries as the functions' do.
 */
export async function openIam(
  command: string,
  values: AwsOptions,
  io: CliIo,
  config: Pick<Config, 'iamRetry'> = configFrom(undefined, io.env),
): Promise<IamSession> {
  const session = await openSession(values, io);
  return {
    session,
    identity: reportIdentity(command, session),
    iam: createIamClient(config.iamRetry, session.clientConfig),
  };
}

/**
 * Runs `work`, turning an IAM error it lets through (access denied, throttled after retries, a service
 * failure) or a lost connection into an {@link AwsAccessError}: one line, exit code 255.
 */
export async function withIamErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asIamError(error);
  }
}

/** The error to report for a failed IAM call, in the AWS CLI's words. */
export function asIamError(error: unknown): unknown {
  return asServiceError(error, 'IAM', IAMServiceException);
}

/**
 * Whether the user agrees to `question`: `--yes` agrees; on a terminal the user is asked (y or yes);
 * anywhere else it is a usage error, since nobody could answer. `changes` says what the command changes.
 */
export function confirmationPolicy(yes: boolean, io: CliIo, what: string, changes = 'IAM'): 'yes' | 'ask' {
  if (yes) return 'yes';
  if (io.stdin?.isTTY === true) return 'ask';
  throw new UsageError(`${what} changes ${changes}: pass --yes to confirm when not on a terminal`);
}

/** Asks on stderr and reads one line from stdin; only `y` or `yes` agree. */
export async function ask(io: CliIo, question: string): Promise<boolean> {
  const { stdin } = io;
  if (stdin === undefined) return false;
  const lines = createInterface({ input: stdin, output: io.stderr as NodeJS.WritableStream, terminal: false });
  try {
    // Ctrl-D (stdin closed) answers nothing; question() alone would wait forever.
    const closed = new Promise<string>((resolve) => lines.once('close', () => resolve('')));
    // Ctrl-C (the signal) rejects the question: no.
    const asked = lines.question(`${question} [y/N] `, io.signal ? { signal: io.signal } : {}).catch(() => '');
    const answer = await Promise.race([asked, closed]);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    lines.close();
  }
}
