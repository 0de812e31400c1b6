/**
 * The ownership table: the service's own record of the instance profiles it made or adopted (core/ownership.ts
 * says what a record proves). One item per profile name, keyed by the name in lower case. Only the service's
 * roles may write it (the table's resource policy, infra/ownership-table.ts); anyone the account allows may read it.
 *
 * Costs: a new EC2 role's create writes one intent (UpdateItem); a release, clean-up or adopt reads one item
 * (GetItem, strongly consistent, as it must see the intent a create wrote moments before); an adopt also
 * re-binds the record (UpdateItem, conditional on the item it read).
 */
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { IamPermission } from '../iam/permissions.js';
import { iamNameKey } from '../names.js';
import type { CreationIntent, Owned, OwnershipRecord, OwnershipSource } from '../ownership.js';
import type { HistoryProgress, UnrecordedProfile } from '../record-upkeep.js';

/** The part of a DynamoDB client this module calls. */
export type DynamoSender = Pick<DynamoDBClient, 'send'>;

/** The table's partition key: the profile name in lower case. */
export const OWNERSHIP_KEY = 'name';

/** What the remediator calls: read a record, write an intent, re-bind on adopt. */
export const OWNERSHIP_REMEDIATOR_PERMISSIONS: readonly IamPermission[] = [
  { action: 'dynamodb:GetItem', resource: 'ownership-table' },
  { action: 'dynamodb:UpdateItem', resource: 'ownership-table' },
];

/**
 * What the reconcile pass calls: read a candidate's record (adopt or conflict), read every record, confirm or record
 * from CloudTrail, drop records of gone profiles.
 */
export const OWNERSHIP_RECONCILE_PERMISSIONS: readonly IamPermission[] = [
  { action: 'dynamodb:GetItem', resource: 'ownership-table' },
  { action: 'dynamodb:Scan', resource: 'ownership-table' },
  { action: 'dynamodb:UpdateItem', resource: 'ownership-table' },
  { action: 'dynamodb:DeleteItem', resource: 'ownership-table' },
];

/** What a person's confirmation (`auto-instance-profile confirm`, through the operator role) calls. */
export const OWNERSHIP_CONFIRM_PERMISSIONS: readonly IamPermission[] = [
  { action: 'dynamodb:GetItem', resource: 'ownership-table' },
  { action: 'dynamodb:UpdateItem', resource: 'ownership-table' },
];

/** What reading every record calls (`scan`, `doctor`, on a person's credentials). */
export const OWNERSHIP_SCAN_PERMISSIONS: readonly IamPermission[] = [
  { action: 'dynamodb:Scan', resource: 'ownership-table' },
];

/** The write actions the table's resource policy keeps to the service's roles. */
export const OWNERSHIP_WRITE_ACTIONS: readonly string[] = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:ImportTable',
];

/**
 * The table's resource policy: a Deny of every write action ({@link OWNERSHIP_WRITE_ACTIONS}) to every principal
 * but `writerArns` (the service's roles, by `aws:PrincipalArn`), whatever their own policies allow. The stack
 * (infra/ownership-table.ts) and the sandbox both use it. `Resource` is `*`: a table's policy applies to that
 * table, and naming its own ARN in it would refer to the table from itself.
 */
export function ownershipTablePolicy(writerArns: readonly string[]): {
  readonly Version: '2012-10-17';
  readonly Statement: readonly Record<string, unknown>[];
} {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyTheServiceWrites',
        Effect: 'Deny',
        Principal: '*',
        Action: [...OWNERSHIP_WRITE_ACTIONS],
        Resource: '*',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': [...writerArns] } },
      },
    ],
  };
}

/** How a conditional write went: done, or the record changed since it was read (re-read and decide again). */
export type RecordWriteResult = 'done' | 'record-changed';

/** What a remediation reads and writes of the record; {@link OwnershipTable} is it, on DynamoDB. */
export interface OwnershipStore {
  read(profileName: string): Promise<OwnershipRecord | 'absent'>;
  recordIntent(profileName: string, intent: CreationIntent): Promise<void>;
  bind(profileName: string, owned: Owned, version: number | 'absent'): Promise<RecordWriteResult>;
}

