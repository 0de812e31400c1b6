/**
 * The organization stack: its StackSet (permission model, auto-deployment, targets, region, operation
 * preferences, CallAs), the code bucket every account reads, the alarm topic, and its settings, as props and as
 * context keys.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { IAM_EVENT_REGION, ORG_STACK_NAME } from '../../core/pipeline-settings.js';
import { SETTINGS } from '../../core/settings.js';
import { ORG_STACK_OUTPUTS } from '../../infra/org-stack.js';
import { REGION_RULE_ID } from '../../infra/region-guard.js';
import { MEMBER_PARAMETERS } from '../../infra/stack-set-member.js';
import { tagGuardDocument } from '../../infra/tag-guard.js';
import { buildOrgStack, onlyResource, removeSynthOutputs, resourcesOfType, synthesizeOrg } from './support/synth.js';

afterAll(removeSynthOutputs);

const US_EAST_1 = { env: { region: 'us-east-1' } };

/** The S3 key of a Lambda function's code. */
function codeKey(fn: { Properties?: Record<string, unknown> }): string {
  return (fn.Properties?.Code as { S3Key: string } | undefined)?.S3Key ?? 'no code';
}

/** The logical id of the only resource of a type. */
function idOf(template: ReturnType<typeof synthesizeOrg>['template'], type: string): string {
  return onlyResource(template, type).id;
}

