/**
 * The service for every account of an AWS Organization, as one construct a team can put in a stack of its own:
 * a CloudFormation StackSet with service-managed permissions does the fan-out, to today's accounts of the targeted
 * OUs and those that join later.
 *
 * The StackSet's template is the single-account stack itself ({@link AutoInstanceProfileStack}, the same
 * construct with the same settings), synthesized as a child stack by {@link StackSetMemberSynthesizer}. Its Lambda
 * code reaches accounts that have no CDK bootstrap through the code bucket ({@link OrganizationCode}); its alarms go
 * to one topic ({@link OrganizationAlarms}). The repository's app deploys it as the stack `AutoInstanceProfileOrg`
 * (infra/org-stack.ts).
 */
import { Aws, CfnMapping, CfnParameter, Stack, Token, Validations } from 'aws-cdk-lib';
import { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnPolicy } from 'aws-cdk-lib/aws-organizations';
import { Topic } from 'aws-cdk-lib/aws-sns';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  type AwsSdkCall,
  PhysicalResourceId,
} from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { OU_SETTINGS_KEY } from '../core/ou-settings.js';
import { IAM_EVENT_REGION } from '../core/pipeline-settings.js';
import { iamEventRegionFor } from '../core/regions.js';
import type { AutoInstanceProfileProps } from './auto-instance-profile.js';
import { acknowledgeProviderFindings } from './nag.js';
import { OrganizationAlarms } from './org-alarms.js';
import { OrganizationCode } from './org-code.js';
import { type OrganizationProps, type ResolvedOrganizationProps, resolveOrganizationProps } from './org-props.js';
import { type OuSettings, ouSettingParameters, resolveOuSettings, stackInstancesGroups } from './ou-settings.js';
import { InvalidSettingError, resolveProps } from './props.js';
import { DEPLOY_ORG_COMMAND, guardIamEventRegion } from './region-guard.js';
import { FUNCTION_MEMORY_MB } from './service-function.js';
import { AutoInstanceProfileStack } from './stack.js';
import { MEMBER_PARAMETERS, StackSetMemberSynthesizer } from './stack-set-member.js';
import { roleArnPattern, STACK_SET_EXECUTION_ROLE_NAME, tagGuardDocument } from './tag-guard.js';

export type { OrganizationProps } from './org-props.js';

/** Settings of {@link AutoInstanceProfileOrganization}: the organization's, and the service's for every account. */
export interface AutoInstanceProfileOrganizationProps {
  /**
   * Where, as whom and how fast the StackSet deploys, and who hears the alarms.
   * @default - the defaults of {@link OrganizationProps}: the whole organization, as `SELF`
   */
  readonly organization?: OrganizationProps;
  /**
   * The service's settings for every account, as {@link AutoInstanceProfile} takes them, except `alarmTopic`: every
   * account's alarms go to this construct's topic.
   * @default - the construct's defaults
   */
  readonly service?: MemberServiceProps | ((member: Stack) => MemberServiceProps);
  /**
   * Settings per OU: an OU of `organization.organizationalUnitIds` → the service's settings its accounts take apart
   * from `service`'s, by context key (`{ 'ou-ab12-11111111': { dryRun: true } }`); deployed as the StackSet's parameter
   * overrides for the OU (infra/ou-settings.ts). Only settings that set values: not those that add resources.
   * @default - none: every account takes `service`
   */
  readonly ouSettings?: OuSettings;
}

/** The service's settings for every account: the construct's props but the alarm topic, which is the organization's. */
export type MemberServiceProps = Omit<AutoInstanceProfileProps, 'alarmTopic'>;

/**
 * The StackSet that deploys {@link AutoInstanceProfileStack} to the organization, its code bucket and its alarm
 * topic. Put it in a stack deployed to the management account or a CloudFormation delegated administrator, in the
 * partition's IAM event region (us-east-1 for the aws partition).
 */
export class AutoInstanceProfileOrganization extends Construct {
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

