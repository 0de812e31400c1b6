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
import { OwnershipTable, recordOf, UPKEEP_STATE_KEY } from '../../core/dynamodb/ownership-table.js';

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
      .resolvesOnce({
        Items: [
          { name: { S: 'b' }, profileName: { S: 'B' }, version: { N: '2' } },
          { name: { S: UPKEEP_STATE_KEY }, readUntil: { S: '2026-11-28T12:00:00.000Z' }, version: { N: '5' } },
        ],
      });

    // Act
    const pages = [];
    for await (const page of table().pages()) pages.push(page.map((record) => record.profileName));

    // Assess: the meta item is no record
    expect(pages).toEqual([['a'], ['B']]);
    expect(db.commandCalls(ScanCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({ name: { S: 'a' } });
  });

  it('settles a record, conditional on its version: the owned profile and the intents kept, or owned removed', async () => {
    // Prepare
    db.on(UpdateItemCommand).resolves({});
    const owned = { profileId: 'AIPAWEB', roleId: 'AROAWEB', source: 'created' as const, at: 'now', eventId: 'e1' };
    const intent = { creationId: 'run-2', roleId: 'AROAWEB', at: 'then' };

    // Act
    await table().settle('Web', owned, [intent], 4);
    await table().settle('Web', undefined, [], 5);

    // Assess
    const [confirm, forget] = db.commandCalls(UpdateItemCommand).map((call) => call.args[0].input);
    expect(confirm).toEqual({
      TableName: 'ownership',
      Key: { name: { S: 'web' } },
      UpdateExpression: 'SET profileName = :name, intents = :intents, version = :next, owned = :owned',
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: {
        ':name': { S: 'Web' },
        ':intents': { L: [{ M: { creationId: { S: 'run-2' }, roleId: { S: 'AROAWEB' }, at: { S: 'then' } } }] },
        ':next': { N: '5' },
        ':version': { N: '4' },
        ':owned': {
          M: {
            profileId: { S: 'AIPAWEB' },
            roleId: { S: 'AROAWEB' },
            source: { S: 'created' },
            at: { S: 'now' },
            eventId: { S: 'e1' },
          },
        },
      },
    });
    expect(forget?.UpdateExpression).toBe('SET profileName = :name, intents = :intents, version = :next REMOVE owned');
  });

  it('keeps the upkeep’s state in the meta item, written conditional on its version, read back as written', async () => {
    // Prepare
    db.on(UpdateItemCommand).resolves({});
    const state = {
      history: {
        readUntil: new Date('2026-11-28T11:00:00Z'),
        gap: { from: new Date('2026-09-01T00:00:00Z'), to: new Date('2026-10-01T00:00:00Z') },
      },
      surveyedAt: new Date('2026-11-28T12:00:00Z'),
      unrecorded: [{ name: 'legacy', id: 'AIPALEGACY' }],
      unrecordedBeyond: 0,
    };

    // Act
    await table().writeUpkeepState(state, 'absent');
    const input = db.commandCalls(UpdateItemCommand)[0]?.args[0].input;
    db.on(GetItemCommand).resolves({
      Item: {
        name: { S: UPKEEP_STATE_KEY },
        version: { N: '1' },
        ...Object.fromEntries(
          Object.entries(input?.ExpressionAttributeValues ?? {})
            .filter(([key]) => [':readUntil', ':gap', ':surveyedAt', ':unrecorded', ':beyond'].includes(key))
            .map(([key, value]) => [
              {
                ':readUntil': 'readUntil',
                ':gap': 'gap',
                ':surveyedAt': 'surveyedAt',
                ':unrecorded': 'unrecorded',
                ':beyond': 'unrecordedBeyond',
              }[key] ?? key,
              value,
            ]),
        ),
      },
    });
    const read = await table().readUpkeepState();

    // Assess
    expect(input).toMatchObject({
      Key: { name: { S: '#learned' } },
      ConditionExpression: 'attribute_not_exists(#key)',
    });
    expect(read).toEqual({ state, version: 1 });
  });

  it('reads an empty state before the first pass', async () => {
    // Prepare
    db.on(GetItemCommand).resolves({});

    // Act
    const read = await table().readUpkeepState();

    // Assess
    expect(read).toEqual({ state: { history: {}, unrecorded: [], unrecordedBeyond: 0 }, version: 'absent' });
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
