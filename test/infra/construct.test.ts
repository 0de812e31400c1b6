/**
 * The synthesized template, one fact at a time: every default, every prop, and the fixed parts of
 * the design (queue, function, rule, outputs, alarms, dashboard).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_PATTERNS } from '../../core/event-pattern.js';
import { SERVICE_NAME } from '../../core/logger.js';
import type { MetricName } from '../../core/observability.js';
import {
  BATCH_SIZE,
  DLQ_RETENTION_DAYS,
  FUNCTION_TIMEOUT_SECONDS,
  MAX_RECEIVE_COUNT,
  STACK_OUTPUTS,
} from '../../core/pipeline-settings.js';
import { AutoInstanceProfile } from '../../infra/auto-instance-profile.js';
import { remediatorCode } from '../../infra/bundle.js';
import { METRIC_DIMENSIONS } from '../../infra/monitoring.js';
import { LAMBDA_NODE_MAJOR } from '../../scripts/lambda-node.mjs';
import { CDK_JSON_CONTEXT, onlyResource, removeSynthOutputs, type Synthesized, synthesize } from './support/synth.js';

const QUEUE = 'AWS::SQS::Queue';
const FUNCTION = 'AWS::Lambda::Function';
const MAPPING = 'AWS::Lambda::EventSourceMapping';
const ALARM = 'AWS::CloudWatch::Alarm';

let defaults: Synthesized;

beforeAll(() => {
  defaults = synthesize();
});

afterAll(removeSynthOutputs);

/** The queue the rule feeds: the one with a redrive policy. */
function mainQueue(template: Template): Record<string, unknown> {
  const queues = Object.values(template.findResources(QUEUE, { Properties: { RedrivePolicy: Match.anyValue() } }));
  expect(queues).toHaveLength(1);
  return (queues[0] as { Properties: Record<string, unknown> }).Properties;
}

