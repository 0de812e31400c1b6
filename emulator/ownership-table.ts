/**
 * The stack's ownership table, created in moto for the sandbox and the tests as the stack defines it
 * (infra/ownership-table.ts): keyed by the profile name, on demand, with point-in-time recovery and the resource
 * policy that keeps writes to the service's roles (moto stores it; it does not enforce it, as it enforces no policy).
 */
import {
  CreateTableCommand,
  type DynamoDBClient,
  PutResourcePolicyCommand,
  ResourceInUseException,
  UpdateContinuousBackupsCommand,
} from '@aws-sdk/client-dynamodb';
import { OWNERSHIP_KEY, ownershipTablePolicy } from '../core/dynamodb/ownership-table.js';
import { EmulatorError } from './errors.js';

/** Creates the table and returns its name and ARN. */
export async function createOwnershipTable(
  db: DynamoDBClient,
  tableName: string,
  writerArns: readonly string[],
): Promise<{ readonly tableName: string; readonly tableArn: string }> {
  const { TableDescription } = await db.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: OWNERSHIP_KEY, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: OWNERSHIP_KEY, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      DeletionProtectionEnabled: true,
    }),
  );
  const tableArn = TableDescription?.TableArn;
  if (tableArn === undefined) throw new EmulatorError(`CreateTable ${tableName} returned no ARN`);
  await db.send(
    new UpdateContinuousBackupsCommand({
      TableName: tableName,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  await db.send(
    new PutResourcePolicyCommand({ ResourceArn: tableArn, Policy: JSON.stringify(ownershipTablePolicy(writerArns)) }),
  );
  return { tableName, tableArn };
}

/** Creates the table unless it exists (another worker or an earlier run made it: that is fine); returns its name. */
export async function ensureOwnershipTable(
  db: DynamoDBClient,
  tableName: string,
  writerArns: readonly string[],
): Promise<string> {
  try {
    return (await createOwnershipTable(db, tableName, writerArns)).tableName;
  } catch (error) {
    if (error instanceof ResourceInUseException) return tableName;
    throw error;
  }
}
