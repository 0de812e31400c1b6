/**
 * The CLI's exit codes, the AWS CLI's where they overlap, and which error means which. Every command
 * returns one of these; scripts that loop over accounts rely on them.
 */
import { AwsAccessError, UsageError } from './errors.js';

/**
 * 0 all good, 1 checks failed or work found, 2 usage error, 130 interrupted (128 + SIGINT), 141 the output's reader
 * went away (128 + SIGPIPE, as a command the closed pipe stopped), 255 credentials or AWS unreachable.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130, closedPipe: 141, aws: 255 } as const;

/** An exit code the CLI uses. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code an error thrown out of a command stands for. */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof AwsAccessError) return EXIT.aws;
  return EXIT.failed;
}

/** What each exit code means, for one command's help: the general meaning unless the command says more. */
export type ExitCodeMeanings = Readonly<Partial<Record<keyof typeof EXIT, string>>>;

/** The general meanings, as the CLI's own `--help` and docs/cli.md list them; a command's help may say more. */
export const EXIT_CODE_MEANINGS = {
  ok: 'all good: every check passed, nothing to do',
  failed: 'a check failed or could not run, or work was found',
  usage: 'usage error: an unknown command or option, or a bad value',
  interrupted: 'interrupted (Ctrl-C or SIGTERM)',
  closedPipe: 'the output was cut short: its reader went away (| head), as for a command stopped by SIGPIPE',
  aws: 'no credentials, an unknown profile, no region, or AWS could not be reached',
} as const satisfies ExitCodeMeanings;

/** The exit-code rows of a help text: the general meanings, with a command's own where it gives one, by code. */
export function exitCodeRows(meanings: ExitCodeMeanings = {}): readonly (readonly [string, string])[] {
  const merged: ExitCodeMeanings = { ...EXIT_CODE_MEANINGS, ...meanings };
  return (Object.keys(EXIT) as (keyof typeof EXIT)[])
    .flatMap((key) => {
      const meaning = merged[key];
      return meaning === undefined ? [] : [[String(EXIT[key]), meaning] as const];
    })
    .sort(([a], [b]) => Number(a) - Number(b));
}

/** The exit codes as `--help` and the README list them. */
export const EXIT_CODE_HELP = exitCodeRows();
