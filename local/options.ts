/** The sandbox's command line: `npm start -- [--once] [--verbose] [--settle-delay S] [--visibility-timeout S]`. */
import { HELP_OPTION, parseCommandArgs, wholeOption } from '../cli/args.js';
import { VISIBILITY_TIMEOUT_SECONDS } from '../core/pipeline-settings.js';
import { SETTINGS } from '../core/settings.js';

/** The sandbox's settle delay: the stack's idea, shortened so that the demo takes seconds. */
export const SANDBOX_SETTLE_DELAY_SECONDS = 3;
/** SQS's longest visibility timeout. */
const MAX_VISIBILITY_TIMEOUT_SECONDS = 12 * 60 * 60;

/** What the user asked for. */
export interface SandboxOptions {
  readonly once: boolean;
  readonly verbose: boolean;
  readonly help: boolean;
  readonly settleDelaySeconds: number;
  readonly visibilityTimeoutSeconds: number;
}

/** The sandbox's help text. */
export const SANDBOX_USAGE = `Usage: npm start -- [options]

Runs the whole pipeline on this machine, no AWS account. moto emulates IAM, EventBridge and SQS; a front
door simulates CloudTrail; the rules' patterns, the queue settings and the remediator bundle are the
project's own, polled like Lambda. Then plays the scenario with the AWS CLI (an EC2 role gets its instance
profile, then delete-role fails on it, the service releases it, and the retry succeeds) and keeps running
until Ctrl-C, for your own commands and npm run cli -- doctor --smoke.

Options:
  --once                    play the scenario, then stop: exit 0 if the role got its profile and was then
                            deleted with none left behind, 1 if not
  --verbose                 also print the AWS CLI's JSON answers whole, and each decision's JSON log line
  --settle-delay S          the settle queue's delivery delay in seconds, 0-${SETTINGS.settleDelay.max} (default ${SANDBOX_SETTLE_DELAY_SECONDS}; the stack's is longer)
  --visibility-timeout S    how long a failed record stays hidden before its retry (default ${VISIBILITY_TIMEOUT_SECONDS}, the stack's)
  -h, --help                this text
`;

const OPTIONS = {
  ...HELP_OPTION,
  once: { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  'settle-delay': { type: 'string' },
  'visibility-timeout': { type: 'string' },
} as const;

/** Parses and validates the sandbox's arguments; throws UsageError. */
export function parseSandboxArgs(argv: readonly string[]): SandboxOptions {
  const values = parseCommandArgs(argv, OPTIONS);
  return {
    once: values.once,
    verbose: values.verbose,
    help: values.help,
    settleDelaySeconds:
      wholeOption('settle-delay', values['settle-delay'], SETTINGS.settleDelay) ?? SANDBOX_SETTLE_DELAY_SECONDS,
    visibilityTimeoutSeconds:
      wholeOption('visibility-timeout', values['visibility-timeout'], {
        kind: 'duration',
        unit: 'seconds',
        min: 0,
        max: MAX_VISIBILITY_TIMEOUT_SECONDS,
      }) ?? VISIBILITY_TIMEOUT_SECONDS,
  };
}