  constructor(scope: Construct, id: string, props: AutoInstanceProfileOrganizationProps = {}) {
    super(scope, id);
    const { organization, service, ouSettings } = props;
    // The code bucket, and so the functions that read it, and the topic the alarms notify must share a region.
    guardIamEventRegion(this, DEPLOY_ORG_COMMAND);
    this.settings = resolveOrganizationProps(organization);
    if ((service as AutoInstanceProfileProps | undefined)?.alarmTopic !== undefined) {
      throw new InvalidSettingError(
        'alarmTopic',
        "cannot be set on the organization stack: every account's alarms go to its own topic (output AlarmTopicArn)",
        'a topic',
      );
    }
    // Settings that are a function of the member stack (CloudFormation parameters) are resolved there.
    const serviceSettings = resolveProps(typeof service === 'function' ? {} : service);
    const overrides = resolveOuSettings(ouSettings, this.settings.organizationalUnitIds);
    if (overrides.length > 0 && typeof service === 'function') {
      throw new InvalidSettingError(OU_SETTINGS_KEY, 'needs `service` as props, not a function', 'a function');
    }

    const lookups = new OrganizationLookups(this, 'Organization', {
      lookUpRoot: this.settings.organizationalUnitIds === undefined,
      logGroup: new LogGroup(this, 'ProviderLogGroup', { retention: serviceSettings.logRetention }),
    });
    this.organizationId = lookups.organizationId;
    this.deploymentTargets = this.settings.organizationalUnitIds ?? lookups.rootIds;

    this.code = new OrganizationCode(this, 'Code', {
      organizationId: this.organizationId,
      providerLogGroup: lookups.logGroup,
    });
    this.alarmTopic = new OrganizationAlarms(this, 'Alarms', {
      organizationId: this.organizationId,
      email: this.settings.alarmEmail,
    }).topic;

    this.memberSynthesizer = new StackSetMemberSynthesizer(Stack.of(this), this.code);
    this.member = new AutoInstanceProfileStack(this, 'Member', {
      description:
        "auto-instance-profile, from the organization's StackSet: gives IAM roles that EC2 may assume their console-style instance profile",
      synthesizer: this.memberSynthesizer,
      // The settings come from here alone: the member never reads the app's context, which is the consumer's own.
      fromContext: false,
      service: (member) => ({
        ...(typeof service === 'function' ? service(member) : service),
        ...ouSettingParameters(member, overrides, serviceSettings),
        alarmTopic: memberAlarmTopic(member),
      }),
    });

    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: this.settings.stackSetName,
      description: 'auto-instance-profile in every account of the targeted organizational units',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: {
        enabled: true,
        retainStacksOnAccountRemoval: this.settings.retainStacksOnAccountRemoval,
      },
      callAs: this.settings.callAs,
      // The member template creates IAM roles (the functions', the scheduler's), with generated names.
      capabilities: ['CAPABILITY_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        maxConcurrentPercentage: this.settings.maxConcurrentPercentage,
        failureTolerancePercentage: this.settings.failureTolerancePercentage,
        // The failure tolerance stops the operation; it does not also cap the concurrency (STRICT would).
        concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        regionConcurrencyType: this.settings.regionConcurrency,
      },
      parameters: [
        { parameterKey: MEMBER_PARAMETERS.codeBucket, parameterValue: this.code.bucket.bucketName },
        { parameterKey: MEMBER_PARAMETERS.alarmTopicArn, parameterValue: this.alarmTopic.topicArn },
      ],
      stackInstancesGroup: stackInstancesGroups(this.deploymentTargets, overrides, iamEventRegionOf(this)),
      templateUrl: this.memberSynthesizer.templateUrl,
    });
    // Every account's stack reads its code from the bucket: the copies must be there before any stack is created.
    this.stackSet.node.addDependency(...this.code.copies);

    this.tagGuardPolicy = this.settings.tagGuardPolicy
      ? new CfnPolicy(this, 'TagGuardPolicy', {
          name: `${this.settings.stackSetName}-tag-guard`,
          type: 'SERVICE_CONTROL_POLICY',
          description:
            'Only auto-instance-profile may create, tag or untag instance profiles with its tag keys, and only the ' +
            'StackSet may create or change its roles',
          // The service's roles by their path; only the StackSet's execution role deploys them.
          content: tagGuardDocument({
            partition: Aws.PARTITION,
            deployers: [roleArnPattern(Aws.PARTITION, STACK_SET_EXECUTION_ROLE_NAME)],
          }),
          targetIds: [...this.deploymentTargets],
        })
      : undefined;
  }
}

