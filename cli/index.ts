/**
 * The `auto-instance-profile` executable, bundled to dist/cli/index.mjs: the process's side of the CLI. Ctrl-C
 * (SIGINT) and SIGTERM ask the command to stop and clean up what it made (doctor --smoke's role), and a second one
 * stops now; a reader that goes away (`… --json | head -1`) stops the command as quietly, with no EPIPE stack trace.
 */
import type { Output } from './command.js';
import { EXIT } from './exit-codes.js';
import { runCli } from './main.js';

// The SDK's notice that its future releases need Node 22 is not about this command, and would break the promise of
// one line for a missing credential; as in the sandbox (local/start.ts), unless the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const controller = new AbortController();
const onSignal = () => {
  if (controller.signal.aborted) process.exit(EXIT.interrupted);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

// Node ignores SIGPIPE, so a write to a closed pipe fails with EPIPE instead of stopping the process as it stops
// `cat`. The command is asked to stop as on Ctrl-C, writes nothing more, and exits as SIGPIPE would have it.
let closed = false;
const onStreamError = (error: NodeJS.ErrnoException) => {
  // A write after the first failure finds the stream destroyed: the same closed pipe.
  if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  closed = true;
  process.exitCode = EXIT.closedPipe;
  controller.abort();
};
process.stdout.on('error', onStreamError);
process.stderr.on('error', onStreamError);

/** A process stream that drops what is written once a reader went away. */
function untilClosed(stream: NodeJS.WriteStream): Output {
  return {
    write: (text: string) => closed || stream.write(text),
    get isTTY() {
      return stream.isTTY;
    },
  };
}

const code = await runCli(process.argv.slice(2), {
  stdout: untilClosed(process.stdout),
  stderr: untilClosed(process.stderr),
  // Opened only by a command that asks for confirmation: reading stdin may keep the process alive.
  get stdin() {
    return process.stdin;
  },
  env: process.env,
  signal: controller.signal,
});
process.exitCode = closed ? EXIT.closedPipe : code;
process.removeListener('SIGINT', onSignal);
process.removeListener('SIGTERM', onSignal);
