/**
 * ServiceFunction, the one place a service function is made: its role holds exactly the permissions it
 * declares (with their conditions) and may write its own log group; its bundle is found by name; every
 * nag acknowledgment it makes has its reason; a resource type without a reason is refused.
 */
import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { type IamPermission, OWNED_PROFILE } from '../../core/iam/index.js';
import { wildcardResourceFindingId } from '../../infra/nag.js';
import { iamPolicyStatements, iamResourceArn } from '../../infra/permissions.js';
import {
  COMMON_ENVIRONMENT,
  SERVICE_FUNCTION_RUNTIME,
  ServiceFunction,
  type ServiceFunctionProps,
} from '../../infra/service-function.js';
import { CDK_JSON_CONTEXT } from './support/synth.js';

const PERMISSIONS: readonly IamPermission[] = [
  { action: 'iam:GetRole', resource: 'role' },
  { action: 'iam:DeleteInstanceProfile', resource: 'instance-profile', condition: OWNED_PROFILE },
];

const PROPS: ServiceFunctionProps = {
  bundle: 'remediator',
  description: 'A test function',
  roleDescription: 'A test role',
  permissions: PERMISSIONS,
  wildcardReasons: {
    role: 'Roles are named by events that are not known in advance (a reason long enough to read as one).',
    'instance-profile': 'Profiles are named after roles, which are not known in advance either (a reason).',
  },
  logRetention: RetentionDays.ONE_MONTH,
  timeout: Duration.seconds(42),
  environment: { SETTING: 'value' },
  deadLetterReason: 'Invoked only by a test, which sees every failure itself.',
  acknowledgments: [{ id: 'Serverless-SomethingElse', reason: 'A finding particular to this function.' }],
};

function make(props: Partial<ServiceFunctionProps> = {}): { stack: Stack; made: ServiceFunction } {
  const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), 'Stack', {
    env: { account: '123456789012', region: 'us-east-1' },
  });
  return { stack, made: new ServiceFunction(stack, 'Made', { ...PROPS, ...props }) };
}

/** The acknowledgments stored on a construct, by rule id (stored as `Annotation::<id>`). */
function acknowledgments(construct: IConstruct): Record<string, string> {
  return Object.fromEntries(
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .map(([id, reason]) => [id.replace(/^annotation::/i, ''), reason]),
  );
}

describe('ServiceFunction', () => {
  it('gives its role exactly the declared permissions, with their conditions, and its own log group', () => {
    // Prepare
    const { stack, made } = make();
    const expected = iamPolicyStatements(stack, PERMISSIONS).map((statement) =>
      stack.resolve(statement.toStatementJson()),
    );

    // Act
    const template = Template.fromStack(stack);

    // Assess
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } };
    }[];
    const statements = policy?.Properties.PolicyDocument.Statement ?? [];
    const logs = {
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: { 'Fn::GetAtt': [stack.getLogicalId(made.logGroup.node.defaultChild as never), 'Arn'] },
    };
    expect(statements).toEqual(expect.arrayContaining([...expected, logs]));
    expect(statements).toHaveLength(expected.length + 1);
    template.resourceCountIs('AWS::IAM::Policy', 1);
    template.hasResourceProperties('AWS::IAM::Role', { Description: 'A test role' });
    expect(Object.values(template.findResources('AWS::IAM::Role'))[0]?.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('runs the named bundle on the service runtime, arm64, with its settings and the common environment', () => {
    // Prepare
    const { stack } = make();

    // Act
    const template = Template.fromStack(stack);

    // Assess
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: SERVICE_FUNCTION_RUNTIME.name,
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 42,
      Description: 'A test function',
      Environment: { Variables: { SETTING: 'value', ...COMMON_ENVIRONMENT } },
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('refuses a bundle that has not been built, naming it', () => {
    expect(() => make({ bundle: 'no-such-bundle' })).toThrow(
      /The no-such-bundle bundle .*dist\/no-such-bundle\/index\.mjs is missing: run `npm run build` first/,
    );
  });

  it('refuses permissions on a resource type it is not told why it needs on a wildcard', () => {
    expect(() =>
      make({ permissions: [...PERMISSIONS, { action: 'iam:GetAccountAuthorizationDetails', resource: '*' }] }),
    ).toThrow('ServiceFunction Made: wildcardReasons has no reason for *');
  });

  it('acknowledges the dead-letter queue and tracing findings and its own, each with its reason, and not the runtime', () => {
    // Prepare: the function. Act
    const { made } = make();
    const stored = acknowledgments(made.function);

    // Assess
    expect(Object.keys(stored).sort()).toEqual(
      ['Serverless-LambdaDLQ', 'Serverless-LambdaTracing', 'Serverless-SomethingElse'].sort(),
    );
    expect(stored['Serverless-LambdaDLQ']).toBe(PROPS.deadLetterReason);
    expect(stored['Serverless-SomethingElse']).toBe('A finding particular to this function.');
    for (const reason of Object.values(stored)) expect(reason.trim()).not.toBe('');
  });

  it("acknowledges the wildcard finding of each resource type it uses on its role, with that type's reason", () => {
    // Prepare: the function. Act
    const { made } = make();
    const stored = acknowledgments(made.role);

    // Assess
    expect(stored).toEqual({
      [wildcardResourceFindingId(made.role, iamResourceArn(made.role, 'role'))]: PROPS.wildcardReasons.role,
      [wildcardResourceFindingId(made.role, iamResourceArn(made.role, 'instance-profile'))]:
        PROPS.wildcardReasons['instance-profile'],
    });
  });
});