/** The ownership table, by name, through a DynamoDB client. */
export class OwnershipTable implements OwnershipStore {
  constructor(
    private readonly db: DynamoSender,
    /** The table's name (`OWNERSHIP_TABLE`). */
    readonly tableName: string,
  ) {}

  /** The record for a profile name, strongly consistent, or `'absent'`. */
  async read(profileName: string): Promise<OwnershipRecord | 'absent'> {
    const { Item } = await this.db.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(profileName), ConsistentRead: true }),
    );
    return Item === undefined ? 'absent' : recordOf(Item, profileName);
  }

  /**
   * Appends a create's intent, before CreateInstanceProfile. Never conditional, never overwriting: what the
   * record already proves (an earlier profile of the name, other intents) stays, so a create that meets an
   * existing profile of ours cannot cost it its proof.
   */
  async recordIntent(profileName: string, intent: CreationIntent): Promise<void> {
    await this.db.send(
      new UpdateItemCommand({
        TableName: this.tableName,
        Key: keyOf(profileName),
        UpdateExpression:
          'SET profileName = :name, intents = list_append(if_not_exists(intents, :none), :intent), ' +
          'version = if_not_exists(version, :zero) + :one',
        ExpressionAttributeValues: {
          ':name': { S: profileName },
          ':none': { L: [] },
          ':intent': { L: [{ M: intentItem(intent) }] },
          ':zero': { N: '0' },
          ':one': { N: '1' },
        },
      }),
    );
  }

  /**
   * Records `owned` as what the record proves, dropping the intents it settles, if the record is still at
   * `version` (`'absent'`: there is none yet). `'record-changed'` when another write came first.
   */
  async bind(profileName: string, owned: Owned, version: number | 'absent'): Promise<RecordWriteResult> {
    return this.conditional(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(profileName),
          UpdateExpression: 'SET profileName = :name, owned = :owned, intents = :none, version = :next',
          ConditionExpression: version === 'absent' ? 'attribute_not_exists(#key)' : 'version = :version',
          ExpressionAttributeNames: version === 'absent' ? { '#key': OWNERSHIP_KEY } : undefined,
          ExpressionAttributeValues: {
            ':name': { S: profileName },
            ':owned': { M: ownedItem(owned) },
            ':none': { L: [] },
            ':next': { N: String(version === 'absent' ? 1 : version + 1) },
            ...(version === 'absent' ? {} : { ':version': { N: String(version) } }),
          },
        }),
      ),
    );
  }

  /**
   * Rewrites what a record proves, if it is still at `version`: `owned` (none: the profile it named is gone) and the
   * intents still pending. The reconcile pass's confirm of an intent and its pruning of intents past their run.
   */
  async settle(
    profileName: string,
    owned: Owned | undefined,
    intents: readonly CreationIntent[],
    version: number,
  ): Promise<RecordWriteResult> {
    return this.conditional(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: keyOf(profileName),
          UpdateExpression: `SET profileName = :name, intents = :intents, version = :next${owned === undefined ? '' : ', owned = :owned'}${owned === undefined ? ' REMOVE owned' : ''}`,
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: {
            ':name': { S: profileName },
            ':intents': { L: intents.map((intent) => ({ M: intentItem(intent) })) },
            ':next': { N: String(version + 1) },
            ':version': { N: String(version) },
            ...(owned === undefined ? {} : { ':owned': { M: ownedItem(owned) } }),
          },
        }),
      ),
    );
  }

  /** Drops a record that proves nothing any more (its profile is gone), if it is still at `version`. */
  async remove(profileName: string, version: number): Promise<RecordWriteResult> {
    return this.conditional(() =>
      this.db.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: keyOf(profileName),
          ConditionExpression: 'version = :version',
          ExpressionAttributeValues: { ':version': { N: String(version) } },
        }),
      ),
    );
  }

  /** Every record, a page (one Scan call) at a time. */
  async *pages(): AsyncGenerator<readonly OwnershipRecord[]> {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      yield (page.Items ?? [])
        .filter((item) => !isMetaKey(item[OWNERSHIP_KEY]?.S ?? ''))
        .map((item) => recordOf(item, item.profileName?.S ?? item[OWNERSHIP_KEY]?.S ?? ''));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }

  /** The reconcile pass's state ({@link UPKEEP_STATE_KEY}), strongly consistent; empty before the first pass. */
  async readUpkeepState(): Promise<StoredUpkeepState> {
    const { Item } = await this.db.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: { [OWNERSHIP_KEY]: { S: UPKEEP_STATE_KEY } },
        ConsistentRead: true,
      }),
    );
    if (Item === undefined) return { state: { history: {}, unrecorded: [], unrecordedBeyond: 0 }, version: 'absent' };
    const version = Number(Item.version?.N ?? '0');
    const gap = mapOf(Item.gap);
    const gapFrom = dateOf(gap?.from?.S);
    const gapTo = dateOf(gap?.to?.S);
    return {
      state: {
        history: {
          readUntil: dateOf(Item.readUntil?.S),
          gap: gapFrom !== undefined && gapTo !== undefined ? { from: gapFrom, to: gapTo } : undefined,
        },
        surveyedAt: dateOf(Item.surveyedAt?.S),
        unrecorded: (Item.unrecorded?.L ?? []).flatMap((value) => {
          const entry = mapOf(value);
          const name = entry?.name?.S;
          const id = entry?.id?.S;
          return name === undefined || id === undefined ? [] : [{ name, id }];
        }),
        unrecordedBeyond: Number(Item.unrecordedBeyond?.N ?? '0') || 0,
      },
      version: Number.isInteger(version) && version >= 0 ? version : 0,
    };
  }

  /** Writes the reconcile pass's state, if the meta item is still at `version` (another pass may have run). */
  async writeUpkeepState(state: UpkeepState, version: number | 'absent'): Promise<RecordWriteResult> {
    const { history } = state;
    const unrecorded = state.unrecorded.slice(0, UNRECORDED_KEPT);
    return this.conditional(() =>
      this.db.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [OWNERSHIP_KEY]: { S: UPKEEP_STATE_KEY } },
          UpdateExpression:
            'SET unrecorded = :unrecorded, unrecordedBeyond = :beyond, version = :next' +
            (history.readUntil === undefined ? '' : ', readUntil = :readUntil') +
            (state.surveyedAt === undefined ? '' : ', surveyedAt = :surveyedAt') +
            (history.gap === undefined ? ' REMOVE gap' : ', gap = :gap'),
          ConditionExpression: version === 'absent' ? 'attribute_not_exists(#key)' : 'version = :version',
          ExpressionAttributeNames: version === 'absent' ? { '#key': OWNERSHIP_KEY } : undefined,
          ExpressionAttributeValues: {
            ':unrecorded': { L: unrecorded.map(({ name, id }) => ({ M: { name: { S: name }, id: { S: id } } })) },
            ':beyond': { N: String(state.unrecordedBeyond + state.unrecorded.length - unrecorded.length) },
            ':next': { N: String(version === 'absent' ? 1 : version + 1) },
            ...(version === 'absent' ? {} : { ':version': { N: String(version) } }),
            ...(history.readUntil === undefined ? {} : { ':readUntil': { S: history.readUntil.toISOString() } }),
            ...(state.surveyedAt === undefined ? {} : { ':surveyedAt': { S: state.surveyedAt.toISOString() } }),
            ...(history.gap === undefined
              ? {}
              : {
                  ':gap': {
                    M: { from: { S: history.gap.from.toISOString() }, to: { S: history.gap.to.toISOString() } },
                  },
                }),
          },
        }),
      ),
    );
  }

  private async conditional(send: () => Promise<unknown>): Promise<RecordWriteResult> {
    try {
      await send();
      return 'done';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return 'record-changed';
      throw error;
    }
  }
}

