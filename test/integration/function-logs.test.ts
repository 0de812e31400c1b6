/**
 * The sandbox's log writer (emulator/function-logs.ts) against moto's CloudWatch Logs, as `npm start` uses it: the
 * remediator bundle's lines, invocation by invocation, read back as Lambda would have left them in its log group.
 */
import { randomUUID } from 'node:crypto';
import { CloudWatchLogsClient, DescribeLogStreamsCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDecisionLine } from '../../core/decision-log.js';
import { runBundle } from '../../emulator/bundle-runner.js';
import { createFunctionLogs, defaultLogGroup } from '../../emulator/function-logs.js';
import { sqsBatch } from '../../emulator/lambda-shapes.js';
import { cloudTrailEvent } from './support/cloudtrail.js';
import { createRole, uniqueRoleName } from './support/iam.js';
import { ownershipTableInMoto } from './support/stack.js';

const logs = new CloudWatchLogsClient({});

afterAll(() => logs.destroy());

describe("the sandbox's log writer", () => {
  it("puts each invocation's lines, in order, into a stream of its own in the function's log group", async () => {
    // Prepare: two EC2 roles, each delivered to the bundle in an invocation of its own, in dry run
    const functionLogs = await createFunctionLogs(logs, defaultLogGroup(`sandbox-${randomUUID().slice(0, 8)}`));
    const roles = [uniqueRoleName('logged'), uniqueRoleName('logged')];
    const written: string[][] = [];
    const table = await ownershipTableInMoto();

    // Act
    for (const role of roles) {
      await createRole(role);
      const log = functionLogs.invocation();
      const lines: string[] = [];
      await runBundle(sqsBatch(cloudTrailEvent('create-role', role)), {
        env: { ...process.env, DRY_RUN: 'true', POWERTOOLS_LOG_LEVEL: 'INFO', OWNERSHIP_TABLE: table },
        onLine: (line) => {
          lines.push(line);
          log.line(line);
        },
      });
      await log.flush();
      written.push(lines);
    }

    // Assess: one stream per invocation, named as Lambda names them, holding exactly what the function wrote
    const { logStreams = [] } = await logs.send(new DescribeLogStreamsCommand({ logGroupName: functionLogs.logGroup }));
    expect(logStreams).toHaveLength(2);
    for (const stream of logStreams)
      expect(stream.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const read = await Promise.all(
      logStreams.map(async ({ logStreamName }) => {
        const { events = [] } = await logs.send(
          new GetLogEventsCommand({ logGroupName: functionLogs.logGroup, logStreamName, startFromHead: true }),
        );
        return events;
      }),
    );
    expect(read.map((events) => events.map((event) => event.message)).sort()).toEqual([...written].sort());
    const decisions = read
      .flat()
      .map((event) => parseDecisionLine(event.message ?? '', event.timestamp ?? 0))
      .filter((line) => line !== undefined);
    expect(
      decisions
        .map(({ role, decision, dryRun }) => ({ role, decision, dryRun }))
        .sort((a, b) => (a.role ?? '').localeCompare(b.role ?? '')),
    ).toEqual([...roles].sort().map((role) => ({ role, decision: 'create', dryRun: true })));
  });
});
