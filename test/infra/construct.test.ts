/**
 * The synthesized template, one fact at a time: every default, every prop, and the fixed parts of
 * the design (queue, function, rule, outputs, alarms, dashboard).
 */

import { readFileSync } from 'node:fs';
import { App, Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { OWNERSHIP_CONFIRM_PERMISSIONS } from '../../core/dynamodb/ownership-table.js';
import { accountEventPatterns, EVENT_PATTERNS } from '../../core/event-pattern.js';
import { SERVICE_NAME } from '../../core/logger.js';
import type { MetricName } from '../../core/observability.js';
import {
  BATCH_SIZE,
  DLQ_RETENTION_DAYS,
  FUNCTION_TIMEOUT_SECONDS,
  MAX_RECEIVE_COUNT,
  OPTIONAL_STACK_OUTPUTS,
  SERVICE_ROLE_PATH,
  STACK_OUTPUTS,
  VISIBILITY_TIMEOUT_SECONDS,
} from '../../core/pipeline-settings.js';
import { quotaHeadroom } from '../../core/quota.js';
import { AutoInstanceProfile } from '../../infra/auto-instance-profile.js';
import { bundleCode } from '../../infra/bundle.js';
import { METRIC_DIMENSIONS } from '../../infra/monitoring.js';
import {
  QUEUE_ACCESS,
  type QueueRole,
  RECEIVE_ACTIONS,
  type ServiceQueue,
  type ServiceRule,
} from '../../infra/queue-access.js';
import { RECONCILE_MEMORY_MB } from '../../infra/reconcile.js';
import { LAMBDA_NODE_MAJOR } from '../../toolchain/lambda-node.mjs';
import {
  CDK_JSON_CONTEXT,
  onlyResource,
  removeSynthOutputs,
  resourcesOfType,
  type Synthesized,
  synthesize,
} from './support/synth.js';

const QUEUE = 'AWS::SQS::Queue';
const FUNCTION = 'AWS::Lambda::Function';
const MAPPING = 'AWS::Lambda::EventSourceMapping';
const ALARM = 'AWS::CloudWatch::Alarm';

let defaults: Synthesized;

beforeAll(() => {
  defaults = synthesize();
});

afterAll(removeSynthOutputs);

/** The properties of a resource of the synthesized stack, by the construct that made it. */
function propertiesOf(synth: Synthesized, construct: IConstruct): Record<string, unknown> {
  const id = synth.stack.getLogicalId(construct.node.defaultChild as never);
  return (synth.template.toJSON().Resources[id] as { Properties: Record<string, unknown> }).Properties;
}

/** The queue the settle rule feeds. */
function mainQueue(synth: Synthesized): Record<string, unknown> {
  return propertiesOf(synth, synth.stack.service.queue);
}

/** The remediator's environment. */
function functionEnvironment(synth: Synthesized): Record<string, string> {
  const properties = propertiesOf(synth, synth.stack.service.function);
  return (properties.Environment as { Variables: Record<string, string> }).Variables;
}

function logicalId(synth: Synthesized, value: string): string {
  const resolved = synth.stack.resolve(value) as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = resolved.Ref ?? resolved['Fn::GetAtt']?.[0];
  if (id === undefined) throw new Error(`not a reference: ${JSON.stringify(resolved)}`);
  return id;
}

describe('defaults', () => {
  it('delays each message by the default settle delay of 30 seconds', () => {
    expect(mainQueue(defaults).DelaySeconds).toBe(30);
  });

  it('limits each event source mapping to 2 concurrent invocations', () => {
    const mappings = Object.values(resourcesOfType(defaults.template, MAPPING));
    expect(mappings).toHaveLength(2);
    for (const mapping of mappings) expect(mapping.Properties?.ScalingConfig).toEqual({ MaximumConcurrency: 2 });
  });

  it('delivers deletes without delay, whatever the settle delay', () => {
    expect(propertiesOf(defaults, defaults.stack.service.deleteQueue).DelaySeconds).toBe(0);
  });

  it('keeps the function logs for 90 days', () => {
    defaults.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('is not a dry run', () => {
    expect(functionEnvironment(defaults).DRY_RUN).toBe('false');
  });

  it('excludes roles under /aws-service-role/', () => {
    expect(functionEnvironment(defaults).EXCLUDED_PATH_PREFIXES).toBe('/aws-service-role/');
  });

  it('leaves roles made by CloudFormation alone', () => {
    expect(functionEnvironment(defaults).IGNORED_CALLERS).toBe('cloudformation.amazonaws.com');
  });

  it('sends alarms nowhere', () => {
    const alarms = Object.values(defaults.template.findResources(ALARM)) as { Properties: Record<string, unknown> }[];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
  });

  it('creates no trail and no bucket', () => {
    defaults.template.resourceCountIs('AWS::CloudTrail::Trail', 0);
    defaults.template.resourceCountIs('AWS::S3::Bucket', 0);
  });
});

describe('props', () => {
  it('settleDelay sets the queue delay', () => {
    // Act
    const synth = synthesize({ props: { settleDelay: Duration.minutes(2) } });

    // Assess
    expect(mainQueue(synth).DelaySeconds).toBe(120);
  });

  it('settleDelay of zero turns the delay off', () => {
    // Act
    const synth = synthesize({ props: { settleDelay: Duration.seconds(0) } });

    // Assess
    expect(mainQueue(synth).DelaySeconds).toBe(0);
  });

  it('settleDelay leaves the delete queue without delay', () => {
    // Act
    const synth = synthesize({ props: { settleDelay: Duration.minutes(2) } });

    // Assess
    expect(propertiesOf(synth, synth.stack.service.deleteQueue).DelaySeconds).toBe(0);
  });

  it('maxConcurrency sets the maximum concurrency of each event source mapping', () => {
    // Act
    const synth = synthesize({ props: { maxConcurrency: 7 } });

    // Assess
    const mappings = Object.values(resourcesOfType(synth.template, MAPPING));
    expect(mappings).toHaveLength(2);
    for (const mapping of mappings) expect(mapping.Properties?.ScalingConfig).toEqual({ MaximumConcurrency: 7 });
  });

  it('tells the function its maxConcurrency (MAX_CONCURRENCY), which sizes its quota margin: both queues × 7 × a batch', () => {
    // Act
    const synth = synthesize({ props: { maxConcurrency: 7 } });

    // Assess
    expect(functionEnvironment(synth).MAX_CONCURRENCY).toBe('7');
    expect(functionEnvironment(defaults).MAX_CONCURRENCY).toBe('2');
    const { MAX_CONCURRENCY } = functionEnvironment(synth);
    expect(quotaHeadroom(loadConfig({ MAX_CONCURRENCY })).margin).toBe(2 * 7 * BATCH_SIZE);
  });

  it('logRetention sets the log group retention', () => {
    // Act
    const synth = synthesize({ props: { logRetention: RetentionDays.ONE_YEAR } });

    // Assess
    synth.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('dryRun sets DRY_RUN=true', () => {
    // Act
    const synth = synthesize({ props: { dryRun: true } });

    // Assess
    expect(functionEnvironment(synth).DRY_RUN).toBe('true');
  });

  it('excludedPathPrefixes become EXCLUDED_PATH_PREFIXES, comma-separated', () => {
    // Act
    const synth = synthesize({ props: { excludedPathPrefixes: ['/aws-service-role/', '/batch/'] } });

    // Assess
    expect(functionEnvironment(synth).EXCLUDED_PATH_PREFIXES).toBe('/aws-service-role/,/batch/');
  });

  it('an empty excludedPathPrefixes excludes nothing', () => {
    // Act
    const synth = synthesize({ props: { excludedPathPrefixes: [] } });

    // Assess
    expect(functionEnvironment(synth).EXCLUDED_PATH_PREFIXES).toBe('');
  });

  it('batchConcurrency and logLevel become BATCH_CONCURRENCY and POWERTOOLS_LOG_LEVEL', () => {
    // Act
    const synth = synthesize({ props: { batchConcurrency: 1, logLevel: 'DEBUG' } });

    // Assess
    expect(functionEnvironment(synth)).toMatchObject({ BATCH_CONCURRENCY: '1', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
  });

  it('ignoredCallers become IGNORED_CALLERS, comma-separated', () => {
    // Act
    const synth = synthesize({
      props: { ignoredCallers: ['cloudformation.amazonaws.com', 'servicecatalog.amazonaws.com'] },
    });

    // Assess
    expect(functionEnvironment(synth).IGNORED_CALLERS).toBe(
      'cloudformation.amazonaws.com,servicecatalog.amazonaws.com',
    );
  });

  it('alarmTopic receives every alarm, going into ALARM and back to OK', () => {
    // Prepare
    const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), 'WithTopic');
    const topic = new Topic(stack, 'Alarms');

    // Act
    new AutoInstanceProfile(stack, 'Service', { alarmTopic: topic });

    // Assess
    const template = Template.fromStack(stack);
    const topicRef = { Ref: stack.getLogicalId(topic.node.defaultChild as never) };
    const alarms = Object.values(template.findResources(ALARM)) as { Properties: Record<string, unknown> }[];
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.Properties.AlarmActions).toEqual([topicRef]);
      expect(alarm.Properties.OKActions).toEqual([topicRef]);
    }
  });

  it('createTrail adds a logging, single-region trail of write management events into a private bucket', () => {
    // Act
    const { template } = synthesize({ props: { createTrail: true } });

    // Assess
    template.hasResourceProperties('AWS::CloudTrail::Trail', {
      IsLogging: true,
      IsMultiRegionTrail: false,
      IncludeGlobalServiceEvents: true,
      EnableLogFileValidation: true,
      EventSelectors: [{ IncludeManagementEvents: true, ReadWriteType: 'WriteOnly' }],
    });
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      },
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('createTrail expires the log files after 365 days by default', () => {
    // Act
    const { template } = synthesize({ props: { createTrail: true } });

    // Assess
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [{ Id: 'ExpireLogFiles', ExpirationInDays: 365, Status: 'Enabled' }] },
    });
  });

  it('trailRetention sets the expiration, also as the context key trailRetentionDays', () => {
    // Act
    const fromProp = synthesize({ props: { createTrail: true, trailRetention: Duration.days(30) } });
    const fromContext = synthesize({ context: { createTrail: 'true', trailRetentionDays: '90' } });

    // Assess
    fromProp.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 30 })] },
    });
    fromContext.template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90 })] },
    });
  });

  it('alarmOnConflicts: false drops the conflicts alarm, also as a context key', () => {
    // Act
    const fromProp = synthesize({ props: { alarmOnConflicts: false } });
    const fromContext = synthesize({ context: { alarmOnConflicts: 'false' } });

    // Assess
    for (const { template, stack } of [fromProp, fromContext]) {
      template.resourceCountIs(ALARM, 2);
      template.resourcePropertiesCountIs(ALARM, { MetricName: 'Conflicts' }, 0);
      expect(stack.service.alarms.conflicts).toBeUndefined();
    }
  });
});