/** The custom resources of a type, with their create call parsed. */
function customCalls(
  template: ReturnType<typeof synthesizeOrg>['template'],
  type: string,
): { id: string; call: Record<string, unknown> }[] {
  return Object.entries(resourcesOfType(template, type)).map(([id, resource]) => {
    const create = resource.Properties?.Create as { 'Fn::Join': [string, unknown[]] } | string;
    // The call is JSON with tokens spliced into its strings; the parts that are not tokens tell which call it is.
    const text =
      typeof create === 'string'
        ? create
        : create['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : '<token>')).join('');
    return { id, call: JSON.parse(text) as Record<string, unknown> };
  });
}

describe('the StackSet', () => {
  it('is service-managed, deploys itself to new accounts, and runs as the management account by default', () => {
    // Act
    const { template } = synthesizeOrg(US_EAST_1);

    // Assess
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: SETTINGS.stackSetName.default,
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'SELF',
      ManagedExecution: { Active: true },
      Capabilities: ['CAPABILITY_IAM'],
      OperationPreferences: {
        MaxConcurrentPercentage: 25,
        FailureTolerancePercentage: 10,
        ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
        RegionConcurrencyType: 'SEQUENTIAL',
      },
    });
  });

  it("targets the organization's root, looked up when the stack deploys, in us-east-1 only", () => {
    // Act
    const { template } = synthesizeOrg(US_EAST_1);

    // Assess
    const lookups = customCalls(template, 'Custom::OrganizationLookup');
    const root = lookups.find(({ call }) => call.action === 'listRoots');
    expect(root?.call).toMatchObject({ service: 'Organizations', outputPaths: ['Roots.0.Id'] });
    const { properties } = onlyResource(template, 'AWS::CloudFormation::StackSet');
    expect(properties.StackInstancesGroup).toEqual([
      {
        DeploymentTargets: { OrganizationalUnitIds: [{ 'Fn::GetAtt': [root?.id, 'Roots.0.Id'] }] },
        Regions: ['us-east-1'],
      },
    ]);
  });

  it('targets the OUs it is given, without looking up the root', () => {
    // Prepare
    const ous = ['ou-ab12-11111111', 'ou-ab12-22222222'];

    // Act
    const { template } = synthesizeOrg({ ...US_EAST_1, organization: { organizationalUnitIds: ous } });

    // Assess
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ous }, Regions: ['us-east-1'] }],
    });
    const actions = customCalls(template, 'Custom::OrganizationLookup').map(({ call }) => call.action);
    expect(actions).toEqual(['describeOrganization']);
  });

  it.each([
    ['props', { organization: { callAs: 'DELEGATED_ADMIN', retainStacksOnAccountRemoval: true } }],
    ['context keys', { context: { callAs: 'DELEGATED_ADMIN', retainStacksOnAccountRemoval: 'true' } }],
  ] as const)('takes CallAs and RetainStacksOnAccountRemoval from %s', (_, options) => {
    // Act
    const { template } = synthesizeOrg({ ...US_EAST_1, ...options });

    // Assess
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'DELEGATED_ADMIN',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: true },
    });
    template.hasOutput(ORG_STACK_OUTPUTS.callAs, { Value: 'DELEGATED_ADMIN' });
  });

  it('attaches no service control policy by default', () => {
    const { template } = synthesizeOrg(US_EAST_1);
    template.resourceCountIs('AWS::Organizations::Policy', 0);
  });

  it.each([
    ['the prop', { organization: { tagGuardPolicy: true, organizationalUnitIds: ['ou-abcd-12345678'] } }],
    ['the context key', { context: { tagGuardPolicy: 'true', organizationalUnitIds: 'ou-abcd-12345678' } }],
  ] as const)(
    "with %s, denies our tag keys on instance profiles to all but the service's roles, in the targeted OUs",
    (_, options) => {
      // Act
      const { template } = synthesizeOrg({ ...US_EAST_1, ...options });

      // Assess
      const policy = onlyResource(template, 'AWS::Organizations::Policy');
      expect(policy.properties).toMatchObject({
        Type: 'SERVICE_CONTROL_POLICY',
        TargetIds: ['ou-abcd-12345678'],
      });
      // The document itself, resolved, and what it denies: test/infra/tag-guard.test.ts.
      expect(Object.keys(policy.properties.Content as object)).toEqual(
        Object.keys(tagGuardDocument({ partition: 'aws', deployers: [] })),
      );
      expect(JSON.stringify(policy.properties)).toContain(
        '"ForAnyValue:StringLike":{"aws:TagKeys":["auto-instance-profile:*"]}',
      );
    },
  );

  it('takes the operation preferences, the OUs and the name from context, as -c passes them', () => {
    // Act
    const { template } = synthesizeOrg({
      ...US_EAST_1,
      context: {
        organizationalUnitIds: 'ou-ab12-11111111, r-ab12',
        maxConcurrentPercentage: '100',
        failureTolerancePercentage: '0',
        regionConcurrency: 'PARALLEL',
        stackSetName: 'AutoInstanceProfileCanary',
      },
    });

    // Assess
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackSetName: 'AutoInstanceProfileCanary',
      OperationPreferences: {
        MaxConcurrentPercentage: 100,
        FailureTolerancePercentage: 0,
        RegionConcurrencyType: 'PARALLEL',
      },
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-11111111', 'r-ab12'] } }],
    });
  });

  it.each([
    ['cn-north-1', 'cn-north-1'],
    ['us-gov-west-1', 'us-gov-west-1'],
  ])('deploys the accounts of a stack in %s to %s', (region, expected) => {
    // Act
    const { template } = synthesizeOrg({ env: { region } });

    // Assess
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackInstancesGroup: [Match.objectLike({ Regions: [expected] })],
    });
  });

  it("picks the partition's IAM event region from the one table when the stack's region is not known", () => {
    // Act
    const { template } = synthesizeOrg();

    // Assess
    const json = template.toJSON();
    const [mappingId = 'none'] = Object.keys(json.Mappings ?? {});
    expect(json.Mappings[mappingId]).toEqual(
      Object.fromEntries(Object.entries(IAM_EVENT_REGION).map(([partition, region]) => [partition, { region }])),
    );
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      StackInstancesGroup: [
        Match.objectLike({ Regions: [{ 'Fn::FindInMap': [mappingId, { Ref: 'AWS::Partition' }, 'region'] }] }),
      ],
    });
    expect(Object.keys(json.Rules)).toContain(REGION_RULE_ID);
  });

  it('refuses a region where the code and the alarms could not meet IAM events, naming npm run deploy:org', () => {
    // Act
    const act = () => buildOrgStack({ env: { region: 'eu-west-1' } });

    // Assess
    expect(act).toThrow(
      `Stack ${ORG_STACK_NAME} is set to region eu-west-1, but IAM's CloudTrail events reach EventBridge only in us-east-1`,
    );
    expect(act).toThrow('AWS_REGION=us-east-1 npm run deploy:org');
  });

  it("reads the template the member stack synthesized, from the organization stack's own assets, once the code is copied", () => {
    // Act
    const { app, template, stack } = synthesizeOrg(US_EAST_1);

    // Assess
    const assets = JSON.parse(readFileSync(join(app.outdir, `${ORG_STACK_NAME}.assets.json`), 'utf8')) as {
      files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
    };
    const asset = Object.values(assets.files).find((file) => file.source.path === stack.member.templateFile);
    const key = Object.values(asset?.destinations ?? {})[0]?.objectKey;
    expect(key).toMatch(/^[0-9a-f]{64}\.json$/);
    const stackSet = template.toJSON().Resources[idOf(template, 'AWS::CloudFormation::StackSet')];
    expect(JSON.stringify(stackSet.Properties.TemplateURL)).toContain(`/${key}`);
    const copies = Object.keys(resourcesOfType(template, 'Custom::OrganizationCodeCopy'));
    expect(copies.length).toBeGreaterThan(0);
    expect(stackSet.DependsOn).toEqual(expect.arrayContaining(copies));
  });

  it("fills the member template's parameters with the code bucket and the alarm topic", () => {
    // Act
    const { template, member } = synthesizeOrg(US_EAST_1);

    // Assess
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      Parameters: [
        { ParameterKey: MEMBER_PARAMETERS.codeBucket, ParameterValue: { Ref: idOf(template, 'AWS::S3::Bucket') } },
        { ParameterKey: MEMBER_PARAMETERS.alarmTopicArn, ParameterValue: { Ref: idOf(template, 'AWS::SNS::Topic') } },
      ],
    });
    expect(Object.keys(member.toJSON().Parameters).sort()).toEqual(Object.values(MEMBER_PARAMETERS).sort());
  });

  it('names its outputs', () => {
    // Act
    const { template } = synthesizeOrg(US_EAST_1);

    // Assess
    expect(Object.keys(template.toJSON().Outputs).sort()).toEqual(Object.values(ORG_STACK_OUTPUTS).sort());
    template.hasOutput(ORG_STACK_OUTPUTS.stackSetName, { Value: 'AutoInstanceProfile' });
  });
});