/**
 * The key of the table's one meta item, where the reconcile pass keeps what it learnt between passes
 * ({@link UpkeepState}): `#` is not among IAM's name characters (`[\w+=,.@-]`), so no profile name has this key.
 */
export const UPKEEP_STATE_KEY = '#learned';

/** Whether a key is a meta item's rather than a profile name's. */
export function isMetaKey(key: string): boolean {
  return key.startsWith('#');
}

/** The most unrecorded profiles the meta item lists by name (an item holds 400 KB); beyond, it counts them. */
export const UNRECORDED_KEPT = 1000;

/** What the reconcile pass keeps between passes (core/record-upkeep.ts). */
export interface UpkeepState {
  /** How far CloudTrail's event history has been read for the service's own creates. */
  readonly history: HistoryProgress;
  /** When the pass read the tags of every profile no record proved (once, after an install or upgrade). */
  readonly surveyedAt?: Date | undefined;
  /** The profiles tagged as ours that no record proves, as the last pass found them (at most {@link UNRECORDED_KEPT}). */
  readonly unrecorded: readonly UnrecordedProfile[];
  /** How many more such profiles there were than `unrecorded` lists. */
  readonly unrecordedBeyond: number;
}

/** The meta item as read: the state and the version a write is conditional on (`'absent'`: never written). */
export interface StoredUpkeepState {
  readonly state: UpkeepState;
  readonly version: number | 'absent';
}

