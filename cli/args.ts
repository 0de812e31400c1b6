/**
 * Argument parsing and help text for the CLI's commands. Parsing is strict (a typo is an error, not a
 * silently ignored option) and its errors are worded here, not by node:util's parseArgs.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { fromText } from '../core/setting-kinds.js';
import type { PlainValue, SettingRow } from '../core/settings.js';
import { UsageError } from './errors.js';
import { EXIT_CODE_HELP, type ExitCodeMeanings, exitCodeRows } from './exit-codes.js';

type Options = NonNullable<ParseArgsConfig['options']>;
/** What a whole-number option allows: a range, of seconds for a duration. */
type WholeKind = Extract<SettingRow, { kind: 'whole' | 'duration' }>;

/** The options every AWS-facing command accepts: the profile and region, as the AWS CLI names them. */
export const AWS_OPTIONS = {
  profile: { type: 'string' },
  region: { type: 'string' },
} as const satisfies Options;

/** `--help` / `-h`, accepted by every command. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h', default: false } } as const satisfies Options;

/** One line of a help table: the left column (an option, a code) and what it means. */
export type HelpRow = readonly [string, string];

/** The help rows of {@link AWS_OPTIONS}. */
export const AWS_OPTION_ROWS: readonly HelpRow[] = [
  ['--profile NAME', 'a profile of the shared config files, with all it sets: credentials, region, endpoint_url'],
  ['--region REGION', "the region (default: AWS_REGION, then AWS_DEFAULT_REGION, then the profile's region)"],
];

/** The help row of {@link HELP_OPTION}. */
export const HELP_ROW: HelpRow = ['-h, --help', 'this text'];

/** A help section: a title and aligned rows. */
export interface HelpSection {
  readonly title: string;
  readonly rows: readonly HelpRow[];
}

/** The exit code section the CLI's own help ends with. */
export const EXIT_CODE_SECTION: HelpSection = { title: 'Exit codes', rows: EXIT_CODE_HELP };

/** The exit code section a command's help ends with: the general meanings, with the command's own. */
export function exitCodeSection(meanings: ExitCodeMeanings): HelpSection {
  return { title: 'Exit codes', rows: exitCodeRows(meanings) };
}

