/**
 * A loopback HTTP proxy in front of moto's IAM, for the cases moto cannot produce on its own:
 * throttling and 5xx answers, and a racing delivery that acts just before one of our calls.
 * Point the bundle at it with AWS_ENDPOINT_URL_IAM.
 */
import { once } from 'node:events';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An IAM error answer in the query protocol's XML shape. */
export interface Fault {
  readonly status: number;
  readonly code: string;
}

/** What the proxy does with one request. */
export interface ProxyRules {
  /** Answer this request with an error instead of forwarding it. */
  readonly fault?: (action: string) => Fault | undefined;
  /** Runs before the request is forwarded: lets a test act "at the same moment" as the bundle. */
  readonly before?: (action: string) => Promise<void>;
}

/** A running proxy. */
export interface IamProxy {
  readonly url: string;
  /** Every IAM action the proxy saw, in order, faulted or not. */
  readonly actions: string[];
  close(): Promise<void>;
}

/** Throttling, as IAM answers it: HTTP 400 with code Throttling. */
export const THROTTLING: Fault = { status: 400, code: 'Throttling' };
/** An internal error, as IAM answers it: HTTP 500 with code ServiceFailure. */
export const SERVICE_FAILURE: Fault = { status: 500, code: 'ServiceFailure' };

/** Starts the proxy on a free loopback port, forwarding to `target` (moto's URL). */
export async function startIamProxy(target: string, rules: ProxyRules = {}): Promise<IamProxy> {
  const upstream = new URL(target);
  const actions: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const action = new URLSearchParams(body.toString()).get('Action') ?? 'unknown';
    actions.push(action);

    const fault = rules.fault?.(action);
    if (fault !== undefined) {
      res.writeHead(fault.status, { 'content-type': 'text/xml' });
      res.end(
        `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>injected by the test</Message></Error><RequestId>test</RequestId></ErrorResponse>`,
      );
      return;
    }
    await rules.before?.(action);
    const forward = request(
      { hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    forward.end(body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    actions,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
