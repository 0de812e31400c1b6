/**
 * The organization's alarm topic: every member stack's alarms (dead-letter queue, errors, conflicts) notify it,
 * so a platform team hears about every account in one place.
 *
 * A CloudWatch alarm publishes to its SNS action as the CloudWatch service principal, not as a principal of its
 * account, even when the topic is in another account of the same region. `aws:PrincipalOrgID` is only set for
 * IAM principals, so it cannot admit CloudWatch: the statement for the alarms names `cloudwatch.amazonaws.com`
 * and checks the alarm's organization with `aws:SourceOrgID`. A second statement lets principals of the
 * organization publish (`aws:PrincipalOrgID`), for anything a team relays by hand or by its own automation.
 */
import { Validations } from 'aws-cdk-lib';
import { AnyPrincipal, Effect, PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** What the alarm topic needs. */
export interface OrganizationAlarmsProps {
  /** The organization's id (`o-…`): its accounts' alarms and principals may publish. */
  readonly organizationId: string;
  /** An email address to subscribe. @default - none */
  readonly email?: string | undefined;
}

/** The topic, its policy and, with an email address, its subscription. */
export class OrganizationAlarms extends Construct {
  /** The topic the member stacks' alarms notify: TLS only, publishable from the organization. */
  public readonly topic: Topic;

  constructor(scope: Construct, id: string, props: OrganizationAlarmsProps) {
    super(scope, id);
    // No KMS key: one would need a key policy that lets CloudWatch in every account use it (the AWS managed aws/sns
    // key cannot be shared), for messages that hold alarm names, thresholds and metric values, no secrets.
    this.topic = new Topic(this, 'Topic', {
      displayName: 'auto-instance-profile alarms, every account of the organization',
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'CloudWatchAlarmsOfTheOrganization',
        effect: Effect.ALLOW,
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceOrgID': props.organizationId } },
      }),
    );
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'PrincipalsOfTheOrganization',
        effect: Effect.ALLOW,
        principals: [new AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:PrincipalOrgID': props.organizationId } },
      }),
    );
    if (props.email !== undefined) {
      const subscription = this.topic.addSubscription(new EmailSubscription(props.email));
      Validations.of(subscription).acknowledge({
        id: 'Serverless-SNSRedrivePolicy',
        reason:
          'An email subscription: SNS retries delivery to the mail server itself, and a message it finally drops is an ' +
          "alarm state change whose current state every account's alarms and dashboard still show. A dead-letter queue " +
          'would hold mail nobody reads; an address that bounces is fixed by subscribing a working one.',
      });
    }
  }
}
