/**
 * The deployed service's ownership record, as the CLI finds it: the stack's `OwnershipTableName` output (and its
 * `OperatorRoleArn`, present only with `operatorPrincipals`), from the stack named {@link STACK_NAME} or, failing
 * that, the one stack an organization's StackSet made here (`StackSet-…`), each recognised by its outputs as
 * `doctor` recognises it. The stack lives in the partition's IAM event region, whatever region the command runs in.
 *
 * `scan`, `fix` and `doctor` read the record with the caller's own credentials (anyone the account allows may read
 * it); `confirm`, and `fix` for what it makes, write it through the operator role, the one principal besides the
 * service's functions that the table's policy lets write.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@smithy/types';
import { type OwnershipStore, OwnershipTable } from '../../core/dynamodb/ownership-table.js';
import { AutoInstanceProfileError } from '../../core/errors.js';
import type { RecordFact } from '../../core/ownership.js';
import {
  OPTIONAL_STACK_OUTPUTS,
  STACK_NAME,
  STACK_OUTPUTS,
  STACK_SET_INSTANCE_PREFIX,
} from '../../core/pipeline-settings.js';
import { iamEventRegionFor } from '../../core/regions.js';
import type { AwsClientConfig } from '../aws.js';
import { isServiceStack, type StackFacts } from '../doctor/checks.js';
import { readStack, readStacksNamed } from '../doctor/probes.js';
import { AwsAccessError, asAwsAccessError } from '../errors.js';

/** What finding the record calls: CloudFormation's DescribeStacks. */
export const DEPLOYED_RECORD_PERMISSIONS = ['cloudformation:DescribeStacks'] as const;

/**
 * What reading one profile's record calls (`scan`, `fix`), on the table, with the caller's credentials; `fix` also
 * assumes the operator role (sts:AssumeRole) to record what it makes, through which it calls
 * OWNERSHIP_CONFIRM_PERMISSIONS (core/dynamodb/ownership-table.ts).
 */
export const RECORD_READ_PERMISSIONS = ['dynamodb:GetItem'] as const;

/** What `scan` calls for the record, besides its IAM reads: the stack's outputs, then one GetItem per record read. */
export const SCAN_RECORD_PERMISSIONS = [...DEPLOYED_RECORD_PERMISSIONS, ...RECORD_READ_PERMISSIONS] as const;

/** What `fix` calls for the record with the caller's credentials: `scan`'s, and AssumeRole on the operator role. */
export const FIX_RECORD_PERMISSIONS = [...SCAN_RECORD_PERMISSIONS, 'sts:AssumeRole'] as const;

/** The deployed stack's record: where it is, and the role through which a person may write it. */
export interface DeployedRecord {
  /** The stack's name. */
  readonly stack: string;
  /** The region the stack (and its table) is in: the partition's IAM event region. */
  readonly region: string;
  /** The stack's `OwnershipTableName`; undefined for a stack of a version before the record. */
  readonly tableName?: string | undefined;
  /** The stack's `OperatorRoleArn`; undefined without `operatorPrincipals`. */
  readonly operatorRoleArn?: string | undefined;
  /** The stack's `ReconcileFunctionName`: `fix` starts it where it cannot record (core/lambda/reconcile-now.ts). */
  readonly reconcileFunctionName?: string | undefined;
}

/** The service's stack could not be told: several StackSet stacks hold it. */
export class DeployedStackError extends AutoInstanceProfileError {
  override name = 'DeployedStackError';
}

/** A client's settings in one account: its region and, for a role or a member account, its credentials. */
export type RecordClientConfig = AwsClientConfig & { readonly credentials?: AwsCredentialIdentity };

/**
 * The deployed stack's record, or undefined when the account has no stack of the service: the stack named
 * `stackName` when given; else {@link STACK_NAME}; else the one `StackSet-…` stack with the service's outputs.
 */
