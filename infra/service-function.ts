/**
 * The one place that makes a service function: its role from the IAM permissions it declares, its log
 * group, its bundle by name, and the cdk-nag acknowledgments every function of ours needs, each with its
 * reason. The remediator and the reconcile function are both made here.
 */
import { type Acknowledgment, type Duration, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { IamPermission, IamResourceType } from '../core/iam/index.js';
import { SERVICE_NAME } from '../core/logger.js';
import { METRICS_NAMESPACE } from '../core/observability.js';
import { SERVICE_ROLE_PATH } from '../core/pipeline-settings.js';
import { BUNDLE_HANDLER, bundleCode } from './bundle.js';
import { wildcardResourceFindingId } from './nag.js';
import { iamPolicyStatements, iamResourceArn, isWildcardType, type OwnResourceArns } from './permissions.js';

/**
 * The runtime of every service function: one constant, so that moving to the next Node.js is one line
 * (with `LAMBDA_NODE_MAJOR` in toolchain/lambda-node.mjs; docs/deploy.md, "The runtime").
 */
export const SERVICE_FUNCTION_RUNTIME = Runtime.NODEJS_24_X;

/** A function's memory unless it says otherwise: enough for the bundled SDK; Lambda gives CPU in proportion. */
export const FUNCTION_MEMORY_MB = 256;

/**
 * The environment every service function gets: Powertools' service name and namespace, and source maps in stack
 * traces. The log level is a setting (`logLevel`), in each function's own environment.
 */
export const COMMON_ENVIRONMENT: Readonly<Record<string, string>> = {
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  NODE_OPTIONS: '--enable-source-maps',
};

/** What makes one service function. */
export interface ServiceFunctionProps {
  /** The bundle to run, by its name in toolchain/bundles.mjs: `dist/<bundle>/index.mjs`, written by `npm run build`. */
  readonly bundle: string;
  /** The function's description. */
  readonly description: string;
  /** The role's description: what the function may do. */
  readonly roleDescription: string;
  /** The IAM actions its code calls, with their conditions (a `*_PERMISSIONS` list from core/iam): its role gets exactly these. */
  readonly permissions: readonly IamPermission[];
  /**
   * Why each IAM resource type the permissions use is granted on `<type>/*` (AwsSolutions-IAM5). Every
   * type in `permissions` needs one.
   */
  readonly wildcardReasons: Readonly<Partial<Record<IamResourceType, string>>>;
  /** The ARNs of the stack's own resources its permissions name (the ownership table's). @default - none */
  readonly resourceArns?: OwnResourceArns;
  /** How long its log group keeps its logs. */
  readonly logRetention: RetentionDays;
  /** The function's timeout. */
  readonly timeout: Duration;
  /** Its memory, in MB. @default FUNCTION_MEMORY_MB */
  readonly memorySize?: number;
  /** Its settings, beside {@link COMMON_ENVIRONMENT}. @default - none */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Why it has no dead-letter queue of Lambda's own (Serverless-LambdaDLQ): where its failures go
   * instead, which depends on how it is invoked.
   */
  readonly deadLetterReason: string;
  /** Acknowledgments of findings particular to this function, each with its reason. @default - none */
  readonly acknowledgments?: readonly Acknowledgment[];
}

/**
 * A Lambda function of this service: the bundle by name on {@link SERVICE_FUNCTION_RUNTIME} (arm64), with
 * a role of its own that holds exactly its declared IAM permissions and may write its own log group, and
 * nothing else until the caller grants more (a queue to read or send to).
 */
export class ServiceFunction extends Construct {
  /** The function. */
  public readonly function: LambdaFunction;
  /**
   * Its role, on the service's own IAM path ({@link SERVICE_ROLE_PATH}), which the tag guard exempts: no managed policy;
   * exactly its permissions, its log group, and what the caller grants.
   */
  public readonly role: Role;
  /** Its log group, with the configured retention. */
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    const types = [...new Set(props.permissions.map((permission) => permission.resource))].filter(isWildcardType);
    const unexplained = types.filter((type) => props.wildcardReasons[type] === undefined);
    if (unexplained.length > 0) {
      throw new Error(`ServiceFunction ${id}: wildcardReasons has no reason for ${unexplained.join(', ')}`);
    }

    this.logGroup = new LogGroup(this, 'LogGroup', { retention: props.logRetention });
    // Our own role, without the AWS managed basic-execution policy: it may write to its own log group only.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.roleDescription,
      path: SERVICE_ROLE_PATH,
    });
    for (const statement of iamPolicyStatements(this, props.permissions, props.resourceArns)) {
      this.role.addToPolicy(statement);
    }
    this.logGroup.grantWrite(this.role);

    // The id `Default` is left out of logical ids, so the function (and its event sources) keep the ids
    // they had before this construct existed, and an upgrade updates them in place.
    this.function = new LambdaFunction(this, 'Default', {
      description: props.description,
      runtime: SERVICE_FUNCTION_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? FUNCTION_MEMORY_MB,
      timeout: props.timeout,
      code: bundleCode(props.bundle),
      handler: BUNDLE_HANDLER,
      role: this.role,
      logGroup: this.logGroup,
      environment: { ...props.environment, ...COMMON_ENVIRONMENT },
    });

    // No acknowledgment of AwsSolutions-L1 / Serverless-LambdaLatestVersion: the functions run the newest Node.js
    // runtime CDK knows. When a CDK upgrade brings a newer one, they fire, and docs/deploy.md says what we do then.
    Validations.of(this.function).acknowledge(
      { id: 'Serverless-LambdaDLQ', reason: props.deadLetterReason },
      {
        id: 'Serverless-LambdaTracing',
        reason:
          "The function makes a handful of AWS calls per record or page and does not instrument X-Ray; active tracing would add xray:Put* on '*' " +
          'to its role for no insight. Its log lines carry a correlation id (the event id, or the scan id) instead.',
      },
      ...(props.acknowledgments ?? []),
    );
    for (const type of types) {
      Validations.of(this.role).acknowledge({
        id: wildcardResourceFindingId(this.role, iamResourceArn(this.role, type)),
        reason: props.wildcardReasons[type] ?? '',
      });
    }
  }
}
