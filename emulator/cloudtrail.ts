/**
 * The sandbox's stand-in for CloudTrail, as a proxy hook: after each IAM write call, successful or failed,
 * it publishes the record CloudTrail would write to EventBridge's default bus, before the caller gets its
 * answer, so that whatever the caller does next comes after it. The record comes from the one builder
 * (cloudtrail-event.ts), like the fixtures'. `responseElements` is CloudTrail's for CreateInstanceProfile (the
 * profile with its id, which the reconcile pass reads as proof that the service made it) and null for every other
 * call: nothing reads them, the remediator reads the role from IAM. Also records the trail itself in moto, as
 * `doctor` looks for one.
 */
import { randomUUID } from 'node:crypto';
import { type CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CLOUDTRAIL_DETAIL_TYPE, IAM_EVENT_SOURCE } from '../core/events.js';
import { STACK_NAME } from '../core/pipeline-settings.js';
import {
  assumedRoleIdentity,
  type CloudTrailRecord,
  iamCallRecord,
  MOTO_ACCOUNT_ID,
  responseDate,
} from './cloudtrail-event.js';
import { EmulatorError } from './errors.js';
import type { AwsCall, ProxyHook, ProxyRequest, ProxyResponse } from './proxy.js';

export { type CloudTrailRecord, MOTO_ACCOUNT_ID } from './cloudtrail-event.js';

/**
 * The `userIdentity` CloudTrail records for a call made by CloudFormation on a stack's behalf (as in
 * test/fixtures/cloudtrail/create-role-by-cloudformation.json): sign a call with the access key
 * {@link CLOUDFORMATION_ACCESS_KEY} and the hook records it as CloudFormation's.
 */
export const CLOUDFORMATION_IDENTITY: Readonly<Record<string, string>> = {
  type: 'AssumedRole',
  principalId: 'AROAEXAMPLEID:AWSCloudFormation',
  arn: `arn:aws:sts::${MOTO_ACCOUNT_ID}:assumed-role/cfn-exec/AWSCloudFormation`,
  accountId: MOTO_ACCOUNT_ID,
  invokedBy: 'cloudformation.amazonaws.com',
};

/** The access key that makes the hook record a call as CloudFormation's (moto takes any key). */
export const CLOUDFORMATION_ACCESS_KEY = 'cloudformation';

/** A role of the service on its IAM path, as a deployed stack's remediator role is named. */
export const SERVICE_ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/auto-instance-profile/${STACK_NAME}-ServiceRemediatorRole-1A2B3C4D5E6F`;

/** The access key that makes the hook record a call as made by the service's role ({@link SERVICE_ROLE_ARN}). */
export const SERVICE_ROLE_ACCESS_KEY = 'service-role';

/**
 * A role of a version before the service's IAM path: on `/`, named by CloudFormation after the stack
 * (`<stack name>-<logical id>-<random>`, cut to IAM's 64 characters).
 */
export const PRE_PATH_SERVICE_ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${STACK_NAME}-ServiceFunctionServiceRole4C3F-1TCLUMCY77KXG`;

/** The access key that makes the hook record a call as made by the pre-path role ({@link PRE_PATH_SERVICE_ROLE_ARN}). */
export const PRE_PATH_SERVICE_ROLE_ACCESS_KEY = 'service-role-pre-path';

/** The `userIdentity` the hook records for each access key it knows; any other key is the account's root. */
export const EMULATOR_IDENTITIES: Readonly<Record<string, Readonly<Record<string, unknown>>>> = {
  [CLOUDFORMATION_ACCESS_KEY]: CLOUDFORMATION_IDENTITY,
  // The session name Lambda gives a function's session: the function's name.
  [SERVICE_ROLE_ACCESS_KEY]: assumedRoleIdentity(SERVICE_ROLE_ARN, `${STACK_NAME}-ServiceRemediator`),
  [PRE_PATH_SERVICE_ROLE_ACCESS_KEY]: assumedRoleIdentity(PRE_PATH_SERVICE_ROLE_ARN, `${STACK_NAME}-ServiceFunction`),
};

/** CloudTrail's event history keeps management events this long; LookupEvents answers nothing older. */
export const EVENT_HISTORY_DAYS = 90;

