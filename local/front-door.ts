/**
 * The sandbox's front door: the endpoint the user points the AWS CLI at. It forwards every request to moto
 * unchanged and returns moto's answer unchanged. After each IAM write call, successful or failed, it
 * publishes the CloudTrail record of the call to moto's default event bus, standing in for CloudTrail: the
 * only simulated part of the sandbox. The record is published, and reported, before the caller gets its
 * answer, so that what the caller does next is always reported after it.
 */
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import {
  type CloudTrailRecord,
  isWriteAction,
  readIamRequest,
  toCloudTrailRecord,
  toPutEventsEntry,
} from './cloudtrail-record.js';

/** What the front door needs. */
export interface FrontDoorOptions {
  /** moto's URL: `http://127.0.0.1:<port>`. */
  readonly targetUrl: string;
  /** Publishes one event to the default bus (PutEvents); rejects if EventBridge did not take it. */
  readonly publish: (entry: PutEventsRequestEntry) => Promise<void>;
  /** Told about each record once it was published, or failed to be, before the caller gets its answer. */
  readonly onRecord?: (record: CloudTrailRecord, error?: unknown) => void;
  /** Told about a request the front door itself could not handle (the client has its answer already). */
  readonly onError?: (error: unknown) => void;
  /** @default '123456789012', moto's account */
  readonly accountId?: string;
  readonly now?: () => Date;
  readonly newId?: () => string;
  /** Largest request body accepted. @default 16 MiB */
  readonly maxBodyBytes?: number;
}

/** A running front door. */
export interface FrontDoor {
  /** `http://127.0.0.1:<port>`: the AWS_ENDPOINT_URL to give the CLI. */
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests and closes. */
  stop(): Promise<void>;
}

/** moto's default account. */
export const MOTO_ACCOUNT_ID = '123456789012';

// Hop-by-hop headers describe one connection, not the message: they are not forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'expect']);

/** Starts the front door on 127.0.0.1, on a free port. */
export async function startFrontDoor(options: FrontDoorOptions): Promise<FrontDoor> {
  const target = new URL(options.targetUrl);
  const agent = new Agent({ keepAlive: false });
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;

  const publishRecord = async (record: CloudTrailRecord) => {
    try {
      await options.publish(toPutEventsEntry(record));
      options.onRecord?.(record);
    } catch (error) {
      options.onRecord?.(record, error);
    }
  };

  const server = createServer((req, res) => {
    void (async () => {
      let body: Buffer;
      try {
        body = await readBody(req, maxBodyBytes);
      } catch (error) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end(`front door: ${(error as Error).message}\n`);
        return;
      }
      const time = now();
      let answer: Answer;
      try {
        answer = await forward(target, agent, req, body);
      } catch (error) {
        res
          .writeHead(502, { 'content-type': 'text/plain' })
          .end(`front door: moto did not answer: ${(error as Error).message}\n`);
        return;
      }
      const call = readIamRequest({
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        headers: req.headers,
        body: body.toString('utf8'),
        remoteAddress: req.socket.remoteAddress,
      });
      if (call !== undefined && isWriteAction(call.action)) {
        try {
          const requestId = answer.headers['x-amzn-requestid'];
          const record = toCloudTrailRecord(
            call,
            {
              status: answer.status,
              body: answer.body.toString('utf8'),
              requestId: typeof requestId === 'string' ? requestId : undefined,
            },
            { accountId: options.accountId ?? MOTO_ACCOUNT_ID, eventId: newId(), time },
          );
          await publishRecord(record);
        } catch (error) {
          // The caller still gets moto's answer: a fault of ours must not turn into one of theirs.
          options.onError?.(error);
        }
      }
      res.writeHead(answer.status, answer.headers).end(answer.body);
    })().catch((error: unknown) => options.onError?.(error));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      agent.destroy();
    },
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new Error(`request body larger than ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function forward(target: URL, agent: Agent, req: IncomingMessage, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...endToEnd(req.headers), 'content-length': String(body.length) },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () => {
          const payload = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 502,
            headers: { ...endToEnd(res.headers), 'content-length': String(payload.length) },
            body: payload,
          });
        });
      },
    );
    upstream.once('error', reject);
    upstream.end(body);
  });
}

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) result[name] = value;
  }
  return result;
}
