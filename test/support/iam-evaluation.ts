/**
 * IAM's decision on one request, by an offline policy evaluator (@cloud-copilot/iam-simulate, AGPL-3.0: a test-only
 * dependency, never imported outside test/). The caller builds the request as AWS builds it (./request-context.ts);
 * the evaluator reports the context keys it ignored for the action, which the tests hold to none.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

/** IAM's answer. */
export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** One request as AWS authorises it: who, which action on which resource, and the request context. */
export interface AwsRequest {
  /** The principal: a role session's ARN (`arn:aws:sts::…:assumed-role/NAME/SESSION`), a user's, or a service principal. */
  readonly principal: string;
  readonly action: string;
  /** The resource's ARN, or `*` for the actions that have no resource type. */
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

/** A policy document, as JSON. */
export type PolicyJson = Readonly<Record<string, unknown>>;

/** The policies that bear on a request. */
export interface Policies {
  /** The principal's identity policies (none for a service principal). */
  readonly identity: readonly PolicyJson[];
  /** The resource's policy (a queue policy), if any. */
  readonly resource?: PolicyJson | undefined;
  /** Service control policies of the principal's account, from the root down; none outside an organization. */
  readonly scps?: readonly PolicyJson[];
}

/** IAM's decision, and the context keys the evaluator ignored as not applying to the action. */
export interface Evaluation {
  readonly decision: Decision;
  readonly ignoredContextKeys: readonly string[];
}

/** The SCP every organization starts with: without it (or an equivalent), an SCP only denies. */
export const FULL_AWS_ACCESS: PolicyJson = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** Evaluates one request. Throws when the evaluator refuses the input (an invalid policy, an unknown action). */
export async function evaluate(request: AwsRequest, policies: Policies): Promise<Evaluation> {
  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: request.resourceAccount },
      contextVariables: Object.fromEntries(
        Object.entries(request.context).map(([key, value]) => [key, typeof value === 'string' ? value : [...value]]),
      ),
    },
    identityPolicies: policies.identity.map((policy, index) => ({ name: `identity-${index}`, policy })),
    serviceControlPolicies:
      policies.scps === undefined
        ? []
        : [
            {
              orgIdentifier: 'r-root',
              policies: policies.scps.map((policy, index) => ({ name: `scp-${index}`, policy })),
            },
          ],
    resourceControlPolicies: [],
    ...(policies.resource === undefined ? {} : { resourcePolicy: policies.resource }),
  };
  const result = await runSimulation(simulation, {});
  if (result.resultType === 'error') {
    throw new Error(`The evaluator refused ${request.action} on ${request.resource}: ${JSON.stringify(result.errors)}`);
  }
  const ignored =
    result.resultType === 'single'
      ? (result.result.ignoredContextKeys ?? [])
      : result.results.flatMap((one) => one.ignoredContextKeys ?? []);
  return { decision: result.overallResult, ignoredContextKeys: [...new Set(ignored)] };
}
