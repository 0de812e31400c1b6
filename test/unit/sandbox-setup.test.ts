import { describe, expect, it } from 'vitest';
import { createStyle } from '../../cli/style.js';
import {
  DLQ_RETENTION_DAYS,
  MAX_RECEIVE_COUNT,
  STACK_OUTPUTS,
  VISIBILITY_TIMEOUT_SECONDS,
} from '../../core/pipeline-settings.js';
import {
  type DeliveryPath,
  deadLetterQueueAttributes,
  queueAttributes,
  queuePolicy,
  type SandboxPipeline,
  stackOutputs,
} from '../../emulator/pipeline.js';
import { parseSandboxArgs, SANDBOX_SETTLE_DELAY_SECONDS } from '../../local/options.js';
import { createReporter, routedCalls, summariseDecision, summariseRecord } from '../../local/reporter.js';
import {
  awsCliEnv,
  expectedProfileArn,
  formatCommand,
  profileHoldingRole,
  scenarioCommands,
} from '../../local/scenario.js';

describe('parseSandboxArgs', () => {
  it('defaults to a short settle delay and the stack visibility timeout', () => {
    // Prepare: no arguments. Act
    const options = parseSandboxArgs([]);

    // Assess
    expect(options).toEqual({
      once: false,
      verbose: false,
      help: false,
      settleDelaySeconds: SANDBOX_SETTLE_DELAY_SECONDS,
      visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
    });
  });

  it('reads the flags and rejects bad values and unknown options', () => {
    // Prepare: argument lists. Act
    const options = parseSandboxArgs(['--once', '--verbose', '--settle-delay', '0', '--visibility-timeout', '5']);
    const bad = [['--settle-delay', '901'], ['--settle-delay', '1.5'], ['--settle-delay', ''], ['--nope']].map(
      (args) => {
        try {
          parseSandboxArgs(args);
          return 'accepted';
        } catch (error) {
          return (error as Error).name;
        }
      },
    );

    // Assess
    expect(options).toMatchObject({ once: true, verbose: true, settleDelaySeconds: 0, visibilityTimeoutSeconds: 5 });
    expect(bad).toEqual(['UsageError', 'UsageError', 'UsageError', 'UsageError']);
  });
});