/** What the CloudTrail hook needs. */
export interface CloudTrailOptions {
  /** Publishes one event to the default bus (PutEvents); rejects if EventBridge did not take it. */
  readonly publish: (entry: PutEventsRequestEntry) => Promise<void>;
  /** Told about each record once it was published, or failed to be, before the caller gets its answer. */
  readonly onRecord?: (record: CloudTrailRecord, error?: unknown) => void;
  /** @default MOTO_ACCOUNT_ID */
  readonly accountId?: string;
  readonly newId?: () => string;
  /**
   * The `userIdentity` to record for calls signed with an access key, in place of the account's root.
   * @default EMULATOR_IDENTITIES
   */
  readonly identities?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * The time a call is recorded at: a test moves it back to make an account's history (a profile made days ago).
   * @default the time the proxy received the call
   */
  readonly clock?: () => Date;
}

/** LookupEvents' largest page, and its default. */
const LOOKUP_PAGE_SIZE = 50;

/**
 * The proxy hook that records IAM writes as CloudTrail does and publishes them, and answers CloudTrail's
 * LookupEvents from what it recorded (the event history), as the reconcile pass asks it who created a role.
 */
export function cloudTrail(options: CloudTrailOptions): ProxyHook {
  const accountId = options.accountId ?? MOTO_ACCOUNT_ID;
  const newId = options.newId ?? randomUUID;
  const identities = options.identities ?? EMULATOR_IDENTITIES;
  const history: CloudTrailRecord[] = [];
  return {
    onRequest(request) {
      if (request.call?.service !== 'cloudtrail' || request.call.action !== 'LookupEvents') return undefined;
      return lookupEvents(history, request.body, request.receivedAt);
    },
    async onResponse(request, response) {
      if (request.call?.service !== 'iam' || !isWriteAction(request.call.action)) return undefined;
      const identity = request.call.accessKeyId === undefined ? undefined : identities[request.call.accessKeyId];
      const at = options.clock === undefined ? request : { ...request, receivedAt: options.clock() };
      const recorded = toCloudTrailRecord(request.call, at, response, { accountId, eventId: newId() });
      const record = identity === undefined ? recorded : { ...recorded, userIdentity: { ...identity } };
      history.push(record);
      try {
        await options.publish(toPutEventsEntry(record));
        options.onRecord?.(record);
      } catch (error) {
        // The caller still gets its answer: a fault of the simulation must not become one of theirs.
        options.onRecord?.(record, error);
      }
      return undefined;
    },
  };
}

/**
 * Whether CloudTrail records the action as a write (`readOnly: false`): everything but IAM's Get, List and
 * Simulate calls. EventBridge rules in the ENABLED state receive only these.
 */
export function isWriteAction(action: string): boolean {
  return !/^(Get|List|Simulate)[A-Z]/.test(action);
}

/**
 * IAM's modelled errors. CloudTrail records them by exception name (`NoSuchEntityException`), while the
 * query protocol sends the bare code (`NoSuchEntity`); common errors such as AccessDenied keep their code.
 */
const MODELLED_ERROR_CODES = new Set([
  'ConcurrentModification',
  'DeleteConflict',
  'DuplicateCertificate',
  'DuplicateSSHPublicKey',
  'EntityAlreadyExists',
  'EntityTemporarilyUnmodifiable',
  'InvalidAuthenticationCode',
  'InvalidCertificate',
  'InvalidInput',
  'InvalidPublicKey',
  'InvalidUserType',
  'KeyPairMismatch',
  'LimitExceeded',
  'MalformedCertificate',
  'MalformedPolicyDocument',
  'NoSuchEntity',
  'PasswordPolicyViolation',
  'PolicyEvaluation',
  'PolicyNotAttachable',
  'ServiceFailure',
  'ServiceNotSupported',
  'UnmodifiableEntity',
  'UnrecognizedPublicKeyEncoding',
]);

/** CloudTrail's `errorCode` for a query-protocol error code. */
export function cloudTrailErrorCode(code: string): string {
  return MODELLED_ERROR_CODES.has(code) ? `${code}Exception` : code;
}

/** What CloudTrail writes in place of secrets. */
export const HIDDEN = 'HIDDEN_DUE_TO_SECURITY_REASONS';
const SECRET_KEYS = new Set(['password', 'newPassword', 'oldPassword', 'secretAccessKey', 'privateKey']);

/**
 * CloudTrail's `requestParameters`: the parameters the caller sent, nested (`Tags.member.1.Key` →
 * `tags[0].key`), the first letter of each name lowered, secrets hidden; null for a call without any.
 */
