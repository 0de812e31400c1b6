#!/usr/bin/env node
// Runs the built remediator bundle on CloudTrail-format EventBridge events, the way Lambda would.
//
//   node scripts/invoke.mjs [--sqs] [--now] [--role NAME] [--age SECONDS] EVENT.json [EVENT.json ...]
//
// --sqs      wrap the events in one SQS batch (the deployed wiring); without it, one event is invoked directly
// --now      set the event's time to now (the samples carry fixed times); --age N sets it N seconds ago
// --role     override requestParameters.roleName
// --raw      pass the file to the handler as it is (an SQS event or an EventBridge event you built yourself)
// Endpoints and credentials come from the SDK's standard variables (AWS_ENDPOINT_URL, AWS_PROFILE, ...).
// The handler's JSON log lines go to stdout; its result is the last line.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

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
if (positionals.length === 0) {
  console.error('usage: node scripts/invoke.mjs [--sqs] [--now|--age S] [--role NAME] EVENT.json [...]');
  process.exit(2);
}

const events = positionals.map((file) => {
  const event = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  if (values.raw) return event;
  if (values.role !== undefined) event.detail.requestParameters.roleName = values.role;
  if (values.now || values.age !== undefined) {
    const time = new Date(Date.now() - Number(values.age ?? 0) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    event.time = time;
    event.detail.eventTime = time;
  }
  return event;
});
if (!values.sqs && events.length > 1) {
  console.error('several events need --sqs');
  process.exit(2);
}

const { handler } = await import(pathToFileURL(resolve(values.bundle)).href);
const input = values.sqs && !values.raw ? { Records: events.map(toSqsRecord) } : events[0];
const result = await handler(input, lambdaContext());
console.log(JSON.stringify(result));

function toSqsRecord(event) {
  return {
    messageId: randomUUID(),
    receiptHandle: randomUUID(),
    body: JSON.stringify(event),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:auto-instance-profile-local',
    awsRegion: 'us-east-1',
  };
}

function lambdaContext() {
  return {
    functionName: 'auto-instance-profile-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:auto-instance-profile-local',
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/auto-instance-profile-local',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
  };
}
