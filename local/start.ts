/**
 * `npm start`'s entry point: parses the arguments, turns Ctrl-C (SIGINT), SIGTERM, SIGHUP and a closed
 * stdout into a clean stop at any moment (exit code 130, or 141 for a reader gone), and runs the sandbox. Run with
 * `node --import tsx local/start.ts`.
 */
import { UsageError } from '../cli/errors.js';
import { EXIT } from '../cli/exit-codes.js';
import { parseSandboxArgs, SANDBOX_USAGE, type SandboxOptions } from './options.js';
import { runSandbox } from './sandbox.js';

let options: SandboxOptions | undefined;
try {
  options = parseSandboxArgs(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`npm start: ${error.message}\n\n${SANDBOX_USAGE}`);
  process.exitCode = EXIT.usage;
}

if (options?.help) process.stdout.write(SANDBOX_USAGE);
else if (options !== undefined) {
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    // A second Ctrl-C means "now": give up on a clean stop.
    if (signals > 1) process.exit(EXIT.interrupted);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  // A reader that goes away (`npm start | head`) must stop the sandbox cleanly, not crash it and orphan moto.
  let closed = false;
  process.stdout.on('error', () => {
    closed = true;
    controller.abort();
  });
  const code = await runSandbox(options, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  });
  process.exitCode = closed ? EXIT.closedPipe : code;
  // Every child and server is stopped by now; an SDK socket left half-closed must not keep the process up.
  setTimeout(() => process.exit(), 2_000).unref();
}
