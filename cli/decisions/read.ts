/**
 * Where `decisions` reads an account's decisions, and the reading: the service's stack (cli/scan/settings.ts finds
 * it as `scan` does, in the partition's IAM event region), whose `FunctionLogGroupName` output names the remediator's
 * log group (for a stack without that output, the function's own logging configuration, Lambda GetFunctionConfiguration);
 * then CloudWatch Logs FilterLogEvents on that group over the window, with {@link DECISION_FILTER_PATTERN}, page by
 * page, each line tallied as it comes, within a bound of lines and calls.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import {
  type CloudWatchLogsClient,
  FilterLogEventsCommand,
  type FilterLogEventsCommandOutput,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DECISION_FILTER_PATTERN, type DecisionLine, parseDecisionLine } from '../../core/decision-log.js';
import { OPTIONAL_STACK_OUTPUTS, STACK_NAME, STACK_OUTPUTS } from '../../core/pipeline-settings.js';
import { iamEventRegionFor } from '../../core/regions.js';
import { type AccountClientConfig, findServiceStack } from '../scan/settings.js';
import type { TimeWindow } from './window.js';

export { DECISIONS_PERMISSIONS } from '../../core/decision-log.js';

/** Where an account's decisions are: its stack, the remediator and its log group, in the IAM event region. */
export interface DecisionSource {
  readonly stack: string;
  readonly region: string;
  readonly functionName: string;
  readonly logGroup: string;
  /** How the log group was found: the stack's output, the function's logging configuration, or Lambda's default name. */
  readonly logGroupFrom: 'stack-output' | 'function' | 'default';
}

/** Why an account has no decisions to read: the service is not installed there. */
export function notInstalled(region: string): string {
  return `the service is not installed: no ${STACK_NAME} stack, nor a StackSet's, in ${region}`;
}

/**
 * The account's {@link DecisionSource}, or undefined when it has no stack of the service. The stack's errors are the
 * SDK's own (and cli/scan/settings.ts's for several stacks): the caller words them.
 */
export async function findDecisionSource(clientConfig: AccountClientConfig): Promise<DecisionSource | undefined> {
  const region = iamEventRegionFor(clientConfig.region) ?? clientConfig.region;
  const config = { ...clientConfig, region };
  const cloudformation = new CloudFormationClient(config);
  try {
    const stack = await findServiceStack(cloudformation, region);
    if (stack === undefined) return undefined;
    const functionName = stack.outputs[STACK_OUTPUTS.functionName] ?? '';
    const output = stack.outputs[OPTIONAL_STACK_OUTPUTS.functionLogGroupName]?.trim();
    if (output !== undefined && output !== '') {
      return { stack: stack.name, region, functionName, logGroup: output, logGroupFrom: 'stack-output' };
    }
    const lambda = new LambdaClient(config);
    try {
      const answer = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
      const configured = answer.LoggingConfig?.LogGroup;
      return configured === undefined || configured === ''
        ? { stack: stack.name, region, functionName, logGroup: `/aws/lambda/${functionName}`, logGroupFrom: 'default' }
        : { stack: stack.name, region, functionName, logGroup: configured, logGroupFrom: 'function' };
    } finally {
      lambda.destroy();
    }
  } finally {
    cloudformation.destroy();
  }
}

/** The most decision lines read in one account: the report then ends at the last one read, and says so. */
export const MAX_LINES = 50_000;

/**
 * The most FilterLogEvents calls in one account. A call returns at most 10,000 events or 1 MB, and may return none
 * while it searches on (a page of nothing with a token), so the lines alone do not bound the calls.
 */
export const MAX_CALLS = 500;

/** What a FilterLogEvents page may hold at most. */
const PAGE_LIMIT = 10_000;

/** How reading went. */
export interface ReadResult {
  /** FilterLogEvents calls made. */
  readonly calls: number;
  /** Log events received (the filter pattern's matches) and, of those, decision lines. */
  readonly events: number;
  readonly lines: number;
  /** False when the log group does not exist (the function never ran, or the group was deleted). */
  readonly logGroupExists: boolean;
  /**
   * Why reading stopped before the window's end: {@link MAX_LINES} or {@link MAX_CALLS} reached, or interrupted;
   * absent when the whole window was read. The lines read are then those up to the last one's time.
   */
  readonly truncated?: 'lines' | 'calls' | 'interrupted';
}

/** How to read. */
export interface ReadOptions {
  readonly window: TimeWindow;
  /** @default {@link MAX_LINES} */
  readonly maxLines?: number;
  /** @default {@link MAX_CALLS} */
  readonly maxCalls?: number;
  /** Stops after the page under way (Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
}

/**
 * Reads the decision lines of `logGroup` in the window, in time order, and hands each to `onLine`. Events the
 * filter pattern let through that are no decision line (a service that filters less) are counted, not handed on.
 */
export async function readDecisionLines(
  logs: Pick<CloudWatchLogsClient, 'send'>,
  logGroup: string,
  options: ReadOptions,
  onLine: (line: DecisionLine) => void,
): Promise<ReadResult> {
  const maxLines = options.maxLines ?? MAX_LINES;
  const maxCalls = options.maxCalls ?? MAX_CALLS;
  let calls = 0;
  let events = 0;
  let lines = 0;
  let nextToken: string | undefined;
  do {
    if (options.signal?.aborted === true)
      return { calls, events, lines, logGroupExists: true, truncated: 'interrupted' };
    if (calls >= maxCalls) return { calls, events, lines, logGroupExists: true, truncated: 'calls' };
    let page: FilterLogEventsCommandOutput;
    try {
      calls++;
      page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: logGroup,
          startTime: options.window.since.getTime(),
          endTime: options.window.until.getTime(),
          filterPattern: DECISION_FILTER_PATTERN,
          limit: Math.min(PAGE_LIMIT, maxLines - lines),
          ...(nextToken === undefined ? {} : { nextToken }),
        }),
      );
    } catch (error) {
      if (error instanceof ResourceNotFoundException && calls === 1) {
        return { calls, events, lines, logGroupExists: false };
      }
      throw error;
    }
    for (const event of page.events ?? []) {
      events++;
      const line = parseDecisionLine(event.message ?? '', event.timestamp ?? 0);
      if (line === undefined) continue;
      lines++;
      onLine(line);
    }
    nextToken = page.nextToken;
    if (lines >= maxLines && nextToken !== undefined) {
      return { calls, events, lines, logGroupExists: true, truncated: 'lines' };
    }
  } while (nextToken !== undefined);
  return { calls, events, lines, logGroupExists: true };
}
