/**
 * The whole service as one construct: CloudTrail → EventBridge rule → SQS queue (settle delay,
 * dead-letter queue) → remediator Lambda → IAM, with its alarms and dashboard.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EVENT_PATTERNS } from '../core/event-pattern.js';
import { type IamResourceType, REMEDIATOR_PERMISSIONS } from '../core/iam/index.js';
import { SERVICE_NAME } from '../core/logger.js';
import { METRICS_NAMESPACE } from '../core/observability.js';
import {
  BATCH_SIZE,
  DLQ_RETENTION_DAYS,
  FUNCTION_TIMEOUT_SECONDS,
  MAX_RECEIVE_COUNT,
  VISIBILITY_TIMEOUT_SECONDS,
} from '../core/pipeline-settings.js';
import { REMEDIATOR_HANDLER, remediatorCode } from './bundle.js';
import { Monitoring } from './monitoring.js';
import { wildcardResourceFindingId } from './nag.js';
import { iamPolicyStatements, iamResourceArn } from './permissions.js';
import { type AutoInstanceProfileProps, type ResolvedProps, resolveProps } from './props.js';
import { guardIamEventRegion } from './region-guard.js';
import { ManagementEventsTrail } from './trail.js';

export type { AutoInstanceProfileProps } from './props.js';

/** The function's memory: enough for the bundled SDK; Lambda gives CPU in proportion. */
export const FUNCTION_MEMORY_MB = 256;

/** The function's log level; Powertools reads it from the environment. */
export const FUNCTION_LOG_LEVEL = 'INFO';

/** The alarms the construct creates. */
export interface AutoInstanceProfileAlarms {
  /** The dead-letter queue has messages (ApproximateNumberOfMessagesVisible > 0). */
  readonly deadLetterQueue: Alarm;
  /** The function has errors (Lambda's Errors > 0). */
  readonly functionErrors: Alarm;
  /** A role met a same-name profile the service must not touch (Conflicts > 0); undefined with `alarmOnConflicts: false`. */
  readonly conflicts: Alarm | undefined;
}

/**
 * Gives every IAM role that EC2 may assume its console-style instance profile, automatically.
 * Deploy it in the partition's IAM event region (us-east-1 for the aws partition); in any other
 * region it throws, and an environment-agnostic stack gets a CloudFormation Rules assertion.
 */
export class AutoInstanceProfile extends Construct {
  /** The remediator. */
  public readonly function: LambdaFunction;
  /** Holds each event for the settle delay, then feeds the function. */
  public readonly queue: Queue;
  /** Where events go after {@link MAX_RECEIVE_COUNT} failed receives, or when EventBridge cannot deliver them. */
  public readonly deadLetterQueue: Queue;
  /** Matches the CloudTrail IAM events the remediator handles on the settle path ({@link EVENT_PATTERNS}). */
  public readonly rule: Rule;
  /** The dead-letter queue, function-error and conflict alarms; they notify `alarmTopic` when it is set. */
  public readonly alarms: AutoInstanceProfileAlarms;
  /** The function's metrics, the queues and the alarms on one page. */
  public readonly dashboard: Dashboard;
  /** The function's log group, with the configured retention. */
  public readonly logGroup: LogGroup;
  /** The trail, when `createTrail` is set. */
  public readonly trail: ManagementEventsTrail | undefined;

