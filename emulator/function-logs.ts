/**
 * A function's log group in moto's CloudWatch Logs, written as Lambda writes it: one log stream per invocation
 * (named as Lambda names them, `2026/05/01/[$LATEST]<32 hex digits>`), each line the function wrote (its Powertools
 * JSON lines among them) one log event, stamped when the line came. The sandbox writes its remediator's lines here, so
 * that what reads a deployed function's log (`auto-instance-profile decisions`) reads the sandbox's too.
 */
import { randomBytes } from 'node:crypto';
import {
  type CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  type InputLogEvent,
  PutLogEventsCommand,
  ResourceAlreadyExistsException,
} from '@aws-sdk/client-cloudwatch-logs';

/** The log group Lambda gives a function that names none: `/aws/lambda/<function name>`. */
export function defaultLogGroup(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** PutLogEvents' limits: events per call, and bytes per call (each event's message in UTF-8, plus 26). */
const MAX_BATCH_EVENTS = 10_000;
const MAX_BATCH_BYTES = 1_048_576;
const EVENT_OVERHEAD_BYTES = 26;
/** A log event's message at most, in bytes; Lambda cuts longer lines the same way. */
const MAX_EVENT_BYTES = 256 * 1024 - EVENT_OVERHEAD_BYTES;

/** The log of one invocation: its lines as they come, put into a stream of its own when it ends. */
export interface InvocationLog {
  /** The stream's name. */
  readonly stream: string;
  /** One line the function wrote, stamped now. */
  line(text: string): void;
  /** Creates the stream and puts the lines, in order; nothing when the function wrote none. */
  flush(): Promise<void>;
}

/** A function's log group. */
export interface FunctionLogs {
  readonly logGroup: string;
  /** A new invocation's log. */
  invocation(): InvocationLog;
}

/** What the log writes with. */
export interface FunctionLogsOptions {
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Creates the log group (one that exists is kept) and returns its writer. */
export async function createFunctionLogs(
  logs: Pick<CloudWatchLogsClient, 'send'>,
  logGroup: string,
  options: FunctionLogsOptions = {},
): Promise<FunctionLogs> {
  const now = options.now ?? (() => new Date());
  try {
    await logs.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
  } catch (error) {
    if (!(error instanceof ResourceAlreadyExistsException)) throw error;
  }
  return {
    logGroup,
    invocation() {
      const started = now();
      const stream = `${started.toISOString().slice(0, 10).replaceAll('-', '/')}/[$LATEST]${randomBytes(16).toString('hex')}`;
      const events: InputLogEvent[] = [];
      return {
        stream,
        line(text) {
          events.push({ timestamp: now().getTime(), message: cut(text) });
        },
        async flush() {
          if (events.length === 0) return;
          await logs.send(new CreateLogStreamCommand({ logGroupName: logGroup, logStreamName: stream }));
          for (const batch of batches(events)) {
            await logs.send(
              new PutLogEventsCommand({ logGroupName: logGroup, logStreamName: stream, logEvents: batch }),
            );
          }
        },
      };
    },
  };
}

/** A message within a log event's size, cut at a character. */
function cut(text: string): string {
  if (Buffer.byteLength(text) <= MAX_EVENT_BYTES) return text === '' ? ' ' : text;
  return Buffer.from(text)
    .subarray(0, MAX_EVENT_BYTES)
    .toString()
    .replace(/\uFFFD$/, '');
}

/** The events in time order, in batches within PutLogEvents' limits. */
function batches(events: readonly InputLogEvent[]): InputLogEvent[][] {
  const sorted = [...events].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  const out: InputLogEvent[][] = [];
  let batch: InputLogEvent[] = [];
  let bytes = 0;
  for (const event of sorted) {
    const size = Buffer.byteLength(event.message ?? '') + EVENT_OVERHEAD_BYTES;
    if (batch.length === MAX_BATCH_EVENTS || bytes + size > MAX_BATCH_BYTES) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}