describe('queues', () => {
  it('encrypts every queue with SQS-managed keys', () => {
    const queues = Object.values(resourcesOfType(defaults.template, QUEUE));
    expect(queues).toHaveLength(3);
    for (const queue of queues) expect(queue.Properties?.SqsManagedSseEnabled).toBe(true);
  });

  it.each([
    ['queue', () => defaults.stack.service.queue],
    ['delete queue', () => defaults.stack.service.deleteQueue],
  ])('hides a message the %s delivered for at least six times the function timeout', (_, queue) => {
    expect(propertiesOf(defaults, queue()).VisibilityTimeout).toBe(VISIBILITY_TIMEOUT_SECONDS);
    expect(VISIBILITY_TIMEOUT_SECONDS).toBeGreaterThanOrEqual(6 * FUNCTION_TIMEOUT_SECONDS);
  });

  it.each([
    ['queue', () => defaults.stack.service.queue],
    ['delete queue', () => defaults.stack.service.deleteQueue],
  ])(`moves a message of the %s to the shared dead-letter queue after ${MAX_RECEIVE_COUNT} receives`, (_, queue) => {
    const dlqId = logicalId(defaults, defaults.stack.service.deadLetterQueue.queueArn);
    expect(propertiesOf(defaults, queue()).RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
  });

  it(`keeps dead letters for ${DLQ_RETENTION_DAYS} days`, () => {
    expect(propertiesOf(defaults, defaults.stack.service.deadLetterQueue).MessageRetentionPeriod).toBe(
      DLQ_RETENTION_DAYS * 24 * 60 * 60,
    );
  });

  it("lets only each queue's own rules send, and only over TLS", () => {
    // Prepare
    const { service } = defaults.stack;
    const arnOf = (rule: { ruleArn: string }) => ({ 'Fn::GetAtt': [logicalId(defaults, rule.ruleArn), 'Arn'] });
    const senders = new Map([
      [logicalId(defaults, service.queue.queueArn), [arnOf(service.rule)]],
      [logicalId(defaults, service.deleteQueue.queueArn), [arnOf(service.deleteRule)]],
      [logicalId(defaults, service.deadLetterQueue.queueArn), [arnOf(service.rule), arnOf(service.deleteRule)]],
    ]);

    // Act
    const policies = Object.values(resourcesOfType(defaults.template, 'AWS::SQS::QueuePolicy')).map(
      (policy) =>
        policy.Properties as { Queues: { Ref: string }[]; PolicyDocument: { Statement: Record<string, unknown>[] } },
    );

    // Assess
    expect(policies).toHaveLength(3);
    for (const policy of policies) {
      const queueId = policy.Queues[0]?.Ref ?? '';
      const statements = policy.PolicyDocument.Statement;
      const allows = statements.filter((statement) => statement.Effect === 'Allow');
      for (const allow of allows) expect(allow.Principal).toEqual({ Service: 'events.amazonaws.com' });
      expect(allows.map((allow) => allow.Condition)).toEqual(
        (senders.get(queueId) ?? []).map((ruleArn) => ({ ArnEquals: { 'aws:SourceArn': ruleArn } })),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Deny',
          Action: 'sqs:*',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      );
    }
  });
  /** Each queue's policy statements, by the queue's name in QUEUE_ACCESS. */
  function queueStatements(synth: Synthesized): Record<ServiceQueue, Record<string, unknown>[]> {
    const { service } = synth.stack;
    const queues: Record<ServiceQueue, { queueArn: string }> = {
      settle: service.queue,
      immediate: service.deleteQueue,
      deadLetter: service.deadLetterQueue,
    };
    const policies = Object.values(resourcesOfType(synth.template, 'AWS::SQS::QueuePolicy')).map(
      (policy) =>
        policy.Properties as { Queues: { Ref: string }[]; PolicyDocument: { Statement: Record<string, unknown>[] } },
    );
    const statementsOf = (name: ServiceQueue) => {
      const queueId = logicalId(synth, queues[name].queueArn);
      return policies.find((candidate) => candidate.Queues[0]?.Ref === queueId)?.PolicyDocument.Statement ?? [];
    };
    return {
      settle: statementsOf('settle'),
      immediate: statementsOf('immediate'),
      deadLetter: statementsOf('deadLetter'),
    };
  }

  /** The ARNs of the rules and roles as the template refers to them; the operator role's only when it exists. */
  function arnsOf(synth: Synthesized) {
    const { service } = synth.stack;
    const arn = (value: string) => ({ 'Fn::GetAtt': [logicalId(synth, value), 'Arn'] });
    const rules: Record<ServiceRule, unknown> = {
      settle: arn(service.rule.ruleArn),
      immediate: arn(service.deleteRule.ruleArn),
    };
    const roles: Record<QueueRole, unknown> = {
      remediator: arn(service.remediator.role.roleArn),
      reconcile: arn(service.reconcile.reconcileFunction.role.roleArn),
      operator: service.operatorRole === undefined ? undefined : arn(service.operatorRole.roleArn),
    };
    const queueArn = (name: ServiceQueue) =>
      arn(
        { settle: service.queue, immediate: service.deleteQueue, deadLetter: service.deadLetterQueue }[name].queueArn,
      );
    return { rules, roles, queueArn };
  }

  /** The two Denies QUEUE_ACCESS gives a queue, as they must be synthesized. */
  function expectedDenies(synth: Synthesized, name: ServiceQueue): Record<string, unknown>[] {
    const { rules, roles, queueArn } = arnsOf(synth);
    const access = QUEUE_ACCESS[name];
    const present = (names: readonly QueueRole[]) =>
      names.map((role) => roles[role]).filter((arn) => arn !== undefined);
    const senders = present(access.senders.roles);
    const receivers = present(access.receivers);
    return [
      {
        Sid: 'OnlyOwnSenders',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sqs:SendMessage',
        Resource: queueArn(name),
        Condition: {
          ArnNotEquals: {
            'aws:SourceArn': access.senders.rules.map((rule) => rules[rule]),
            ...(senders.length === 0 ? {} : { 'aws:PrincipalArn': senders }),
          },
        },
      },
      {
        Sid: 'OnlyOwnReceivers',
        Effect: 'Deny',
        Principal: '*',
        Action: [...RECEIVE_ACTIONS].sort(),
        Resource: queueArn(name),
        ...(receivers.length === 0 ? {} : { Condition: { ArnNotEquals: { 'aws:PrincipalArn': receivers } } }),
      },
    ];
  }

  const OPERATOR = 'arn:aws:iam::123456789012:role/platform-oncall';

  it.each([
    ['without an operator role (the default)', () => defaults],
    ['with the operator role', () => synthesize({ props: { operatorPrincipals: [OPERATOR] } })],
  ])(
    'denies sending and receiving to all but the senders and receivers QUEUE_ACCESS gives each queue, %s',
    (_, synth) => {
      // Prepare
      const synthesized = synth();

      // Act
      const statements = queueStatements(synthesized);

      // Assess
      for (const name of Object.keys(QUEUE_ACCESS) as ServiceQueue[]) {
        const denies = statements[name].filter(
          (statement) =>
            statement.Effect === 'Deny' && statement.Sid !== undefined && String(statement.Sid).startsWith('OnlyOwn'),
        );
        expect(denies, name).toEqual(expectedDenies(synthesized, name));
      }
    },
  );

  it('hands the settle and delete queues’ messages to the function’s role alone, and the dead letters to the operator role alone', () => {
    // Prepare
    const synth = synthesize({ props: { operatorPrincipals: [OPERATOR] } });
    const { roles } = arnsOf(synth);

    // Act
    const receivers = Object.fromEntries(
      Object.entries(queueStatements(synth)).map(([name, statements]) => [
        name,
        statements.find((statement) => statement.Sid === 'OnlyOwnReceivers'),
      ]),
    );

    // Assess
    expect(RECEIVE_ACTIONS).toEqual(['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage']);
    expect(receivers).toEqual({
      settle: expect.objectContaining({ Condition: { ArnNotEquals: { 'aws:PrincipalArn': [roles.remediator] } } }),
      immediate: expect.objectContaining({ Condition: { ArnNotEquals: { 'aws:PrincipalArn': [roles.remediator] } } }),
      deadLetter: expect.objectContaining({ Condition: { ArnNotEquals: { 'aws:PrincipalArn': [roles.operator] } } }),
    });
  });

  it('without an operator role, lets nobody receive from the dead-letter queue, and only the reconcile pass send to the settle queue', () => {
    // Act
    const statements = queueStatements(defaults);

    // Assess
    expect(statements.deadLetter.find((statement) => statement.Sid === 'OnlyOwnReceivers')).not.toHaveProperty(
      'Condition',
    );
    expect(statements.settle.find((statement) => statement.Sid === 'OnlyOwnSenders')).toMatchObject({
      Condition: { ArnNotEquals: { 'aws:PrincipalArn': [arnsOf(defaults).roles.reconcile] } },
    });
  });

  it('lets the reconcile pass and the operator role send to the settle queue only: the delete queue takes its rule alone', () => {
    expect(QUEUE_ACCESS).toEqual({
      settle: { senders: { rules: ['settle'], roles: ['reconcile', 'operator'] }, receivers: ['remediator'] },
      immediate: { senders: { rules: ['immediate'], roles: [] }, receivers: ['remediator'] },
      deadLetter: { senders: { rules: ['settle', 'immediate'], roles: [] }, receivers: ['operator'] },
    });
  });
});

describe('operator role', () => {
  const OPERATORS = [
    'arn:aws:iam::123456789012:role/platform-oncall',
    'arn:aws:sts::123456789012:assumed-role/admin/jane',
  ];

  it('does not exist unless operatorPrincipals names principals, nor does its output', () => {
    // Assess
    expect(defaults.stack.service.operatorRole).toBeUndefined();
    expect(synthesize({ props: { operatorPrincipals: [] } }).stack.service.operatorRole).toBeUndefined();
    expect(defaults.template.toJSON().Outputs).not.toHaveProperty(OPTIONAL_STACK_OUTPUTS.operatorRoleArn);
    defaults.template.resourcePropertiesCountIs(
      'AWS::IAM::Role',
      { Path: SERVICE_ROLE_PATH, Description: Match.stringLikeRegexp('operator') },
      0,
    );
  });

  it('trusts exactly the named principals, lives under the service’s path, and is an output', () => {
    // Act
    const synth = synthesize({ props: { operatorPrincipals: OPERATORS } });
    const role = synth.stack.service.operatorRole;
    if (role === undefined) throw new Error('no operator role');

    // Assess
    expect(propertiesOf(synth, role)).toMatchObject({
      Path: SERVICE_ROLE_PATH,
      AssumeRolePolicyDocument: {
        Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { AWS: OPERATORS } }],
      },
    });
    expect(synth.template.toJSON().Outputs[OPTIONAL_STACK_OUTPUTS.operatorRoleArn]).toMatchObject({
      Value: { 'Fn::GetAtt': [logicalId(synth, role.roleArn), 'Arn'] },
    });
  });

  it('may move dead letters back to the settle queue and confirm ownership records, and nothing else', () => {
    // Act
    const synth = synthesize({ props: { operatorPrincipals: OPERATORS } });
    const role = synth.stack.service.operatorRole;
    if (role === undefined) throw new Error('no operator role');
    const roleId = logicalId(synth, role.roleArn);
    const policies = Object.values(resourcesOfType(synth.template, 'AWS::IAM::Policy')).filter((policy) =>
      (policy.Properties as { Roles: { Ref: string }[] }).Roles.some((ref) => ref.Ref === roleId),
    );

    // Assess
    const queueArn = (queue: { queueArn: string }) => ({ 'Fn::GetAtt': [logicalId(synth, queue.queueArn), 'Arn'] });
    expect(
      policies.flatMap(
        (policy) => (policy.Properties as { PolicyDocument: { Statement: unknown[] } }).PolicyDocument.Statement,
      ),
    ).toEqual([
      {
        Effect: 'Allow',
        Action: [
          'sqs:CancelMessageMoveTask',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:ListMessageMoveTasks',
          'sqs:ReceiveMessage',
          'sqs:StartMessageMoveTask',
        ],
        Resource: queueArn(synth.stack.service.deadLetterQueue),
      },
      {
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes', 'sqs:SendMessage'],
        Resource: queueArn(synth.stack.service.queue),
      },
      {
        Effect: 'Allow',
        Action: OWNERSHIP_CONFIRM_PERMISSIONS.map((permission) => permission.action),
        Resource: { 'Fn::GetAtt': [logicalId(synth, synth.stack.service.ownership.table.tableArn), 'Arn'] },
        Sid: 'OwnershipTable',
      },
    ]);
  });

  it('may also write the ownership table, whose policy admits it beside the two functions', () => {
    // Act
    const synth = synthesize({ props: { operatorPrincipals: OPERATORS } });
    const { operatorRole, ownership } = synth.stack.service;
    const table = synth.template.toJSON().Resources[logicalId(synth, ownership.table.tableArn)] as {
      Properties: { ResourcePolicy: { PolicyDocument: { Statement: { Condition: unknown }[] } } };
    };

    // Assess
    expect(JSON.stringify(table.Properties.ResourcePolicy.PolicyDocument.Statement[0]?.Condition)).toContain(
      logicalId(synth, operatorRole?.roleArn ?? ''),
    );
  });

  it.each([
    ['an account id alone', '123456789012'],
    ['a group', 'arn:aws:iam::123456789012:group/admins'],
    ['a wildcard', 'arn:aws:iam::123456789012:role/*'],
    ['a service', 'ec2.amazonaws.com'],
    ['an empty string', ''],
  ])('refuses %s, naming the prop', (_, principal) => {
    // Act
    const act = () => synthesize({ props: { operatorPrincipals: [principal] } });

    // Assess
    expect(act).toThrow(`operatorPrincipals entries must be IAM principal ARNs`);
  });

  it('reads the context key operatorPrincipals, comma-separated, and names it when an entry is wrong', () => {
    // Act
    const synth = synthesize({ context: { operatorPrincipals: OPERATORS.join(',') } });
    const wrong = () => synthesize({ context: { operatorPrincipals: `${OPERATORS[0]},admins` } });

    // Assess
    expect(synth.stack.service.operatorRole).toBeDefined();
    expect(wrong).toThrow('Context value operatorPrincipals entries must be IAM principal ARNs');
    expect(wrong).toThrow('got "admins"');
  });
});

