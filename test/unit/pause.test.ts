/**
 * `pause` and `resume`: which state the mappings make (cli/pause/state.ts), what each command switches and how it waits
 * for Lambda (cli/pause/switch.ts), what it says (cli/pause/report.ts), and the command itself in-process, with its
 * question on a terminal, against mocked clients.
 */
import { PassThrough } from 'node:stream';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  LambdaClient,
  ListEventSourceMappingsCommand,
  ResourceInUseException,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT } from '../../cli/exit-codes.js';
import { runCli } from '../../cli/main.js';
import { closingLine, switchQuestion, switchSummary } from '../../cli/pause/report.js';
import { deliveryView, planSwitch, reached } from '../../cli/pause/state.js';
import { carryOut, notCarriedOut, PAUSE_PERMISSIONS, RESUME_PERMISSIONS } from '../../cli/pause/switch.js';
import type { MappingFacts } from '../../core/lambda/event-source-mappings.js';
import { cliIo } from '../support/cli-io.js';

const QUEUES = {
  settle: 'https://sqs.us-east-1.amazonaws.com/123456789012/AutoInstanceProfile-Queue-abc',
  immediate: 'https://sqs.us-east-1.amazonaws.com/123456789012/AutoInstanceProfile-DeleteQueue-def',
};
const ARN = {
  settle: 'arn:aws:sqs:us-east-1:123456789012:AutoInstanceProfile-Queue-abc',
  immediate: 'arn:aws:sqs:us-east-1:123456789012:AutoInstanceProfile-DeleteQueue-def',
};
const MODIFIED = new Date('2026-12-01T09:00:00Z');
const mapping = (delivery: 'settle' | 'immediate', state: string, lastModified = MODIFIED): MappingFacts => ({
  uuid: `uuid-${delivery}`,
  eventSourceArn: ARN[delivery],
  state,
  lastModified,
});
const TARGET = { stack: 'AutoInstanceProfile', region: 'us-east-1', functionName: 'remediator', queues: QUEUES };

const sts = mockClient(STSClient);
const cloudformation = mockClient(CloudFormationClient);
const lambda = mockClient(LambdaClient);

afterEach(() => {
  sts.reset();
  cloudformation.reset();
  lambda.reset();
});

describe('deliveryView', () => {
  it.each([
    ['running', 'Enabled', 'Enabled', 'running'],
    ['running while one is on its way there', 'Enabling', 'Enabled', 'running'],
    ['paused', 'Disabled', 'Disabled', 'paused'],
    ['paused while one is on its way there', 'Disabling', 'Disabled', 'paused'],
    ['half paused', 'Disabled', 'Enabled', 'half-paused'],
    ['broken while a mapping is being deleted', 'Deleting', 'Enabled', 'broken'],
  ])('calls the service %s (%s, %s)', (_case, settle, immediate, kind) => {
    // Act
    const view = deliveryView(QUEUES, [mapping('immediate', immediate), mapping('settle', settle)]);

    // Assess
    expect(view.state.kind).toBe(kind);
    expect(view.mappings.map((entry) => entry.delivery)).toEqual(['settle', 'immediate']);
  });

  it('dates a pause by the last mapping switched off', () => {
    // Act
    const view = deliveryView(QUEUES, [
      mapping('settle', 'Disabled', new Date('2026-12-01T09:00:00Z')),
      mapping('immediate', 'Disabled', new Date('2026-12-01T09:00:04Z')),
    ]);

    // Assess
    expect(view.state).toEqual({ kind: 'paused', since: new Date('2026-12-01T09:00:04Z') });
  });

  it('names a queue no mapping reads, and counts a mapping of another queue as the function’s all the same', () => {
    // Act
    const view = deliveryView(QUEUES, [
      mapping('settle', 'Enabled'),
      { uuid: 'uuid-other', eventSourceArn: 'arn:aws:sqs:us-east-1:123456789012:hand-made', state: 'Enabled' },
    ]);

    // Assess
    expect(view.unread).toEqual(['immediate']);
    expect(view.state).toEqual({
      kind: 'broken',
      why: 'no event source mapping reads the delete queue (AutoInstanceProfile-DeleteQueue-def): its events are never decided',
    });
    expect(view.mappings.map((entry) => entry.delivery)).toEqual(['settle', undefined]);
  });
});

describe('planSwitch and reached', () => {
  it('switches off what polls, and leaves alone what is off already or being deleted', () => {
    // Act
    const plan = planSwitch(
      deliveryView(QUEUES, [mapping('settle', 'Enabled'), mapping('immediate', 'Disabled')]),
      'off',
    );

    // Assess
    expect(plan.toSwitch.map((entry) => entry.delivery)).toEqual(['settle']);
    expect(plan.already.map((entry) => entry.delivery)).toEqual(['immediate']);
    expect(plan.blocked).toEqual([]);
  });

  it('takes a paused service with a queue that no mapping reads as paused, but not as running once resumed', () => {
    // Prepare
    const view = deliveryView(QUEUES, [mapping('settle', 'Disabled')]);

    // Act, Assess
    expect(reached(view, 'off')).toBe(true);
    expect(reached(deliveryView(QUEUES, [mapping('settle', 'Enabled')]), 'on')).toBe(false);
  });
});