/** Rows as two aligned columns, indented by two spaces, the left one as wide as its widest entry. */
export function formatRows(rows: readonly HelpRow[]): string {
  const width = Math.max(0, ...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`.trimEnd()).join('\n');
}

/** A command's help: the usage line, a description, then sections of aligned rows. */
export function formatHelp(usage: string, description: string, sections: readonly HelpSection[]): string {
  const parts = [`Usage: ${usage}`, description, ...sections.map((s) => `${s.title}:\n${formatRows(s.rows)}`)];
  return `${parts.filter((part) => part !== '').join('\n\n')}\n`;
}

/** What a command line holds once parsed: the options' values, and the positional arguments. */
export interface ParsedCommandLine<T extends Options> {
  readonly values: ReturnType<typeof parseArgs<{ options: T; strict: true; allowPositionals: true }>>['values'];
  readonly positionals: readonly string[];
}

/**
 * Parses one command's arguments. A bad command line throws a {@link UsageError} in our own words:
 * an unknown option (with the command's option it most likely meant: `unknown option --jsn (did you mean
 * --json?)`), an option without its value, a value given to a flag, or a stray argument.
 */
export function parseCommandLine<const T extends Options>(
  args: readonly string[],
  options: T,
  accepts: { readonly positionals?: number } = {},
): ParsedCommandLine<T> {
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  let positionals = 0;
  const normalized = [...args];
  const joined = new Set<number>();
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals++;
      if (positionals > (accepts.positionals ?? 0)) throw new UsageError(`unexpected argument "${token.value}"`);
      continue;
    }
    if (token.kind !== 'option') continue;
    const option = options[token.name];
    // A known short option arrives under its long name; anything else is not ours.
    if (option === undefined) throw new UsageError(unknownOption(token.rawName, Object.keys(options)));
    const name = token.rawName.startsWith('--') ? token.rawName : `--${token.name}`;
    if (option.type === 'boolean' && token.value !== undefined) throw new UsageError(`${name} takes no value`);
    if (option.type === 'string') {
      // `--region --json`: parseArgs would take "--json" as the region; the AWS CLI calls it a missing value.
      // A negative number (`--timeout -5`) is a value, which the option's own check then judges.
      const missing =
        token.value === undefined || (!token.inlineValue && token.value.startsWith('-') && !/^-\d/.test(token.value));
      if (missing) throw new UsageError(`${name} needs a value`);
      // Strict parsing calls a dash-led value ambiguous unless it is written inline.
      if (!token.inlineValue && token.value.startsWith('-')) {
        normalized[token.index] = `--${token.name}=${token.value}`;
        joined.add(token.index + 1);
      }
    }
  }
  try {
    const parsed = parseArgs({
      args: normalized.filter((_, index) => !joined.has(index)),
      options,
      strict: true,
      allowPositionals: true,
    });
    return { values: parsed.values as ParsedCommandLine<T>['values'], positionals: parsed.positionals };
  } catch (cause) {
    // The checks above cover what strict parsing rejects; this is a backstop, still in our words.
    throw new UsageError(`cannot read the command line: ${args.join(' ')}`, { cause });
  }
}

/** {@link parseCommandLine} for a command that takes no positional arguments: its options' values. */
export function parseCommandArgs<const T extends Options>(args: readonly string[], options: T) {
  return parseCommandLine(args, options).values;
}

/** Rejects an empty or blank string option (`--region ""`), which the SDK would otherwise take as unset. */
export function nonBlank(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(`--${name} needs a value`);
  return value.trim();
}

/**
 * An option that gives a setting's value (`--call-as`, `--stack-set-name`), or undefined when it was not given: read
 * and checked as the setting's variable and context key are (core/setting-kinds.ts).
 */
export function settingOption<const Row extends SettingRow>(
  name: string,
  value: string | undefined,
  row: Row,
): PlainValue<Row> | undefined {
  if (value === undefined) return undefined;
  const read = fromText(row, value);
  if ('requirement' in read) throw new UsageError(`--${name} ${read.requirement}, not ${read.got}`);
  return read.value as PlainValue<Row>;
}

/** A whole-number option, or undefined when it was not given: read and checked as a setting of its kind is. */
export function wholeOption(name: string, value: string | undefined, kind: WholeKind): number | undefined {
  return settingOption(name, value, kind);
}

/** `unknown option --jsn (did you mean --json?)`, or without the question when no option is that near. */
export function unknownOption(rawName: string, optionNames: readonly string[]): string {
  const meant = rawName.startsWith('--') ? likelyName(rawName.slice(2), optionNames) : undefined;
  return `unknown option ${rawName}${meant === undefined ? '' : ` (did you mean --${meant}?)`}`;
}

/** The most edits a name may be from what was typed and still be offered as what was meant. */
const MAX_EDITS = 2;

/**
 * The name among `names` that `typed` most likely meant: the nearest by edit distance (insert, delete,
 * replace, swap two neighbours), at most {@link MAX_EDITS} and within a third of its length (at least one),
 * or undefined when none is that near.
 */
export function likelyName(typed: string, names: Iterable<string>): string | undefined {
  const limit = Math.min(MAX_EDITS, Math.max(1, Math.floor(typed.length / 3)));
  let best: { readonly name: string; readonly distance: number } | undefined;
  for (const name of names) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Optimal string alignment distance: Levenshtein's, with a swap of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => rows[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, at(i - 2, j - 2) + 1);
      (rows[i] as number[])[j] = d;
    }
  }
  return at(a.length, b.length);
}