describe('function', () => {
  it('runs the built bundle on arm64, 256 MB, 30 s, on the Node.js major the integration tests run it on', () => {
    defaults.template.hasResourceProperties(FUNCTION, {
      Runtime: `nodejs${LAMBDA_NODE_MAJOR}.x`,
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: FUNCTION_TIMEOUT_SECONDS,
      Handler: 'index.handler',
    });
  });

  it('configures Powertools and source maps through the environment', () => {
    expect(functionEnvironment(defaults)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: 'AutoInstanceProfile',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      BATCH_CONCURRENCY: '4',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it.each([
    ['queue', () => defaults.stack.service.queue],
    ['delete queue', () => defaults.stack.service.deleteQueue],
  ])('reads the %s in batches of 10 and reports partial batch failures', (_, queue) => {
    const queueId = logicalId(defaults, queue().queueArn);
    const functionId = logicalId(defaults, defaults.stack.service.function.functionArn);
    defaults.template.hasResourceProperties(MAPPING, {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: functionId },
      BatchSize: BATCH_SIZE,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('logs to its own log group', () => {
    const logGroupId = logicalId(defaults, defaults.stack.service.logGroup.logGroupName);
    expect(propertiesOf(defaults, defaults.stack.service.function).LoggingConfig).toEqual({
      LogGroup: { Ref: logGroupId },
    });
  });

  it('knows its own role, so that it never acts on the events its own calls cause', () => {
    const roleId = logicalId(defaults, defaults.stack.service.remediator.role.roleArn);
    expect(functionEnvironment(defaults).SERVICE_ROLE_ARN).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });

  it('refuses to synthesize without the bundle, and says how to build it', () => {
    expect(() => bundleCode('remediator', '/nonexistent/dist')).toThrow(
      /remediator bundle \/nonexistent\/dist\/remediator\/index.mjs is missing: run `npm run build`/,
    );
  });
});

describe('rules', () => {
  it.each([
    ['settle', () => defaults.stack.service.rule, () => defaults.stack.service.queue],
    ['immediate', () => defaults.stack.service.deleteRule, () => defaults.stack.service.deleteQueue],
  ] as const)(
    'the %s rule uses its shared pattern constant, for the stack’s own account, into its own queue',
    (path, rule, queue) => {
      const dlqId = logicalId(defaults, defaults.stack.service.deadLetterQueue.queueArn);
      expect(propertiesOf(defaults, rule())).toEqual({
        Description: expect.any(String),
        EventPattern: { account: [{ Ref: 'AWS::AccountId' }], ...JSON.parse(JSON.stringify(EVENT_PATTERNS[path])) },
        State: 'ENABLED',
        Targets: [
          {
            Arn: { 'Fn::GetAtt': [logicalId(defaults, queue().queueArn), 'Arn'] },
            DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
            Id: expect.any(String),
          },
        ],
      });
    },
  );

  it('names the stack’s account in both rules’ patterns when the stack’s environment is known', () => {
    // Prepare
    const synth = synthesize({ env: { account: '111122223333', region: 'us-east-1' } });

    // Act
    const patterns = [synth.stack.service.rule, synth.stack.service.deleteRule].map(
      (rule) => propertiesOf(synth, rule).EventPattern as { account?: unknown },
    );

    // Assess
    expect(patterns.map((pattern) => pattern.account)).toEqual([['111122223333'], ['111122223333']]);
    expect(patterns).toEqual([
      JSON.parse(JSON.stringify(accountEventPatterns('111122223333').settle)),
      JSON.parse(JSON.stringify(accountEventPatterns('111122223333').immediate)),
    ]);
  });

  it('has one rule per delivery path, and no other', () => {
    defaults.template.resourceCountIs('AWS::Events::Rule', 2);
  });
});

describe('outputs', () => {
  it('emits exactly the outputs the CLI reads: doctor, and decisions the log group of the remediator', () => {
    const { service } = defaults.stack;
    expect(defaults.template.toJSON().Outputs).toEqual({
      [STACK_OUTPUTS.ruleName]: expect.objectContaining({ Value: { Ref: logicalId(defaults, service.rule.ruleArn) } }),
      [STACK_OUTPUTS.queueUrl]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.queue.queueArn) },
      }),
      [STACK_OUTPUTS.deleteRuleName]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.deleteRule.ruleArn) },
      }),
      [STACK_OUTPUTS.deleteQueueUrl]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.deleteQueue.queueArn) },
      }),
      [STACK_OUTPUTS.deadLetterQueueUrl]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.deadLetterQueue.queueArn) },
      }),
      [STACK_OUTPUTS.functionName]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.function.functionArn) },
      }),
      [STACK_OUTPUTS.reconcileFunctionName]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.reconcile.function.functionArn) },
      }),
      [STACK_OUTPUTS.ownershipTableName]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.ownership.table.tableArn) },
      }),
      [OPTIONAL_STACK_OUTPUTS.functionLogGroupName]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.logGroup.logGroupArn) },
      }),
    });
    expect(service.logGroup).toBe(service.remediator.logGroup);
  });
});