describe('carryOut', () => {
  it('switches each mapping not yet as asked, then reads until Lambda has settled them', async () => {
    // Prepare: Lambda says Disabling first, Disabled at the next read
    lambda.on(UpdateEventSourceMappingCommand).callsFake((input: { UUID: string }) => ({
      UUID: input.UUID,
      State: 'Disabling',
    }));
    lambda
      .on(ListEventSourceMappingsCommand)
      .resolvesOnce({
        EventSourceMappings: [
          { UUID: 'uuid-settle', EventSourceArn: ARN.settle, State: 'Disabling' },
          { UUID: 'uuid-immediate', EventSourceArn: ARN.immediate, State: 'Disabled' },
        ],
      })
      .resolves({
        EventSourceMappings: [
          { UUID: 'uuid-settle', EventSourceArn: ARN.settle, State: 'Disabled' },
          { UUID: 'uuid-immediate', EventSourceArn: ARN.immediate, State: 'Disabled' },
        ],
      });
    const plan = planSwitch(
      deliveryView(QUEUES, [mapping('settle', 'Enabled'), mapping('immediate', 'Disabled')]),
      'off',
    );
    const waits: number[] = [];

    // Act
    const result = await carryOut(new LambdaClient({}), TARGET, plan, {
      intervalMs: 1,
      onWait: (unsettled) => waits.push(unsettled),
    });

    // Assess
    expect(lambda.commandCalls(UpdateEventSourceMappingCommand).map((call) => call.args[0].input)).toEqual([
      { UUID: 'uuid-settle', Enabled: false },
    ]);
    expect(waits).toEqual([1]);
    expect(result.outcome).toBe('done');
    expect(result.mappings.map(({ label, before, after }) => [label, before, after])).toEqual([
      ['settle queue', 'Enabled', 'Disabled'],
      ['delete queue', 'Disabled', 'Disabled'],
    ]);
  });

  it('keeps a switch Lambda refuses for the mapping’s state as that mapping’s error: not as asked', async () => {
    // Prepare
    lambda
      .on(UpdateEventSourceMappingCommand)
      .rejects(new ResourceInUseException({ $metadata: {}, message: 'The mapping is being updated' }));
    lambda.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        { UUID: 'uuid-settle', EventSourceArn: ARN.settle, State: 'Updating' },
        { UUID: 'uuid-immediate', EventSourceArn: ARN.immediate, State: 'Disabled' },
      ],
    });
    const plan = planSwitch(
      deliveryView(QUEUES, [mapping('settle', 'Enabled'), mapping('immediate', 'Disabled')]),
      'off',
    );

    // Act
    const result = await carryOut(new LambdaClient({}), TARGET, plan, { intervalMs: 1, waitMs: 0 });
    const summary = switchSummary({ found: true, target: TARGET, view: result.view }, result);

    // Assess
    expect(result.outcome).toBe('incomplete');
    expect(result.mappings[0]?.error).toBe('ResourceInUseException: The mapping is being updated');
    expect(summary.reason).toBe(
      "the settle queue's mapping: ResourceInUseException: The mapping is being updated; run it again",
    );
  });

  it('throws any other error: a refused call is the command’s, exit code 255', async () => {
    // Prepare
    lambda.on(UpdateEventSourceMappingCommand).rejects(
      Object.assign(new Error('not authorized to perform: lambda:UpdateEventSourceMapping'), {
        name: 'AccessDeniedException',
      }),
    );
    const plan = planSwitch(
      deliveryView(QUEUES, [mapping('settle', 'Enabled'), mapping('immediate', 'Enabled')]),
      'off',
    );

    // Act
    const run = carryOut(new LambdaClient({}), TARGET, plan, { intervalMs: 1 });

    // Assess
    await expect(run).rejects.toThrow('lambda:UpdateEventSourceMapping');
  });
});

