/**
 * Least privilege, read from the synthesized template: each function's role may call exactly the IAM
 * actions its modules export (REMEDIATOR_PERMISSIONS, RECONCILE_PERMISSIONS), each on its own resource
 * type in this account and under exactly its declared condition, `*` only for the reads that have no
 * resource type; and otherwise only its own logs and its own queues.
 */
import { App, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type IamCondition,
  type IamPermission,
  OWNED_AND_TAGGED_AS_OURS,
  OWNED_PROFILE,
  PASSED_TO_EC2,
  RECONCILE_PERMISSIONS,
  REMEDIATOR_PERMISSIONS,
} from '../../core/iam/index.js';
import { SERVICE_ROLE_PATH } from '../../core/pipeline-settings.js';
import { iamPolicyStatements } from '../../infra/permissions.js';
import type { ServiceFunction } from '../../infra/service-function.js';
import { CDK_JSON_CONTEXT, removeSynthOutputs, type Synthesized, synthesize } from './support/synth.js';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

interface Policy {
  readonly Properties: { readonly Roles: unknown[]; readonly PolicyDocument: { readonly Statement: Statement[] } };
}

let synth: Synthesized;

/** The ARN (pattern) a resource type must be granted on, as the template writes it: the ownership table by its ARN. */
const iamArn = (type: string) =>
  type === '*'
    ? '*'
    : type === 'ownership-table'
      ? { 'Fn::GetAtt': [idOf(synth.stack.service.ownership.table), 'Arn'] }
      : { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::`, { Ref: 'AWS::AccountId' }, `:${type}/*`]] };

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

/** The actions a module list declares: IAM's, CloudTrail's for the reconcile pass, DynamoDB's on the ownership table. */
const isDeclaredService = (action: string) =>
  action.startsWith('iam:') || action.startsWith('cloudtrail:') || action.startsWith('dynamodb:');

/**
 * The `Condition` block IAM must see for a permission's conditions, written out here rather than by the
 * construct's renderer: `{ StringEquals: { key: value, … } }`, a one-element value as a string.
 */
function expectedCondition(condition: IamCondition | readonly IamCondition[] | undefined): unknown {
  if (condition === undefined) return undefined;
  const list: readonly IamCondition[] = Array.isArray(condition) ? condition : [condition as IamCondition];
  const block: Record<string, Record<string, unknown>> = {};
  for (const { test, key, value } of list) {
    block[test] = { ...block[test], [key]: typeof value === 'string' || value.length > 1 ? value : value[0] };
  }
  return block;
}

const idOf = (construct: IConstruct) => synth.stack.getLogicalId(construct.node.defaultChild as never);

/** Every statement of every policy attached to a function's role. */
function statementsOf(made: ServiceFunction): Statement[] {
  const roleId = idOf(made.role);
  const policies = Object.values(synth.template.findResources('AWS::IAM::Policy')) as Policy[];
  return policies
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
}

/** The functions, the permission list each exports, and what else its role may do besides IAM. */
const FUNCTIONS = [
  {
    name: 'remediator',
    made: () => synth.stack.service.remediator,
    permissions: REMEDIATOR_PERMISSIONS,
    queues: () => [synth.stack.service.queue, synth.stack.service.deleteQueue],
    queueActions: [
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ],
  },
  {
    name: 'reconcile',
    made: () => synth.stack.service.reconcile.reconcileFunction,
    permissions: RECONCILE_PERMISSIONS,
    queues: () => [synth.stack.service.queue],
    queueActions: ['sqs:SendMessage'],
  },
] as const;

beforeAll(() => {
  synth = synthesize();
});

afterAll(removeSynthOutputs);

describe.each(FUNCTIONS)("the $name role's policy", ({ made, permissions, queues, queueActions }) => {
  it('grants exactly the IAM actions its modules export', () => {
    // Prepare
    const expected = [...new Set(permissions.map((p) => p.action))].sort();

    // Act
    const granted = statementsOf(made()).flatMap(actionsOf).filter(isDeclaredService).sort();

    // Assess
    expect(granted).toEqual(expected);
  });

  it('grants each action only on its resource type in this account, under exactly its declared conditions', () => {
    // Prepare
    const statements = statementsOf(made());

    // Assess
    for (const { action, resource, condition } of permissions) {
      const granting = statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(action));
      expect(granting, action).toHaveLength(1);
      expect(granting[0]?.Resource, action).toEqual(iamArn(resource));
      expect(granting[0]?.Condition, action).toEqual(expectedCondition(condition));
    }
  });

  it("allows on '*' only the reads its modules declare without a resource type", () => {
    // Prepare
    const declared = permissions.filter((p) => p.resource === '*').map((p) => p.action);

    // Act
    const onStar = statementsOf(made()).filter((s) => JSON.stringify(s.Resource).includes('"*"'));

    // Assess
    expect(onStar.flatMap(actionsOf).sort()).toEqual([...declared].sort());
    for (const action of declared) expect(action).toMatch(/^(iam:(Get|List)|cloudtrail:LookupEvents$)/);
  });

  it('grants no wildcard action', () => {
    expect(
      statementsOf(made())
        .flatMap(actionsOf)
        .filter((action) => action.includes('*')),
    ).toEqual([]);
  });

  it('otherwise only writes its own logs and uses its own queues as it needs', () => {
    // Prepare
    const logGroupId = idOf(made().logGroup);
    const queueArns = queues().map((queue) => ({ 'Fn::GetAtt': [idOf(queue), 'Arn'] }));

    // Act
    const others = statementsOf(made()).filter((s) => !actionsOf(s).some(isDeclaredService));

    // Assess
    expect(others).toHaveLength(2);
    const logs = others.find((s) => actionsOf(s).every((action) => action.startsWith('logs:')));
    expect(logs && actionsOf(logs).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(logs?.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
    const sqs = others.find((s) => s !== logs);
    expect(sqs && actionsOf(sqs).sort()).toEqual([...queueActions]);
    const resources = Array.isArray(sqs?.Resource) ? sqs.Resource : [sqs?.Resource];
    expect(resources).toHaveLength(queueArns.length);
    expect(resources).toEqual(expect.arrayContaining(queueArns));
  });

  it('attaches no managed policy and no inline policy to the role', () => {
    const role = synth.template.toJSON().Resources[idOf(made().role)] as { Properties: Record<string, unknown> };
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    expect(role.Properties.Policies).toBeUndefined();
  });
});

describe("ownership, enforced by IAM, in the shape of Karpenter's controller policy", () => {
  const managed = 'auto-instance-profile:managed';

  it('lets the remediator add, remove and delete only on profiles tagged as ours, create only profiles it tags as ours, tag only both', () => {
    // Prepare
    const statements = statementsOf(synth.stack.service.remediator);
    const conditionOf = (action: string) => statements.find((s) => actionsOf(s).includes(action))?.Condition;

    // Assess
    for (const action of [
      'iam:AddRoleToInstanceProfile',
      'iam:RemoveRoleFromInstanceProfile',
      'iam:DeleteInstanceProfile',
    ]) {
      expect(conditionOf(action), action).toEqual({ StringEquals: { [`aws:ResourceTag/${managed}`]: 'true' } });
    }
    expect(conditionOf('iam:CreateInstanceProfile')).toEqual({
      StringEquals: { [`aws:RequestTag/${managed}`]: 'true' },
    });
    expect(conditionOf('iam:TagInstanceProfile')).toEqual({
      StringEquals: { [`aws:ResourceTag/${managed}`]: 'true', [`aws:RequestTag/${managed}`]: 'true' },
    });
  });

  it('lets the remediator pass roles to EC2 only, in either partition', () => {
    // Prepare
    const statements = statementsOf(synth.stack.service.remediator);

    // Act
    const passRole = statements.filter((s) => actionsOf(s).includes('iam:PassRole'));

    // Assess
    expect(passRole).toHaveLength(1);
    expect(passRole[0]?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] },
    });
  });

  it('gives the reconcile function no IAM write at all: it finds, the remediator acts', () => {
    const iamActions = statementsOf(synth.stack.service.reconcile.reconcileFunction)
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('iam:'));
    expect(iamActions.length).toBeGreaterThan(0);
    for (const action of iamActions) expect(action).toMatch(/^iam:(Get|List)/);
  });
});

