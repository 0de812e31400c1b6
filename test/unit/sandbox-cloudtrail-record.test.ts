import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromEventBridge } from '../../core/events.js';
import {
  cloudTrailDate,
  cloudTrailErrorCode,
  HIDDEN,
  isWriteAction,
  readIamRequest,
  requestParametersOf,
  toCloudTrailRecord,
  toPutEventsEntry,
} from '../../local/cloudtrail-record.js';
import { parseXml, toValue } from '../../local/query-xml.js';

const fixture = JSON.parse(readFileSync('test/fixtures/cloudtrail/create-role.json', 'utf8')) as {
  detail: Record<string, unknown>;
};
const TRUST = fixture.detail.requestParameters as { assumeRolePolicyDocument: string };
const SIGV4 =
  'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261128/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';

const CREATE_ROLE_RESPONSE = `<CreateRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateRoleResult><Role><Path>/</Path><RoleName>CLI-EC2-role</RoleName><RoleId>AROA9D24E1C7C41548358</RoleId><Arn>arn:aws:iam::123456789012:role/CLI-EC2-role</Arn><CreateDate>2026-11-28T18:25:58.123Z</CreateDate><AssumeRolePolicyDocument>${encodeURIComponent(TRUST.assumeRolePolicyDocument)}</AssumeRolePolicyDocument><Tags><member><Key>a</Key><Value>b &amp; c</Value></member></Tags><RoleLastUsed/></Role></CreateRoleResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateRoleResponse>`;

function createRoleRequest(extra = '') {
  const body = new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: 'CLI-EC2-role',
    AssumeRolePolicyDocument: TRUST.assumeRolePolicyDocument,
  }).toString();
  return readIamRequest({
    method: 'POST',
    url: '/',
    headers: {
      authorization: SIGV4,
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      'user-agent': 'aws-cli/1.45.11',
    },
    body: body + extra,
    remoteAddress: '::ffff:127.0.0.1',
  });
}

describe('readIamRequest', () => {
  it('reads action, parameters, access key, caller address and user agent of a signed IAM call', () => {
    // Prepare: a SigV4-signed form POST. Act
    const call = createRoleRequest();

    // Assess
    expect(call).toMatchObject({
      action: 'CreateRole',
      accessKeyId: 'AKIAEXAMPLE',
      sourceIPAddress: '127.0.0.1',
      userAgent: 'aws-cli/1.45.11',
    });
    expect(call?.params).toContainEqual(['RoleName', 'CLI-EC2-role']);
  });

  it('ignores calls signed for other services, and reads unsigned calls by IAM API version', () => {
    // Prepare
    const sqs = {
      method: 'POST',
      url: '/',
      headers: { authorization: SIGV4.replace('/iam/', '/sqs/') },
      body: 'Action=CreateQueue&QueueName=q',
    };
    const unsigned = { method: 'GET', url: '/?Action=DeleteRole&Version=2010-05-08&RoleName=x', headers: {}, body: '' };

    // Act
    const results = [readIamRequest(sqs), readIamRequest(unsigned)];

    // Assess
    expect(results[0]).toBeUndefined();
    expect(results[1]).toMatchObject({ action: 'DeleteRole', params: expect.arrayContaining([['RoleName', 'x']]) });
  });
});

describe('requestParametersOf', () => {
  it('nests member lists, lowers the first letter, drops Action and Version, and hides secrets', () => {
    // Prepare
    const params: [string, string][] = [
      ['Action', 'CreateRole'],
      ['Version', '2010-05-08'],
      ['RoleName', 'r'],
      ['Tags.member.2.Key', 'k2'],
      ['Tags.member.2.Value', 'v2'],
      ['Tags.member.1.Key', 'k1'],
      ['Tags.member.1.Value', 'v1'],
      ['SAMLMetadataDocument', 'doc'],
      ['Password', 'hunter2'],
    ];

    // Act
    const result = requestParametersOf(params);

    // Assess
    expect(result).toEqual({
      roleName: 'r',
      tags: [
        { key: 'k1', value: 'v1' },
        { key: 'k2', value: 'v2' },
      ],
      sAMLMetadataDocument: 'doc',
      password: HIDDEN,
    });
  });

  it('is null for a call without parameters', () => {
    // Prepare: only the query protocol's own. Act
    const result = requestParametersOf([
      ['Action', 'CreateAccountAlias'],
      ['Version', '2010-05-08'],
    ]);

    // Assess
    expect(result).toBeNull();
  });
});