describe("the organization's code bucket", () => {
  it('lets principals of the organization, and no one else, read the code, over TLS only; it is kept on delete', () => {
    // Act
    const { template } = synthesizeOrg(US_EAST_1);

    // Assess
    const bucket = idOf(template, 'AWS::S3::Bucket');
    const organization = customCalls(template, 'Custom::OrganizationLookup').find(
      ({ call }) => call.action === 'describeOrganization',
    );
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicPolicy: true, RestrictPublicBuckets: true }),
      }),
    });
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'OrganizationReadsLambdaCode',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] },
            Condition: {
              StringEquals: { 'aws:PrincipalOrgID': { 'Fn::GetAtt': [organization?.id, 'Organization.Id'] } },
            },
          },
        ]),
      },
    });
  });

  it("holds every Lambda's code of the member template: each copied from this stack's assets under the key the member reads", () => {
    // Act
    const { template, member } = synthesizeOrg(US_EAST_1);

    // Assess
    const copies = customCalls(template, 'Custom::OrganizationCodeCopy').map(({ call }) => call);
    const functions = Object.values(resourcesOfType(member, 'AWS::Lambda::Function'));
    expect(functions).toHaveLength(3);
    for (const fn of functions) {
      const code = fn.Properties?.Code as { S3Bucket: unknown; S3Key: string };
      expect(code.S3Bucket).toEqual({ Ref: MEMBER_PARAMETERS.codeBucket });
      const copy = copies.find((call) => (call.parameters as { Key: string }).Key === code.S3Key);
      expect(copy).toMatchObject({
        service: 'S3',
        action: 'copyObject',
        parameters: { Key: code.S3Key, CopySource: expect.stringMatching(new RegExp(`${code.S3Key}$`)) },
      });
    }
    expect(copies).toHaveLength(new Set(functions.map(codeKey)).size);
  });

  it('publishes the member assets with this stack, and keeps the member template out of what cdk deploy deploys', () => {
    // Act
    const { app, member, stack } = synthesizeOrg(US_EAST_1);

    // Assess
    const assembly = app.synth();
    expect(assembly.stacks.map((artifact) => artifact.stackName)).toEqual([ORG_STACK_NAME]);
    const published = readFileSync(join(app.outdir, `${ORG_STACK_NAME}.assets.json`), 'utf8');
    for (const fn of Object.values(resourcesOfType(member, 'AWS::Lambda::Function'))) {
      expect(published).toContain(codeKey(fn));
    }
    // Accounts of the organization have no CDK bootstrap: nothing in the member template may ask for one.
    expect(member.toJSON().Parameters.BootstrapVersion).toBeUndefined();
    expect(Object.keys(member.toJSON().Rules ?? {})).toEqual([REGION_RULE_ID]);
    expect(stack.member.templateFile).toMatch(/^AutoInstanceProfileOrgMember.*\.template\.json$/);
  });
});

