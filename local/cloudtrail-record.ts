/**
 * The sandbox's stand-in for CloudTrail: turns one IAM API call, as the front door saw it (the query
 * request and moto's answer), into the record CloudTrail would write and the EventBridge event that
 * carries it. Field names, casing and placement follow CloudTrail's IAM records
 * (test/fixtures/cloudtrail/). Pure: the clock and ids come in.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { CLOUDTRAIL_DETAIL_TYPE, IAM_CLOUDTRAIL_SOURCE, IAM_EVENT_SOURCE } from '../core/events.js';
import { IAM_EVENT_REGION } from '../core/pipeline-settings.js';
import { child, parseXml, toValue, type XmlValue } from './query-xml.js';

/** IAM's API version, sent with every query-protocol call. */
export const IAM_API_VERSION = '2010-05-08';

/** An IAM call as the front door received it. */
export interface IamRequest {
  readonly action: string;
  /** The query parameters, form body and query string together, in order; Action and Version included. */
  readonly params: readonly (readonly [string, string])[];
  readonly accessKeyId?: string | undefined;
  readonly sourceIPAddress: string;
  readonly userAgent?: string | undefined;
}

/** IAM's (moto's) answer to it. */
export interface IamResponse {
  readonly status: number;
  readonly body: string;
  /** The `x-amzn-RequestId` header, when present. */
  readonly requestId?: string | undefined;
}

/** What the record needs from outside: the account, a fresh event id and the time of the call. */
export interface RecordContext {
  readonly accountId: string;
  readonly eventId: string;
  readonly time: Date;
}

/** A CloudTrail record of an IAM API call, as EventBridge's `detail`. */
export interface CloudTrailRecord {
  readonly eventVersion: string;
  readonly userIdentity: Readonly<Record<string, string>>;
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
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/** The headers and body of an HTTP request, as node:http gives them. */
export interface HttpRequestParts {
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: string;
  readonly remoteAddress?: string | undefined;
}

/**
 * Reads an IAM query-protocol call out of an HTTP request: signed for the `iam` service (SigV4 header or
 * presigned query), or unsigned with IAM's API version. Anything else (SQS, EventBridge …) is undefined.
 */
export function readIamRequest(request: HttpRequestParts): IamRequest | undefined {
  const query = new URL(request.url, 'http://front-door').searchParams;
  const contentType = header(request.headers, 'content-type') ?? '';
  const formBody = request.body !== '' && !contentType.includes('json');
  const params = [...query.entries(), ...(formBody ? new URLSearchParams(request.body).entries() : [])];
  const scope = credentialScope(header(request.headers, 'authorization') ?? query.get('X-Amz-Credential') ?? '');
  const version = params.find(([name]) => name === 'Version')?.[1];
  const isIam = scope === undefined ? version === IAM_API_VERSION : scope.service === 'iam';
  const action = params.find(([name]) => name === 'Action')?.[1];
  if (!isIam || action === undefined || action === '') return undefined;
  return {
    action,
    params,
    accessKeyId: scope?.accessKeyId,
    sourceIPAddress: (request.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    userAgent: header(request.headers, 'user-agent'),
  };
}

function header(headers: HttpRequestParts['headers'], name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
}

function credentialScope(text: string): { readonly accessKeyId: string; readonly service: string } | undefined {
  const match = /Credential=([^/,\s]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(text);
  if (match === null) {
    const presigned = /^([^/]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request$/.exec(text);
    return presigned?.[1] === undefined || presigned[2] === undefined
      ? undefined
      : { accessKeyId: presigned[1], service: presigned[2] };
  }
  return match[1] === undefined || match[2] === undefined ? undefined : { accessKeyId: match[1], service: match[2] };
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
const QUERY_ONLY_PARAMS = new Set(['Action', 'Version']);

/** CloudTrail's key for an API member name: the first letter lowered (RoleName → roleName, SAMLMetadataDocument → sAMLMetadataDocument). */
export function cloudTrailKey(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/**
 * CloudTrail's `requestParameters`: the parameters the caller sent, nested (`Tags.member.1.Key` →
 * `tags[0].key`), secrets hidden; null for a call without parameters.
 */
export function requestParametersOf(
  params: readonly (readonly [string, string])[],
): Readonly<Record<string, unknown>> | null {
  const root: Record<string, unknown> = {};
  for (const [name, value] of params) {
    if (QUERY_ONLY_PARAMS.has(name) || name.startsWith('X-Amz-')) continue;
    const path = parameterPath(name);
    const last = path.at(-1);
    setPath(root, path, typeof last === 'string' && SECRET_KEYS.has(last) ? HIDDEN : value);
  }
  return Object.keys(root).length === 0 ? null : compactArrays(root);
}

function parameterPath(name: string): (string | number)[] {
  const path: (string | number)[] = [];
  const parts = name.split('.');
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    const next = parts[i + 1];
    if (part === 'member' && next !== undefined && /^\d+$/.test(next)) {
      path.push(Number(next) - 1);
      i++;
    } else if (/^\d+$/.test(part)) path.push(Number(part) - 1);
    else path.push(cloudTrailKey(part));
  }
  return path;
}

function setPath(root: Record<string, unknown>, path: readonly (string | number)[], value: string): void {
  let node: Record<string | number, unknown> = root;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string | number;
    const nextIsIndex = typeof path[i + 1] === 'number';
    const existing = node[key];
    if (typeof existing !== 'object' || existing === null) node[key] = nextIsIndex ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}

function compactArrays<T>(value: T): T {
  if (Array.isArray(value)) return value.filter((item) => item !== undefined).map(compactArrays) as T;
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactArrays(v)])) as T;
  }
  return value;
}

/** How a call went, read from IAM's XML answer. */
export type IamOutcome =
  | {
      readonly ok: true;
      readonly result: Readonly<Record<string, unknown>> | null;
      readonly requestId?: string | undefined;
    }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly requestId?: string | undefined };

