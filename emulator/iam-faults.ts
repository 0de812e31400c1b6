/**
 * Faults for the proxy in front of moto's IAM (proxy.ts), for the cases moto cannot produce on its own:
 * throttling and 5xx answers, and a racing delivery that acts just before one of our calls. Point the
 * bundle at the proxy with AWS_ENDPOINT_URL_IAM.
 *
 * More faults are more {@link ProxyHook}s: a seeded generator deciding per request, latency (await in
 * `onRequest`), dropped connections (return DROP before or after forwarding), answers that depend on what
 * went through before (read `request.call.params` in `onResponse`).
 */
import { type ProxyHook, type ProxyResponse, type ProxyServer, startProxy } from './proxy.js';

/** An IAM error answer: the HTTP status and the query protocol's error code. */
export interface Fault {
  readonly status: number;
  readonly code: string;
  /** @default 'injected by the test' */
  readonly message?: string;
}

/** What to do to each IAM action. */
export interface FaultRules {
  /** Answer the call with this error instead of forwarding it. */
  readonly fault?: (action: string) => Fault | undefined;
  /** Runs before the call is forwarded: lets a test act "at the same moment" as the bundle. */
  readonly before?: (action: string) => Promise<void>;
}

/** Throttling, as IAM answers it: HTTP 400 with code Throttling. */
export const THROTTLING: Fault = { status: 400, code: 'Throttling' };
/** An internal error, as IAM answers it: HTTP 500 with code ServiceFailure. */
export const SERVICE_FAILURE: Fault = { status: 500, code: 'ServiceFailure' };
/** Unavailable, as an overloaded endpoint answers: HTTP 503 with code ServiceUnavailable. */
export const SERVICE_UNAVAILABLE: Fault = { status: 503, code: 'ServiceUnavailable' };

/** The answer IAM gives for a fault, in the query protocol's XML shape. */
export function iamErrorResponse(fault: Fault): ProxyResponse {
  const type = fault.status >= 500 ? 'Receiver' : 'Sender';
  const message = (fault.message ?? 'injected by the test').replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    status: fault.status,
    headers: { 'content-type': 'text/xml' },
    body: Buffer.from(
      `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>${type}</Type><Code>${fault.code}</Code><Message>${message}</Message></Error><RequestId>injected</RequestId></ErrorResponse>`,
    ),
  };
}

/** A hook that applies the rules to every IAM call: a fault answers in moto's place, `before` runs first. */
export function iamFaults(rules: FaultRules): ProxyHook {
  return {
    async onRequest(request) {
      if (request.call?.service !== 'iam') return undefined;
      const fault = rules.fault?.(request.call.action);
      if (fault !== undefined) return iamErrorResponse(fault);
      await rules.before?.(request.call.action);
      return undefined;
    },
  };
}

/** A proxy in front of moto (`targetUrl`) that applies the rules to IAM calls; with no rules it only counts them. */
export function startIamProxy(targetUrl: string, rules: FaultRules = {}): Promise<ProxyServer> {
  return startProxy({ targetUrl, hooks: [iamFaults(rules)] });
}
