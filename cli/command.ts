/** What a CLI command is, and what it gets from the process. */

/** A stream the CLI writes to: process.stdout or a test's collector. */
export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean | undefined;
}

/** The process's side of a command: where to write, and the environment (read once, by the command). */
export interface CliIo {
  readonly stdout: Output;
  readonly stderr: Output;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Exit codes: 0 all good, 1 the command ran and found or hit a problem, 2 the command line is wrong. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** One subcommand, such as `doctor`. */
export interface Command {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Runs the command with the arguments after its name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}