describe('what pause and resume say', () => {
  it('asks naming the account, the function and the queues it switches', () => {
    // Act
    const plan = planSwitch(
      deliveryView(QUEUES, [mapping('settle', 'Enabled'), mapping('immediate', 'Enabled')]),
      'off',
    );
    const question = switchQuestion('123456789012', 'remediator', plan);

    // Assess
    expect(question).toBe(
      'Pause auto-instance-profile in account 123456789012: switch off the event source mappings of function remediator ' +
        '(AutoInstanceProfile-Queue-abc, AutoInstanceProfile-DeleteQueue-def), so that events wait in the queues until resume?',
    );
  });

  it('closes with what the state means, and names a declined or missing service', () => {
    // Prepare
    const view = deliveryView(QUEUES, [mapping('settle', 'Disabled'), mapping('immediate', 'Disabled')]);
    const plan = planSwitch(view, 'off');

    // Act
    const already = closingLine(
      'off',
      switchSummary({ found: true, target: TARGET, view }, notCarriedOut(view, plan, false)),
    );
    const declined = closingLine(
      'on',
      switchSummary({ found: true, target: TARGET, view }, notCarriedOut(view, plan, true)),
    );
    const missing = closingLine(
      'off',
      switchSummary({ found: false, why: 'the service is not installed: no X' }, undefined),
    );

    // Assess
    expect(already).toBe(
      'Already paused (since 2026-12-01T09:00:00.000Z): nothing switched. To resume: auto-instance-profile resume',
    );
    expect(declined).toBe('Nothing changed.');
    expect(missing).toBe('Nothing to pause: the service is not installed: no X.');
  });
});

describe('the commands', () => {
  const io = (stdin?: PassThrough & { isTTY: boolean }) =>
    cliIo({
      env: { AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
      ...(stdin === undefined ? {} : { stdin }),
    });
  const terminal = (answer: string) => {
    const stream = Object.assign(new PassThrough(), { isTTY: true });
    stream.write(answer);
    return stream;
  };

  beforeEach(() => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/admin' });
    cloudformation.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'AutoInstanceProfile',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(),
          Outputs: [
            { OutputKey: 'RuleName', OutputValue: 'rule' },
            { OutputKey: 'FunctionName', OutputValue: 'remediator' },
            { OutputKey: 'QueueUrl', OutputValue: QUEUES.settle },
            { OutputKey: 'DeleteQueueUrl', OutputValue: QUEUES.immediate },
          ],
        },
      ],
    });
    lambda.on(ListEventSourceMappingsCommand).resolves({
      EventSourceMappings: [
        { UUID: 'uuid-settle', EventSourceArn: ARN.settle, State: 'Enabled' },
        { UUID: 'uuid-immediate', EventSourceArn: ARN.immediate, State: 'Enabled' },
      ],
    });
  });

  it('asks on a terminal, and switches nothing when the answer is no (exit 1)', async () => {
    // Prepare
    const cli = io(terminal('n\n'));

    // Act
    const code = await runCli(['pause'], cli);

    // Assess
    expect(code).toBe(EXIT.failed);
    expect(cli.err()).toContain(
      'Pause auto-instance-profile in account 123456789012: switch off the event source mappings',
    );
    expect(cli.out()).toContain('Nothing changed.');
    expect(lambda.commandCalls(UpdateEventSourceMappingCommand)).toEqual([]);
  });

  it('asks nothing when there is nothing to switch: resume of a running service exits 0', async () => {
    // Prepare
    const cli = io(terminal(''));

    // Act
    const code = await runCli(['resume', '--json'], cli);

    // Assess
    expect(code).toBe(EXIT.ok);
    expect(cli.err()).toBe('');
    expect(JSON.parse(cli.out())).toMatchObject({ command: 'resume', outcome: 'unchanged', state: 'running' });
  });

  it('calls exactly what PAUSE_PERMISSIONS and RESUME_PERMISSIONS declare', async () => {
    // Prepare
    lambda
      .on(UpdateEventSourceMappingCommand)
      .callsFake((input: { UUID: string }) => ({ UUID: input.UUID, State: 'Disabled' }));
    lambda
      .on(ListEventSourceMappingsCommand)
      .resolvesOnce({
        EventSourceMappings: [
          { UUID: 'uuid-settle', EventSourceArn: ARN.settle, State: 'Enabled' },
          { UUID: 'uuid-immediate', EventSourceArn: ARN.immediate, State: 'Enabled' },
        ],
      })
      .resolves({
        EventSourceMappings: [
          { UUID: 'uuid-settle', EventSourceArn: ARN.settle, State: 'Disabled' },
          { UUID: 'uuid-immediate', EventSourceArn: ARN.immediate, State: 'Disabled' },
        ],
      });
    const cli = io();

    // Act
    const code = await runCli(['pause', '--yes', '--json'], cli);

    // Assess: each mocked command, as the action IAM authorizes it by
    expect(code).toBe(EXIT.ok);
    expect(JSON.parse(cli.out())).toMatchObject({ command: 'pause', outcome: 'done', state: 'paused' });
    const called = [
      ...cloudformation
        .calls()
        .map((call) => `cloudformation:${call.args[0].constructor.name.replace(/Command$/, '')}`),
      ...lambda.calls().map((call) => `lambda:${call.args[0].constructor.name.replace(/Command$/, '')}`),
    ];
    expect([...new Set(called)].sort()).toEqual([...PAUSE_PERMISSIONS].sort());
    expect(RESUME_PERMISSIONS).toEqual(PAUSE_PERMISSIONS);
  });
});
