/**
 * The CLI's dispatcher: `auto-instance-profile <command> [options]`. Commands register in
 * {@link COMMANDS}. Errors a command throws become exit codes here (cli/exit-codes.ts), so every command
 * reports them alike.
 */
import packageJson from '../package.json' with { type: 'json' };
import { EXIT_CODE_SECTION, formatHelp, HELP_ROW, likelyName, unknownOption } from './args.js';
import type { CliIo, Command } from './command.js';
import { confirmCommand } from './commands/confirm.js';
import { decisionsCommand } from './commands/decisions.js';
import { doctorCommand } from './commands/doctor.js';
import { fixCommand } from './commands/fix.js';
import { pauseCommand, resumeCommand } from './commands/pause.js';
import { policyCommand } from './commands/policy.js';
import { pruneCommand } from './commands/prune.js';
import { releaseCommand } from './commands/release.js';
import { scanCommand } from './commands/scan.js';
import { AwsAccessError, describeError, UsageError } from './errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

/** The CLI's name, as installed by package.json's `bin`. */
export const CLI_NAME = 'auto-instance-profile';

/** How this repository runs the CLI: the npm script that builds it when needed. */
export const CLI_IN_REPO = 'npm run cli --';

/** Every command, by name. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map(
  [
    doctorCommand,
    scanCommand,
    fixCommand,
    releaseCommand,
    pruneCommand,
    confirmCommand,
    pauseCommand,
    resumeCommand,
    policyCommand,
    decisionsCommand,
  ].map((command) => [command.name, command]),
);

function usage(): string {
  return formatHelp(
    `${CLI_NAME} <command> [options]`,
    `In this repository: ${CLI_IN_REPO} <command> [options]. A command's options: <command> --help.`,
    [
      { title: 'Commands', rows: [...COMMANDS.values()].map((command) => [command.name, command.summary] as const) },
      { title: 'Options', rows: [HELP_ROW, ['-v, --version', 'the version']] },
      EXIT_CODE_SECTION,
    ],
  );
}

/** Runs the CLI on its arguments (without node and the script) and resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    (first === undefined ? io.stderr : io.stdout).write(usage());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${packageJson.version}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.get(first);
  if (command === undefined) {
    const meant = likelyName(first, COMMANDS.keys());
    const what = first.startsWith('-')
      ? unknownOption(first.split('=')[0] ?? first, ['help', 'version'])
      : `unknown command "${first}"${meant === undefined ? '' : ` (did you mean ${meant}?)`}`;
    io.stderr.write(`${CLI_NAME}: ${what}\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    const code = await command.run(rest, io);
    // Ctrl-C during a command that finished its work anyway still reads as an interruption, as the shell has it.
    return io.signal?.aborted === true && code !== EXIT.usage ? EXIT.interrupted : code;
  } catch (error) {
    if (io.signal?.aborted === true && !(error instanceof UsageError)) return EXIT.interrupted;
    io.stderr.write(`${errorLine(command, error)}\n`);
    return exitCodeFor(error);
  }
}

function errorLine(command: Command, error: unknown): string {
  // The AWS CLI's habit: the access problem alone, on one line.
  if (error instanceof AwsAccessError) return error.message;
  if (error instanceof UsageError) {
    return `${CLI_NAME} ${command.name}: ${error.message} (see ${CLI_NAME} ${command.name} --help)`;
  }
  return `${CLI_NAME} ${command.name}: ${describeError(error)}`;
}
