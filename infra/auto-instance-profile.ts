/**
 * The whole service as one construct: CloudTrail → EventBridge rules → SQS queues (one with the settle
 * delay, one without for deletes; a shared dead-letter queue) → remediator Lambda → IAM; the reconcile
 * pass (on a schedule and after every deploy) → the settle queue; with its alarms and dashboard.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import { type EventPattern, Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { ArnPrincipal, CompositePrincipal, Role } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { LogGroup } from 'aws-cdk-lib/aws-logs';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { settingsEnvironment } from '../core/config.js';
import { accountEventPatterns } from '../core/event-pattern.js';
import type { Delivery } from '../core/events.js';
import { type IamResourceType, REMEDIATOR_PERMISSIONS } from '../core/iam/index.js';
import {
  BATCH_SIZE,
  DLQ_RETENTION_DAYS,
  FUNCTION_TIMEOUT_SECONDS,
  MAX_RECEIVE_COUNT,
  QUEUE_RETENTION_DAYS,
  SERVICE_ROLE_PATH,
  VISIBILITY_TIMEOUT_SECONDS,
} from '../core/pipeline-settings.js';
import { SETTINGS } from '../core/settings.js';
import { BUNDLES } from '../toolchain/bundles.mjs';
import { Monitoring } from './monitoring.js';
import { OwnershipTable } from './ownership-table.js';
import { type AutoInstanceProfileProps, type ResolvedProps, resolveProps } from './props.js';
import { OPERATOR_QUEUE_ACTIONS, restrictQueueAccess } from './queue-access.js';
import { Reconcile } from './reconcile.js';
import { guardIamEventRegion } from './region-guard.js';
import { ServiceFunction } from './service-function.js';
import { ManagementEventsTrail } from './trail.js';

export type { AutoInstanceProfileProps } from './props.js';

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
  /** The remediator: its function, role and log group. */
  public readonly remediator: ServiceFunction;
  /** The remediator's function. */
  public readonly function: LambdaFunction;
  /** Holds each create or trust-change event for the settle delay, then feeds the function. */
  public readonly queue: Queue;
  /** Feeds delete events to the function without delay, so that a retried `delete-role` works seconds later. */
  public readonly deleteQueue: Queue;
  /**
   * Where events from either queue go after {@link MAX_RECEIVE_COUNT} failed receives, or when EventBridge
   * cannot deliver them to their queue. Shared: one place to look, one alarm, one redrive.
   */
  public readonly deadLetterQueue: Queue;
  /** Matches the stack's account's CloudTrail IAM events that wait for the settle delay ({@link accountEventPatterns}`.settle`): into {@link queue}. */
  public readonly rule: Rule;
  /** Matches the stack's account's delete events ({@link accountEventPatterns}`.immediate`): into {@link deleteQueue}. */
  public readonly deleteRule: Rule;
  /** The dead-letter queue, function-error and conflict alarms; they notify `alarmTopic` when it is set. */
  public readonly alarms: AutoInstanceProfileAlarms;
  /** The function's metrics, the queues and the alarms on one page; undefined unless `dashboard` is true. */
  public readonly dashboard: Dashboard | undefined;
  /** The remediator's log group, with the configured retention. */
  public readonly logGroup: LogGroup;
  /** The reconcile pass: its function, its schedule and its run after every deploy. */
  public readonly reconcile: Reconcile;
  /**
   * The service's record of the profiles it made or adopted, which alone makes a profile its own: writable by
   * the service's roles only, kept when the stack is deleted.
   */
  public readonly ownership: OwnershipTable;
  /** The trail, when `createTrail` is set. */
  public readonly trail: ManagementEventsTrail | undefined;
  /**
   * The operator role, only when `operatorPrincipals` names principals, and trusted by exactly those: it moves dead
   * letters back to the settle queue (StartMessageMoveTask). Besides the rules and the reconcile pass, it is the only
   * sender the settle queue accepts, and the only principal that may receive from the dead-letter queue. Under the
   * service's IAM path ({@link SERVICE_ROLE_PATH}); a plain Role, so that other parts of the service may grant it more.
   */
  public readonly operatorRole: Role | undefined;

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

    const settle = this.deliveryPath('settle', settings.settleDelay);
    this.queue = settle.queue;
    this.rule = settle.rule;
    const immediate = this.deliveryPath('immediate', Duration.seconds(0));
    this.deleteQueue = immediate.queue;
    this.deleteRule = immediate.rule;

    this.ownership = new OwnershipTable(this, 'Ownership');
    this.remediator = this.createRemediator(settings);
    this.function = this.remediator.function;
    this.logGroup = this.remediator.logGroup;

    this.reconcile = new Reconcile(this, 'Reconcile', {
      queue: this.queue,
      ownershipTable: this.ownership.table,
      schedule: settings.reconcileSchedule,
      afterDeploy: settings.reconcileAfterDeploy,
      logRetention: settings.logRetention,
      environment: settingsEnvironment(settings),
      runAfter: [this.remediator],
    });

    this.operatorRole =
      settings.operatorPrincipals.length === 0 ? undefined : this.createOperatorRole(settings.operatorPrincipals);
    this.ownership.onlyWrittenBy([this.remediator.role, this.reconcile.reconcileFunction.role], this.operatorRole);
    restrictQueueAccess(
      { settle: this.queue, immediate: this.deleteQueue, deadLetter: this.deadLetterQueue },
      { settle: this.rule, immediate: this.deleteRule },
      {
        remediator: this.remediator.role,
        reconcile: this.reconcile.reconcileFunction.role,
        operator: this.operatorRole,
      },
    );

    const monitoring = new Monitoring(this, 'Monitoring', {
      function: this.function,
      reconcileFunction: this.reconcile.function,
      queue: this.queue,
      deleteQueue: this.deleteQueue,
      deadLetterQueue: this.deadLetterQueue,
      alarmTopic: settings.alarmTopic,
      alarmOnConflicts: settings.alarmOnConflicts,
      dashboard: settings.dashboard,
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

  /**
   * One delivery path: a rule with the path's pattern into a queue with the path's delay. Both queues
   * share the dead-letter queue, for failed receives and for deliveries EventBridge gives up on.
   */
  private deliveryPath(delivery: Delivery, delay: Duration): { readonly queue: Queue; readonly rule: Rule } {
    const { queueId, ruleId, description } = DELIVERY_PATHS[delivery];
    const queue = new Queue(this, queueId, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      deliveryDelay: delay,
      // Events wait here while the service is paused (its event source mappings off): as long as SQS allows.
      retentionPeriod: Duration.days(QUEUE_RETENTION_DAYS),
      visibilityTimeout: Duration.seconds(VISIBILITY_TIMEOUT_SECONDS),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    const rule = new Rule(this, ruleId, {
      description,
      // Only the stack's own account's events: the default bus also takes what other accounts' rules send it.
      eventPattern: toCdkEventPattern(accountEventPatterns(Stack.of(this).account)[delivery]),
      // Grants events.amazonaws.com SendMessage on the queue and the dead-letter queue, only for this rule (aws:SourceArn).
      targets: [new SqsQueue(queue, { deadLetterQueue: this.deadLetterQueue })],
    });
    return { queue, rule };
  }

  /** A role, trusted by `principals` alone, that may move the dead-letter queue's messages to the settle queue. */
  private createOperatorRole(principals: readonly string[]): Role {
    const role = new Role(this, 'OperatorRole', {
      assumedBy: new CompositePrincipal(...principals.map((arn) => new ArnPrincipal(arn))),
      path: SERVICE_ROLE_PATH,
      description:
        'auto-instance-profile operator: moves dead letters back to the settle queue (StartMessageMoveTask); confirms ownership records',
    });
    this.deadLetterQueue.grant(role, ...OPERATOR_QUEUE_ACTIONS.deadLetter);
    this.queue.grant(role, ...OPERATOR_QUEUE_ACTIONS.settle);
    return role;
  }

  private createRemediator(settings: ResolvedProps): ServiceFunction {
    // The id `Function` keeps the function's logical id from the versions before ServiceFunction.
    const remediator = new ServiceFunction(this, 'Function', {
      bundle: BUNDLES.remediator.name,
      description: 'Gives IAM roles that EC2 may assume their console-style instance profile',
      roleDescription:
        'The auto-instance-profile remediator: reads roles, creates and tags instance profiles, releases its own',
      permissions: REMEDIATOR_PERMISSIONS,
      wildcardReasons: REMEDIATOR_WILDCARD_REASONS,
      resourceArns: { 'ownership-table': this.ownership.table.tableArn },
      logRetention: settings.logRetention,
      timeout: Duration.seconds(FUNCTION_TIMEOUT_SECONDS),
      environment: settingsEnvironment(settings),
      deadLetterReason:
        'The function is only invoked by its SQS event sources, never asynchronously; failed records are ' +
        `moved by each queue's redrive policy to the dead-letter queue after ${MAX_RECEIVE_COUNT} receives.`,
      acknowledgments: [
        {
          id: 'Serverless-LambdaEventSourceMappingDestination',
          reason:
            'An on-failure destination applies to stream and Kafka event sources only; for an SQS source the ' +
            "queue's redrive policy to the dead-letter queue is the failure destination.",
        },
      ],
    });
    const fn = remediator.function;
    // Events this role caused (our own profile writes, recorded by CloudTrail) are never acted on.
    fn.addEnvironment(SETTINGS.serviceRoleArn.env, remediator.role.roleArn);
    fn.addEnvironment(SETTINGS.ownershipTable.env, this.ownership.table.tableName);
    // The queues whose records it acts on: each record is proven to be in flight in one of them.
    fn.addEnvironment(SETTINGS.queueUrls.env, [this.queue.queueUrl, this.deleteQueue.queueUrl].join(','));
    // One mapping per queue, each with its own concurrency cap: a burst of deletes does not wait behind creates.
    for (const queue of [this.queue, this.deleteQueue]) {
      fn.addEventSource(
        new SqsEventSource(queue, {
          batchSize: BATCH_SIZE,
          reportBatchItemFailures: true,
          maxConcurrency: settings.maxConcurrency,
        }),
      );
    }
    return remediator;
  }
}

/** The construct ids and descriptions of each delivery path's queue and rule; the settle path keeps its first ids. */
const DELIVERY_PATHS: Readonly<
  Record<Delivery, { readonly queueId: string; readonly ruleId: string; readonly description: string }>
> = {
  settle: {
    queueId: 'Queue',
    ruleId: 'Rule',
    description:
      'CloudTrail-recorded IAM calls that may need an instance profile or leave one behind (after the settle delay), for the auto-instance-profile remediator',
  },
  immediate: {
    queueId: 'DeleteQueue',
    ruleId: 'DeleteRule',
    description:
      'CloudTrail-recorded DeleteRole calls that failed with DeleteConflict, for the auto-instance-profile remediator, without delay',
  },
};

/** The rule pattern constant in the shape CDK's Rule takes (it renders `detailType` back as `detail-type`). */
export function toCdkEventPattern(pattern: object): EventPattern {
  const { 'detail-type': detailType, ...rest } = structuredClone(pattern) as Record<string, unknown>;
  return detailType === undefined ? rest : { ...rest, detailType: detailType as string[] };
}

/** Why each IAM resource type is granted to the remediator on `<type>/*` in this account (AwsSolutions-IAM5). */
const REMEDIATOR_WILDCARD_REASONS: Readonly<Partial<Record<IamResourceType, string>>> = {
  role:
    'The remediator acts on any role created in this account; role names are not known in advance. ' +
    'The role/* pattern is limited to this account, to reads and to PassRole to EC2 (iam:PassedToService), which AddRoleToInstanceProfile requires.',
  'instance-profile':
    'The remediator creates a profile named after each new role, so profile names are not known in advance. ' +
    'The instance-profile/* pattern is limited to this account; creating requires the request to tag the profile as ours ' +
    '(aws:RequestTag), tagging requires that and the profile to be ours, and adding or removing a role or deleting a profile ' +
    "require it to be tagged as ours (aws:ResourceTag), as in Karpenter's controller policy.",
  '*': 'GetAccountAuthorizationDetails has no resource type: it can only be granted on "*". It is a read.',
};
