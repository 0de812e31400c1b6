/**
 * The one HTTP forwarder in front of moto. The sandbox's front door is this proxy with the CloudTrail hook
 * (cloudtrail.ts); the tests and the bench put it in front of moto's IAM with fault hooks (iam-faults.ts).
 *
 * Each request goes through four points where hooks act, in the order they are given:
 * 0. `rewrite`, first: a hook may change the request moto will get (IAM resolving a name case-insensitively);
 *    the proxy's `calls` keep what the caller sent.
 * 1. `onRequest`, before forwarding: a hook may wait (latency, a racing delivery), answer in moto's place
 *    (an injected error), or drop the connection; the first hook that answers or drops decides.
 * 2. moto answers; its effect has taken place.
 * 3. `onResponse`, after forwarding: a hook may observe (publish a CloudTrail record), replace the answer, or
 *    drop the connection so the caller never learns the call succeeded.
 */
import { Agent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** The API call a request carries, as far as the proxy can read it. */
export interface AwsCall {
  /** The service it is signed for (`iam`, `sqs`, `events` …); `iam` for an unsigned call with IAM's API version. */
  readonly service: string | undefined;
  /** The action: the query protocol's `Action`, or the JSON protocols' `X-Amz-Target` operation. */
  readonly action: string;
  /** The query protocol's parameters, query string then form body, in order; empty for JSON protocols. */
  readonly params: readonly (readonly [string, string])[];
  /** The access key it is signed with. */
  readonly accessKeyId: string | undefined;
}

/** One request, as the hooks see it. */
export interface ProxyRequest {
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  readonly call: AwsCall | undefined;
  /** When the proxy received it. */
  readonly receivedAt: Date;
  /** The caller's address, `127.0.0.1` on loopback. */
  readonly remoteAddress: string;
}

/** An answer: moto's, or one a hook makes. */
export interface ProxyResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body: Buffer;
}

/** A hook's verdict: drop the connection without an answer, as a network fault or a crash does. */
export const DROP = Symbol('drop the connection');

/** What a hook returns: an answer to send instead, {@link DROP}, or nothing to let the request go on. */
export type HookVerdict = ProxyResponse | typeof DROP | undefined;

/** Acts on requests at the proxy's hook points. Every method is optional and may be async. */
export interface ProxyHook {
  /** First of all: the request to go on with instead (build it with {@link withParams}), or nothing to keep it. */
  rewrite?(request: ProxyRequest): ProxyRequest | undefined | Promise<ProxyRequest | undefined>;
  /** Before forwarding. An answer or DROP skips moto and the later hooks' `onRequest`. */
  onRequest?(request: ProxyRequest): HookVerdict | Promise<HookVerdict>;
  /**
   * After the answer is known: moto's, or the one an `onRequest` hook gave (`forwarded` tells which). An
   * answer replaces it for the caller and for the later hooks; DROP drops the connection instead.
   */
  onResponse?(
    request: ProxyRequest,
    response: ProxyResponse,
    context: { readonly forwarded: boolean },
  ): HookVerdict | Promise<HookVerdict>;
}

/** What the proxy needs. */
export interface ProxyOptions {
  /** moto's URL: `http://127.0.0.1:<port>`. */
  readonly targetUrl: string;
  readonly hooks?: readonly ProxyHook[];
  /** Told about a request the proxy could not handle: a hook that threw, or moto not answering. */
  readonly onError?: (error: unknown) => void;
  /** Largest request body accepted. @default 16 MiB */
  readonly maxBodyBytes?: number;
}

/** A running proxy. */
export interface ProxyServer {
  /** `http://127.0.0.1:<port>`: the AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_IAM) to give a client. */
  readonly url: string;
  readonly port: number;
  /** Every call the proxy received, in order, whatever became of it. */
  readonly calls: readonly AwsCall[];
  /** The actions of the IAM calls among them: what a caller asked IAM for, faulted or not. */
  readonly actions: readonly string[];
  /** Stops accepting requests, ends open connections and closes. */
  close(): Promise<void>;
}

/**
 * The standard variables that send an SDK client (or the CLI) to moto with IAM and STS through `proxy`,
 * so that the proxy sees every identity and IAM call: us-east-1, moto's test credentials.
 */
export function proxiedAwsEnv(motoUrl: string, proxy: Pick<ProxyServer, 'url'>): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: motoUrl,
    AWS_ENDPOINT_URL_IAM: proxy.url,
    AWS_ENDPOINT_URL_STS: proxy.url,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
  };
}

/**
 * A header that marks a request as a test's own look at the state behind the proxy (test/integration/support/
 * policy-check.ts reads a profile's tags, a role's trust, a table's policy, as AWS reads them when it authorises a call):
 * such a request is forwarded as it is, never recorded among the calls and never shown to the hooks.
 */
export const TEST_READ_HEADER = 'x-auto-instance-profile-test-read';

