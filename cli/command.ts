/** What a CLI command is, what it gets from the process, and the skeleton every command shares. */
import type { ParseArgsConfig } from 'node:util';
import { type HELP_OPTION, type ParsedCommandLine, parseCommandLine } from './args.js';
import { EXIT } from './exit-codes.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** A stream the CLI writes to: process.stdout or a test's collector. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** A stream the CLI reads a confirmation from: process.stdin or a test's stream. */
export interface Input extends NodeJS.ReadableStream {
  readonly isTTY?: boolean | undefined;
}

/** The process's side of a command: where to write, the environment (read once, by the command), and Ctrl-C. */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  /** Where a command that asks for confirmation reads the answer; none means it cannot ask. */
  readonly stdin?: Input;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborted on Ctrl-C (SIGINT) or SIGTERM: a command that made something cleans it up, then returns. */
  readonly signal?: AbortSignal;
}

/** One subcommand, such as `doctor`. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The options it takes, by name, as node:util's parseArgs reads them: what its help and docs/cli.md list. */
  readonly options: Options;
  /** Runs the command with the arguments after its name; resolves to the exit code (cli/exit-codes.ts). */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Parses, answers `--help`, then runs: what every command does first, in one place. */
export interface CommandSpec<T extends Options> {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** The help text (`formatHelp`, ending with {@link exitCodeSection}). */
  readonly help: string;
  readonly options: T;
  /** How many positional arguments it takes. @default 0 */
  readonly positionals?: number;
  /** The command itself, on a parsed command line that did not ask for help. */
  run(line: ParsedCommandLine<T>, io: CliIo): Promise<number>;
}

/** A {@link Command} from its spec: strict parsing, `--help` to stdout with exit code 0, then `run`. */
export function defineCommand<const T extends Options & typeof HELP_OPTION>(spec: CommandSpec<T>): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    options: spec.options,
    async run(args, io) {
      const line = parseCommandLine(args, spec.options, { positionals: spec.positionals ?? 0 });
      if ((line.values as { help?: boolean }).help === true) {
        io.stdout.write(spec.help);
        return EXIT.ok;
      }
      return spec.run(line, io);
    },
  };
}
