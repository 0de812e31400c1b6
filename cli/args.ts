/**
 * Argument parsing for the CLI's commands, on node:util's parseArgs: strict, so that a typo is an
 * error rather than a silently ignored option.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './errors.js';

/** The options every AWS-facing command accepts: the standard credential chain's profile and region. */
export const AWS_OPTIONS = {
  profile: { type: 'string' },
  region: { type: 'string' },
} as const satisfies NonNullable<ParseArgsConfig['options']>;

/** `--help` / `-h`, accepted by every command. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const satisfies NonNullable<
  ParseArgsConfig['options']
>;

/** The help text of AWS_OPTIONS, to append to a command's usage. */
export const AWS_OPTIONS_HELP = [
  '  --profile NAME   a named profile from the shared config files (default: the standard credential chain)',
  "  --region REGION  the region (default: AWS_REGION or the profile's region)",
  '',
  "Endpoints come from the SDK's standard variables (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>).",
].join('\n');

/** Parses one command's arguments; a bad command line becomes a {@link UsageError}. No positionals. */
export function parseCommandArgs<const T extends NonNullable<ParseArgsConfig['options']>>(
  args: readonly string[],
  options: T,
) {
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: false }).values;
  } catch (cause) {
    throw new UsageError(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/** Rejects an empty or blank string option (`--region ""`), which the SDK would otherwise take as unset. */
export function nonBlank(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(`--${name} needs a value`);
  return value.trim();
}