describe("the organization's alarm topic", () => {
  it("lets CloudWatch publish for the organization's alarms and the organization's principals publish, over TLS only", () => {
    // Act
    const { template } = synthesizeOrg(US_EAST_1);

    // Assess
    const topic = idOf(template, 'AWS::SNS::Topic');
    const organization = customCalls(template, 'Custom::OrganizationLookup').find(
      ({ call }) => call.action === 'describeOrganization',
    );
    const orgId = { 'Fn::GetAtt': [organization?.id, 'Organization.Id'] };
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topic }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          {
            Sid: 'CloudWatchAlarmsOfTheOrganization',
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topic },
            Condition: { StringEquals: { 'aws:SourceOrgID': orgId } },
          },
          {
            Sid: 'PrincipalsOfTheOrganization',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'sns:Publish',
            Resource: { Ref: topic },
            Condition: { StringEquals: { 'aws:PrincipalOrgID': orgId } },
          },
        ]),
      },
    });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.hasOutput(ORG_STACK_OUTPUTS.alarmTopicArn, { Value: { Ref: topic } });
  });

  it.each([
    ['a prop', { organization: { alarmEmail: 'platform@example.com' } }],
    ['a context key', { context: { alarmEmail: 'platform@example.com' } }],
  ])('subscribes the email address given as %s', (_, options) => {
    // Act
    const { template } = synthesizeOrg({ ...US_EAST_1, ...options });

    // Assess
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'platform@example.com',
      TopicArn: { Ref: idOf(template, 'AWS::SNS::Topic') },
    });
  });

  it("sends every account's dead-letter, errors and conflicts alarms to it, into ALARM and back to OK", () => {
    // Act
    const { member } = synthesizeOrg(US_EAST_1);

    // Assess
    const alarms = Object.values(resourcesOfType(member, 'AWS::CloudWatch::Alarm'));
    expect(alarms).toHaveLength(3);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({
        AlarmActions: [{ Ref: MEMBER_PARAMETERS.alarmTopicArn }],
        OKActions: [{ Ref: MEMBER_PARAMETERS.alarmTopicArn }],
      });
    }
  });

  it('refuses an alarm topic of its own for the member stacks', () => {
    // Prepare
    const service = { alarmTopic: {} } as never;

    // Act
    const act = () => buildOrgStack({ ...US_EAST_1, service });

    // Assess
    expect(act).toThrow(/^alarmTopic cannot be set on the organization stack/);
  });
});

