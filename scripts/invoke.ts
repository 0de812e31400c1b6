/**
 * Runs the built remediator bundle on CloudTrail-format EventBridge events, the way Lambda would, with the
 * SQS record and context shapes of emulator/lambda-shapes.ts. `npm run build` bundles it into
 * dist/invoke/index.mjs; the sandbox, the integration tests and the bench run the bundle through it
 * (emulator/bundle-runner.ts).
 *
 *   npm run invoke -- [options] EVENT.json [...]      (its options: npm run invoke -- --help)
 *
 * Endpoints and credentials come from the SDK's standard variables (AWS_ENDPOINT_URL, AWS_PROFILE, ...).
 * The function's log lines go to stdout, its stderr included, in order, as in a Lambda log stream; the
 * result, or Lambda's error response ({"errorType", "errorMessage"}, exit code 1), is the last line.
 * Like Lambda's INIT_START log line, stderr first names the Node.js version the bundle runs on:
 * `INIT_START node v24.…`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { formatHelp, HELP_OPTION, HELP_ROW, parseCommandLine, wholeOption } from '../cli/args.js';
import { UsageError } from '../cli/errors.js';
import { regionFromEnvironment } from '../cli/region.js';
import { FUNCTION_TIMEOUT_SECONDS } from '../core/pipeline-settings.js';
import { firstReceiveOf, lambdaContextFields, toSqsEvent } from '../emulator/lambda-shapes.js';
import { BUNDLES } from '../toolchain/bundles.mjs';

const FUNCTION_NAME = 'auto-instance-profile-local';
const WHERE = { region: 'us-east-1', accountId: '123456789012' };
const USAGE = formatHelp(
  'npm run invoke -- [options] EVENT.json [...]',
  'Runs the built remediator bundle on CloudTrail-format EventBridge events (a file, or - for stdin), the way ' +
    "Lambda would. Its log lines go to stdout; the result, or Lambda's error response, is the last line (exit 1 on " +
    "an error). Endpoints and credentials: the SDK's standard variables (AWS_ENDPOINT_URL, AWS_PROFILE, …).",
  [
    {
      title: 'Options',
      rows: [
        ['--sqs', 'wrap the events in one SQS batch (the deployed wiring); without it, one event is invoked directly'],
        ['--now', "set the event's time to now (the samples carry fixed times)"],
        ['--age SECONDS', "set the event's time that many seconds ago"],
        ['--role NAME', 'override requestParameters.roleName'],
        ['--raw', 'pass the file to the handler as it is (an SQS event or an EventBridge event you built yourself)'],
        [
          '--timeout SECONDS',
          `the function's timeout (default ${FUNCTION_TIMEOUT_SECONDS}): the context counts down to it, and the invocation fails past it`,
        ],
        ['--bundle PATH', `the bundle to run (default ${BUNDLES.remediator.path})`],
        ['--result-fd N', 'the file descriptor the last line goes to (default 1), for a runner that reads it apart'],
        HELP_ROW,
      ],
    },
    {
      title: 'Exit codes',
      rows: [
        ['0', 'the handler returned'],
        ['1', "the handler failed, or timed out: Lambda's error response is the last line"],
        ['2', 'usage error: an unknown option, a bad value, no event, or several events without --sqs'],
      ],
    },
  ],
);
/** The oldest `--age`: CloudTrail's event history keeps 90 days. */
const MAX_AGE_SECONDS = 90 * 24 * 60 * 60;
/** Lambda's errorType for a timed-out invocation. */
const TIMEOUT_ERROR_TYPE = 'Sandbox.Timedout';

type CloudTrailEvent = { time?: string; detail: { eventTime?: string; requestParameters: { roleName?: string } } };
type Handler = (event: unknown, context: Context) => Promise<unknown>;

const OPTIONS = {
  ...HELP_OPTION,
  sqs: { type: 'boolean', default: false },
  now: { type: 'boolean', default: false },
  age: { type: 'string' },
  role: { type: 'string' },
  raw: { type: 'boolean', default: false },
  timeout: { type: 'string', default: String(FUNCTION_TIMEOUT_SECONDS) },
  bundle: { type: 'string', default: BUNDLES.remediator.path },
  // Where the result goes: a file descriptor the runner reads, so it never mixes with the log lines.
  'result-fd': { type: 'string', default: '1' },
} as const;

