/**
 * cli/decisions/read.ts: where an account's decisions are (the stack's output, else the function's logging
 * configuration, else Lambda's default name), and FilterLogEvents page by page within its bounds.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient,
  FilterLogEventsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findDecisionSource, readDecisionLines } from '../../cli/decisions/read.js';
import { DECISION_FILTER_PATTERN, type DecisionLine } from '../../core/decision-log.js';

const WINDOW = { since: new Date('2026-11-27T12:00:00Z'), until: new Date('2026-11-28T12:00:00Z') };

/** A log event holding a decision line of `role`. */
function event(role: string, decision = 'create', at = WINDOW.since.getTime() + 1000) {
  return {
    timestamp: at,
    message: JSON.stringify({ level: 'INFO', message: 'would link instance profile', role, decision, dryRun: true }),
  };
}

describe('readDecisionLines', () => {
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => logs.reset());
  afterEach(() => logs.restore());

  it("reads every page of the window with the decisions' filter pattern, and hands on each decision line", async () => {
    // Prepare: two pages, an empty one between, and an event that is no decision line (an emulator's filter lets it through)
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event('a'), event('b')], nextToken: 't1' })
      .resolvesOnce({ events: [], nextToken: 't2' })
      .resolvesOnce({ events: [event('c'), { timestamp: 1, message: 'START RequestId: x' }] });
    const seen: DecisionLine[] = [];

    // Act
    const result = await readDecisionLines(new CloudWatchLogsClient({}), '/aws/lambda/fn', { window: WINDOW }, (line) =>
      seen.push(line),
    );

    // Assess
    expect(result).toEqual({ calls: 3, events: 4, lines: 3, logGroupExists: true });
    expect(seen.map((line) => line.role)).toEqual(['a', 'b', 'c']);
    const inputs = logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
    expect(inputs[0]).toEqual({
      logGroupName: '/aws/lambda/fn',
      startTime: WINDOW.since.getTime(),
      endTime: WINDOW.until.getTime(),
      filterPattern: DECISION_FILTER_PATTERN,
      limit: 10_000,
    });
    expect(inputs.map((input) => input.nextToken)).toEqual([undefined, 't1', 't2']);
  });

  it('stops at the most lines it may read, and says so', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [event('a'), event('b')], nextToken: 't1' })
      .resolvesOnce({ events: [event('c')], nextToken: 't2' });

    // Act
    const result = await readDecisionLines(
      new CloudWatchLogsClient({}),
      'g',
      { window: WINDOW, maxLines: 3 },
      () => undefined,
    );

    // Assess: the second page asks for what is left only
    expect(result).toEqual({ calls: 2, events: 3, lines: 3, logGroupExists: true, truncated: 'lines' });
    expect(logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input.limit)).toEqual([3, 1]);
  });

  it('stops at the most calls it may make, however empty the pages', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).resolves({ events: [], nextToken: 'more' });

    // Act
    const result = await readDecisionLines(
      new CloudWatchLogsClient({}),
      'g',
      { window: WINDOW, maxCalls: 4 },
      () => undefined,
    );

    // Assess
    expect(result).toEqual({ calls: 4, events: 0, lines: 0, logGroupExists: true, truncated: 'calls' });
  });

  it('stops after the page under way when interrupted', async () => {
    // Prepare
    const stop = new AbortController();
    logs.on(FilterLogEventsCommand).callsFake(() => {
      stop.abort();
      return { events: [event('a')], nextToken: 'more' };
    });

    // Act
    const result = await readDecisionLines(
      new CloudWatchLogsClient({}),
      'g',
      { window: WINDOW, signal: stop.signal },
      () => undefined,
    );

    // Assess
    expect(result).toEqual({ calls: 1, events: 1, lines: 1, logGroupExists: true, truncated: 'interrupted' });
  });

  it('reads no lines from a log group that does not exist yet, and says it does not', async () => {
    // Prepare
    logs
      .on(FilterLogEventsCommand)
      .rejects(new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }));

    // Act
    const result = await readDecisionLines(new CloudWatchLogsClient({}), 'g', { window: WINDOW }, () => undefined);

    // Assess
    expect(result).toEqual({ calls: 1, events: 0, lines: 0, logGroupExists: false });
  });

  it('lets any other error through, for the command to word', async () => {
    // Prepare
    logs.on(FilterLogEventsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));

    // Act, Assess
    await expect(
      readDecisionLines(new CloudWatchLogsClient({}), 'g', { window: WINDOW }, () => undefined),
    ).rejects.toThrow('denied');
  });
});

describe('findDecisionSource', () => {
  const cloudformation = mockClient(CloudFormationClient);
  const lambda = mockClient(LambdaClient);
  beforeEach(() => {
    cloudformation.reset();
    lambda.reset();
  });
  afterEach(() => {
    cloudformation.restore();
    lambda.restore();
  });
  const stack = (outputs: Record<string, string>) => ({
    Stacks: [
      {
        StackName: 'AutoInstanceProfile',
        StackStatus: 'CREATE_COMPLETE' as const,
        CreationTime: new Date(),
        Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  });
  const service = { RuleName: 'rule', FunctionName: 'AutoInstanceProfile-Remediator' };

  it("takes the log group the stack's output names, in the IAM event region, without asking the function", async () => {
    // Prepare
    cloudformation
      .on(DescribeStacksCommand)
      .resolves(stack({ ...service, FunctionLogGroupName: 'AutoInstanceProfile-LogGroup' }));

    // Act
    const source = await findDecisionSource({ region: 'eu-west-1' });

    // Assess
    expect(source).toEqual({
      stack: 'AutoInstanceProfile',
      region: 'us-east-1',
      functionName: 'AutoInstanceProfile-Remediator',
      logGroup: 'AutoInstanceProfile-LogGroup',
      logGroupFrom: 'stack-output',
    });
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)).toHaveLength(0);
  });

  it("asks a stack without the output's function for its log group, and takes Lambda's default when it names none", async () => {
    // Prepare
    cloudformation.on(DescribeStacksCommand).resolves(stack(service));
    lambda
      .on(GetFunctionConfigurationCommand)
      .resolvesOnce({ LoggingConfig: { LogGroup: 'custom-group', LogFormat: 'Text' } })
      .resolvesOnce({});

    // Act
    const configured = await findDecisionSource({ region: 'us-east-1' });
    const unnamed = await findDecisionSource({ region: 'us-east-1' });

    // Assess
    expect(configured).toMatchObject({ logGroup: 'custom-group', logGroupFrom: 'function' });
    expect(unnamed).toMatchObject({ logGroup: '/aws/lambda/AutoInstanceProfile-Remediator', logGroupFrom: 'default' });
    expect(lambda.commandCalls(GetFunctionConfigurationCommand)[0]?.args[0].input).toEqual({
      FunctionName: 'AutoInstanceProfile-Remediator',
    });
  });

  it('is undefined where the service is not installed', async () => {
    // Prepare: no AutoInstanceProfile stack, and no StackSet's
    cloudformation
      .on(DescribeStacksCommand, { StackName: 'AutoInstanceProfile' })
      .rejects(
        Object.assign(new Error('Stack with id AutoInstanceProfile does not exist'), { name: 'ValidationError' }),
      );
    cloudformation.on(DescribeStacksCommand, {}).resolves({ Stacks: [] });

    // Act
    const source = await findDecisionSource({ region: 'us-east-1' });

    // Assess
    expect(source).toBeUndefined();
  });
});
