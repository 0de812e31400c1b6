/**
 * Runs the built Lambda bundle (dist/remediator/index.mjs) in a fresh Node process, as Lambda would: on the
 * Lambda runtime's Node.js major (scripts/lambda-node.mjs), whatever Node runs the tests, with configuration
 * only through environment variables and endpoints through AWS_ENDPOINT_URL(_IAM).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { SQSEvent } from 'aws-lambda';
import { firstReceiveOf, toSqsEvent } from '../../../local/lambda-shapes.js';
import { lambdaNodePath } from '../../../scripts/lambda-node.mjs';

const run = promisify(execFile);

/** A Powertools log line (has `level`) as the bundle printed it. */
export type LogLine = Record<string, unknown> & { level: string; message: string };

/** What one invocation printed and returned. */
export interface Invocation<R> {
  readonly result: R;
  readonly logs: LogLine[];
  /** EMF metric documents (have `_aws`). */
  readonly metrics: Record<string, unknown>[];
  /** The version of the Node.js the bundle ran on (`process.version`, e.g. `v24.1.0`), from the invoke tool. */
  readonly node: string | undefined;
}

/** The SQS batch response. */
export interface BatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

/** Invokes the bundle's handler with `input`, in a child process with the test's environment plus `env`. */
export async function invokeBundle<R = BatchResponse>(
  input: unknown,
  env: Record<string, string> = {},
): Promise<Invocation<R>> {
  const child = run(lambdaNodePath(), ['dist/invoke/index.mjs', '--raw', '-'], {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false', ...env },
    maxBuffer: 16 * 1024 * 1024,
  });
  child.child.stdin?.end(JSON.stringify(input));
  const { stdout, stderr } = await child;
  const lines = stdout.trim().split('\n').map(parseLine);
  const result = lines.pop() as R;
  // Powertools writes WARN and ERROR through console.warn/error: stderr here, CloudWatch in Lambda.
  lines.push(
    ...stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map(parseLine),
  );
  return {
    result,
    logs: lines.filter((line): line is LogLine => typeof line.level === 'string'),
    metrics: lines.filter((line) => '_aws' in line),
    node: /^INIT_START node (\S+)$/m.exec(stderr)?.[1],
  };
}

function parseLine(line: string): Record<string, unknown> {
  return JSON.parse(line) as Record<string, unknown>;
}

/** A CloudTrail CreateRole event, as EventBridge delivers it, for `roleName`, made `ageSeconds` ago. */
export function createRoleEvent(roleName: string, ageSeconds = 0): Record<string, unknown> {
  const event = JSON.parse(readFileSync('test/fixtures/cloudtrail/create-role.json', 'utf8'));
  const time = new Date(Date.now() - ageSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  event.id = randomUUID();
  event.time = time;
  event.detail.eventTime = time;
  event.detail.eventID = randomUUID();
  event.detail.requestParameters.roleName = roleName;
  return event;
}

/** Wraps EventBridge events in an SQS batch, the deployed wiring; message ids are `msg-<index>`. */
export function sqsBatch(...events: unknown[]): SQSEvent {
  const messages = events.map((event, index) =>
    firstReceiveOf(typeof event === 'string' ? event : JSON.stringify(event), `msg-${index}`),
  );
  return toSqsEvent(messages, 'arn:aws:sqs:us-east-1:123456789012:auto-instance-profile', 'us-east-1');
}
