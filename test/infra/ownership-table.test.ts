/**
 * The ownership table as the stack synthesizes it (issue 20): the record the service alone may write, kept when
 * the stack goes; and the functions told where it is and which queues their records must come from.
 */
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNERSHIP_KEY, OWNERSHIP_WRITE_ACTIONS } from '../../core/dynamodb/ownership-table.js';
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

  it('tells the reconcile pass where the table is', () => {
    // Act
    const environment = environmentOf(synth.stack.service.reconcile.function);

    // Assess
    expect(environment.OWNERSHIP_TABLE).toEqual({ Ref: idOf(synth.stack.service.ownership.table) });
  });
});
