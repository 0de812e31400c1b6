/**
 * The organization stack, `AutoInstanceProfileOrg`: one deploy, from the management account or a delegated
 * administrator, puts the service into every account of the organization's targeted OUs, today's and those that
 * join later. CloudFormation StackSets with service-managed permissions do the fan-out.
 *
 * The StackSet's template is the single-account stack itself ({@link AutoInstanceProfileStack}, the same
 * construct with the same settings), synthesized as a child of this stack by {@link StackSetMemberSynthesizer}.
 * Its Lambda code reaches accounts that have no CDK bootstrap through this stack's code bucket
 * ({@link OrganizationCode}); its alarms go to this stack's topic ({@link OrganizationAlarms}).
 */
import { Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import type { CfnPolicy } from 'aws-cdk-lib/aws-organizations';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { ORG_STACK_OUTPUTS } from '../core/pipeline-settings.js';
import type { AutoInstanceProfileProps } from './auto-instance-profile.js';
import { organizationPropsFromContext, propsFromContext } from './context.js';
import type { OrganizationCode } from './org-code.js';
import type { OrganizationProps, ResolvedOrganizationProps } from './org-props.js';
import { AutoInstanceProfileOrganization } from './organization.js';
import { type OuSettings, ouSettingsFromContext, resolveOuSettings } from './ou-settings.js';
import { addOutputs } from './outputs.js';
import type { AutoInstanceProfileStack } from './stack.js';
import type { StackSetMemberSynthesizer } from './stack-set-member.js';

export type { OrganizationProps } from './org-props.js';

/** The organization stack's output keys (core/pipeline-settings.ts, where `doctor --org` reads them too). */
export { ORG_STACK_OUTPUTS };

/** Props of {@link AutoInstanceProfileOrgStack}: the usual stack props, the organization's, and the service's. */
export interface AutoInstanceProfileOrgStackProps extends StackProps {
  /** Where, as whom and how fast the StackSet deploys, and who hears the alarms. @default - read from CDK context (infra/context.ts), else the defaults */
  readonly organization?: OrganizationProps;
  /**
   * The service's settings for every account, as the single-account stack takes them, except `alarmTopic`: every
   * account's alarms go to this stack's topic.
   * @default - read from CDK context (the same keys as the single-account stack), else the construct's defaults
   */
  readonly service?: Omit<AutoInstanceProfileProps, 'alarmTopic'>;
  /**
   * Settings per OU: an OU of `organizationalUnitIds` → the service's settings its accounts take apart from the rest
   * (infra/ou-settings.ts), deployed as the StackSet's parameter overrides for that OU.
   * @default - read from CDK context (`ouSettings`, a JSON object), else none
   */
  readonly ouSettings?: OuSettings;
}

/**
 * The StackSet that deploys {@link AutoInstanceProfileStack} to the organization, its code bucket and its alarm topic:
 * {@link AutoInstanceProfileOrganization}, configured from CDK context, with its outputs.
 */
export class AutoInstanceProfileOrgStack extends Stack {
  /** The organization construct; its id `Default` keeps the logical ids the stack had before it existed. */
  public readonly organization: AutoInstanceProfileOrganization;
  /** The StackSet: service-managed, auto-deploying, in the partition's IAM event region. */
  public readonly stackSet: CfnStackSet;
  /** The StackSet's template: the single-account stack, built here with the same settings. */
  public readonly member: AutoInstanceProfileStack;
  /** Builds the member template and keeps its code in {@link code}. */
  public readonly memberSynthesizer: StackSetMemberSynthesizer;
  /** The bucket every account reads the Lambda code from, and the copies that fill it. */
  public readonly code: OrganizationCode;
  /** The topic every account's alarms notify. */
  public readonly alarmTopic: Topic;
  /** The organization's id, looked up when the stack deploys. */
  public readonly organizationId: string;
  /** The OUs (or root) the StackSet targets: the props', or the root looked up when the stack deploys. */
  public readonly deploymentTargets: readonly string[];
  /** The organization settings, defaults filled in. */
  public readonly settings: ResolvedOrganizationProps;
  /** The service control policy that keeps our tag keys to the service's roles; undefined unless `tagGuardPolicy`. */
  public readonly tagGuardPolicy: CfnPolicy | undefined;

  constructor(scope: Construct, id: string, props: AutoInstanceProfileOrgStackProps = {}) {
    const { organization, service, ouSettings, ...stackProps } = props;
    super(scope, id, {
      description:
        'auto-instance-profile for an AWS Organization: a StackSet that gives every account the service, its code and one alarm topic',
      ...stackProps,
    });
    // Every account's alarms go to the organization's topic: a topic in context is the single-account stack's.
    const { alarmTopic: _singleAccountOnly, ...fromContext } = propsFromContext(this);
    const organizationProps = { ...organizationPropsFromContext(this), ...organization };
    const ouSettingsContext = ouSettingsFromContext(this);
    // Checked here first so that a message names the context key, which the user typed.
    if (ouSettings === undefined) {
      resolveOuSettings(ouSettingsContext, organizationProps.organizationalUnitIds, { context: true });
    }
    this.organization = new AutoInstanceProfileOrganization(this, 'Default', {
      organization: organizationProps,
      service: { ...fromContext, ...service },
      ouSettings: (ouSettings ?? ouSettingsContext) as OuSettings | undefined,
    });
    ({
      stackSet: this.stackSet,
      member: this.member,
      memberSynthesizer: this.memberSynthesizer,
      code: this.code,
      alarmTopic: this.alarmTopic,
      organizationId: this.organizationId,
      deploymentTargets: this.deploymentTargets,
      settings: this.settings,
      tagGuardPolicy: this.tagGuardPolicy,
    } = this.organization);
    this.addOutputs();
  }

  private addOutputs(): void {
    addOutputs(this, ORG_STACK_OUTPUTS, {
      stackSetName: {
        value: this.settings.stackSetName,
        description: 'The StackSet; each account gets a stack named StackSet-<this name>-<uuid>',
      },
      callAs: {
        value: this.settings.callAs,
        description: 'Pass it as --call-as to the aws cloudformation commands on the StackSet',
      },
      deploymentTargets: {
        value: Fn.join(',', [...this.deploymentTargets]),
        description: 'The organizational units (or root) whose accounts get the service',
      },
      organizationId: { value: this.organizationId, description: 'The organization whose accounts may read the code' },
      alarmTopicArn: {
        value: this.alarmTopic.topicArn,
        description: "Every account's alarms notify this topic; subscribe to it, or send the management account's here",
      },
      codeBucketName: {
        value: this.code.bucket.bucketName,
        description: 'The Lambda code every account reads; retained when this stack is deleted',
      },
    });
  }
}