/** Reads IAM's XML answer: the `<ActionResult>` on success, `<Error>` on failure. */
export function readIamResponse(action: string, response: IamResponse): IamOutcome {
  const root = parseXml(response.body);
  if (response.status >= 200 && response.status < 300) {
    const result = child(root, `${action}Result`);
    const value = result === undefined ? undefined : toValue(result, cloudTrailKey);
    const requestId = child(child(root, 'ResponseMetadata'), 'RequestId')?.text;
    return { ok: true, result: isNonEmptyRecord(value) ? cloudTrailValues(value) : null, requestId };
  }
  const error = child(root, 'Error');
  return {
    ok: false,
    code: child(error, 'Code')?.text ?? (response.status >= 500 ? 'InternalFailure' : 'UnknownError'),
    message: child(error, 'Message')?.text ?? `HTTP ${response.status}`,
    requestId: child(root, 'RequestId')?.text,
  };
}

function isNonEmptyRecord(value: XmlValue | undefined): value is { readonly [key: string]: XmlValue } {
  return typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0;
}

/** Dates as CloudTrail prints them in responseElements ("Nov 28, 2026 6:25:58 PM"), secrets hidden. */
function cloudTrailValues(record: { readonly [key: string]: XmlValue }): Readonly<Record<string, unknown>> {
  const convert = (key: string, value: XmlValue): unknown => {
    if (SECRET_KEYS.has(key)) return HIDDEN;
    if (typeof value === 'string') return key.endsWith('Date') ? cloudTrailDate(value) : value;
    if (Array.isArray(value)) return value.map((item) => convert('', item));
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(k, v)]));
  };
  return convert('', record) as Readonly<Record<string, unknown>>;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An ISO time in the format of CloudTrail's IAM responseElements; other text is kept as it is. */
export function cloudTrailDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()) || !/^\d{4}-\d{2}-\d{2}T/.test(iso)) return iso;
  const hours = date.getUTCHours();
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()}, ${date.getUTCFullYear()} ${hours % 12 === 0 ? 12 : hours % 12}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} ${hours < 12 ? 'AM' : 'PM'}`;
}

/** CloudTrail's time format: UTC, whole seconds. */
export function cloudTrailTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The CloudTrail record of one IAM call. The caller is the account's root, which is who moto treats it as. */
export function toCloudTrailRecord(
  request: IamRequest,
  response: IamResponse,
  context: RecordContext,
): CloudTrailRecord {
  const outcome = readIamResponse(request.action, response);
  const { accountId } = context;
  return {
    eventVersion: '1.09',
    userIdentity: {
      type: 'Root',
      principalId: accountId,
      arn: `arn:aws:iam::${accountId}:root`,
      accountId,
      ...(request.accessKeyId === undefined ? {} : { accessKeyId: request.accessKeyId }),
    },
    eventTime: cloudTrailTime(context.time),
    eventSource: IAM_CLOUDTRAIL_SOURCE,
    eventName: request.action,
    // IAM is global: CloudTrail records its calls in the partition's IAM region.
    awsRegion: IAM_EVENT_REGION.aws ?? 'us-east-1',
    sourceIPAddress: request.sourceIPAddress,
    userAgent: request.userAgent ?? '',
    requestParameters: requestParametersOf(request.params),
    responseElements: outcome.ok ? outcome.result : null,
    requestID: response.requestId ?? outcome.requestId ?? context.eventId,
    eventID: context.eventId,
    readOnly: !isWriteAction(request.action),
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: accountId,
    eventCategory: 'Management',
    ...(outcome.ok ? {} : { errorCode: cloudTrailErrorCode(outcome.code), errorMessage: outcome.message }),
  };
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
