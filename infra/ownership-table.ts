/**
 * The ownership table in the stack: the service's record of the instance profiles it made or adopted
 * (core/ownership.ts, core/dynamodb/ownership-table.ts). On-demand, with point-in-time recovery, kept when the
 * stack is deleted (a re-install would otherwise forget what it made), and writable by the service's roles
 * alone: its resource policy denies every write action to any other principal, whatever their own policies allow.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  OWNERSHIP_CONFIRM_PERMISSIONS,
  OWNERSHIP_KEY,
  OWNERSHIP_WRITE_ACTIONS,
  ownershipTablePolicy,
} from '../core/dynamodb/ownership-table.js';
import { iamPolicyStatements } from './permissions.js';

/** The table, and the one call that keeps its writes to the service's roles. */
export class OwnershipTable extends Construct {
  /** The DynamoDB table; its name reaches the functions as `OWNERSHIP_TABLE`. */
  public readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: OWNERSHIP_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Denies every write action ({@link OWNERSHIP_WRITE_ACTIONS}) to every principal but `writers`, by
   * `aws:PrincipalArn`: a tag anyone may write, or an identity policy that allows `dynamodb:*`, cannot make a
   * profile the service's. Call once, with every role that writes.
   *
   * `operator`, the stack's operator role (only with `operatorPrincipals`), is admitted too, and granted exactly
   * what a person's confirmation calls on this table ({@link OWNERSHIP_CONFIRM_PERMISSIONS}): through it, and only
   * through it, `auto-instance-profile confirm` records a profile the service made before it kept records.
   */
  onlyWrittenBy(writers: readonly IRole[], operator?: IRole): void {
    const admitted = operator === undefined ? writers : [...writers, operator];
    const [statement] = ownershipTablePolicy(admitted.map((role) => role.roleArn)).Statement;
    this.table.addToResourcePolicy(PolicyStatement.fromJson(statement));
    if (operator === undefined) return;
    for (const grant of iamPolicyStatements(this, OWNERSHIP_CONFIRM_PERMISSIONS, {
      'ownership-table': this.table.tableArn,
    })) {
      operator.addToPrincipalPolicy(grant);
    }
  }
}