export function requestParametersOf(
  params: readonly (readonly [string, string])[],
): Readonly<Record<string, unknown>> | null {
  const root: Record<string, unknown> = {};
  for (const [name, value] of params) {
    if (name === 'Action' || name === 'Version' || name.startsWith('X-Amz-')) continue;
    const path = name
      .replace(/\.member\./g, '.')
      .split('.')
      .map((part) => (/^\d+$/.test(part) ? Number(part) - 1 : part.charAt(0).toLowerCase() + part.slice(1)));
    let node = root as Record<string | number, unknown>;
    path.forEach((key, i) => {
      const next = path[i + 1];
      if (next === undefined) {
        node[key] = typeof key === 'string' && SECRET_KEYS.has(key) ? HIDDEN : value;
        return;
      }
      node[key] ??= typeof next === 'number' ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    });
  }
  return Object.keys(root).length === 0 ? null : compactArrays(root);
}

function compactArrays<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(compactArrays) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactArrays(v)])) as T;
  }
  return value;
}

/** The CloudTrail record of one IAM call. The caller is the account's root, which is who moto treats it as. */
export function toCloudTrailRecord(
  call: AwsCall,
  request: Pick<ProxyRequest, 'headers' | 'receivedAt' | 'remoteAddress'>,
  response: Pick<ProxyResponse, 'status' | 'headers' | 'body'>,
  context: { readonly accountId: string; readonly eventId: string },
): CloudTrailRecord {
  const { accountId, eventId } = context;
  const body = response.body.toString('utf8');
  const ok = response.status >= 200 && response.status < 300;
  const requestId = response.headers['x-amzn-requestid'];
  const userAgent = request.headers['user-agent'];
  return iamCallRecord({
    eventName: call.action,
    eventId,
    requestId: typeof requestId === 'string' ? requestId : (xmlText(body, 'RequestId') ?? eventId),
    time: request.receivedAt,
    userIdentity: {
      type: 'Root',
      principalId: accountId,
      arn: `arn:aws:iam::${accountId}:root`,
      accountId,
      ...(call.accessKeyId === undefined ? {} : { accessKeyId: call.accessKeyId }),
    },
    sourceIPAddress: request.remoteAddress,
    userAgent: typeof userAgent === 'string' ? userAgent : '',
    requestParameters: requestParametersOf(call.params),
    responseElements: ok ? responseElementsOf(call, body, accountId) : null,
    readOnly: !isWriteAction(call.action),
    accountId,
    ...(ok
      ? {}
      : {
          error: {
            code: cloudTrailErrorCode(
              xmlText(body, 'Code') ?? (response.status >= 500 ? 'InternalFailure' : 'UnknownError'),
            ),
            message: xmlText(body, 'Message') ?? `HTTP ${response.status}`,
          },
        }),
  });
}

/**
 * CloudTrail's `responseElements` of a successful call, for the calls the service reads them of: CreateInstanceProfile's
 * `instanceProfile` (path, name, id, ARN, creation time in CloudTrail's US form, no roles, the tags sent). Null for
 * the others.
 */
export function responseElementsOf(
  call: AwsCall,
  body: string,
  accountId: string,
): Readonly<Record<string, unknown>> | null {
  if (call.action !== 'CreateInstanceProfile') return null;
  const name = xmlText(body, 'InstanceProfileName');
  const id = xmlText(body, 'InstanceProfileId');
  const created = new Date(xmlText(body, 'CreateDate') ?? '');
  if (name === undefined || id === undefined || Number.isNaN(created.getTime())) return null;
  const path = xmlText(body, 'Path') ?? '/';
  const tags = requestParametersOf(call.params)?.tags;
  return {
    instanceProfile: {
      path,
      instanceProfileName: name,
      instanceProfileId: id,
      arn: xmlText(body, 'Arn') ?? `arn:aws:iam::${accountId}:instance-profile${path}${name}`,
      createDate: responseDate(created),
      roles: [],
      ...(Array.isArray(tags) ? { tags } : {}),
    },
  };
}

/** LookupEvents' request, as far as the stand-in reads it. */
interface LookupRequest {
  readonly LookupAttributes?: readonly { readonly AttributeKey?: string; readonly AttributeValue?: string }[];
  readonly StartTime?: number;
  readonly EndTime?: number;
  readonly MaxResults?: number;
  readonly NextToken?: string;
}

/**
 * LookupEvents over the recorded history, newest first, as CloudTrail answers it: one lookup attribute
 * (EventName, ResourceName or Username), a time range in epoch seconds, pages of up to 50 with a NextToken.
 * Nothing older than {@link EVENT_HISTORY_DAYS}.
 */
