/**
 * The one builder of CloudTrail records of IAM calls, and of the EventBridge events that carry them, for
 * the sandbox's stand-in for CloudTrail (cloudtrail.ts), the tests and the bench. Its presets are the
 * fixtures of test/fixtures/cloudtrail/ (a unit test holds each equal to its file), so that nothing here
 * reads a file and emulator/ depends on nothing under test/.
 */
import { randomUUID } from 'node:crypto';
import { CLOUDTRAIL_DETAIL_TYPE, IAM_CLOUDTRAIL_SOURCE, IAM_EVENT_SOURCE } from '../core/events.js';
import { IAM_EVENT_REGION } from '../core/pipeline-settings.js';
import { EC2_TRUST_POLICY } from '../core/trust-policy.js';
import { EmulatorError } from './errors.js';

/** moto's default account. */
export const MOTO_ACCOUNT_ID = '123456789012';

/** The eventVersion our records carry. */
export const EVENT_VERSION = '1.09';

/** A CloudTrail record of an IAM API call, as EventBridge's `detail`. */
export interface CloudTrailRecord {
  readonly eventVersion: string;
  readonly userIdentity: Readonly<Record<string, unknown>>;
  readonly eventTime: string;
  readonly eventSource: typeof IAM_CLOUDTRAIL_SOURCE;
  readonly eventName: string;
  readonly awsRegion: string;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  readonly responseElements: Readonly<Record<string, unknown>> | null;
  readonly requestID: string;
  readonly eventID: string;
  readonly readOnly: boolean;
  readonly eventType: 'AwsApiCall';
  readonly managementEvent: true;
  readonly recipientAccountId: string;
  readonly eventCategory: 'Management';
  readonly tlsDetails?: Readonly<Record<string, string>>;
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** What differs from one IAM call's record to another's. */
export interface RecordFields {
  readonly eventName: string;
  readonly eventId: string;
  readonly requestId: string;
  readonly time: Date;
  readonly userIdentity: Readonly<Record<string, unknown>>;
  readonly sourceIPAddress: string;
  readonly userAgent: string;
  readonly requestParameters: Readonly<Record<string, unknown>> | null;
  /** @default null */
  readonly responseElements?: Readonly<Record<string, unknown>> | null;
  /** @default false */
  readonly readOnly?: boolean;
  /** @default MOTO_ACCOUNT_ID */
  readonly accountId?: string;
  /** The failed call's `errorCode` and `errorMessage`. @default none: the call succeeded */
  readonly error?: { readonly code: string; readonly message: string };
  /** @default none */
  readonly tlsDetails?: Readonly<Record<string, string>>;
}

/** The CloudTrail record of one IAM call, in the `aws` partition, as CloudTrail writes it today. */
export function iamCallRecord(fields: RecordFields): CloudTrailRecord {
  const accountId = fields.accountId ?? MOTO_ACCOUNT_ID;
  return {
    eventVersion: EVENT_VERSION,
    userIdentity: fields.userIdentity,
    eventTime: cloudTrailTime(fields.time),
    eventSource: IAM_CLOUDTRAIL_SOURCE,
    eventName: fields.eventName,
    // IAM is global: CloudTrail records its calls in the partition's IAM region.
    awsRegion: IAM_EVENT_REGION.aws ?? 'us-east-1',
    sourceIPAddress: fields.sourceIPAddress,
    userAgent: fields.userAgent,
    requestParameters: fields.requestParameters,
    responseElements: fields.responseElements ?? null,
    requestID: fields.requestId,
    eventID: fields.eventId,
    readOnly: fields.readOnly ?? false,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: accountId,
    eventCategory: 'Management',
    ...(fields.tlsDetails === undefined ? {} : { tlsDetails: fields.tlsDetails }),
    ...(fields.error === undefined ? {} : { errorCode: fields.error.code, errorMessage: fields.error.message }),
  };
}

/** An EventBridge event as the default bus delivers a CloudTrail record of an IAM call. */
export type CloudTrailEvent = {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': typeof CLOUDTRAIL_DETAIL_TYPE;
  readonly source: typeof IAM_EVENT_SOURCE;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: CloudTrailRecord;
};

/** The EventBridge event that carries a record; `id` is EventBridge's, one per event. */
export function eventBridgeEvent(record: CloudTrailRecord, id: string = randomUUID()): CloudTrailEvent {
  return {
    version: '0',
    id,
    'detail-type': CLOUDTRAIL_DETAIL_TYPE,
    source: IAM_EVENT_SOURCE,
    account: record.recipientAccountId,
    time: record.eventTime,
    region: record.awsRegion,
    resources: [],
    detail: record,
  };
}

/** CloudTrail's time format: UTC, whole seconds. */
export function cloudTrailTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The presets, by the name of the fixture each one is (test/fixtures/cloudtrail/NAME.json). */
export type CloudTrailFixture =
  | 'create-role'
  | 'create-role-by-cloudformation'
  | 'update-assume-role-policy'
  | 'delete-role'
  | 'delete-role-conflict';

/** The preset names, in a fixed order. */
export const CLOUDTRAIL_FIXTURES: readonly CloudTrailFixture[] = [
  'create-role',
  'create-role-by-cloudformation',
  'update-assume-role-policy',
  'delete-role',
  'delete-role-conflict',
];

/** What a caller changes in a preset. */
export interface EventOptions {
  /** How long before `now` the call was made. @default 0 */
  readonly ageSeconds?: number;
  /** @default the current time */
  readonly now?: Date;
  /** CloudTrail's `userIdentity`, in place of the preset's. @default the preset's */
  readonly userIdentity?: Record<string, unknown>;
  /** Fields merged into `requestParameters`, e.g. UpdateAssumeRolePolicy's `policyDocument`. */
  readonly requestParameters?: Record<string, unknown>;
  /** The ids, fixed rather than new: EventBridge's `id`, CloudTrail's `eventID` and `requestID`. */
  readonly ids?: { readonly id?: string; readonly eventId?: string; readonly requestId?: string };
}

/** The EC2 trust policy as a caller sends it (`requestParameters`), and as IAM answers it (URL-encoded). */
const EC2_TRUST_JSON = JSON.stringify({
  Version: EC2_TRUST_POLICY.Version,
  Statement: EC2_TRUST_POLICY.Statement.map((statement) => ({ Sid: '', ...statement })),
});

const PLATFORM_ADMIN = {
  type: 'IAMUser',
  principalId: 'AIDAEXAMPLEUSERID01',
  arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:user/platform-admin`,
  accountId: MOTO_ACCOUNT_ID,
  accessKeyId: 'AKIAEXAMPLEKEY01',
  userName: 'platform-admin',
};
const AWS_CLI = {
  sourceIPAddress: '203.0.113.10',
  userAgent:
    'aws-cli/2.15.30 md/awscrt#0.19.19 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.11.8 command/iam.create-role',
};
const CLOUDFORMATION = {
  userIdentity: {
    type: 'AssumedRole',
    principalId: 'AROAEXAMPLEID:AWSCloudFormation',
    arn: `arn:aws:sts::${MOTO_ACCOUNT_ID}:assumed-role/cfn-exec/AWSCloudFormation`,
    accountId: MOTO_ACCOUNT_ID,
    invokedBy: 'cloudformation.amazonaws.com',
  },
  sourceIPAddress: 'cloudformation.amazonaws.com',
  userAgent: 'cloudformation.amazonaws.com',
};
const TLS = {
  tlsVersion: 'TLSv1.3',
  cipherSuite: 'TLS_AES_128_GCM_SHA256',
  clientProvidedHostHeader: 'iam.amazonaws.com',
};
const CONFLICT = {
  code: 'DeleteConflictException',
  message: 'Cannot delete entity, must remove roles from instance profile first.',
};

/** What a preset sets of a record. */
type Call = Pick<
  RecordFields,
  'eventName' | 'userIdentity' | 'sourceIPAddress' | 'userAgent' | 'responseElements' | 'error'
> & {
  readonly requestParameters: Readonly<Record<string, unknown>>;
};

/** What each preset records, for a role name and the call's time. */
function preset(fixture: CloudTrailFixture, roleName: string, time: Date): Call {
  const createRole = {
    eventName: 'CreateRole',
    requestParameters: { roleName, assumeRolePolicyDocument: EC2_TRUST_JSON },
    responseElements: { role: createdRole(roleName, time) },
  };
  switch (fixture) {
    case 'create-role':
      return { ...createRole, userIdentity: PLATFORM_ADMIN, ...AWS_CLI };
    case 'create-role-by-cloudformation':
      return { ...createRole, ...CLOUDFORMATION };
    case 'update-assume-role-policy':
      return {
        eventName: 'UpdateAssumeRolePolicy',
        requestParameters: { roleName, policyDocument: EC2_TRUST_JSON },
        userIdentity: PLATFORM_ADMIN,
        ...AWS_CLI,
      };
    case 'delete-role':
      return { eventName: 'DeleteRole', requestParameters: { roleName }, userIdentity: PLATFORM_ADMIN, ...AWS_CLI };
    case 'delete-role-conflict':
      return { ...preset('delete-role', roleName, time), error: CONFLICT };
  }
}

/** CreateRole's `responseElements.role`: the trust policy URL-encoded, `createDate` in CloudTrail's US form. */
function createdRole(roleName: string, time: Date): Record<string, unknown> {
  return {
    path: '/',
    roleName,
    roleId: `AROA${randomUUID().replace(/-/g, '').slice(0, 17).toUpperCase()}`,
    arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${roleName}`,
    createDate: responseDate(time),
    assumeRolePolicyDocument: encodeURIComponent(EC2_TRUST_JSON),
  };
}