/** IAM's API version, which every query-protocol IAM call carries. */
export const IAM_API_VERSION = '2010-05-08';

// Hop-by-hop headers describe one connection, not the message: they are not forwarded.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'expect']);

/** Starts the proxy on 127.0.0.1, on a free port. */
export async function startProxy(options: ProxyOptions): Promise<ProxyServer> {
  const target = new URL(options.targetUrl);
  const agent = new Agent({ keepAlive: false });
  const hooks = options.hooks ?? [];
  const maxBodyBytes = options.maxBodyBytes ?? 16 * 1024 * 1024;
  const calls: AwsCall[] = [];
  const actions: string[] = [];

  const handle = async (req: IncomingMessage): Promise<ProxyResponse | typeof DROP> => {
    const body = await readBody(req, maxBodyBytes);
    const read: ProxyRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
      call: undefined,
      receivedAt: new Date(),
      remoteAddress: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    };
    if (req.headers[TEST_READ_HEADER] !== undefined) return forward(target, agent, read);
    let request: ProxyRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      body,
      call: readCall(req.url ?? '/', req.headers, body),
      receivedAt: new Date(),
      remoteAddress: (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
    };
    if (request.call !== undefined) {
      calls.push(request.call);
      if (request.call.service === 'iam') actions.push(request.call.action);
    }
    for (const hook of hooks) request = (await hook.rewrite?.(request)) ?? request;
    let verdict: HookVerdict;
    for (const hook of hooks) {
      verdict = await hook.onRequest?.(request);
      if (verdict !== undefined) break;
    }
    if (verdict === DROP) return DROP;
    const forwarded = verdict === undefined;
    let response = verdict ?? (await forward(target, agent, request));
    for (const hook of hooks) {
      const replaced = await hook.onResponse?.(request, response, { forwarded });
      if (replaced === DROP) return DROP;
      if (replaced !== undefined) response = replaced;
    }
    return response;
  };

  const server = createServer((req, res) => {
    handle(req).then(
      (answer) => {
        if (answer === DROP) res.socket?.destroy();
        else {
          const headers: Record<string, string | string[]> = { 'content-length': String(answer.body.length) };
          for (const [name, value] of Object.entries(answer.headers)) {
            if (name !== 'content-length') headers[name] = typeof value === 'string' ? value : [...value];
          }
          res.writeHead(answer.status, headers).end(answer.body);
        }
      },
      (error: unknown) => {
        options.onError?.(error);
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${describe(error)}\n`);
      },
    );
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
    calls,
    actions,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      agent.destroy();
    },
  };
}

/**
 * Reads the API call out of a request: the service from its SigV4 credential scope (header or presigned
 * query), the action from the query protocol's `Action` or the `X-Amz-Target` header. Undefined when there
 * is no action.
 */
export function readCall(url: string, headers: IncomingHttpHeaders, body: Buffer): AwsCall | undefined {
  const query = new URL(url, 'http://proxy').searchParams;
  const contentType = header(headers, 'content-type') ?? '';
  const form = body.length > 0 && contentType.includes('x-www-form-urlencoded');
  const params = [...query.entries(), ...(form ? new URLSearchParams(body.toString('utf8')).entries() : [])];
  const credential = header(headers, 'authorization') ?? query.get('X-Amz-Credential') ?? '';
  const scope = /(?:Credential=|^)([^/,\s=]+)\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(credential);
  const version = params.find(([name]) => name === 'Version')?.[1];
  const action = params.find(([name]) => name === 'Action')?.[1] ?? header(headers, 'x-amz-target')?.split('.').pop();
  if (action === undefined || action === '') return undefined;
  return {
    service: scope?.[2] ?? (version === IAM_API_VERSION ? 'iam' : undefined),
    action,
    params,
    accessKeyId: scope?.[1],
  };
}

/**
 * The same query-protocol request with other parameters, sent as a form body: what a `rewrite` hook returns.
 * moto does not check signatures, so the request's own still passes.
 */
export function withParams(request: ProxyRequest, params: readonly (readonly [string, string])[]): ProxyRequest {
  const body = Buffer.from(
    new URLSearchParams(params.map(([name, value]): [string, string] => [name, value])).toString(),
  );
  const headers = { ...request.headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
  const url = new URL(request.url, 'http://proxy').pathname;
  return { ...request, url, headers, body, call: readCall(url, headers, body) ?? request.call };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : value?.[0];
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

function forward(target: URL, agent: Agent, request: ProxyRequest): Promise<ProxyResponse> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: { ...endToEnd(request.headers), 'content-length': String(request.body.length) },
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('error', reject);
        res.once('end', () =>
          resolve({ status: res.statusCode ?? 502, headers: endToEnd(res.headers), body: Buffer.concat(chunks) }),
        );
      },
    );
    upstream.once('error', (error) => reject(new Error(`moto did not answer: ${error.message}`, { cause: error })));
    upstream.end(request.body);
  });
}

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const result: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length') result[name] = value;
  }
  return result;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