/** The reconcile function's environment. */
function reconcileEnvironment(synth: Synthesized): Record<string, string> {
  const properties = propertiesOf(synth, synth.stack.service.reconcile.function);
  return (properties.Environment as { Variables: Record<string, string> }).Variables;
}

/** The SDK call the after-deploy run makes on create and on update, as its provider reads it. */
function afterDeployCalls(synth: Synthesized): { create: unknown; update: unknown } {
  const run = synth.stack.service.reconcile.afterDeploy;
  if (run === undefined) throw new Error('no after-deploy run');
  const properties = synth.template.toJSON().Resources[
    synth.stack.getLogicalId(run.node.findChild('Resource').node.defaultChild as never)
  ].Properties as { Create: unknown; Update: unknown };
  // The calls are JSON joined with the function's Ref: put a placeholder in, then parse.
  const parse = (call: unknown) => {
    const [, parts] = (call as { 'Fn::Join': [string, unknown[]] })['Fn::Join'];
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : 'REF')).join('')) as unknown;
  };
  return { create: parse(properties.Create), update: parse(properties.Update) };
}

describe('resource counts, as docs/deploy.md gives them', () => {
  const doc = readFileSync('docs/deploy.md', 'utf8').replace(/\s+/g, ' ');

  it.each([
    ['the defaults', {}, (n: number) => `With the default settings it holds ${n} resources`],
    [
      'operatorPrincipals',
      { operatorPrincipals: ['arn:aws:iam::123456789012:role/platform-oncall'] },
      (n: number) => `the operator role and its policy (${n} resources)`,
    ],
    ['dashboard', { dashboard: true }, (n: number) => `and the remediator (${n} resources;`],
    ['createTrail', { createTrail: true }, (n: number) => `and the bucket policy (${n} resources)`],
    ["reconcileSchedule 'disabled'", { reconcileSchedule: 'disabled' as const }, (n: number) => `its policy (${n});`],
    ['reconcileAfterDeploy false', { reconcileAfterDeploy: false }, (n: number) => `role and log group (${n}).`],
  ])('%s: the count of resources besides the CDK metadata is the one the doc gives', (_, props, phrase) => {
    // Act
    const { template } = synthesize({ props });

    // Assess
    const types = Object.values(template.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type);
    const count = types.filter((type) => type !== 'AWS::CDK::Metadata').length;
    expect(doc).toContain(phrase(count));
  });
});

