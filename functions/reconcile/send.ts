/**
 * Puts messages on an SQS queue, ten per SendMessageBatch call, and sends again the entries a call
 * reports as failed (SQS may fail some entries of a batch and accept the rest).
 */
import { SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';

/** The most entries SendMessageBatch takes in one call. */
export const SQS_BATCH_SIZE = 10;

/** How often an entry SQS failed is sent before it counts as not sent. */
export const SEND_ATTEMPTS = 3;

/** One message: its id (unique within the send) and body. */
export interface OutgoingMessage {
  readonly id: string;
  readonly body: string;
}

/** What was sent: the ids SQS accepted and those it still refused after {@link SEND_ATTEMPTS}, with why. */
export interface SendResult {
  readonly sent: number;
  readonly calls: number;
  readonly failed: readonly { readonly id: string; readonly code: string; readonly message?: string | undefined }[];
}

/**
 * Sends every message, in batches of ten, with the queue's own delay: a role created moments before the
 * pass must give its IaC the same settle time to add its own profile as its CreateRole event does.
 * Entries that fail are sent again unless SQS blames the sender.
 */
export async function sendAll(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly OutgoingMessage[],
  pause: (attempt: number) => Promise<void> = backoff,
): Promise<SendResult> {
  let pending: readonly OutgoingMessage[] = messages;
  const failed: SendResult['failed'][number][] = [];
  let calls = 0;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const retry: OutgoingMessage[] = [];
    for (let start = 0; start < pending.length; start += SQS_BATCH_SIZE) {
      const batch = pending.slice(start, start + SQS_BATCH_SIZE);
      const entries: SendMessageBatchRequestEntry[] = batch.map((m) => ({ Id: m.id, MessageBody: m.body }));
      calls++;
      const answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      for (const entry of answer.Failed ?? []) {
        const message = batch.find((m) => m.id === entry.Id);
        if (message === undefined) continue;
        if (!entry.SenderFault && attempt < SEND_ATTEMPTS) retry.push(message);
        else failed.push({ id: message.id, code: entry.Code ?? 'unknown', message: entry.Message });
      }
    }
    if (retry.length > 0) await pause(attempt);
    pending = retry;
  }
  return { sent: messages.length - failed.length, calls, failed };
}

function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 200 * 2 ** (attempt - 1)));
}
