/**
 * The shapes Lambda hands a function: an SQS event built from received messages, as the SQS event
 * source mapping builds it, and a Lambda context; and the CloudTrail event EventBridge delivers for a
 * CreateRole call, for the tests and the bench to send.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Message, MessageAttributeValue } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSMessageAttributes, SQSRecord, SQSRecordAttributes } from 'aws-lambda';
import { cloudTrailEvent } from './cloudtrail-event.js';

/** The Lambda context's plain fields; the worker adds getRemainingTimeInMillis. */
export interface LambdaContextFields {
  readonly functionName: string;
  readonly functionVersion: string;
  readonly invokedFunctionArn: string;
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly logGroupName: string;
  readonly logStreamName: string;
  readonly callbackWaitsForEmptyEventLoop: boolean;
}

/** The context fields of one invocation of a function in an account and region. */
export function lambdaContextFields(
  functionName: string,
  requestId: string,
  where: { readonly region: string; readonly accountId: string },
): LambdaContextFields {
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${where.region}:${where.accountId}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'sandbox',
    callbackWaitsForEmptyEventLoop: true,
  };
}

/**
 * A message as SQS would hand it out on its first receive, for a body that never went through a queue
 * (a manual invoke, a test). {@link toSqsRecord} turns it into a Lambda record like any received one.
 */
export function firstReceiveOf(body: string, messageId: string = randomUUID()): Message {
  return {
    MessageId: messageId,
    ReceiptHandle: randomUUID(),
    Body: body,
    MD5OfBody: createHash('md5').update(body).digest('hex'),
    Attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()) },
  };
}

/** The SQS event for a batch of received messages from one queue. */
export function toSqsEvent(messages: readonly Message[], queueArn: string, region: string): SQSEvent {
  return { Records: messages.map((message) => toSqsRecord(message, queueArn, region)) };
}

/** One received message as a Lambda SQS record: lower-camel fields, system attributes as strings. */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: { ...(message.Attributes ?? {}) } as unknown as SQSRecordAttributes,
    messageAttributes: toMessageAttributes(message.MessageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

function toMessageAttributes(attributes: Record<string, MessageAttributeValue> | undefined): SQSMessageAttributes {
  const result: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    result[name] = {
      dataType: value.DataType ?? 'String',
      stringValue: value.StringValue,
      binaryValue: value.BinaryValue === undefined ? undefined : Buffer.from(value.BinaryValue).toString('base64'),
      stringListValues: value.StringListValues ?? [],
      binaryListValues: (value.BinaryListValues ?? []).map((b) => Buffer.from(b).toString('base64')),
    };
  }
  return result;
}

/** Which messages of a batch to delete and which to leave for redelivery, and why. */
export interface BatchSettlement {
  readonly succeeded: readonly string[];
  readonly failed: readonly string[];
  /** Set when the whole batch failed: the invocation failed or its response was not a valid partial batch response. */
  readonly wholeBatchFailed?: string;
}

/**
 * Settles a batch as Lambda does with ReportBatchItemFailures: a null or empty response, or an empty or
 * null `batchItemFailures`, is complete success; an invocation error, or an `itemIdentifier` that is
 * empty, not a string or not in the batch, is complete failure; otherwise only the listed ids failed.
 */
export function settleBatch(
  messageIds: readonly string[],
  response: { readonly error: unknown } | { readonly result: unknown },
): BatchSettlement {
  const everything = (why: string): BatchSettlement => ({
    succeeded: [],
    failed: [...messageIds],
    wholeBatchFailed: why,
  });
  if ('error' in response) return everything('the invocation failed');
  const result = response.result;
  if (result === null || result === undefined) return { succeeded: [...messageIds], failed: [] };
  if (typeof result !== 'object' || Array.isArray(result))
    return everything('the response is not a partial batch response');
  const failures = (result as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === null || failures === undefined) return { succeeded: [...messageIds], failed: [] };
  if (!Array.isArray(failures)) return everything('batchItemFailures is not a list');
  const known = new Set(messageIds);
  const failed = new Set<string>();
  for (const failure of failures) {
    const id = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof id !== 'string' || id === '' || !known.has(id))
      return everything(`invalid itemIdentifier ${JSON.stringify(id)}`);
    failed.add(id);
  }
  return { succeeded: messageIds.filter((id) => !failed.has(id)), failed: messageIds.filter((id) => failed.has(id)) };
}

/** A CloudTrail CreateRole event, as EventBridge delivers it, for `roleName`, made `ageSeconds` ago, with fresh ids. */
export function createRoleEvent(roleName: string, ageSeconds = 0): Record<string, unknown> {
  return cloudTrailEvent('create-role', roleName, { ageSeconds });
}

/** Events in one SQS batch, the deployed wiring, on their first receive; message ids are `msg-<index>`. */
export function sqsBatch(...events: unknown[]): SQSEvent {
  const messages = events.map((event, index) =>
    firstReceiveOf(typeof event === 'string' ? event : JSON.stringify(event), `msg-${index}`),
  );
  return toSqsEvent(messages, 'arn:aws:sqs:us-east-1:123456789012:auto-instance-profile', 'us-east-1');
}