describe('pipeline settings', () => {
  it('uses the stack redrive and retention settings, and the given delay', () => {
    // Prepare
    const settings = { name: 'n', settleDelaySeconds: 3, visibilityTimeoutSeconds: 180 };

    // Act
    const queue = queueAttributes(settings, 'arn:dlq');
    const dlq = deadLetterQueueAttributes();

    // Assess
    expect(JSON.parse(queue.RedrivePolicy ?? '')).toEqual({
      deadLetterTargetArn: 'arn:dlq',
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
    expect(queue).toMatchObject({ DelaySeconds: '3', VisibilityTimeout: '180' });
    expect(dlq.MessageRetentionPeriod).toBe(String(DLQ_RETENTION_DAYS * 86_400));
    expect(() => queueAttributes({ ...settings, settleDelaySeconds: 901 }, 'arn:dlq')).toThrow(/0 to 900/);
  });

  it('gives the delete path a queue without delay, with the same redrive to the DLQ', () => {
    // Prepare
    const settings = { name: 'n', settleDelaySeconds: 30, visibilityTimeoutSeconds: 180 };

    // Act
    const settle = queueAttributes(settings, 'arn:dlq', 'settle');
    const immediate = queueAttributes(settings, 'arn:dlq', 'immediate');

    // Assess
    expect(settle.DelaySeconds).toBe('30');
    expect(immediate.DelaySeconds).toBe('0');
    expect(immediate.RedrivePolicy).toBe(settle.RedrivePolicy);
    expect(immediate.VisibilityTimeout).toBe(settle.VisibilityTimeout);
  });

  it('lets only the rule send to the queue, and both rules to the DLQ', () => {
    // Prepare: ARNs. Act
    const policy = JSON.parse(queuePolicy('arn:queue', 'arn:rule'));
    const dlq = JSON.parse(queuePolicy('arn:dlq', ['arn:rule', 'arn:delete-rule']));

    // Assess
    expect(policy.Statement[0]).toMatchObject({
      Principal: { Service: 'events.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: 'arn:queue',
      Condition: { ArnEquals: { 'aws:SourceArn': 'arn:rule' } },
    });
    expect(dlq.Statement[0].Condition).toEqual({ ArnEquals: { 'aws:SourceArn': ['arn:rule', 'arn:delete-rule'] } });
  });

  it('names both paths in the stack outputs doctor reads, with every output it requires', () => {
    // Prepare
    const path = (delivery: DeliveryPath['delivery'], name: string): DeliveryPath => ({
      delivery,
      ruleName: name,
      ruleArn: `arn:rule/${name}`,
      queueUrl: `http://q/${name}`,
      queueArn: `arn:queue/${name}`,
      delaySeconds: 0,
    });
    const settle = path('settle', 's');
    const immediate = path('immediate', 's-delete');
    const pipeline: SandboxPipeline = {
      ...settle,
      paths: { settle, immediate },
      deadLetterQueueUrl: 'http://q/s-dlq',
      deadLetterQueueArn: 'arn:queue/s-dlq',
    };

    // Act
    const outputs = stackOutputs(pipeline, 'fn', 'fn-ownership');

    // Assess
    expect(outputs).toEqual({
      RuleName: 's',
      QueueUrl: 'http://q/s',
      DeleteRuleName: 's-delete',
      DeleteQueueUrl: 'http://q/s-delete',
      DeadLetterQueueUrl: 'http://q/s-dlq',
      FunctionName: 'fn',
      ReconcileFunctionName: 'fn-reconcile',
      OwnershipTableName: 'fn-ownership',
    });
    expect(Object.values(STACK_OUTPUTS).filter((key) => outputs[key] === undefined)).toEqual([]);
  });
});

describe('scenario', () => {
  it('prints the commands as a user types them', () => {
    // Prepare
    const commands = scenarioCommands();

    // Act
    const printed = [
      commands.createRole,
      commands.attachPolicy,
      commands.listProfiles,
      commands.detachPolicy,
      commands.deleteRole,
    ].map(formatCommand);

    // Assess
    expect(printed).toEqual([
      'aws iam create-role --role-name CLI-EC2-role --assume-role-policy-document file://assumeRole.json',
      'aws iam attach-role-policy --role-name CLI-EC2-role --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
      'aws iam list-instance-profiles-for-role --role-name CLI-EC2-role',
      'aws iam detach-role-policy --role-name CLI-EC2-role --policy-arn arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
      'aws iam delete-role --role-name CLI-EC2-role',
    ]);
    expect(formatCommand(['echo', "it's"])).toBe(`aws echo 'it'\\''s'`);
  });

  it('finds the same-name profile holding the role, and nothing else', () => {
    // Prepare
    const arn = expectedProfileArn('123456789012', 'r');
    const holding = JSON.stringify({
      InstanceProfiles: [{ InstanceProfileName: 'r', Arn: arn, Roles: [{ RoleName: 'r' }] }],
    });
    const other = JSON.stringify({
      InstanceProfiles: [{ InstanceProfileName: 'x', Arn: 'a', Roles: [{ RoleName: 'r' }] }],
    });

    // Act
    const found = [holding, other, '{"InstanceProfiles":[]}', 'not json'].map((out) => profileHoldingRole(out, 'r'));

    // Assess
    expect(arn).toBe('arn:aws:iam::123456789012:instance-profile/r');
    expect(found).toEqual([arn, undefined, undefined, undefined]);
  });

  it('gives the AWS CLI the front door, fake credentials and no shared config or profile', () => {
    // Prepare
    const base = {
      PATH: '/bin',
      AWS_PROFILE: 'production',
      AWS_ACCESS_KEY_ID: 'AKIAREAL',
      AWS_ENDPOINT_URL_IAM: 'https://iam.amazonaws.com',
    };

    // Act
    const env = awsCliEnv(base, {
      endpointUrl: 'http://127.0.0.1:1',
      credentials: { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
      configDir: '/tmp/x',
    });

    // Assess
    expect(env).toMatchObject({ PATH: '/bin', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ACCESS_KEY_ID: 'testing' });
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_ENDPOINT_URL_IAM).toBeUndefined();
    expect(env.AWS_CONFIG_FILE).toBe('/tmp/x/config');
  });
});

describe('reporter', () => {
  function collect(verbose: boolean, color = false) {
    let text = '';
    const reporter = createReporter({ write: (s: string) => (text += s) }, createStyle(color), verbose);
    return { reporter, text: () => text };
  }
  const decision = JSON.stringify({
    level: 'INFO',
    message: 'linked instance profile',
    role: 'r',
    decision: 'create',
    profile: 'r',
  });

  it('numbers steps and summarises decisions, with the raw JSON line only when verbose', () => {
    // Prepare
    const quiet = collect(false);
    const verbose = collect(true);

    // Act
    for (const { reporter } of [quiet, verbose]) {
      reporter.step('one');
      reporter.step('two', 'http://x');
      reporter.functionLine(decision);
      reporter.functionLine('{"level":"DEBUG","message":"re-deciding"}');
    }

    // Assess
    expect(quiet.text()).toBe(' 1. one\n 2. two http://x\n    ⇠ remediator r: create → r — linked instance profile\n');
    expect(verbose.text()).toContain(`      ${decision}\n`);
    expect(verbose.text()).toContain('DEBUG re-deciding');
    expect(quiet.text()).not.toContain('\u001b[');
  });

  it('names the queue a decision came from, when it is known', () => {
    // Prepare
    const { reporter, text } = collect(false);

    // Act
    reporter.functionLine(decision, 'delete queue');
    reporter.functionLine('{"level":"WARN","message":"slow"}', 'settle queue');

    // Assess
    expect(text()).toBe(
      '    ⇠ remediator (delete queue) r: create → r — linked instance profile\n    ⇠ remediator (settle queue) WARN slow\n',
    );
  });

  it('says which calls each rule routes, from the handled events', () => {
    // Prepare: the two paths. Act
    const settle = routedCalls('settle');
    const immediate = routedCalls('immediate');

    // Assess
    expect(settle).toBe('CreateRole, UpdateAssumeRolePolicy, DeleteRole, TagRole (tag auto-instance-profile:opt-in)');
    expect(immediate).toBe('DeleteRole (failed: DeleteConflict)');
  });

  it('colours when asked', () => {
    // Prepare
    const colored = collect(false, true);

    // Act
    colored.reporter.ok('done');

    // Assess
    expect(colored.text()).toContain('\u001b[32m');
  });

  it('summarises a decision with its reason code and the note that says why in words', () => {
    // Prepare: a skipped role. Act
    const line = summariseDecision({
      role: 'lam',
      decision: 'nothing',
      reason: 'no-ec2-trust',
      message: 'nothing to do',
      note: 'no Allow statement lets ec2.amazonaws.com assume the role',
    });

    // Assess
    expect(line).toBe(
      'lam: nothing (no-ec2-trust) — nothing to do: no Allow statement lets ec2.amazonaws.com assume the role',
    );
  });

  it.each([
    [{ eventName: 'CreateRole', requestParameters: { roleName: 'r', path: '/' } }, 'CreateRole role r'],
    [
      { eventName: 'AddRoleToInstanceProfile', requestParameters: { instanceProfileName: 'p', roleName: 'r' } },
      'AddRoleToInstanceProfile role r, profile p',
    ],
    [
      { eventName: 'CreateRole', requestParameters: { roleName: 'r' }, errorCode: 'EntityAlreadyExistsException' },
      'CreateRole role r (failed: EntityAlreadyExistsException)',
    ],
    [{ eventName: 'CreateUser', requestParameters: { userName: 'bob' } }, 'CreateUser user bob'],
    [{ eventName: 'CreateAccountAlias', requestParameters: null }, 'CreateAccountAlias'],
  ])('summarises the CloudTrail record %j naming the role', (record, line) => {
    // Act
    const summary = summariseRecord(record);

    // Assess
    expect(summary).toBe(line);
  });
});
