/**
 * The CLI's dispatcher: `auto-instance-profile <command> [options]`. Commands register in
 * {@link COMMANDS}; `scan` and `fix` join `doctor` there.
 */
import packageJson from '../package.json' with { type: 'json' };
import { type CliIo, type Command, EXIT } from './command.js';
import { doctorCommand } from './commands/doctor.js';
import { describeError, UsageError } from './errors.js';

/** The CLI's name, as installed by package.json's `bin`. */
export const CLI_NAME = 'auto-instance-profile';

/** Every command, by name. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map([[doctorCommand.name, doctorCommand]]);

function usage(): string {
  const width = Math.max(...[...COMMANDS.keys()].map((name) => name.length));
  const lines = [...COMMANDS.values()].map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return [
    `Usage: ${CLI_NAME} <command> [options]`,
    '',
    'Commands:',
    ...lines,
    '',
    `Run "${CLI_NAME} <command> --help" for a command's options.`,
    '',
  ].join('\n');
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
    io.stderr.write(`${CLI_NAME}: unknown command "${first}"\n\n${usage()}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${CLI_NAME} ${command.name}: ${error.message}\nRun "${CLI_NAME} ${command.name} --help".\n`);
      return EXIT.usage;
    }
    io.stderr.write(`${CLI_NAME} ${command.name}: ${describeError(error)}\n`);
    return EXIT.failed;
  }
}