export async function findDeployedRecord(
  clientConfig: RecordClientConfig,
  stackName?: string,
): Promise<DeployedRecord | undefined> {
  const found = await findServiceStack(clientConfig, stackName);
  if (found === undefined) return undefined;
  const { stack, region } = found;
  return {
    stack: stack.name,
    region,
    tableName: outputOf(stack, STACK_OUTPUTS.ownershipTableName),
    operatorRoleArn: outputOf(stack, OPTIONAL_STACK_OUTPUTS.operatorRoleArn),
    reconcileFunctionName: outputOf(stack, STACK_OUTPUTS.reconcileFunctionName),
  };
}

/**
 * The service's stack with its outputs, and the region it is in (the partition's IAM event region), or undefined when
 * the account has none: the stack named `stackName` when given; else {@link STACK_NAME}; else the one `StackSet-…`
 * stack with the service's outputs. CloudFormation DescribeStacks ({@link DEPLOYED_RECORD_PERMISSIONS}).
 */
export async function findServiceStack(
  clientConfig: RecordClientConfig,
  stackName?: string,
): Promise<{ readonly stack: StackFacts; readonly region: string } | undefined> {
  const region = iamEventRegionFor(clientConfig.region) ?? clientConfig.region;
  const cloudformation = new CloudFormationClient({ ...clientConfig, region });
  try {
    const stack = await findStack(cloudformation, stackName);
    return stack === undefined ? undefined : { stack, region };
  } finally {
    cloudformation.destroy();
  }
}

async function findStack(cloudformation: CloudFormationClient, requested: string | undefined) {
  if (requested !== undefined) return readStack(cloudformation, requested);
  const named = await readStack(cloudformation, STACK_NAME);
  if (named !== undefined && isServiceStack(named)) return named;
  const candidates = (await readStacksNamed(cloudformation, STACK_SET_INSTANCE_PREFIX)).filter(isServiceStack);
  if (candidates.length > 1) {
    throw new DeployedStackError(
      `${candidates.length} stacks hold the service (${candidates.map((stack) => stack.name).join(', ')}): ` +
        'choose one with --stack-name',
    );
  }
  return candidates[0];
}

function outputOf(stack: StackFacts, key: string): string | undefined {
  const value = stack.outputs[key]?.trim();
  return value === undefined || value === '' ? undefined : value;
}

/** The table of a deployed record, through a client in its region (with the credentials given, else the caller's). */
export function openRecordTable(
  record: DeployedRecord & { readonly tableName: string },
  clientConfig: RecordClientConfig,
) {
  const db = new DynamoDBClient({ ...clientConfig, region: record.region });
  return { table: new OwnershipTable(db, record.tableName), destroy: () => db.destroy() };
}

/** Where `scan` and `fix` read the record from, as their reports say it. */
export type RecordSource =
  | {
      readonly from: 'table';
      readonly stack: string;
      readonly table: string;
      /** The role `fix` records what it makes through; undefined: it cannot record, so it creates and adopts nothing. */
      readonly writer?: string | undefined;
    }
  | { readonly from: 'none'; readonly why: string };

/** `fix` would make a profile it cannot record: the service could then prove nothing of it. */
export class RecordNotWritableError extends AutoInstanceProfileError {
  override name = 'RecordNotWritableError';
}

/** The deployed record, as `scan` and `fix` use it; `destroy` frees its clients. */
export interface DeployedRecordAccess {
  readonly source: RecordSource;
  /** The record for a profile name, with the caller's credentials; `'no-table'` when there is none to read. */
  readonly read: (profileName: string) => Promise<RecordFact>;
  /**
   * The record for `fix`'s remediations: read with the caller's credentials, written (a create's intent, an adopt's
   * binding) through the operator role, assumed at the first write. Without an operator role every write throws
   * {@link RecordNotWritableError}: what `fix` makes must be the service's to prove. Undefined without a table: then
   * there is no service to prove anything, and nothing is recorded.
   */
  readonly store?: OwnershipStore | undefined;
  destroy(): void;
}

