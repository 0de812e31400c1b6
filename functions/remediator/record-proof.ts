/**
 * Records the function can prove: before it acts on an SQS record, the remediator proves that the record is a
 * message in flight in one of its own queues, by changing its visibility with the record's receipt handle
 * (one ChangeMessageVisibilityBatch per queue and batch). SQS refuses a made-up handle (`ReceiptHandleIsInvalid`),
 * and only the function's role may receive from its queues (their policies deny it to everyone else), so nobody
 * else holds a valid one: a record built by hand and handed to `lambda:Invoke` changes nothing.
 *
 * The visibility is set to the queue's own timeout, which SQS set at the receive: retries keep their timing.
 */
import { ChangeMessageVisibilityBatchCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';

/** The SQS actions the proof calls, on the function's own queues (the event source's grant already holds both). */
export const RECORD_PROOF_ACTIONS: readonly string[] = ['sqs:ChangeMessageVisibility', 'sqs:GetQueueAttributes'];

/** Why each record of a batch could not be proven, by message id; a proven record is not in it. */
export type Unproven = ReadonlyMap<string, string>;

/** Proves a batch's records; never throws (what it cannot prove is unproven, with why). */
export type RecordProof = (records: readonly SQSRecord[]) => Promise<Unproven>;

/** The most entries ChangeMessageVisibilityBatch takes. */
const BATCH_LIMIT = 10;

/** A proof against `queueUrls`, the function's own queues, through `sqs`. */
export function queueRecordProof(sqs: Pick<SQSClient, 'send'>, queueUrls: readonly string[]): RecordProof {
  const timeouts = new Map<string, Promise<number>>();
  const visibilityOf = (queueUrl: string): Promise<number> => {
    let timeout = timeouts.get(queueUrl);
    if (timeout === undefined) {
      timeout = sqs
        .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['VisibilityTimeout'] }))
        .then(({ Attributes }) => Number(Attributes?.VisibilityTimeout ?? Number.NaN));
      // A failed read is not kept: the next batch asks again.
      timeout.catch(() => timeouts.delete(queueUrl));
      timeouts.set(queueUrl, timeout);
    }
    return timeout;
  };

  return async (records) => {
    const unproven = new Map<string, string>();
    const byQueue = new Map<string, SQSRecord[]>();
    for (const record of records) {
      const queueUrl = ownQueueOf(record.eventSourceARN, queueUrls);
      if (queueUrl === undefined)
        unproven.set(record.messageId, `not from the function's own queues (${record.eventSourceARN})`);
      else if (typeof record.receiptHandle !== 'string' || record.receiptHandle === '') {
        unproven.set(record.messageId, 'no receipt handle');
      } else byQueue.set(queueUrl, [...(byQueue.get(queueUrl) ?? []), record]);
    }
    for (const [queueUrl, queued] of byQueue) {
      for (let start = 0; start < queued.length; start += BATCH_LIMIT) {
        const chunk = queued.slice(start, start + BATCH_LIMIT);
        try {
          const VisibilityTimeout = await visibilityOf(queueUrl);
          if (!Number.isInteger(VisibilityTimeout)) throw new Error(`queue ${queueUrl} reports no VisibilityTimeout`);
          const { Failed } = await sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: queueUrl,
              Entries: chunk.map((record, index) => ({
                Id: String(index),
                ReceiptHandle: record.receiptHandle,
                VisibilityTimeout,
              })),
            }),
          );
          for (const failure of Failed ?? []) {
            const record = chunk[Number(failure.Id)];
            if (record !== undefined) unproven.set(record.messageId, `SQS answered ${failure.Code ?? 'an error'}`);
          }
        } catch (error) {
          // SQS could not answer: nothing in the chunk is proven now; the records come back and are proven then.
          const why = `SQS could not be asked: ${error instanceof Error ? error.name : String(error)}`;
          for (const record of chunk) unproven.set(record.messageId, why);
        }
      }
    }
    return unproven;
  };
}

/**
 * The queue URL of `queueArn` among the function's own, by account and name (`arn:aws:sqs:<region>:<account>:<name>`
 * is `<endpoint>/<account>/<name>`, whatever the endpoint), or undefined when it is none of them.
 */
export function ownQueueOf(queueArn: unknown, queueUrls: readonly string[]): string | undefined {
  if (typeof queueArn !== 'string') return undefined;
  const match = /^arn:[^:]+:sqs:[^:]+:(\d{12}):([\w-]{1,80}(?:\.fifo)?)$/.exec(queueArn);
  if (match === null) return undefined;
  const [, account, name] = match;
  return queueUrls.find((url) => {
    const path = URL.canParse(url) ? new URL(url).pathname.split('/').filter((part) => part !== '') : [];
    return path.at(-2) === account && path.at(-1) === name;
  });
}