describe('toCloudTrailRecord', () => {
  const context = { accountId: '123456789012', eventId: 'event-1', time: new Date('2026-11-28T18:25:58.456Z') };

  it('records a successful CreateRole like CloudTrail, which the adapter accepts', () => {
    // Prepare
    const call = createRoleRequest();
    if (call === undefined) throw new Error('not read');

    // Act
    const record = toCloudTrailRecord(call, { status: 200, body: CREATE_ROLE_RESPONSE }, context);
    const entry = toPutEventsEntry(record);
    const adapted = fromEventBridge({
      source: entry.Source,
      'detail-type': entry.DetailType,
      detail: JSON.parse(entry.Detail ?? ''),
    });

    // Assess
    const expectedKeys = Object.keys(fixture.detail).filter((key) => key !== 'tlsDetails');
    expect(Object.keys(record).sort()).toEqual(expectedKeys.sort());
    expect(record).toMatchObject({
      eventVersion: fixture.detail.eventVersion,
      eventTime: '2026-11-28T18:25:58Z',
      eventName: 'CreateRole',
      requestParameters: fixture.detail.requestParameters,
      requestID: 'req-1',
      eventID: 'event-1',
      readOnly: false,
      userIdentity: { type: 'Root', accountId: '123456789012', accessKeyId: 'AKIAEXAMPLE' },
      responseElements: {
        role: {
          ...(fixture.detail.responseElements as { role: object }).role,
          createDate: 'Nov 28, 2026 6:25:58 PM',
          tags: [{ key: 'a', value: 'b & c' }],
        },
      },
    });
    expect(entry).toMatchObject({
      Source: 'aws.iam',
      DetailType: 'AWS API Call via CloudTrail',
      Time: new Date('2026-11-28T18:25:58Z'),
    });
    expect(adapted).toMatchObject({ kind: 'role-created', roleName: 'CLI-EC2-role', origin: { eventId: 'event-1' } });
  });

  it('records a failed call with CloudTrail error code and message, and null responseElements', () => {
    // Prepare
    const call = createRoleRequest();
    if (call === undefined) throw new Error('not read');
    const body =
      '<ErrorResponse><Error><Type>Sender</Type><Code>EntityAlreadyExists</Code><Message>Role with name CLI-EC2-role already exists.</Message></Error><RequestId>req-2</RequestId></ErrorResponse>';

    // Act
    const record = toCloudTrailRecord(call, { status: 409, body, requestId: 'header-id' }, context);

    // Assess
    expect(record).toMatchObject({
      errorCode: 'EntityAlreadyExistsException',
      errorMessage: 'Role with name CLI-EC2-role already exists.',
      responseElements: null,
      requestID: 'header-id',
    });
    expect(
      fromEventBridge({ source: 'aws.iam', 'detail-type': 'AWS API Call via CloudTrail', detail: record }),
    ).toMatchObject({
      kind: 'ignored',
      errorCode: 'EntityAlreadyExistsException',
    });
  });

  it('records null responseElements for a call whose response has no result, and survives a body that is not XML', () => {
    // Prepare
    const attach = readIamRequest({
      method: 'POST',
      url: '/',
      headers: { authorization: SIGV4 },
      body: 'Action=AttachRolePolicy&Version=2010-05-08&RoleName=r&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX',
    });
    if (attach === undefined) throw new Error('not read');

    // Act
    const ok = toCloudTrailRecord(
      attach,
      {
        status: 200,
        body: '<AttachRolePolicyResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AttachRolePolicyResponse>',
      },
      context,
    );
    const broken = toCloudTrailRecord(attach, { status: 502, body: 'moto did not answer' }, context);

    // Assess
    expect(ok).toMatchObject({
      responseElements: null,
      requestParameters: { roleName: 'r', policyArn: 'arn:aws:iam::aws:policy/X' },
    });
    expect(broken).toMatchObject({ errorCode: 'InternalFailure', errorMessage: 'HTTP 502', requestID: 'event-1' });
  });
});

describe('small translations', () => {
  it.each([
    ['CreateRole', true],
    ['DeleteRole', true],
    ['TagRole', true],
    ['GetRole', false],
    ['ListRoles', false],
    ['SimulatePrincipalPolicy', false],
    ['Getaway', true],
  ])('isWriteAction(%s) is %s', (action, write) => {
    // Prepare: the action. Act
    const result = isWriteAction(action);

    // Assess
    expect(result).toBe(write);
  });

  it('maps modelled IAM error codes to exception names and keeps common ones', () => {
    // Prepare: codes. Act
    const codes = ['NoSuchEntity', 'DeleteConflict', 'AccessDenied', 'Throttling'].map(cloudTrailErrorCode);

    // Assess
    expect(codes).toEqual(['NoSuchEntityException', 'DeleteConflictException', 'AccessDenied', 'Throttling']);
  });

  it('formats dates as CloudTrail IAM responses do, around noon and midnight', () => {
    // Prepare: ISO times. Act
    const dates = ['2026-11-28T00:05:09Z', '2026-11-28T12:00:00Z', '2026-01-02T23:59:59.999Z', 'not a date'].map(
      cloudTrailDate,
    );

    // Assess
    expect(dates).toEqual([
      'Nov 28, 2026 12:05:09 AM',
      'Nov 28, 2026 12:00:00 PM',
      'Jan 2, 2026 11:59:59 PM',
      'not a date',
    ]);
  });
});

describe('parseXml', () => {
  it('reads elements, entities, CDATA and member lists, and refuses mismatched tags', () => {
    // Prepare
    const xml =
      '<?xml version="1.0"?><R><A>x &lt;&#65;&#x42;&gt;</A><L><member>1</member><member>2</member></L><C><![CDATA[<raw>]]></C></R>';

    // Act
    const root = parseXml(xml);
    const broken = parseXml('<R><A></B></R>');

    // Assess
    expect(root === undefined ? undefined : toValue(root, (n) => n.toLowerCase())).toEqual({
      a: 'x <AB>',
      l: ['1', '2'],
      c: '<raw>',
    });
    expect(broken).toBeUndefined();
  });
});
