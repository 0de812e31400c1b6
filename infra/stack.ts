/**
 * The deployable stack: the construct, configured from CDK context, plus the outputs other tools
 * (the CLI's doctor) use to find the deployed pieces without guessing physical names.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { STACK_OUTPUTS } from '../core/pipeline-settings.js';
import { AutoInstanceProfile, type AutoInstanceProfileProps } from './auto-instance-profile.js';
import { propsFromContext } from './context.js';

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

    new CfnOutput(this, STACK_OUTPUTS.ruleName, {
      description: 'The EventBridge rule on the default bus for create and trust-change events',
      value: this.service.rule.ruleName,
    });
    new CfnOutput(this, STACK_OUTPUTS.queueUrl, {
      description: 'The queue between the rule and the function, with the settle delay',
      value: this.service.queue.queueUrl,
    });
    new CfnOutput(this, STACK_OUTPUTS.deleteRuleName, {
      description: 'The EventBridge rule on the default bus for delete events',
      value: this.service.deleteRule.ruleName,
    });
    new CfnOutput(this, STACK_OUTPUTS.deleteQueueUrl, {
      description: 'The queue between the delete rule and the function, without delay',
      value: this.service.deleteQueue.queueUrl,
    });
    new CfnOutput(this, STACK_OUTPUTS.deadLetterQueueUrl, {
      description: 'The dead-letter queue both queues share',
      value: this.service.deadLetterQueue.queueUrl,
    });
    new CfnOutput(this, STACK_OUTPUTS.functionName, {
      description: 'The remediator function',
      value: this.service.function.functionName,
    });
    new CfnOutput(this, STACK_OUTPUTS.reconcileFunctionName, {
      description: 'The reconcile function: invoke it to run a pass now',
      value: this.service.reconcile.function.functionName,
    });
  }
}
