import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  ScanCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { OwnershipTable, recordOf } from '../../core/dynamodb/ownership-table.js';

const db = mockClient(DynamoDBClient);
const table = () => new OwnershipTable(new DynamoDBClient({}), 'ownership');
const conditionFailed = () => new ConditionalCheckFailedException({ message: 'from the test', $metadata: {} });

beforeEach(() => db.reset());

describe('OwnershipTable', () => {
  it('reads a record strongly consistent, by the name in lower case', async () => {
    // Prepare
    db.on(GetItemCommand).resolves({
      Item: {
        name: { S: 'web-role' },
        profileName: { S: 'Web-Role' },
        owned: {
          M: {
            profileId: { S: 'AIPAWEB' },
            roleId: { S: 'AROAWEB' },
            source: { S: 'created' },
            at: { S: '2026-11-28T12:00:00.000Z' },
          },
        },
        intents: { L: [] },
        version: { N: '4' },
      },
    });

    // Act
    const record = await table().read('Web-Role');

    // Assess
    expect(db.commandCalls(GetItemCommand)[0]?.args[0].input).toEqual({
      TableName: 'ownership',
      Key: { name: { S: 'web-role' } },
      ConsistentRead: true,
    });
    expect(record).toEqual({
      profileName: 'Web-Role',
      owned: {
        profileId: 'AIPAWEB',
        roleId: 'AROAWEB',
        source: 'created',
        at: '2026-11-28T12:00:00.000Z',
        eventId: undefined,
        by: undefined,
      },
      intents: [],
      version: 4,
    });
  });

  it('says absent when there is no record', async () => {
    // Prepare
    db.on(GetItemCommand).resolves({});

    // Act
    const record = await table().read('web');

    // Assess
    expect(record).toBe('absent');
  });

  it('appends an intent without a condition and without touching what the record already proves', async () => {
    // Act
    await table().recordIntent('Web', { creationId: 'run-1', roleId: 'AROAWEB', at: '2026-11-28T12:00:00.000Z' });

    // Assess
    const input = db.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(input).toMatchObject({
      TableName: 'ownership',
      Key: { name: { S: 'web' } },
      UpdateExpression:
        'SET profileName = :name, intents = list_append(if_not_exists(intents, :none), :intent), ' +
        'version = if_not_exists(version, :zero) + :one',
    });
    expect(input?.ConditionExpression).toBeUndefined();
    expect(input?.UpdateExpression).not.toContain('owned');
    expect(input?.ExpressionAttributeValues?.[':intent']).toEqual({
      L: [{ M: { creationId: { S: 'run-1' }, roleId: { S: 'AROAWEB' }, at: { S: '2026-11-28T12:00:00.000Z' } } }],
    });
  });

  it.each([
    [3, 'version = :version', { ':version': { N: '3' }, ':next': { N: '4' } }],
    ['absent' as const, 'attribute_not_exists(#key)', { ':next': { N: '1' } }],
  ])('binds only the record it read (version %s)', async (version, condition, values) => {
    // Act
    const result = await table().bind(
      'web',
      { profileId: 'AIPAWEB', roleId: 'AROANEW', source: 'adopted', at: '2026-11-28T12:00:00.000Z' },
      version,
    );

    // Assess
    const input = db.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    expect(result).toBe('done');
    expect(input?.ConditionExpression).toBe(condition);
    expect(input?.ExpressionAttributeValues).toMatchObject(values);
    expect(input?.ExpressionAttributeValues?.[':owned']).toEqual({
      M: {
        profileId: { S: 'AIPAWEB' },
        roleId: { S: 'AROANEW' },
        source: { S: 'adopted' },
        at: { S: '2026-11-28T12:00:00.000Z' },
      },
    });
  });

  it('answers record-changed when another write came first', async () => {
    // Prepare
    db.on(UpdateItemCommand).rejects(conditionFailed());
    db.on(DeleteItemCommand).rejects(conditionFailed());
    const owned = { profileId: 'AIPAWEB', roleId: 'AROANEW', source: 'adopted' as const, at: 'x' };

    // Act
    const bound = await table().bind('web', owned, 3);
    const removed = await table().remove('web', 3);

    // Assess
    expect([bound, removed]).toEqual(['record-changed', 'record-changed']);
  });

  it('reads every record a page at a time', async () => {
    // Prepare
    db.on(ScanCommand)
      .resolvesOnce({ Items: [{ name: { S: 'a' }, version: { N: '1' } }], LastEvaluatedKey: { name: { S: 'a' } } })
      .resolvesOnce({ Items: [{ name: { S: 'b' }, profileName: { S: 'B' }, version: { N: '2' } }] });

    // Act
    const pages = [];
    for await (const page of table().pages()) pages.push(page.map((record) => record.profileName));

    // Assess
    expect(pages).toEqual([['a'], ['B']]);
    expect(db.commandCalls(ScanCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ name: { S: 'a' } });
  });
});

describe('recordOf', () => {
  it('leaves out what is malformed: a record proves nothing by half a field', () => {
    // Act
    const record = recordOf(
      {
        name: { S: 'web' },
        owned: { M: { profileId: { S: 'AIPAWEB' }, source: { S: 'created' } } },
        intents: { L: [{ M: { creationId: { S: 'run-1' } } }, { S: 'not a map' }] },
        version: { N: '-1' },
      },
      'web',
    );

    // Assess
    expect(record).toEqual({ profileName: 'web', owned: undefined, intents: [], version: 0 });
  });
});