/** How CloudTrail writes IAM's dates in `responseElements`: US English, UTC, `Nov 28, 2026 6:25:58 PM`. */
export function responseDate(time: Date): string {
  return time
    .toLocaleString('en-US', {
      timeZone: 'UTC',
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      second: '2-digit',
      hour12: true,
    })
    .replace(/(\d{4}),/, '$1')
    .replace(/\s/g, ' ');
}

/**
 * The event of a preset (a fixture) about `roleName`, made `ageSeconds` ago, with new ids unless fixed,
 * and the caller and request parameters the caller needs.
 */
export function cloudTrailEvent(
  fixture: CloudTrailFixture,
  roleName: string,
  options: EventOptions = {},
): CloudTrailEvent {
  const now = options.now ?? new Date();
  // Whole seconds, as CloudTrail records them, so that the envelope and the record agree.
  const time = new Date(Math.floor((now.getTime() - (options.ageSeconds ?? 0) * 1000) / 1000) * 1000);
  const call = preset(fixture, roleName, time);
  const record = iamCallRecord({
    ...call,
    time,
    eventId: options.ids?.eventId ?? randomUUID(),
    requestId: options.ids?.requestId ?? randomUUID(),
    userIdentity: options.userIdentity ?? call.userIdentity,
    requestParameters: { ...call.requestParameters, ...options.requestParameters, roleName },
    tlsDetails: TLS,
  });
  return eventBridgeEvent(record, options.ids?.id);
}

/** CloudTrail's `userIdentity` for a session of an assumed role, e.g. a Lambda function's or a CI pipeline's. */
export function assumedRoleIdentity(roleArn: string, sessionName: string): Record<string, unknown> {
  const match = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (match === null) throw new EmulatorError(`not a role ARN: ${roleArn}`);
  const [, partition, account, roleName] = match;
  return {
    type: 'AssumedRole',
    principalId: `AROAEXAMPLEROLEID:${sessionName}`,
    arn: `arn:${partition}:sts::${account}:assumed-role/${roleName}/${sessionName}`,
    accountId: account,
    accessKeyId: 'ASIAEXAMPLEKEY01',
    sessionContext: {
      sessionIssuer: {
        type: 'Role',
        principalId: 'AROAEXAMPLEROLEID',
        arn: roleArn,
        accountId: account,
        userName: roleName,
      },
      attributes: { creationDate: new Date().toISOString(), mfaAuthenticated: 'false' },
    },
  };
}