describe('reconcile', () => {
  it('runs the reconcile bundle, with the service settings and the settle queue to send to', () => {
    // Prepare
    const queueId = logicalId(defaults, defaults.stack.service.queue.queueArn);

    // Act
    const properties = propertiesOf(defaults, defaults.stack.service.reconcile.function);

    // Assess
    expect(properties).toMatchObject({ Handler: 'index.handler', Timeout: 900, Architectures: ['arm64'] });
    expect(reconcileEnvironment(defaults)).toMatchObject({
      QUEUE_URL: { Ref: queueId },
      DRY_RUN: 'false',
      EXCLUDED_PATH_PREFIXES: '/aws-service-role/',
      IGNORED_CALLERS: 'cloudformation.amazonaws.com',
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    });
  });

  it('reads the same settings as the remediator', () => {
    // Act
    const synth = synthesize({ props: { excludedPathPrefixes: ['/batch/'], ignoredCallers: ['x.amazonaws.com'] } });

    // Assess
    expect(reconcileEnvironment(synth)).toMatchObject({
      EXCLUDED_PATH_PREFIXES: '/batch/',
      IGNORED_CALLERS: 'x.amazonaws.com',
    });
  });

  it('gives the reconcile pass its own memory, more than the remediator, and no exec wrapper: Lambda starts its runtime as it is', () => {
    // Act
    const reconcile = propertiesOf(defaults, defaults.stack.service.reconcile.function);
    const remediator = propertiesOf(defaults, defaults.stack.service.function);

    // Assess
    expect(reconcile.MemorySize).toBe(RECONCILE_MEMORY_MB);
    expect(RECONCILE_MEMORY_MB).toBe(512);
    expect(remediator.MemorySize).toBe(256);
    expect(reconcileEnvironment(defaults)).not.toHaveProperty('AWS_LAMBDA_EXEC_WRAPPER');
  });

  it('runs daily by default, through EventBridge Scheduler, with its own role', () => {
    const functionId = logicalId(defaults, defaults.stack.service.reconcile.function.functionArn);
    const roleId = logicalId(defaults, defaults.stack.service.reconcile.scheduleRole?.roleArn ?? '');
    defaults.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    defaults.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 day)',
      State: 'ENABLED',
      Target: { Arn: { 'Fn::GetAtt': [functionId, 'Arn'] }, RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] } },
    });
  });

  it('reconcileSchedule changes the schedule', () => {
    // Act
    const synth = synthesize({
      props: {
        reconcileSchedule: ScheduleExpression.cron({ hour: '3', minute: '30', timeZone: TimeZone.EUROPE_PARIS }),
      },
    });

    // Assess
    synth.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 3 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
    });
  });

  it("reconcileSchedule 'disabled' leaves out the schedule and its role, not the function or the after-deploy run", () => {
    // Act
    const synth = synthesize({ props: { reconcileSchedule: 'disabled' } });

    // Assess
    synth.template.resourceCountIs('AWS::Scheduler::Schedule', 0);
    expect(synth.stack.service.reconcile.scheduleRole).toBeUndefined();
    synth.template.resourceCountIs('AWS::IAM::Role', 3);
    synth.template.resourceCountIs('Custom::ReconcileAfterDeploy', 1);
  });

  it('runs once after a deploy: it invokes the function asynchronously, on create and on update alike', () => {
    // Act
    const { create, update } = afterDeployCalls(defaults);

    // Assess
    expect(create).toEqual(update);
    expect(create).toEqual({
      service: 'Lambda',
      action: 'invoke',
      parameters: {
        FunctionName: 'REF',
        InvocationType: 'Event',
        Payload: expect.stringMatching(/^\{"source":"auto-instance-profile\.deploy","template":"[0-9a-f]{64}"\}$/),
      },
      physicalResourceId: { id: 'reconcile-after-deploy' },
      outputPaths: ['StatusCode'],
    });
  });

  it('runs after the remediator and the reconcile function are in place', () => {
    // Prepare
    const run = defaults.stack.service.reconcile.afterDeploy;
    const id = defaults.stack.getLogicalId(run?.node.findChild('Resource').node.defaultChild as never);

    // Act
    const dependsOn = defaults.template.toJSON().Resources[id].DependsOn as string[];

    // Assess
    expect(dependsOn).toEqual(
      expect.arrayContaining([
        logicalId(defaults, defaults.stack.service.function.functionArn),
        logicalId(defaults, defaults.stack.service.reconcile.function.functionArn),
        ...Object.keys(resourcesOfType(defaults.template, MAPPING)),
      ]),
    );
  });

  it('runs again after a deploy that changes the stack, and not after one that changes nothing', () => {
    // Act
    const again = afterDeployCalls(synthesize()).create;
    const changed = afterDeployCalls(synthesize({ props: { settleDelay: Duration.seconds(31) } })).create;
    const alarmed = afterDeployCalls(
      synthesize({ context: { alarmTopicArn: 'arn:aws:sns:us-east-1:123456789012:ops-alarms' } }),
    ).create;

    // Assess
    const original = afterDeployCalls(defaults).create;
    expect(again).toEqual(original);
    expect(changed).not.toEqual(original);
    expect(alarmed).not.toEqual(original);
  });

  it('reconcileAfterDeploy false leaves out the after-deploy run, not the schedule', () => {
    // Act
    const synth = synthesize({ props: { reconcileAfterDeploy: false } });

    // Assess
    synth.template.resourceCountIs('Custom::ReconcileAfterDeploy', 0);
    synth.template.resourceCountIs('AWS::Scheduler::Schedule', 1);
    expect(synth.stack.service.reconcile.afterDeploy).toBeUndefined();
  });
});

