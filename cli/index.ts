/** The `auto-instance-profile` executable, bundled to dist/cli/index.mjs. */
import { EXIT } from './exit-codes.js';
import { runCli } from './main.js';

// The SDK's notice that its future releases need Node 22 is not about this command, and would break the promise of
// one line for a missing credential; as in the sandbox (local/start.ts), unless the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// Ctrl-C asks the command to stop and clean up what it made (doctor --smoke's role); a second one stops now.
const controller = new AbortController();
const onSignal = () => {
  if (controller.signal.aborted) process.exit(EXIT.interrupted);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  // Opened only by a command that asks for confirmation: reading stdin may keep the process alive.
  get stdin() {
    return process.stdin;
  },
  env: process.env,
  signal: controller.signal,
});
process.exitCode = code;
process.removeListener('SIGINT', onSignal);
process.removeListener('SIGTERM', onSignal);