describe('the organization settings', () => {
  it.each([
    [{ organizationalUnitIds: [] }, 'organizationalUnitIds must name at least one OU or root'],
    [{ organizationalUnitIds: ['ou-bad'] }, 'organizationalUnitIds entries must be organizational unit ids'],
    [{ callAs: 'ADMIN' }, 'callAs must be SELF or DELEGATED_ADMIN, got "ADMIN"'],
    [{ maxConcurrentPercentage: 0 }, 'maxConcurrentPercentage must be a whole number from 1 to 100'],
    [{ failureTolerancePercentage: 100.5 }, 'failureTolerancePercentage must be a whole number from 0 to 100'],
    [{ regionConcurrency: 'ALL' }, 'regionConcurrency must be SEQUENTIAL or PARALLEL'],
    [{ alarmEmail: 'a@b.com,c@d.com' }, 'alarmEmail must be one email address'],
    [
      { stackSetName: 'auto_instance_profile' },
      'stackSetName must be a name of letters, digits and hyphens that starts with a letter',
    ],
  ])('refuses %j, naming the prop', (organization, message) => {
    // Act
    const act = () => buildOrgStack({ ...US_EAST_1, organization: organization as never });

    // Assess
    expect(act).toThrow(message);
  });

  it.each([
    [
      { maxConcurrentPercentage: 'half' },
      'Context value maxConcurrentPercentage must be a whole number from 1 to 100 (a percentage of accounts), got "half"',
    ],
    [{ callAs: 'delegated' }, 'Context value callAs must be SELF or DELEGATED_ADMIN, got "delegated"'],
    [{ organizationalUnitIds: 'ou-ab12-11111111,root' }, 'Context value organizationalUnitIds entries must be'],
    [{ retainStacksOnAccountRemoval: 'yes' }, 'Context value retainStacksOnAccountRemoval must be true or false'],
    [{ callas: 'SELF' }, 'Unknown context key callas (did you mean callAs?)'],
  ])('refuses context %j, naming the key', (context, message) => {
    // Act
    const act = () => buildOrgStack({ ...US_EAST_1, context });

    // Assess
    expect(act).toThrow(message);
  });
});

describe('resource counts, as docs/organization.md gives them', () => {
  const doc = readFileSync('docs/organization.md', 'utf8').replace(/\s+/g, ' ');
  const count = (options: Parameters<typeof synthesizeOrg>[0]) => {
    const resources = synthesizeOrg({ ...US_EAST_1, ...options }).template.toJSON().Resources as Record<
      string,
      { Type: string }
    >;
    return Object.values(resources).filter((resource) => resource.Type !== 'AWS::CDK::Metadata').length;
  };

  it('holds the counts the doc gives: by default, with OUs named, without the reconcile after deploy, with an alarm email', () => {
    // Act
    const defaults = count({});
    const ous = count({ organization: { organizationalUnitIds: ['ou-ab12-11111111'] } });
    const noAfterDeploy = count({ context: { reconcileAfterDeploy: 'false' } });
    const email = count({ organization: { alarmEmail: 'platform@example.com' } });

    // Assess
    expect(doc).toContain(
      `holds ${defaults} resources (${ous} when you name the OUs to target, ${noAfterDeploy} with \`-c reconcileAfterDeploy=false\`, one more with an alarm email)`,
    );
    expect(email).toBe(defaults + 1);
  });

  it("gives the member stack's resources no count of its own: deploy.md's are theirs", () => {
    // Assess
    expect(doc).toMatch(/the resources of \[deploy\.md\]\(deploy\.md#what-gets-deployed\)/);
  });

  it.each([
    ['the defaults', 3, {}],
    ['-c reconcileAfterDeploy=false', 2, { reconcileAfterDeploy: 'false' }],
  ])('%s: %i Custom::OrganizationCodeCopy, one per Lambda bundle of the member stack', (_, count, context) => {
    // Act
    const { template, member } = synthesizeOrg({ ...US_EAST_1, context });

    // Assess
    expect(Object.keys(resourcesOfType(template, 'Custom::OrganizationCodeCopy'))).toHaveLength(count);
    expect(Object.keys(resourcesOfType(member, 'AWS::Lambda::Function'))).toHaveLength(count);
  });
});