/** The command line, or a usage error in our own words (exit code 2); `--help` prints the usage (exit code 0). */
function commandLine() {
  try {
    const line = parseCommandLine(process.argv.slice(2), OPTIONS, { positionals: Number.POSITIVE_INFINITY });
    if (line.values.help) {
      process.stdout.write(USAGE);
      process.exit(0);
    }
    const { values, positionals } = line;
    if (positionals.length === 0) throw new UsageError('needs an event file (or - for stdin)');
    if (!values.sqs && positionals.length > 1) throw new UsageError('several events need --sqs');
    if (!(Number(values.timeout) > 0))
      throw new UsageError(`--timeout must be a number of seconds, not "${values.timeout}"`);
    return {
      ...line,
      ageSeconds: wholeOption('age', values.age, { kind: 'duration', unit: 'seconds', min: 0, max: MAX_AGE_SECONDS }),
    };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`npm run invoke: ${error.message} (see npm run invoke -- --help)\n`);
    process.exit(2);
  }
}

const { values, positionals, ageSeconds } = commandLine();
const timeoutMs = Number(values.timeout) * 1000;

const events = positionals.map((file) => {
  const event = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as CloudTrailEvent;
  if (values.raw) return event;
  if (values.role !== undefined) event.detail.requestParameters.roleName = values.role;
  if (values.now || ageSeconds !== undefined) {
    const time = new Date(Date.now() - (ageSeconds ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    event.time = time;
    event.detail.eventTime = time;
  }
  return event;
});

// Before stderr joins stdout below: the runner reads the Node.js version from the real stderr.
console.error(`INIT_START node ${process.version}`);

// The region as every tool of ours reads it (cli/region.ts): the SDK alone ignores AWS_DEFAULT_REGION.
const region = regionFromEnvironment(process.env);
if (region !== undefined) process.env.AWS_REGION = region;

const resultFd = Number(values['result-fd']);
/** Writes the last line, then exits: nothing the function left running (a socket, a timer) keeps it up. */
function finish(answer: unknown, code: number): never {
  writeSync(resultFd, `${JSON.stringify(answer)}\n`);
  process.exit(code);
}
function errorResponse(error: unknown): { errorType: string; errorMessage: string } {
  return error instanceof Error
    ? { errorType: error.name, errorMessage: error.message }
    : { errorType: 'Error', errorMessage: String(error) };
}

// Lambda writes a function's stdout and stderr to one log stream, in order. Powertools writes WARN and ERROR
// to stderr: routed to stdout, they keep their place among the other lines.
process.stderr.write = process.stdout.write.bind(process.stdout) as typeof process.stderr.write;

let handler: Handler;
try {
  ({ handler } = (await import(pathToFileURL(resolve(values.bundle)).href)) as { handler: Handler });
} catch (error) {
  // The bundle failed to load (a setting it refuses at cold start, say): Lambda's init error.
  finish(errorResponse(error), 1);
}

// The timeout counts from the handler's start, as Lambda's does; loading the bundle is the init phase.
const deadline = Date.now() + timeoutMs;
const timer = setTimeout(
  () =>
    finish(
      { errorType: TIMEOUT_ERROR_TYPE, errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` },
      1,
    ),
  timeoutMs,
);
const queueArn = `arn:aws:sqs:${WHERE.region}:${WHERE.accountId}:${FUNCTION_NAME}`;
const input =
  values.sqs && !values.raw
    ? toSqsEvent(
        events.map((event) => firstReceiveOf(JSON.stringify(event))),
        queueArn,
        WHERE.region,
      )
    : events[0];
const context = {
  ...lambdaContextFields(FUNCTION_NAME, randomUUID(), WHERE),
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
} as Context;
try {
  const result = await handler(input, context);
  clearTimeout(timer);
  finish(result, 0);
} catch (error) {
  clearTimeout(timer);
  finish(errorResponse(error), 1);
}
