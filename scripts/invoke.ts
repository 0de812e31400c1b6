/**
 * Runs the built remediator bundle on CloudTrail-format EventBridge events, the way Lambda would, with
 * the same SQS record and context shapes the local sandbox uses (local/lambda-shapes.ts). `npm run build`
 * bundles it into dist/invoke/index.mjs.
 *
 *   npm run invoke -- [--sqs] [--now|--age SECONDS] [--role NAME] [--raw] EVENT.json [EVENT.json ...]
 *
 * --sqs   wrap the events in one SQS batch (the deployed wiring); without it, one event is invoked directly
 * --now   set the event's time to now (the samples carry fixed times); --age N sets it N seconds ago
 * --role  override requestParameters.roleName
 * --raw   pass the file to the handler as it is (an SQS event or an EventBridge event you built yourself)
 * Endpoints and credentials come from the SDK's standard variables (AWS_ENDPOINT_URL, AWS_PROFILE, ...).
 * The handler's JSON log lines go to stdout; its result is the last line. Like Lambda's INIT_START log line,
 * stderr first names the Node.js version the bundle runs on: `INIT_START node v24.…`.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Context } from 'aws-lambda';
import { regionFromEnvironment } from '../cli/region.js';
import { firstReceiveOf, lambdaContextFields, toSqsEvent } from '../local/lambda-shapes.js';

const FUNCTION_NAME = 'auto-instance-profile-local';
const WHERE = { region: 'us-east-1', accountId: '123456789012' };
const USAGE = 'usage: npm run invoke -- [--sqs] [--now|--age S] [--role NAME] [--raw] EVENT.json [...]';

type CloudTrailEvent = { time?: string; detail: { eventTime?: string; requestParameters: { roleName?: string } } };
type Handler = (event: unknown, context: Context) => Promise<unknown>;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sqs: { type: 'boolean', default: false },
    now: { type: 'boolean', default: false },
    age: { type: 'string' },
    role: { type: 'string' },
    raw: { type: 'boolean', default: false },
    bundle: { type: 'string', default: 'dist/remediator/index.mjs' },
  },
});
if (positionals.length === 0 || (!values.sqs && positionals.length > 1)) {
  console.error(positionals.length === 0 ? USAGE : 'several events need --sqs');
  process.exit(2);
}

const events = positionals.map((file) => {
  const event = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8')) as CloudTrailEvent;
  if (values.raw) return event;
  if (values.role !== undefined) event.detail.requestParameters.roleName = values.role;
  if (values.now || values.age !== undefined) {
    const time = new Date(Date.now() - Number(values.age ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    event.time = time;
    event.detail.eventTime = time;
  }
  return event;
});

console.error(`INIT_START node ${process.version}`);

// The region as every tool of ours reads it (cli/region.ts): the SDK alone ignores AWS_DEFAULT_REGION.
const region = regionFromEnvironment(process.env);
if (region !== undefined) process.env.AWS_REGION = region;

const { handler } = (await import(pathToFileURL(resolve(values.bundle)).href)) as { handler: Handler };
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
  getRemainingTimeInMillis: () => 30_000,
} as Context;
console.log(JSON.stringify(await handler(input, context)));