describe("the scheduler's role", () => {
  it('may only invoke the reconcile function, and only EventBridge Scheduler of this account may assume it', () => {
    // Prepare
    const { reconcile } = synth.stack.service;
    const role = reconcile.scheduleRole;
    if (role === undefined) throw new Error('the default stack has a schedule');
    const roleId = idOf(role);
    const functionId = idOf(reconcile.function);

    // Act
    const policies = (Object.values(synth.template.findResources('AWS::IAM::Policy')) as Policy[]).filter((policy) =>
      JSON.stringify(policy.Properties.Roles).includes(roleId),
    );
    const trust = (synth.template.toJSON().Resources[roleId] as { Properties: { AssumeRolePolicyDocument: unknown } })
      .Properties.AssumeRolePolicyDocument;

    // Assess
    expect(policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement)).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [
          { 'Fn::GetAtt': [functionId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [functionId, 'Arn'] }, ':*']] },
        ],
      },
    ]);
    expect(trust).toMatchObject({
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ],
    });
  });
});

describe("the after-deploy run's policy", () => {
  it('may only invoke the reconcile function, and write its own log group (its role is ours, with no managed policy)', () => {
    // Prepare
    const run = synth.stack.service.reconcile.afterDeploy;
    if (run === undefined) throw new Error('the default stack runs reconcile after deploys');
    const policy = run.node.findChild('CustomResourcePolicy');
    const afterDeploy = run.node.scope;
    if (afterDeploy === undefined) throw new Error('the run has a scope');
    const logGroup = afterDeploy.node.findChild('ProviderLogGroup');
    const providerRole = afterDeploy.node.findChild('ProviderRole');

    // Act
    const document = (synth.template.toJSON().Resources[idOf(policy)] as Policy).Properties.PolicyDocument;

    // Assess
    expect(document.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [idOf(synth.stack.service.reconcile.function), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [idOf(logGroup), 'Arn'] },
      },
    ]);
    const roleResource = synth.template.toJSON().Resources[idOf(providerRole)] as {
      Properties: Record<string, unknown>;
    };
    expect(roleResource.Properties).not.toHaveProperty('ManagedPolicyArns');
    expect(roleResource.Properties.Path).toBe(SERVICE_ROLE_PATH);
  });
});

