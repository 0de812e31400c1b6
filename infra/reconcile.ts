/**
 * The reconcile pass in the stack: its function (dist/reconcile, made by {@link ServiceFunction}), the
 * EventBridge Scheduler schedule that runs it, and the custom resource that runs it once after every
 * deploy that changes the stack. The pass only finds: it sends one message per candidate role to the
 * remediator's settle queue, and the remediator decides again and acts.
 */
import { Aws, CfnParameter, Duration, Lazy, Stack, Tags, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Schedule, type ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import { Construct, type IConstruct } from 'constructs';
import { RECONCILE_PERMISSIONS } from '../core/iam/index.js';
import { RECONCILE_FUNCTION_TAG } from '../core/lambda/reconcile-now.js';
import { OU_SETTINGS } from '../core/ou-settings.js';
import { SERVICE_ROLE_PATH } from '../core/pipeline-settings.js';
import { SETTINGS } from '../core/settings.js';
import { BUNDLES } from '../toolchain/bundles.mjs';
import { lazyTemplateFingerprint } from './fingerprint.js';
import { acknowledgeProviderFindings } from './nag.js';
import { FUNCTION_MEMORY_MB, ServiceFunction } from './service-function.js';

/**
 * The reconcile function's timeout: Lambda's maximum. A pass reads the account a page (ROLE_PAGE_SIZE, 50 roles)
 * at a time and one profile per candidate whose same-name profile must be read; a large account's first pass
 * must not be cut short, and a pass that ends early costs nothing.
 */
export const RECONCILE_TIMEOUT = Duration.minutes(15);

/**
 * The reconcile function's memory. A pass of 5,000 roles at IAM's limits peaks at twice what Node.js needs
 * before the first call, most of it V8's young generation, which Lambda sizes from the memory (its runtime's own
 * heap flags); at this size it stays within half (test/acceptance/reconcile-memory.test.ts, docs/deploy.md,
 * "Memory"). The pass runs once a day: the extra megabytes cost cents a month.
 */
export const RECONCILE_MEMORY_MB = 512;

/** The `source` of the payload the after-deploy run sends; the function does not read its input. */
export const AFTER_DEPLOY_SOURCE = 'auto-instance-profile.deploy';

/** What the reconcile pass needs from the rest of the service. */
export interface ReconcileProps {
  /** The remediator's settle queue: one message per candidate goes there (`QUEUE_URL`). */
  readonly queue: IQueue;
  /** The ownership table: the pass reads it to tell a leftover of ours from one only tagged as ours. */
  readonly ownershipTable: ITable;
  /** When it runs on its own, or `'disabled'`. */
  readonly schedule: ScheduleExpression | 'disabled';
  /** Whether it runs once after every deploy that changes the stack. */
  readonly afterDeploy: boolean;
  /** How long its log groups keep their logs. */
  readonly logRetention: RetentionDays;
  /** The service settings the scan reads (the same as the remediator's: exclusions, ignored callers, dry run). */
  readonly environment: Readonly<Record<string, string>>;
  /** What must be in place before the after-deploy run, so that its messages meet the current remediator. */
  readonly runAfter: readonly IConstruct[];
}

/** The reconcile function, its schedule and its after-deploy run. */
export class Reconcile extends Construct {
  /** The function, its role and its log group. */
  public readonly reconcileFunction: ServiceFunction;
  /** The function. */
  public readonly function: LambdaFunction;
  /** The EventBridge Scheduler schedule that runs it; undefined when the schedule is `'disabled'`. */
  public readonly schedule: Schedule | undefined;
  /** The role the scheduler invokes the function with; undefined when the schedule is `'disabled'`. */
  public readonly scheduleRole: Role | undefined;
  /** The custom resource that invokes it after every deploy that changes the stack; undefined when off. */
  public readonly afterDeploy: AwsCustomResource | undefined;

  constructor(scope: Construct, id: string, props: ReconcileProps) {
    super(scope, id);
    this.reconcileFunction = new ServiceFunction(this, 'Function', {
      bundle: BUNDLES.reconcile.name,
      description: 'Finds roles that EC2 may assume and have no instance profile; queues each for the remediator',
      roleDescription:
        "The auto-instance-profile reconcile pass: lists the account's roles and instance profiles, sends to the remediator's queue",
      permissions: RECONCILE_PERMISSIONS,
      wildcardReasons: RECONCILE_WILDCARD_REASONS,
      resourceArns: { 'ownership-table': props.ownershipTable.tableArn },
      logRetention: props.logRetention,
      timeout: RECONCILE_TIMEOUT,
      memorySize: RECONCILE_MEMORY_MB,
      environment: {
        ...props.environment,
        [SETTINGS.queueUrl.env]: props.queue.queueUrl,
        [SETTINGS.ownershipTable.env]: props.ownershipTable.tableName,
        // The stack's name as deployed (a StackSet's: StackSet-…-<uuid>), by which the pass tells the service's
        // roles of versions before its IAM path in CloudTrail (core/service-creates.ts).
        [SETTINGS.stackName.env]: Aws.STACK_NAME,
      },
      deadLetterReason:
        'The function is invoked asynchronously, by its schedule and after deploys, with no input it reads: each pass ' +
        'scans the account afresh, so a dead-letter queue would keep nothing worth replaying. A failed pass is retried ' +
        'by Lambda, counted by the function-errors alarm, and made good by the next pass.',
    });
    this.function = this.reconcileFunction.function;
    // The one function `fix` may start (lambda:InvokeFunction is granted on this tag alone): it hands roles over to
    // the service where it cannot record what it would make (core/lambda/reconcile-now.ts).
    Tags.of(this.function).add(RECONCILE_FUNCTION_TAG.key, RECONCILE_FUNCTION_TAG.value, {
      includeResourceTypes: ['AWS::Lambda::Function'],
    });
    // SendMessage covers SendMessageBatch; nothing else on the queue, and no other queue.
    props.queue.grant(this.reconcileFunction.role, 'sqs:SendMessage');

    if (props.schedule === 'disabled') {
      this.schedule = undefined;
      this.scheduleRole = undefined;
    } else {
      this.scheduleRole = this.createScheduleRole();
      this.schedule = new Schedule(this, 'Schedule', {
        description: 'Runs the auto-instance-profile reconcile pass',
        schedule: props.schedule,
        target: new LambdaInvoke(this.function, { role: this.scheduleRole }),
      });
    }

    this.afterDeploy = props.afterDeploy ? this.runAfterDeploy(props) : undefined;
  }

  /**
   * The scheduler's role, ours rather than the stack-wide one LambdaInvoke would make: only EventBridge
   * Scheduler acting for a schedule of this account's default group may assume it, and it may only invoke
   * the function (LambdaInvoke grants it).
   */
  private createScheduleRole(): Role {
    const role = new Role(this, 'ScheduleRole', {
      description: 'EventBridge Scheduler: runs the auto-instance-profile reconcile pass',
      path: SERVICE_ROLE_PATH,
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com').withConditions({
        StringEquals: {
          'aws:SourceAccount': Aws.ACCOUNT_ID,
          'aws:SourceArn': Stack.of(this).formatArn({
            service: 'scheduler',
            resource: 'schedule-group',
            resourceName: 'default',
          }),
        },
      }),
    });
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.function.node.defaultChild as never)}.Arn>:*]`,
      reason:
        "CDK's LambdaInvoke target grants lambda:InvokeFunction on the function and on its versions and aliases " +
        '(<function ARN>:*). The function publishes none, so the pattern reaches nothing but this function.',
    });
    return role;
  }

  /**
   * A custom resource whose calls carry the fingerprint of the rest of the template: CloudFormation
   * creates it on the first deploy and updates it on every deploy that changes anything else, and each
   * time it invokes the function asynchronously, so the deploy does not wait for the pass.
   */
  private runAfterDeploy(props: ReconcileProps): AwsCustomResource {
    // Everything under this scope is left out of the fingerprint, which would otherwise hash itself.
    const scope = new Construct(this, 'AfterDeploy');
    const fingerprint = lazyTemplateFingerprint(this, scope);
    const invoke: AwsSdkCall = {
      service: 'Lambda',
      action: 'invoke',
      parameters: {
        FunctionName: this.function.functionName,
        InvocationType: 'Event',
        // A setting given as a parameter (an OU's override, a release template's) changes what the pass decides, not
        // the template: its value is part of the payload, so that a new value runs the pass again too.
        Payload: Lazy.string({
          produce: () =>
            JSON.stringify({ source: AFTER_DEPLOY_SOURCE, template: fingerprint, ...settingParameterValues(this) }),
        }),
      },
      // A fixed id: an update never replaces the resource, and there is nothing to delete.
      physicalResourceId: PhysicalResourceId.of('reconcile-after-deploy'),
      outputPaths: ['StatusCode'],
    };
    const logGroup = new LogGroup(scope, 'ProviderLogGroup', { retention: props.logRetention });
    // The provider's role is ours, on the service's path (which the tag guard protects), rather than the CDK's at `/`
    // with AWSLambdaBasicExecutionRole: it may write its own log group and invoke the function, nothing else.
    const providerRole = new Role(scope, 'ProviderRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description:
        'The auto-instance-profile deploy: runs the reconcile pass once after each deploy that changes the stack',
      path: SERVICE_ROLE_PATH,
    });
    const run = new AwsCustomResource(scope, 'Run', {
      resourceType: 'Custom::ReconcileAfterDeploy',
      onCreate: invoke,
      onUpdate: invoke,
      installLatestAwsSdk: false,
      memorySize: FUNCTION_MEMORY_MB,
      logGroup,
      role: providerRole,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['lambda:InvokeFunction'],
          resources: [this.function.functionArn],
        }),
        // What AWSLambdaBasicExecutionRole would give, on its own log group only.
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn],
        }),
      ]),
    });
    for (const dependency of [this.reconcileFunction, ...props.runAfter]) run.node.addDependency(dependency);
    acknowledgeProviderFindings(run, 'lambda:InvokeFunction on the reconcile function', { ownRole: true });
    return run;
  }
}

/** Why each IAM resource type is granted to the reconcile function on `<type>/*` or `*` (AwsSolutions-IAM5). */
const RECONCILE_WILDCARD_REASONS = {
  'instance-profile':
    'The pass reads the same-name profile of a candidate role (GetInstanceProfile): profile names are not known in ' +
    'advance. It is a read, limited to this account.',
  '*':
    'GetAccountAuthorizationDetails, ListInstanceProfiles and CloudTrail LookupEvents have no resource type: they can only be ' +
    'granted on "*". All are reads: the calls that list roles with their trust policy, tags and profiles, every profile with ' +
    'its roles, and the CreateRole events that say who created a candidate role.',
} as const;

/**
 * The settings that set values (core/ou-settings.ts) given as parameters of `scope`'s stack, with their values as
 * tokens; none: nothing.
 */
function settingParameterValues(scope: IConstruct): { readonly settings?: Readonly<Record<string, string>> } {
  const stack = Stack.of(scope);
  const names = new Set(OU_SETTINGS.map((setting) => setting.parameter));
  const parameters = stack.node.children
    .filter((child): child is CfnParameter => child instanceof CfnParameter && names.has(child.node.id))
    .sort((a, b) => (a.node.id < b.node.id ? -1 : 1));
  if (parameters.length === 0) return {};
  return { settings: Object.fromEntries(parameters.map((parameter) => [parameter.node.id, parameter.valueAsString])) };
}
