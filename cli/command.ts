/** What a CLI command is, and what it gets from the process. */

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
  /** Runs the command with the arguments after its name; resolves to the exit code (cli/exit-codes.ts). */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
