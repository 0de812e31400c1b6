/** emulator/function-logs.ts: a function's log group written as Lambda writes it, a stream per invocation. */
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFunctionLogs, defaultLogGroup } from '../../emulator/function-logs.js';

describe('createFunctionLogs', () => {
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => logs.reset());
  afterEach(() => logs.restore());

  it("creates the group, keeps one that exists, and names it as Lambda names a function's", async () => {
    // Prepare
    logs.on(CreateLogGroupCommand).rejects(new ResourceAlreadyExistsException({ message: 'exists', $metadata: {} }));

    // Act
    const functionLogs = await createFunctionLogs(new CloudWatchLogsClient({}), defaultLogGroup('fn'));

    // Assess
    expect(functionLogs.logGroup).toBe('/aws/lambda/fn');
    expect(logs.commandCalls(CreateLogGroupCommand)[0]?.args[0].input).toEqual({ logGroupName: '/aws/lambda/fn' });
  });

  it("puts an invocation's lines into a stream of its own, in order, each stamped when it came", async () => {
    // Prepare
    let clock = Date.parse('2026-11-28T23:59:59Z');
    const functionLogs = await createFunctionLogs(new CloudWatchLogsClient({}), 'g', {
      now: () => new Date(clock++),
    });
    const first = functionLogs.invocation();
    const second = functionLogs.invocation();

    // Act
    first.line('{"level":"INFO","decision":"create"}');
    first.line('');
    await first.flush();
    await second.flush();

    // Assess: the empty invocation wrote nothing, not even a stream
    expect(first.stream).toMatch(/^2026\/11\/28\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(second.stream).not.toBe(first.stream);
    expect(logs.commandCalls(CreateLogStreamCommand).map((call) => call.args[0].input)).toEqual([
      { logGroupName: 'g', logStreamName: first.stream },
    ]);
    expect(logs.commandCalls(PutLogEventsCommand).map((call) => call.args[0].input)).toEqual([
      {
        logGroupName: 'g',
        logStreamName: first.stream,
        logEvents: [
          { timestamp: Date.parse('2026-11-28T23:59:59.002Z'), message: '{"level":"INFO","decision":"create"}' },
          { timestamp: Date.parse('2026-11-28T23:59:59.003Z'), message: ' ' },
        ],
      },
    ]);
  });

  it("splits a long invocation into PutLogEvents' batches of at most 10,000 events and 1 MB, and cuts a line at 256 KB", async () => {
    // Prepare
    const functionLogs = await createFunctionLogs(new CloudWatchLogsClient({}), 'g');
    const log = functionLogs.invocation();
    for (let i = 0; i < 10_001; i++) log.line(`line ${i}`);
    for (let i = 0; i < 5; i++) log.line('x'.repeat(300 * 1024));

    // Act
    await log.flush();

    // Assess
    const batches = logs.commandCalls(PutLogEventsCommand).map((call) => call.args[0].input.logEvents ?? []);
    const bytes = (batch: { message?: string }[]) =>
      batch.reduce((sum, event) => sum + Buffer.byteLength(event.message ?? '') + 26, 0);
    expect(batches.map((batch) => batch.length)).toEqual([10_000, 4, 2]);
    expect(batches.every((batch) => bytes(batch) <= 1_048_576)).toBe(true);
    expect(batches.flat().at(-1)?.message?.length).toBe(256 * 1024 - 26);
  });
});