/**
 * The deployed stack's record for `scan` and `fix`, where their settings found it (cli/scan/settings.ts): without a
 * stack (or with a stack of a version before the record) every tagged profile is unrecorded, and `fix` adopts
 * nothing. `assume` turns the operator role into credentials (sts:AssumeRole), only when `fix` first writes.
 */
export function openDeployedRecord(
  clientConfig: RecordClientConfig,
  deployed: DeployedRecord | undefined,
  assume: (roleArn: string) => Promise<AwsCredentialIdentity> = (roleArn) => assumeRole(clientConfig, roleArn, 'fix'),
): DeployedRecordAccess {
  const none = (why: string): DeployedRecordAccess => ({
    source: { from: 'none', why },
    read: async () => 'no-table',
    destroy: () => {},
  });
  if (deployed === undefined) {
    return none(
      `no ${STACK_NAME} stack (nor an organization's StackSet stack) in ${iamEventRegionFor(clientConfig.region) ?? clientConfig.region}`,
    );
  }
  const { tableName, operatorRoleArn } = deployed;
  if (tableName === undefined) return none(`stack ${deployed.stack} has no ownership table (a version before it)`);
  const reader = openRecordTable({ ...deployed, tableName }, clientConfig);
  let writer: ReturnType<typeof openRecordTable> | undefined;
  const writable = async (): Promise<OwnershipTable> => {
    if (operatorRoleArn === undefined) {
      throw new RecordNotWritableError(
        `stack ${deployed.stack} has no operator role (OperatorRoleArn) to record what fix makes; without a record the ` +
          'service would not release it on delete-role. Deploy with operatorPrincipals naming you, or let the service make it',
      );
    }
    writer ??= openRecordTable(
      { ...deployed, tableName },
      { ...clientConfig, credentials: await assume(operatorRoleArn) },
    );
    return writer.table;
  };
  return {
    source: { from: 'table', stack: deployed.stack, table: tableName, writer: operatorRoleArn },
    read: (profileName) => reader.table.read(profileName),
    store: {
      read: (profileName) => reader.table.read(profileName),
      recordIntent: async (profileName, intent) => (await writable()).recordIntent(profileName, intent),
      bind: async (profileName, owned, version) => (await writable()).bind(profileName, owned, version),
    },
    destroy: () => {
      reader.destroy();
      writer?.destroy();
    },
  };
}

/**
 * Credentials of a role, for one command's calls (sts:AssumeRole, with the caller's credentials), in a session named
 * after the command (`auto-instance-profile-confirm`), as CloudTrail then records the writes.
 */
export async function assumeRole(
  clientConfig: RecordClientConfig,
  roleArn: string,
  command: string,
): Promise<AwsCredentialIdentity> {
  const sts = new STSClient(clientConfig);
  try {
    const { Credentials: credentials } = await sts.send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: `auto-instance-profile-${command}` }),
    );
    if (credentials?.AccessKeyId === undefined || credentials.SecretAccessKey === undefined) {
      throw new AutoInstanceProfileError(`AssumeRole ${roleArn} returned no credentials`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      ...(credentials.SessionToken === undefined ? {} : { sessionToken: credentials.SessionToken }),
      ...(credentials.Expiration === undefined ? {} : { expiration: credentials.Expiration }),
    };
  } finally {
    sts.destroy();
  }
}

/**
 * Runs calls of CloudFormation, STS or DynamoDB: AWS out of reach, or an answer of AWS that refuses the call
 * (AccessDenied, ResourceNotFound …), is one line, exit code 255, in the AWS CLI's words; anything else is itself.
 */
export async function withAwsErrors<T>(operation: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const access = asAwsAccessError(error, operation);
    if (access !== undefined) throw access;
    if (error instanceof Error && '$metadata' in error) {
      throw new AwsAccessError(
        `An error occurred (${error.name}) when calling the ${operation} operation: ${error.message}`,
        { cause: error },
      );
    }
    throw error;
  }
}