describe('iamPolicyStatements', () => {
  it('groups any permission list by resource type and condition, so new actions land on the right ARN', () => {
    // Prepare
    const stack = new Stack(new App({ context: CDK_JSON_CONTEXT }), 'Stack', {
      env: { account: '123456789012', region: 'us-east-1' },
    });
    const permissions: IamPermission[] = [
      { action: 'iam:DeleteInstanceProfile', resource: 'instance-profile', condition: OWNED_PROFILE },
      { action: 'iam:GetRole', resource: 'role' },
      { action: 'iam:GetInstanceProfile', resource: 'instance-profile' },
      { action: 'iam:RemoveRoleFromInstanceProfile', resource: 'instance-profile', condition: OWNED_PROFILE },
      { action: 'iam:GetRole', resource: 'role' },
      { action: 'iam:GetAccountAuthorizationDetails', resource: '*' },
      { action: 'iam:TagInstanceProfile', resource: 'instance-profile', condition: OWNED_AND_TAGGED_AS_OURS },
      { action: 'iam:PassRole', resource: 'role', condition: PASSED_TO_EC2 },
    ];

    // Act
    const rendered = iamPolicyStatements(stack, permissions).map((s) => stack.resolve(s.toStatementJson()));

    // Assess
    expect(rendered).toEqual([
      { Sid: 'AccountListings', Effect: 'Allow', Action: 'iam:GetAccountAuthorizationDetails', Resource: '*' },
      {
        Sid: 'InstanceProfiles',
        Effect: 'Allow',
        Action: 'iam:GetInstanceProfile',
        Resource: 'arn:aws:iam::123456789012:instance-profile/*',
      },
      {
        Sid: 'InstanceProfilesOnlyIfTaggedAsOursAndRequestTagsAsOurs',
        Effect: 'Allow',
        Action: 'iam:TagInstanceProfile',
        Resource: 'arn:aws:iam::123456789012:instance-profile/*',
        Condition: {
          StringEquals: {
            'aws:ResourceTag/auto-instance-profile:managed': 'true',
            'aws:RequestTag/auto-instance-profile:managed': 'true',
          },
        },
      },
      {
        Sid: 'InstanceProfilesOnlyIfTaggedAsOurs',
        Effect: 'Allow',
        Action: ['iam:DeleteInstanceProfile', 'iam:RemoveRoleFromInstanceProfile'],
        Resource: 'arn:aws:iam::123456789012:instance-profile/*',
        Condition: { StringEquals: { 'aws:ResourceTag/auto-instance-profile:managed': 'true' } },
      },
      { Sid: 'Roles', Effect: 'Allow', Action: 'iam:GetRole', Resource: 'arn:aws:iam::123456789012:role/*' },
      {
        Sid: 'RolesOnlyIfPassedToEc2',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::123456789012:role/*',
        Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
      },
    ]);
  });
});
