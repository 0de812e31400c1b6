/**
 * Runs the built Lambda bundle (dist/remediator/index.mjs) in a fresh Node process, as Lambda would
 * (emulator/bundle-runner.ts): on the Lambda runtime's Node.js major whatever Node runs the tests,
 * configuration only through environment variables, endpoints through AWS_ENDPOINT_URL(_IAM).
 */
import { runBundle } from '../../../emulator/bundle-runner.js';

export { createRoleEvent, sqsBatch } from '../../../emulator/lambda-shapes.js';

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

/**
 * Invokes a bundle's handler (the remediator's unless `bundle` names another, e.g. dist/reconcile/index.mjs)
 * with `input`, in a child process with the test's environment plus `env`.
 */
export async function invokeBundle<R = BatchResponse>(
  input: unknown,
  env: Record<string, string> = {},
  bundle?: string,
): Promise<Invocation<R>> {
  const { result, lines, node } = await runBundle(input, {
    env: { ...process.env, POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_METRICS_DISABLED: 'false', ...env },
    ...(bundle === undefined ? {} : { bundle }),
  });
  const parsed = lines
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return {
    result: result as R,
    logs: parsed.filter((line): line is LogLine => typeof line.level === 'string'),
    metrics: parsed.filter((line) => '_aws' in line),
    node,
  };
}