/** The member template's alarm topic: a parameter the StackSet fills with the organization's topic. */
function memberAlarmTopic(member: Stack) {
  const arn = new CfnParameter(member, MEMBER_PARAMETERS.alarmTopicArn, {
    type: 'String',
    description: "The organization's SNS topic that this account's alarms notify (set by the StackSet)",
  });
  return Topic.fromTopicArn(member, 'OrganizationAlarmTopic', arn.valueAsString);
}

/**
 * The partition's IAM event region: the one table (core/regions.ts, IAM_EVENT_REGION), literal when the stack's
 * region is known, else a template mapping by `AWS::Partition`.
 */
export function iamEventRegionOf(scope: Construct): string {
  const stack = Stack.of(scope);
  if (!Token.isUnresolved(stack.region)) return iamEventRegionFor(stack.region) ?? stack.region;
  const mapping = new CfnMapping(scope, 'IamEventRegion', {
    mapping: Object.fromEntries(Object.entries(IAM_EVENT_REGION).map(([partition, region]) => [partition, { region }])),
  });
  return mapping.findInMap(Aws.PARTITION, 'region');
}

/** What {@link OrganizationLookups} needs. */
interface OrganizationLookupsProps {
  /** Look up the root's id, for a StackSet that targets the whole organization. */
  readonly lookUpRoot: boolean;
  /** The log group of the CDK's custom resource provider. */
  readonly logGroup: LogGroup;
}

/**
 * The organization's id and root id are not known at synth, and `npm run synth` works offline: custom resources
 * read them when the stack deploys (organizations:DescribeOrganization and ListRoots, which the management
 * account and a delegated administrator may call).
 */
class OrganizationLookups extends Construct {
  /** The organization's id, `o-…`. */
  public readonly organizationId: string;
  /** The root's id, `r-…`, alone in a list, when looked up; else empty. */
  public readonly rootIds: readonly string[];
  /** The provider's log group. */
  public readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: OrganizationLookupsProps) {
    super(scope, id);
    this.logGroup = props.logGroup;
    const describe = this.lookup('Describe', 'describeOrganization', 'Organization.Id');
    this.organizationId = describe.getResponseField('Organization.Id');
    this.rootIds = props.lookUpRoot
      ? [this.lookup('Root', 'listRoots', 'Roots.0.Id').getResponseField('Roots.0.Id')]
      : [];
    acknowledgeProviderFindings(describe, 'the organization reads and the code copies');
  }

  private lookup(id: string, action: string, field: string): AwsCustomResource {
    const call: AwsSdkCall = {
      service: 'Organizations',
      action,
      physicalResourceId: PhysicalResourceId.fromResponse(field),
      outputPaths: [field],
    };
    const permission = `organizations:${action.charAt(0).toUpperCase()}${action.slice(1)}`;
    const resource = new AwsCustomResource(this, id, {
      resourceType: 'Custom::OrganizationLookup',
      onCreate: call,
      onUpdate: call,
      installLatestAwsSdk: false,
      memorySize: FUNCTION_MEMORY_MB,
      logGroup: this.logGroup,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ effect: Effect.ALLOW, actions: [permission], resources: ['*'] }),
      ]),
    });
    Validations.of(resource).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `${permission} has no resource type: IAM grants it only on "*". It is a read of the organization's own structure.`,
    });
    return resource;
  }
}