describe('alarms and dashboard', () => {
  const withDashboard = synthesize({ props: { dashboard: true } });

  it('alarms when the dead-letter queue has a visible message', () => {
    const dlqId = logicalId(defaults, defaults.stack.service.deadLetterQueue.queueArn);
    defaults.template.hasResourceProperties(ALARM, {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms when the service has errors: failed or refused records and a full profile quota (its Errors total, by reason), or failed reconcile passes, in two alarm metrics', () => {
    const reconcileId = logicalId(defaults, defaults.stack.service.reconcile.function.functionArn);
    defaults.template.hasResourceProperties(ALARM, {
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      Metrics: [
        Match.objectLike({ Expression: 'FILL(recordErrors, 0) + FILL(reconcileErrors, 0)' }),
        Match.objectLike({
          Id: 'recordErrors',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AutoInstanceProfile',
              MetricName: 'Errors',
              Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
            },
            Stat: 'Sum',
          }),
        }),
        Match.objectLike({
          Id: 'reconcileErrors',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Errors',
              Dimensions: [{ Name: 'FunctionName', Value: { Ref: reconcileId } }],
            },
            Stat: 'Sum',
          }),
        }),
      ],
    });
  });

  it('watches four alarm metrics in all, the idle cost docs/cost.md counts', () => {
    // Act
    const alarms = Object.values(defaults.template.findResources(ALARM));

    // Assess
    const metrics = alarms.map((alarm) => {
      const properties = alarm.Properties as { Metrics?: { MetricStat?: unknown }[] };
      return properties.Metrics === undefined ? 1 : properties.Metrics.filter((m) => m.MetricStat).length;
    });
    expect(metrics.reduce((sum, count) => sum + count, 0)).toBe(4);
  });

  it('alarms on conflicts by default: the total of the service Conflicts metric, over every reason', () => {
    defaults.template.hasResourceProperties(ALARM, {
      Namespace: 'AutoInstanceProfile',
      MetricName: 'Conflicts',
      Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
      Statistic: 'Sum',
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
  });

  it('exposes the alarms it creates', () => {
    const alarmIds = Object.keys(defaults.template.findResources(ALARM)).sort();
    const { alarms } = defaults.stack.service;
    expect(
      [alarms.deadLetterQueue, alarms.functionErrors, alarms.conflicts]
        .map((alarm) => logicalId(defaults, alarm?.alarmArn ?? 'missing'))
        .sort(),
    ).toEqual(alarmIds);
  });

  it('makes no dashboard by default, and one with dashboard: true, also as a context key', () => {
    // Act
    const fromContext = synthesize({ context: { dashboard: 'true' } });

    // Assess
    defaults.template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(defaults.stack.service.dashboard).toBeUndefined();
    fromContext.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  it('shows every alarm in the dashboard alarm widget', () => {
    const { properties } = onlyResource(withDashboard.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(withDashboard.stack.resolve(properties.DashboardBody));
    for (const id of Object.keys(withDashboard.template.findResources(ALARM))) expect(body).toContain(id);
  });

  it('graphs every metric the function emits, and the dead-letter queue depth', () => {
    const { properties } = onlyResource(withDashboard.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(properties.DashboardBody);
    for (const name of Object.keys(METRIC_DIMENSIONS) as MetricName[]) {
      expect(body).toContain(
        METRIC_DIMENSIONS[name] === 'service' ? `\\"${name}\\"` : `MetricName=\\\\\\"${name}\\\\\\"`,
      );
    }
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    expect(logicalId(withDashboard, withDashboard.stack.service.dashboard?.dashboardName ?? 'missing')).toBeDefined();
  });

  it('graphs the depth of both queues', () => {
    // Prepare
    const { properties } = onlyResource(withDashboard.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(properties.DashboardBody);

    // Assess
    for (const queue of [withDashboard.stack.service.queue, withDashboard.stack.service.deleteQueue]) {
      const queueName = JSON.stringify({ 'Fn::GetAtt': [logicalId(withDashboard, queue.queueArn), 'QueueName'] });
      expect(body).toContain(queueName);
    }
    expect(body).toContain('Delete queue: visible');
  });
});
