/**
 * Alarms and a dashboard over what the remediator emits (Powertools EMF metrics, see
 * core/observability.ts) and what Lambda and SQS report about it.
 */
import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type IMetric,
  MathExpression,
  Metric,
  SearchExpression,
  Stats,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SERVICE_NAME } from '../core/logger.js';
import { METRICS_NAMESPACE, type MetricName } from '../core/observability.js';
import { MAX_RECEIVE_COUNT } from '../core/pipeline-settings.js';

/**
 * The dimensions each metric is emitted with. Powertools adds `service` to every metric, and every
 * metric has its total under `service` alone; the ones counted by reason are also emitted per `reason`.
 * Typed over {@link MetricName}, so a new metric name fails the build until it is placed here.
 */
export const METRIC_DIMENSIONS: Readonly<Record<MetricName, 'service' | 'service+reason'>> = {
  EventsReceived: 'service',
  EventsIgnored: 'service+reason',
  ProfilesCreated: 'service',
  ProfilesAdopted: 'service',
  ProfilesReleased: 'service',
  ProfilesDeleted: 'service',
  Skipped: 'service+reason',
  Conflicts: 'service+reason',
  Retries: 'service+reason',
  QuotaExceeded: 'service',
  QuotaHeadroomReached: 'service',
  RecordsRefused: 'service',
  Errors: 'service+reason',
};

const PERIOD = Duration.minutes(5);

/** What {@link Monitoring} watches. */
export interface MonitoringProps {
  /** The remediator. */
  readonly function: IFunction;
  /** The reconcile function: its failed passes count in the function-errors alarm. */
  readonly reconcileFunction: IFunction;
  /** The queue that feeds it (the settle path). */
  readonly queue: IQueue;
  /** The queue that feeds it delete events, without delay. */
  readonly deleteQueue: IQueue;
  /** The queues' shared dead-letter queue. */
  readonly deadLetterQueue: IQueue;
  /** Receives ALARM and OK notifications. @default - none */
  readonly alarmTopic?: ITopic | undefined;
  /** Alarm on the service's `Conflicts` total. @default true */
  readonly alarmOnConflicts?: boolean;
  /**
   * A CloudWatch dashboard of the alarms, the metrics, the queues and the function: $3 a month each, more than the rest
   * of the service's idle cost together (docs/cost.md), so off unless someone will look at it in this account.
   * @default false
   */
  readonly dashboard?: boolean;
}

