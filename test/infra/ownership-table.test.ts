/**
 * The ownership table as the stack synthesizes it (issue 20): the record the service alone may write, kept when
 * the stack goes; and the functions told where it is and which queues their records must come from.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AccountRootPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  OWNERSHIP_CONFIRM_PERMISSIONS,
  OWNERSHIP_KEY,
  OWNERSHIP_WRITE_ACTIONS,
} from '../../core/dynamodb/ownership-table.js';
import { OwnershipTable } from '../../infra/ownership-table.js';
import { removeSynthOutputs, type Synthesized, synthesize } from './support/synth.js';

let synth: Synthesized;

beforeAll(() => {
  synth = synthesize();
});

afterAll(removeSynthOutputs);

const idOf = (construct: IConstruct) => synth.stack.getLogicalId(construct.node.defaultChild as never);
const resource = (construct: IConstruct) =>
  synth.template.toJSON().Resources[idOf(construct)] as {
    Type: string;
    Properties: Record<string, unknown>;
    DeletionPolicy?: string;
    UpdateReplacePolicy?: string;
  };
const environmentOf = (construct: IConstruct) =>
  (resource(construct).Properties.Environment as { Variables: Record<string, unknown> }).Variables;

describe('the ownership table', () => {
  it('is on demand, with point-in-time recovery and deletion protection, and is kept when the stack is deleted', () => {
    // Act
    const table = resource(synth.stack.service.ownership.table);

    // Assess
    expect(table.Type).toBe('AWS::DynamoDB::Table');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: OWNERSHIP_KEY, KeyType: 'HASH' }],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
  });

  it('denies every write to every principal but the two functions’ roles, whatever their own policies allow', () => {
    // Prepare
    const roles = [synth.stack.service.remediator.role, synth.stack.service.reconcile.reconcileFunction.role];

    // Act
    const policy = resource(synth.stack.service.ownership.table).Properties.ResourcePolicy as {
      PolicyDocument: { Statement: Record<string, unknown>[] };
    };

    // Assess
    expect(policy.PolicyDocument.Statement).toEqual([
      {
        Sid: 'OnlyTheServiceWrites',
        Effect: 'Deny',
        Principal: '*',
        Action: [...OWNERSHIP_WRITE_ACTIONS].sort(),
        Resource: '*',
        Condition: {
          ArnNotEquals: { 'aws:PrincipalArn': roles.map((role) => ({ 'Fn::GetAtt': [idOf(role), 'Arn'] })) },
        },
      },
    ]);
  });
});

describe('the functions’ environment', () => {
  it('always gives the remediator its two queues, whose records alone it acts on, and the table', () => {
    // Prepare
    const { queue, deleteQueue, ownership } = synth.stack.service;

    // Act
    const environment = environmentOf(synth.stack.service.function);

    // Assess
    expect(environment.QUEUE_URLS).toEqual({
      'Fn::Join': ['', [{ Ref: idOf(queue) }, ',', { Ref: idOf(deleteQueue) }]],
    });
    expect(environment.OWNERSHIP_TABLE).toEqual({ Ref: idOf(ownership.table) });
  });

  it('tells the reconcile pass where the table is, and the stack’s name as deployed (its roles before the path)', () => {
    // Act
    const environment = environmentOf(synth.stack.service.reconcile.function);

    // Assess
    expect(environment.OWNERSHIP_TABLE).toEqual({ Ref: idOf(synth.stack.service.ownership.table) });
    expect(environment.STACK_NAME).toEqual({ Ref: 'AWS::StackName' });
  });
});

describe('with an operator role', () => {
  it('admits the operator role to write, and grants it exactly what confirm calls, on this table alone', () => {
    // Prepare: the table and the roles the stack gives it, as the construct wires them
    const stack = new Stack(new App(), 'Operator');
    const ownership = new OwnershipTable(stack, 'Ownership');
    const [remediator, reconcile, operator] = ['Remediator', 'Reconcile', 'Operator'].map(
      (id) => new Role(stack, id, { assumedBy: new AccountRootPrincipal() }),
    ) as [Role, Role, Role];

    // Act
    ownership.onlyWrittenBy([remediator, reconcile], operator);
    const template = Template.fromStack(stack).toJSON();

    // Assess
    const id = (construct: IConstruct) => stack.getLogicalId(construct.node.defaultChild as never);
    const table = template.Resources[id(ownership.table)];
    expect(table.Properties.ResourcePolicy.PolicyDocument.Statement[0].Condition).toEqual({
      ArnNotEquals: {
        'aws:PrincipalArn': [remediator, reconcile, operator].map((role) => ({ 'Fn::GetAtt': [id(role), 'Arn'] })),
      },
    });
    type Policy = { Type: string; Properties: { Roles: unknown; PolicyDocument: { Statement: unknown[] } } };
    const grants = Object.values(template.Resources as Record<string, Policy>)
      .filter((resource) => resource.Type === 'AWS::IAM::Policy')
      .filter((policy) => JSON.stringify(policy.Properties.Roles).includes(id(operator)))
      .flatMap((policy) => policy.Properties.PolicyDocument.Statement);
    expect(grants).toEqual([
      {
        Sid: 'OwnershipTable',
        Effect: 'Allow',
        Action: OWNERSHIP_CONFIRM_PERMISSIONS.map((permission) => permission.action).sort(),
        Resource: { 'Fn::GetAtt': [id(ownership.table), 'Arn'] },
      },
    ]);
  });
});
