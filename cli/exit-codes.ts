/**
 * The CLI's exit codes, the AWS CLI's where they overlap, and which error means which. Every command
 * returns one of these; scripts that loop over accounts rely on them.
 */
import { AwsAccessError, UsageError } from './errors.js';

/** 0 all good, 1 checks failed or work found, 2 usage error, 130 interrupted, 255 credentials or AWS unreachable. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130, aws: 255 } as const;

/** An exit code the CLI uses. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code an error thrown out of a command stands for. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof AwsAccessError) return EXIT.aws;
  return EXIT.failed;
}

/** The exit codes as `--help` and the README list them. */
export const EXIT_CODE_HELP: readonly (readonly [string, string])[] = [
  [String(EXIT.ok), 'all good: every check passed, nothing to do'],
  [String(EXIT.failed), 'a check failed or could not run, or work was found'],
  [String(EXIT.usage), 'usage error: an unknown command or option, or a bad value'],
  [String(EXIT.aws), 'no credentials, an unknown profile, no region, or AWS could not be reached'],
];
