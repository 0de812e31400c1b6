/**
 * Least privilege, read from the synthesized template: the function's role may call exactly the IAM
 * actions the remediator's modules export, each on its own resource type in this account, and
 * nothing at all on `*`.
 */
import { App, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type IamPermission, OWNED_PROFILE, REMEDIATOR_PERMISSIONS } from '../../core/iam/index.js';
import { iamPolicyStatements } from '../../infra/permissions.js';
import { CDK_JSON_CONTEXT, onlyResource, removeSynthOutputs, type Synthesized, synthesize } from './support/synth.js';

interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

let synth: Synthesized;
let statements: Statement[];

/** The ARN pattern an IAM resource type must be granted on, as the template writes it. */
const iamArn = (type: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::`, { Ref: 'AWS::AccountId' }, `:${type}/*`]],
});

const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

beforeAll(() => {
  synth = synthesize();
  const roleId = synth.stack.getLogicalId(synth.stack.service.function.role?.node.defaultChild as never);
  const policies = Object.values(synth.template.findResources('AWS::IAM::Policy')) as {
    Properties: { Roles: unknown[]; PolicyDocument: { Statement: Statement[] } };
  }[];
  statements = policies
    .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
});

afterAll(removeSynthOutputs);

describe("the function role's policy", () => {
  it('grants exactly the IAM actions the remediator exports', () => {
    // Prepare
    const expected = [...new Set(REMEDIATOR_PERMISSIONS.map((p) => p.action))].sort();

    // Act
    const granted = statements
      .flatMap(actionsOf)
      .filter((action) => action.startsWith('iam:'))
      .sort();

    // Assess
    expect(granted).toEqual(expected);
    expect(granted).toContain('iam:PassRole');
  });

  it('grants each IAM action only on its resource type in this account, under exactly its declared condition', () => {
    for (const { action, resource, condition } of REMEDIATOR_PERMISSIONS) {
      const granting = statements.filter((s) => s.Effect === 'Allow' && actionsOf(s).includes(action));
      expect(granting, action).toHaveLength(1);
      expect(granting[0]?.Resource, action).toEqual(iamArn(resource));
      expect(granting[0]?.Condition, action).toEqual(
        condition === undefined ? undefined : { [condition.test]: { [condition.key]: condition.value } },
      );
    }
  });

  it('removes roles from and deletes only profiles tagged as ours, and creates only profiles it tags as ours', () => {
    // Prepare
    const conditionOf = (action: string) =>
      statements.find((s) => actionsOf(s).includes(action))?.Condition as Record<string, Record<string, string>>;

    // Assess
    for (const action of ['iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile']) {
      expect(conditionOf(action), action).toEqual({
        StringEquals: { 'aws:ResourceTag/auto-instance-profile:managed': 'true' },
      });
    }
    for (const action of ['iam:CreateInstanceProfile', 'iam:TagInstanceProfile']) {
      expect(conditionOf(action), action).toEqual({
        StringEquals: { 'aws:RequestTag/auto-instance-profile:managed': 'true' },
      });
    }
  });

  it("allows nothing on '*'", () => {
    const onStar = statements.filter((s) => JSON.stringify(s.Resource).includes('"*"'));
    expect(onStar).toEqual([]);
  });

  it('grants no wildcard action', () => {
    expect(statements.flatMap(actionsOf).filter((action) => action.includes('*'))).toEqual([]);
  });

  it('otherwise only writes its own logs and consumes its own two queues', () => {
    // Prepare
    const idOf = (construct: IConstruct) => synth.stack.getLogicalId(construct.node.defaultChild as never);
    const logGroupId = idOf(synth.stack.service.logGroup);
    const queueIds = [synth.stack.service.queue, synth.stack.service.deleteQueue].map(idOf);

    // Act
    const others = statements.filter((s) => !actionsOf(s).some((action) => action.startsWith('iam:')));

    // Assess
    expect(others).toHaveLength(2);
    for (const statement of others) {
      const actions = actionsOf(statement);
      if (actions.every((action) => action.startsWith('logs:'))) {
        expect(actions.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
        expect(statement.Resource).toEqual({ 'Fn::GetAtt': [logGroupId, 'Arn'] });
      } else {
        expect(actions.every((action) => action.startsWith('sqs:'))).toBe(true);
        expect(actions).not.toContain('sqs:SendMessage');
        expect(statement.Resource).toEqual(
          expect.arrayContaining(queueIds.map((queueId) => ({ 'Fn::GetAtt': [queueId, 'Arn'] }))),
        );
        expect(statement.Resource).toHaveLength(2);
      }
    }
  });

  it('attaches no managed policy to the role', () => {
    const { properties } = onlyResource(synth.template, 'AWS::IAM::Role');
    expect(properties.ManagedPolicyArns).toBeUndefined();
    expect(properties.Policies).toBeUndefined();
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
        Sid: 'InstanceProfilesOnlyIfTaggedAsOurs',
        Effect: 'Allow',
        Action: ['iam:DeleteInstanceProfile', 'iam:RemoveRoleFromInstanceProfile'],
        Resource: 'arn:aws:iam::123456789012:instance-profile/*',
        Condition: { StringEquals: { 'aws:ResourceTag/auto-instance-profile:managed': 'true' } },
      },
      { Sid: 'Roles', Effect: 'Allow', Action: 'iam:GetRole', Resource: 'arn:aws:iam::123456789012:role/*' },
    ]);
  });
});
