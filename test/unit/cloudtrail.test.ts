/** The CloudTrail stand-in's pure parts: reading the call, its requestParameters, the record and its error code. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromEventBridge } from '../../core/events.js';
import { serviceCreateOf } from '../../core/service-creates.js';
import {
  cloudTrailErrorCode,
  EMULATOR_IDENTITIES,
  HIDDEN,
  isWriteAction,
  requestParametersOf,
  SERVICE_ROLE_ACCESS_KEY,
  SERVICE_ROLE_ARN,
  toCloudTrailRecord,
  toPutEventsEntry,
} from '../../emulator/cloudtrail.js';
import { readCall } from '../../emulator/proxy.js';

const fixture = JSON.parse(readFileSync('test/fixtures/cloudtrail/create-role.json', 'utf8')) as {
  detail: Record<string, unknown>;
};
const TRUST = fixture.detail.requestParameters as { assumeRolePolicyDocument: string };
const SIGV4 =
  'AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20261128/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc';
const FORM = { authorization: SIGV4, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };

function createRoleCall() {
  const body = new URLSearchParams({
    Action: 'CreateRole',
    Version: '2010-05-08',
    RoleName: 'CLI-EC2-role',
    AssumeRolePolicyDocument: TRUST.assumeRolePolicyDocument,
  }).toString();
  const call = readCall('/', FORM, Buffer.from(body));
  if (call === undefined) throw new Error('not read');
  return call;
}

describe('readCall', () => {
  it('reads service, action, parameters and access key of a signed query call', () => {
    // Prepare: a SigV4-signed form POST. Act
    const call = createRoleCall();

    // Assess
    expect(call).toMatchObject({ service: 'iam', action: 'CreateRole', accessKeyId: 'AKIAEXAMPLE' });
    expect(call.params).toContainEqual(['RoleName', 'CLI-EC2-role']);
  });

  it('reads other services, JSON-protocol targets, and unsigned IAM calls by API version', () => {
    // Prepare: requests of each kind. Act
    const sqs = readCall(
      '/',
      { ...FORM, authorization: SIGV4.replace('/iam/', '/sqs/') },
      Buffer.from('Action=CreateQueue&QueueName=q'),
    );
    const json = readCall(
      '/',
      {
        authorization: SIGV4.replace('/iam/', '/events/'),
        'x-amz-target': 'AWSEvents.PutEvents',
        'content-type': 'application/x-amz-json-1.1',
      },
      Buffer.from('{}'),
    );
    const unsigned = readCall('/?Action=DeleteRole&Version=2010-05-08&RoleName=x', {}, Buffer.alloc(0));
    const none = readCall('/', {}, Buffer.alloc(0));

    // Assess
    expect(sqs).toMatchObject({ service: 'sqs', action: 'CreateQueue' });
    expect(json).toMatchObject({ service: 'events', action: 'PutEvents', params: [] });
    expect(unsigned).toMatchObject({
      service: 'iam',
      action: 'DeleteRole',
      params: expect.arrayContaining([['RoleName', 'x']]),
    });
    expect(none).toBeUndefined();
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
  const context = { accountId: '123456789012', eventId: 'event-1' };
  const request = {
    headers: { 'user-agent': 'aws-cli/1.45.11' },
    receivedAt: new Date('2026-11-28T18:25:58.456Z'),
    remoteAddress: '127.0.0.1',
  };

  it('records a successful CreateRole like CloudTrail, which the adapter accepts', () => {
    // Prepare
    const response = {
      status: 200,
      headers: { 'x-amzn-requestid': 'req-1' },
      body: Buffer.from('<CreateRoleResponse/>'),
    };

    // Act
    const record = toCloudTrailRecord(createRoleCall(), request, response, context);
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
      responseElements: null,
      requestID: 'req-1',
      eventID: 'event-1',
      readOnly: false,
      userAgent: 'aws-cli/1.45.11',
      userIdentity: { type: 'Root', accountId: '123456789012', accessKeyId: 'AKIAEXAMPLE' },
    });
    expect(entry).toMatchObject({
      Source: 'aws.iam',
      DetailType: 'AWS API Call via CloudTrail',
      Time: new Date('2026-11-28T18:25:58Z'),
    });
    expect(adapted).toMatchObject({ kind: 'role-created', roleName: 'CLI-EC2-role', origin: { eventId: 'event-1' } });
  });

  it('records a failed call with CloudTrail error code and message, which the adapter ignores', () => {
    // Prepare
    const body =
      '<ErrorResponse><Error><Type>Sender</Type><Code>EntityAlreadyExists</Code><Message>Role with name CLI-EC2-role &apos;s taken.</Message></Error><RequestId>req-2</RequestId></ErrorResponse>';

    // Act
    const record = toCloudTrailRecord(
      createRoleCall(),
      request,
      { status: 409, headers: {}, body: Buffer.from(body) },
      context,
    );

    // Assess
    expect(record).toMatchObject({
      errorCode: 'EntityAlreadyExistsException',
      errorMessage: "Role with name CLI-EC2-role 's taken.",
      requestID: 'req-2',
    });
    expect(
      fromEventBridge({ source: 'aws.iam', 'detail-type': 'AWS API Call via CloudTrail', detail: record }),
    ).toMatchObject({ kind: 'ignored', errorCode: 'EntityAlreadyExistsException' });
  });

  it('records CreateInstanceProfile’s responseElements as CloudTrail does: the profile with its id, the proof the pass reads', () => {
    // Prepare: the call, signed as the service's role, and moto's answer
    const body = new URLSearchParams({
      Action: 'CreateInstanceProfile',
      Version: '2010-05-08',
      InstanceProfileName: 'web',
      'Tags.member.1.Key': 'auto-instance-profile:managed',
      'Tags.member.1.Value': 'true',
    }).toString();
    const call = readCall('/', FORM, Buffer.from(body));
    if (call === undefined) throw new Error('not read');
    const answer =
      '<CreateInstanceProfileResponse><CreateInstanceProfileResult><InstanceProfile><Path>/</Path>' +
      '<InstanceProfileName>web</InstanceProfileName><InstanceProfileId>AIPAWEB123</InstanceProfileId>' +
      '<Arn>arn:aws:iam::123456789012:instance-profile/web</Arn><CreateDate>2026-11-28T18:25:58.456000Z</CreateDate>' +
      '<Roles/></InstanceProfile></CreateInstanceProfileResult></CreateInstanceProfileResponse>';

    // Act
    const record = toCloudTrailRecord(call, request, { status: 200, headers: {}, body: Buffer.from(answer) }, context);
    const create = serviceCreateOf(
      JSON.stringify({ ...record, userIdentity: EMULATOR_IDENTITIES[SERVICE_ROLE_ACCESS_KEY] }),
      undefined,
    );

    // Assess
    expect(record.responseElements).toEqual({
      instanceProfile: {
        path: '/',
        instanceProfileName: 'web',
        instanceProfileId: 'AIPAWEB123',
        arn: 'arn:aws:iam::123456789012:instance-profile/web',
        createDate: 'Nov 28, 2026 6:25:58 PM',
        roles: [],
        tags: [{ key: 'auto-instance-profile:managed', value: 'true' }],
      },
    });
    expect(create).toMatchObject({ profileName: 'web', profileId: 'AIPAWEB123', issuerArn: SERVICE_ROLE_ARN });
  });

  it('survives an answer that is not XML', () => {
    // Act
    const record = toCloudTrailRecord(
      createRoleCall(),
      request,
      { status: 502, headers: {}, body: Buffer.from('moto did not answer') },
      context,
    );

    // Assess
    expect(record).toMatchObject({ errorCode: 'InternalFailure', errorMessage: 'HTTP 502', requestID: 'event-1' });
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
});