/** The key of a profile name's item: IAM names are unique case-insensitively, so `App` and `app` share one. */
export function ownershipKey(profileName: string): string {
  return iamNameKey(profileName);
}

function keyOf(profileName: string): Record<string, AttributeValue> {
  return { [OWNERSHIP_KEY]: { S: ownershipKey(profileName) } };
}

function intentItem(intent: CreationIntent): Record<string, AttributeValue> {
  return strings({ creationId: intent.creationId, roleId: intent.roleId, at: intent.at, eventId: intent.eventId });
}

function ownedItem(owned: Owned): Record<string, AttributeValue> {
  return strings({
    profileId: owned.profileId,
    roleId: owned.roleId,
    source: owned.source,
    at: owned.at,
    eventId: owned.eventId,
    by: owned.by,
  });
}

function strings(fields: Record<string, string | undefined>): Record<string, AttributeValue> {
  const item: Record<string, AttributeValue> = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) item[key] = { S: value };
  return item;
}

const SOURCES: readonly OwnershipSource[] = ['created', 'adopted', 'cloudtrail', 'operator'];

/**
 * A record from its item. Anything malformed (only the service writes the table, but a person with more rights
 * than the policy's may still) proves nothing: an `owned` or an intent missing a field is left out.
 */
export function recordOf(item: Record<string, AttributeValue>, profileName: string): OwnershipRecord {
  const owned = mapOf(item.owned);
  const source = SOURCES.find((value) => value === owned?.source?.S);
  const version = Number(item.version?.N ?? '0');
  return {
    profileName: item.profileName?.S ?? profileName,
    owned:
      owned?.profileId?.S !== undefined && owned.roleId?.S !== undefined && owned.at?.S !== undefined && source
        ? {
            profileId: owned.profileId.S,
            roleId: owned.roleId.S,
            source,
            at: owned.at.S,
            eventId: owned.eventId?.S,
            by: owned.by?.S,
          }
        : undefined,
    intents: (item.intents?.L ?? []).flatMap((value) => {
      const intent = mapOf(value);
      const { creationId, roleId, at } = {
        creationId: intent?.creationId?.S,
        roleId: intent?.roleId?.S,
        at: intent?.at?.S,
      };
      return creationId === undefined || roleId === undefined || at === undefined
        ? []
        : [{ creationId, roleId, at, eventId: intent?.eventId?.S }];
    }),
    version: Number.isInteger(version) && version >= 0 ? version : 0,
  };
}

function dateOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function mapOf(value: AttributeValue | undefined): Record<string, AttributeValue> | undefined {
  return value !== undefined && 'M' in value && value.M !== undefined ? value.M : undefined;
}