/** The service's alarms and its dashboard. */
export class Monitoring extends Construct {
  /** Messages are waiting in the dead-letter queue: events the remediator gave up on, or EventBridge could not deliver. */
  public readonly deadLetterQueueAlarm: Alarm;
  /**
   * The function has errors: failed invocations (crash, timeout, a setting it cannot use) or records it
   * failed (the service's own `Errors` metric), which Lambda does not count because the batch succeeds.
   */
  public readonly functionErrorsAlarm: Alarm;
  /**
   * A role that EC2 may assume met a same-name instance profile the service must not touch (not ours, or
   * holding another role), so it changed nothing and the role is still unusable on EC2. Undefined when off.
   */
  public readonly conflictsAlarm: Alarm | undefined;
  /** The function's metrics, the queues and the alarms on one page; undefined unless the `dashboard` prop is true. */
  public readonly dashboard: Dashboard | undefined;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    this.deadLetterQueueAlarm = new Alarm(this, 'DeadLetterQueueAlarm', {
      alarmDescription:
        `Events are waiting in the dead-letter queue: the remediator failed them ${MAX_RECEIVE_COUNT} times, ` +
        'or EventBridge could not deliver them. Inspect the messages and the function logs, fix the cause, ' +
        'then redrive the dead-letter queue (docs/deploy.md, "When an alarm fires").',
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        statistic: Stats.MAXIMUM,
        period: PERIOD,
      }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.functionErrorsAlarm = new Alarm(this, 'FunctionErrorsAlarm', {
      alarmDescription:
        "The service has errors: records the remediator failed (IAM errors after retries, unsupported events), the account's " +
        'instance profile quota full (quota-exceeded) or at the share where the service stops creating (quota-headroom), ' +
        'records it could not prove came from its own queues (record-refused: a direct invocation, a forged record, or SQS ' +
        'unreachable), all counted in its Errors metric by reason; or a reconcile pass failed. Read the log group of the ' +
        'function that failed (level ERROR). A remediator that fails whole invocations (a crash, a timeout) fails every ' +
        'record of them: they come back and, after 5 receives, raise the dead-letter-queue alarm.',
      metric: new MathExpression({
        expression: 'FILL(recordErrors, 0) + FILL(reconcileErrors, 0)',
        usingMetrics: {
          recordErrors: serviceTotal('Errors'),
          reconcileErrors: props.reconcileFunction.metricErrors({ statistic: Stats.SUM, period: PERIOD }),
        },
        label: 'Errors: failed or refused records, a full instance profile quota, and failed reconcile passes',
        period: PERIOD,
      }),
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      threshold: 0,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });

    this.conflictsAlarm =
      props.alarmOnConflicts === false
        ? undefined
        : new Alarm(this, 'ConflictsAlarm', {
            alarmDescription:
              'A role that EC2 may assume has a same-name instance profile the service must not touch: one it does not own, ' +
              'or one that holds another role. It changed nothing, so the role cannot be chosen at instance launch. ' +
              'Find the role in the function logs (level WARN, decision conflict, with both names) and resolve it by hand ' +
              '(docs/deploy.md, "When an alarm fires").',
            metric: serviceTotal('Conflicts'),
            comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
            threshold: 0,
            evaluationPeriods: 1,
            treatMissingData: TreatMissingData.NOT_BREACHING,
          });
    const alarms = [
      this.deadLetterQueueAlarm,
      this.functionErrorsAlarm,
      ...(this.conflictsAlarm ? [this.conflictsAlarm] : []),
    ];

    if (props.alarmTopic !== undefined) {
      const action = new SnsAction(props.alarmTopic);
      for (const alarm of alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }

    this.dashboard = props.dashboard === true ? dashboardOf(this, props, alarms) : undefined;
  }
}

/** The dashboard: the alarms on top, then the function's metrics, the queues and the function. */
function dashboardOf(scope: Construct, props: MonitoringProps, alarms: Alarm[]): Dashboard {
  const dashboard = new Dashboard(scope, 'Dashboard', { defaultInterval: Duration.days(1) });
  dashboard.addWidgets(
    new AlarmStatusWidget({
      title: 'Alarms',
      alarms,
      width: 24,
      height: 3,
    }),
  );
  dashboard.addWidgets(
    graph('Events', [serviceMetric('EventsReceived'), serviceMetric('EventsIgnored')]),
    graph('Instance profiles', [
      serviceMetric('ProfilesCreated'),
      serviceMetric('ProfilesAdopted'),
      serviceMetric('ProfilesReleased'),
      serviceMetric('ProfilesDeleted'),
    ]),
    graph('Skipped, by reason', [serviceMetric('Skipped')]),
  );
  dashboard.addWidgets(
    graph('Conflicts, by reason', [serviceMetric('Conflicts')]),
    graph('Retries, by reason', [
      serviceMetric('Retries'),
      serviceMetric('QuotaExceeded'),
      serviceMetric('QuotaHeadroomReached'),
    ]),
    graph('Errors, by reason', [serviceMetric('Errors'), serviceMetric('RecordsRefused')]),
  );
  dashboard.addWidgets(
    graph('Dead-letter queue depth', [
      props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        label: 'Dead-letter queue: messages visible',
        statistic: Stats.MAXIMUM,
        period: PERIOD,
      }),
    ]),
    graph(
      'Queues',
      [...queueDepth(props.queue, 'Queue'), ...queueDepth(props.deleteQueue, 'Delete queue')],
      [oldestMessageAge(props.queue, 'Queue'), oldestMessageAge(props.deleteQueue, 'Delete queue')],
    ),
    graph(
      'Function',
      [
        props.function.metricInvocations({ period: PERIOD }),
        props.function.metricErrors({ period: PERIOD }),
        props.function.metricThrottles({ period: PERIOD }),
      ],
      [props.function.metricDuration({ statistic: Stats.p(99), period: PERIOD })],
    ),
  );
  return dashboard;
}

/** The total of one of the function's metrics, over every reason, summed per period. */
export function serviceTotal(name: MetricName): Metric {
  return new Metric({
    namespace: METRICS_NAMESPACE,
    metricName: name,
    dimensionsMap: { service: SERVICE_NAME },
    statistic: Stats.SUM,
    period: PERIOD,
  });
}

/**
 * One of the function's metrics, summed per period. A metric counted by reason is a SEARCH over
 * its `reason` dimension, so each reason gets its own line without the dashboard listing them.
 */
export function serviceMetric(name: MetricName): IMetric {
  if (METRIC_DIMENSIONS[name] === 'service') return serviceTotal(name);
  return new SearchExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},reason,service} MetricName="${name}" service="${SERVICE_NAME}"', 'Sum', ${PERIOD.toSeconds()})`,
    // A dynamic label: one line per reason, named after it.
    label: `${name}: \${PROP('Dim.reason')}`,
    period: PERIOD,
  });
}

/** A queue's messages waiting and in flight. */
function queueDepth(queue: IQueue, name: string): IMetric[] {
  return [
    queue.metricApproximateNumberOfMessagesVisible({
      label: `${name}: visible`,
      statistic: Stats.MAXIMUM,
      period: PERIOD,
    }),
    queue.metricApproximateNumberOfMessagesNotVisible({
      label: `${name}: in flight`,
      statistic: Stats.MAXIMUM,
      period: PERIOD,
    }),
  ];
}

function oldestMessageAge(queue: IQueue, name: string): IMetric {
  return queue.metricApproximateAgeOfOldestMessage({
    label: `${name}: age of the oldest message`,
    statistic: Stats.MAXIMUM,
    period: PERIOD,
  });
}

function graph(title: string, left: IMetric[], right: IMetric[] = []): GraphWidget {
  return new GraphWidget({ title, left, right, width: 8, height: 6 });
}
