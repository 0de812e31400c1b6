/**
 * The deployable stack: the construct, configured from CDK context, plus the outputs other tools
 * (the CLI's doctor) use to find the deployed pieces without guessing physical names.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { OPTIONAL_STACK_OUTPUTS, STACK_OUTPUTS } from '../core/pipeline-settings.js';
import { AutoInstanceProfile, type AutoInstanceProfileProps } from './auto-instance-profile.js';
import { propsFromContext } from './context.js';
import { addOutputs } from './outputs.js';

/** Stack props: the usual ones, and the construct's, which override any set through context. */
export interface AutoInstanceProfileStackProps extends StackProps {
  /**
   * The construct's props, or a function of the stack that returns them, for props that need a construct of the
   * stack (the organization's member stack takes its alarm topic from a parameter of its own).
   * @default - read from CDK context (see infra/context.ts), else the construct's defaults
   */
  readonly service?: AutoInstanceProfileProps | ((stack: Stack) => AutoInstanceProfileProps);
}

/** One AutoInstanceProfile and its outputs. */
export class AutoInstanceProfileStack extends Stack {
  /** The service's construct. */
  public readonly service: AutoInstanceProfile;

  constructor(scope: Construct, id: string, props: AutoInstanceProfileStackProps = {}) {
    const { service, ...stackProps } = props;
    super(scope, id, {
      description: 'auto-instance-profile: gives IAM roles that EC2 may assume their console-style instance profile',
      ...stackProps,
    });
    const serviceProps = typeof service === 'function' ? service(this) : service;
    this.service = new AutoInstanceProfile(this, 'Service', { ...propsFromContext(this), ...serviceProps });

    const { rule, queue, deleteRule, deleteQueue, deadLetterQueue, function: remediator, reconcile } = this.service;
    addOutputs(this, STACK_OUTPUTS, {
      ruleName: {
        value: rule.ruleName,
        description: 'The EventBridge rule on the default bus for create and trust-change events',
      },
      queueUrl: {
        value: queue.queueUrl,
        description: 'The queue between the rule and the function, with the settle delay',
      },
      deleteRuleName: {
        value: deleteRule.ruleName,
        description: 'The EventBridge rule on the default bus for delete events',
      },
      deleteQueueUrl: {
        value: deleteQueue.queueUrl,
        description: 'The queue between the delete rule and the function, without delay',
      },
      deadLetterQueueUrl: { value: deadLetterQueue.queueUrl, description: 'The dead-letter queue both queues share' },
      functionName: { value: remediator.functionName, description: 'The remediator function' },
      reconcileFunctionName: {
        value: reconcile.function.functionName,
        description: 'The reconcile function: invoke it to run a pass now',
      },
      ownershipTableName: {
        value: this.service.ownership.table.tableName,
        description: 'The record of the instance profiles the service made or adopted: only its roles may write it',
      },
    });
    new CfnOutput(this, OPTIONAL_STACK_OUTPUTS.functionLogGroupName, {
      value: this.service.logGroup.logGroupName,
      description:
        "The remediator's log group: one JSON line per decision, which auto-instance-profile decisions reads",
    });
    const { operatorRole } = this.service;
    if (operatorRole !== undefined) {
      new CfnOutput(this, OPTIONAL_STACK_OUTPUTS.operatorRoleArn, {
        value: operatorRole.roleArn,
        description:
          'The operator role (operatorPrincipals may assume it): moves dead letters back to the settle queue',
      });
    }
  }
}