export function lookupEvents(history: readonly CloudTrailRecord[], body: Buffer, now: Date): ProxyResponse {
  const input = JSON.parse(body.toString('utf8') || '{}') as LookupRequest;
  const [attribute] = input.LookupAttributes ?? [];
  const oldest = now.getTime() - EVENT_HISTORY_DAYS * 24 * 3600 * 1000;
  const start = Math.max(oldest, (input.StartTime ?? 0) * 1000);
  const end = input.EndTime === undefined ? Number.POSITIVE_INFINITY : input.EndTime * 1000;
  const matching = history
    .filter((record) => {
      const time = new Date(record.eventTime).getTime();
      return time >= start && time <= end && matchesAttribute(record, attribute);
    })
    .reverse();
  const from = Number(input.NextToken ?? '0');
  const size = Math.min(input.MaxResults ?? LOOKUP_PAGE_SIZE, LOOKUP_PAGE_SIZE);
  const page = matching.slice(from, from + size);
  const answer = {
    Events: page.map((record) => ({
      EventId: record.eventID,
      EventName: record.eventName,
      ReadOnly: String(record.readOnly),
      EventTime: new Date(record.eventTime).getTime() / 1000,
      EventSource: record.eventSource,
      Username: record.userIdentity.userName ?? record.userIdentity.principalId,
      Resources: resourcesOf(record),
      CloudTrailEvent: JSON.stringify(record),
    })),
    ...(from + size < matching.length ? { NextToken: String(from + size) } : {}),
  };
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(JSON.stringify(answer)),
  };
}

function matchesAttribute(
  record: CloudTrailRecord,
  attribute: NonNullable<LookupRequest['LookupAttributes']>[number] | undefined,
): boolean {
  if (attribute === undefined) return true;
  const value = attribute.AttributeValue;
  switch (attribute.AttributeKey) {
    case 'EventName':
      return record.eventName === value;
    case 'ResourceName':
      return resourcesOf(record).some((resource) => resource.ResourceName === value);
    case 'Username':
      return (record.userIdentity.userName ?? record.userIdentity.principalId) === value;
    default:
      return false;
  }
}

/** The resources CloudTrail names for an IAM call: the role a role call names. */
function resourcesOf(record: CloudTrailRecord): { ResourceType: string; ResourceName: string }[] {
  const roleName = record.requestParameters?.roleName;
  return typeof roleName === 'string' ? [{ ResourceType: 'AWS::IAM::Role', ResourceName: roleName }] : [];
}

/** The EventBridge PutEvents entry CloudTrail's delivery would produce for a record, on the default bus. */
export function toPutEventsEntry(record: CloudTrailRecord): PutEventsRequestEntry {
  return {
    Source: IAM_EVENT_SOURCE,
    DetailType: CLOUDTRAIL_DETAIL_TYPE,
    // PutEvents takes the detail as a JSON string, not an object.
    Detail: JSON.stringify(record),
    Time: new Date(record.eventTime),
    Resources: [],
  };
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The text of the first `<name>` element of IAM's XML answer, entities decoded. */
function xmlText(xml: string, name: string): string | undefined {
  const text = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  return text?.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, entity: string) => {
    if (entity.startsWith('#x') || entity.startsWith('#X'))
      return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

/**
 * Creates an S3 bucket in moto with a path-style PUT (CreateTrail checks that its bucket exists), without
 * an S3 client of our own.
 */
export async function createMotoBucket(motoUrl: string, name: string): Promise<void> {
  const response = await fetch(`${motoUrl}/${name}`, {
    method: 'PUT',
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`,
    },
  });
  if (!response.ok) throw new EmulatorError(`CreateBucket ${name}: HTTP ${response.status}`);
}

/**
 * Records in moto's CloudTrail the trail an account needs for the pipeline: multi-region, logging, with
 * CloudTrail's default selectors (every management event), into a bucket of its own. Nothing is written to
 * it: the hook above stands in for what the trail would deliver to EventBridge. It lets `doctor` find the
 * trail as it would in an account.
 */
export async function recordTrail(cloudtrail: CloudTrailClient, motoUrl: string, name: string): Promise<void> {
  const bucket = `${name}-logs`;
  await createMotoBucket(motoUrl, bucket);
  await cloudtrail.send(new CreateTrailCommand({ Name: name, S3BucketName: bucket, IsMultiRegionTrail: true }));
  await cloudtrail.send(new StartLoggingCommand({ Name: name }));
}