function functionEnvironment(template: Template): Record<string, string> {
  const { properties } = onlyResource(template, FUNCTION);
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
    expect(mainQueue(defaults.template).DelaySeconds).toBe(30);
  });

  it('limits the event source mapping to 2 concurrent invocations', () => {
    defaults.template.hasResourceProperties(MAPPING, { ScalingConfig: { MaximumConcurrency: 2 } });
  });

  it('keeps the function logs for 90 days', () => {
    defaults.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  it('is not a dry run', () => {
    expect(functionEnvironment(defaults.template).DRY_RUN).toBe('false');
  });

  it('excludes roles under /aws-service-role/', () => {
    expect(functionEnvironment(defaults.template).EXCLUDED_PATH_PREFIXES).toBe('/aws-service-role/');
  });

  it('leaves roles made by CloudFormation alone', () => {
    expect(functionEnvironment(defaults.template).IGNORED_CALLERS).toBe('cloudformation.amazonaws.com');
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
    const { template } = synthesize({ props: { settleDelay: Duration.minutes(2) } });

    // Assess
    expect(mainQueue(template).DelaySeconds).toBe(120);
  });

  it('settleDelay of zero turns the delay off', () => {
    // Act
    const { template } = synthesize({ props: { settleDelay: Duration.seconds(0) } });

    // Assess
    expect(mainQueue(template).DelaySeconds).toBe(0);
  });

  it('maxConcurrency sets the event source mapping maximum concurrency', () => {
    // Act
    const { template } = synthesize({ props: { maxConcurrency: 7 } });

    // Assess
    template.hasResourceProperties(MAPPING, { ScalingConfig: { MaximumConcurrency: 7 } });
  });

  it('logRetention sets the log group retention', () => {
    // Act
    const { template } = synthesize({ props: { logRetention: RetentionDays.ONE_YEAR } });

    // Assess
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });

  it('dryRun sets DRY_RUN=true', () => {
    // Act
    const { template } = synthesize({ props: { dryRun: true } });

    // Assess
    expect(functionEnvironment(template).DRY_RUN).toBe('true');
  });

  it('excludedPathPrefixes become EXCLUDED_PATH_PREFIXES, comma-separated', () => {
    // Act
    const { template } = synthesize({ props: { excludedPathPrefixes: ['/aws-service-role/', '/batch/'] } });

    // Assess
    expect(functionEnvironment(template).EXCLUDED_PATH_PREFIXES).toBe('/aws-service-role/,/batch/');
  });

  it('an empty excludedPathPrefixes excludes nothing', () => {
    // Act
    const { template } = synthesize({ props: { excludedPathPrefixes: [] } });

    // Assess
    expect(functionEnvironment(template).EXCLUDED_PATH_PREFIXES).toBe('');
  });

  it('ignoredCallers become IGNORED_CALLERS, comma-separated', () => {
    // Act
    const { template } = synthesize({
      props: { ignoredCallers: ['cloudformation.amazonaws.com', 'servicecatalog.amazonaws.com'] },
    });

    // Assess
    expect(functionEnvironment(template).IGNORED_CALLERS).toBe(
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

describe('queue', () => {
  it('encrypts both queues with SQS-managed keys', () => {
    const queues = Object.values(defaults.template.findResources(QUEUE)) as { Properties: Record<string, unknown> }[];
    expect(queues).toHaveLength(2);
    for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('hides a received message for at least six times the function timeout', () => {
    expect(mainQueue(defaults.template).VisibilityTimeout).toBeGreaterThanOrEqual(6 * FUNCTION_TIMEOUT_SECONDS);
  });

  it(`moves a message to the dead-letter queue after ${MAX_RECEIVE_COUNT} receives`, () => {
    const dlqId = logicalId(defaults, defaults.stack.service.deadLetterQueue.queueArn);
    expect(mainQueue(defaults.template).RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: MAX_RECEIVE_COUNT,
    });
  });

  it(`keeps dead letters for ${DLQ_RETENTION_DAYS} days`, () => {
    const dlqId = logicalId(defaults, defaults.stack.service.deadLetterQueue.queueArn);
    expect(defaults.template.toJSON().Resources[dlqId].Properties.MessageRetentionPeriod).toBe(
      DLQ_RETENTION_DAYS * 24 * 60 * 60,
    );
  });

  it('lets only this rule send, and only over TLS, on both queues', () => {
    const ruleArn = { 'Fn::GetAtt': [logicalId(defaults, defaults.stack.service.rule.ruleArn), 'Arn'] };
    const policies = Object.values(defaults.template.findResources('AWS::SQS::QueuePolicy')) as {
      Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } };
    }[];
    expect(policies).toHaveLength(2);
    for (const policy of policies) {
      const statements = policy.Properties.PolicyDocument.Statement;
      const allows = statements.filter((s) => s.Effect === 'Allow');
      expect(allows.length).toBeGreaterThan(0);
      for (const allow of allows) {
        expect(allow.Principal).toEqual({ Service: 'events.amazonaws.com' });
        expect(allow.Condition).toEqual({ ArnEquals: { 'aws:SourceArn': ruleArn } });
      }
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
    expect(functionEnvironment(defaults.template)).toMatchObject({
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: 'AutoInstanceProfile',
      POWERTOOLS_LOG_LEVEL: 'INFO',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('reads the queue in batches of 10 and reports partial batch failures', () => {
    const queueId = logicalId(defaults, defaults.stack.service.queue.queueArn);
    defaults.template.hasResourceProperties(MAPPING, {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: BATCH_SIZE,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('logs to its own log group', () => {
    const logGroupId = logicalId(defaults, defaults.stack.service.logGroup.logGroupName);
    defaults.template.hasResourceProperties(FUNCTION, { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
  });

  it('refuses to synthesize without the bundle, and says how to build it', () => {
    expect(() => remediatorCode('/nonexistent/dist/remediator')).toThrow(/run `npm run build`/);
  });
});

describe('rule', () => {
  it('uses the shared event pattern constant, unchanged', () => {
    defaults.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: JSON.parse(JSON.stringify(EVENT_PATTERNS.settle)),
      State: 'ENABLED',
    });
  });

  it('targets the queue, with the dead-letter queue for deliveries that fail', () => {
    const queueId = logicalId(defaults, defaults.stack.service.queue.queueArn);
    const dlqId = logicalId(defaults, defaults.stack.service.deadLetterQueue.queueArn);
    defaults.template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [queueId, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
          Id: Match.anyValue(),
        },
      ],
    });
    expect(
      defaults.template.toJSON().Resources[logicalId(defaults, defaults.stack.service.rule.ruleArn)],
    ).toBeDefined();
  });
});

describe('outputs', () => {
  it('emits exactly the outputs the CLI doctor reads', () => {
    const { service } = defaults.stack;
    expect(defaults.template.toJSON().Outputs).toEqual({
      [STACK_OUTPUTS.ruleName]: expect.objectContaining({ Value: { Ref: logicalId(defaults, service.rule.ruleArn) } }),
      [STACK_OUTPUTS.queueUrl]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.queue.queueArn) },
      }),
      [STACK_OUTPUTS.deadLetterQueueUrl]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.deadLetterQueue.queueArn) },
      }),
      [STACK_OUTPUTS.functionName]: expect.objectContaining({
        Value: { Ref: logicalId(defaults, service.function.functionArn) },
      }),
    });
  });
});

describe('alarms and dashboard', () => {
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

  it('alarms when the function has errors: failed invocations, failed records, or a full profile quota', () => {
    const functionId = logicalId(defaults, defaults.stack.service.function.functionArn);
    defaults.template.hasResourceProperties(ALARM, {
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(invocationErrors, 0) + FILL(recordErrors, 0) + FILL(quotaFull, 0)' }),
        Match.objectLike({
          Id: 'invocationErrors',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: 'Errors',
              Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionId } }],
            },
            Stat: 'Sum',
          }),
        }),
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
          Id: 'quotaFull',
          MetricStat: Match.objectLike({
            Metric: {
              Namespace: 'AutoInstanceProfile',
              MetricName: 'QuotaExceeded',
              Dimensions: [{ Name: 'service', Value: SERVICE_NAME }],
            },
            Stat: 'Sum',
          }),
        }),
      ]),
    });
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

  it('shows every alarm in the dashboard alarm widget', () => {
    const { properties } = onlyResource(defaults.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(defaults.stack.resolve(properties.DashboardBody));
    for (const id of Object.keys(defaults.template.findResources(ALARM))) expect(body).toContain(id);
  });

  it('graphs every metric the function emits, and the dead-letter queue depth', () => {
    const { properties } = onlyResource(defaults.template, 'AWS::CloudWatch::Dashboard');
    const body = JSON.stringify(properties.DashboardBody);
    for (const name of Object.keys(METRIC_DIMENSIONS) as MetricName[]) {
      expect(body).toContain(
        METRIC_DIMENSIONS[name] === 'service' ? `\\"${name}\\"` : `MetricName=\\\\\\"${name}\\\\\\"`,
      );
    }
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    expect(logicalId(defaults, defaults.stack.service.dashboard.dashboardName)).toBeDefined();
  });
});