  constructor(scope: Construct, id: string, props: AutoInstanceProfileProps = {}) {
    super(scope, id);
    const settings = resolveProps(props);
    guardIamEventRegion(this);

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(DLQ_RETENTION_DAYS),
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        `This is the dead-letter queue itself: it keeps failed events for ${DLQ_RETENTION_DAYS} days for inspection and redrive. ` +
        'A redrive policy on it would only move them further away.',
    });
    this.queue = new Queue(this, 'Queue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deliveryDelay: settings.settleDelay,
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    this.rule = new Rule(this, 'Rule', {
      description:
        'CloudTrail-recorded IAM calls that may need an instance profile, for the auto-instance-profile remediator',
      eventPattern: toCdkEventPattern(EVENT_PATTERNS.settle),
      // Grants events.amazonaws.com SendMessage on both queues, only for this rule (aws:SourceArn).
      targets: [new SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });

    this.logGroup = new LogGroup(this, 'LogGroup', { retention: settings.logRetention });
    this.function = this.createFunction(settings);

    const monitoring = new Monitoring(this, 'Monitoring', {
      function: this.function,
      queue: this.queue,
      deadLetterQueue: this.deadLetterQueue,
      alarmTopic: settings.alarmTopic,
      alarmOnConflicts: settings.alarmOnConflicts,
    });
    this.alarms = {
      deadLetterQueue: monitoring.deadLetterQueueAlarm,
      functionErrors: monitoring.functionErrorsAlarm,
      conflicts: monitoring.conflictsAlarm,
    };
    this.dashboard = monitoring.dashboard;

    this.trail = settings.createTrail
      ? new ManagementEventsTrail(this, 'Trail', { retention: settings.trailRetention })
      : undefined;
  }

  private createFunction(settings: ResolvedProps): LambdaFunction {
    // Our own role, without the AWS managed basic-execution policy: it may write to its own log group only.
    const role = new Role(this, 'FunctionRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'The auto-instance-profile remediator: reads roles, creates and tags instance profiles',
    });
    for (const statement of iamPolicyStatements(this, REMEDIATOR_PERMISSIONS)) role.addToPolicy(statement);
    this.logGroup.grantWrite(role);

    const fn = new LambdaFunction(this, 'Function', {
      description: 'Gives IAM roles that EC2 may assume their console-style instance profile',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: FUNCTION_MEMORY_MB,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
      code: remediatorCode(),
      handler: REMEDIATOR_HANDLER,
      role,
      logGroup: this.logGroup,
      environment: { ...functionEnvironment(settings), SERVICE_ROLE_ARN: role.roleArn },
    });
    fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: settings.maxConcurrency,
      }),
    );
    acknowledgeFunctionFindings(fn, role);
    return fn;
  }
}

/** The function's environment: the service settings core/config.ts reads, and Powertools'. */
export function functionEnvironment(settings: ResolvedProps): Record<string, string> {
  return {
    DRY_RUN: String(settings.dryRun),
    EXCLUDED_PATH_PREFIXES: settings.excludedPathPrefixes.join(','),
    IGNORED_CALLERS: settings.ignoredCallers.join(','),
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    POWERTOOLS_LOG_LEVEL: FUNCTION_LOG_LEVEL,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

/** The rule pattern constant in the shape CDK's Rule takes (it renders `detailType` back as `detail-type`). */
export function toCdkEventPattern(pattern: object): EventPattern {
  const { 'detail-type': detailType, ...rest } = structuredClone(pattern) as Record<string, unknown>;
  return detailType === undefined ? rest : { ...rest, detailType: detailType as string[] };
}

/** Why each IAM resource type is granted on `<type>/*` in this account (AwsSolutions-IAM5). */
const WILDCARD_RESOURCE_REASONS: Readonly<Record<IamResourceType, string>> = {
  role:
    'The remediator acts on any role created in this account; role names are not known in advance. ' +
    'The role/* pattern is limited to this account, to reads and to PassRole, which AddRoleToInstanceProfile requires.',
  'instance-profile':
    'The remediator creates a profile named after each new role, so profile names are not known in advance. ' +
    'The instance-profile/* pattern is limited to this account, and every write but AddRoleToInstanceProfile ' +
    'is further limited to profiles tagged auto-instance-profile:managed=true.',
  '*': 'GetAccountAuthorizationDetails has no resource type: it can only be granted on "*". It is a read.',
};

function acknowledgeFunctionFindings(fn: LambdaFunction, role: Role): void {
  // No acknowledgment of AwsSolutions-L1 / Serverless-LambdaLatestVersion: the function runs the newest Node.js
  // runtime CDK knows. When a CDK upgrade brings a newer one, they fire, and docs/deploy.md says what we do then.
  Validations.of(fn).acknowledge(
    {
      id: 'Serverless-LambdaDLQ',
      reason:
        'The function is only invoked by its SQS event source, never asynchronously; failed records are ' +
        `moved by the queue's redrive policy to its dead-letter queue after ${MAX_RECEIVE_COUNT} receives.`,
    },
    {
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason:
        'An on-failure destination applies to stream and Kafka event sources only; for an SQS source the ' +
        "queue's redrive policy to its dead-letter queue is the failure destination.",
    },
    {
      id: 'Serverless-LambdaTracing',
      reason:
        'The function makes a handful of IAM calls per record and does not instrument X-Ray; active tracing ' +
        "would add xray:Put* on '*' to its role for no insight. Records are correlated by eventId in the logs.",
    },
  );
  for (const type of new Set(REMEDIATOR_PERMISSIONS.map((permission) => permission.resource))) {
    Validations.of(role).acknowledge({
      id: wildcardResourceFindingId(role, iamResourceArn(role, type)),
      reason: WILDCARD_RESOURCE_REASONS[type],
    });
  }
}
