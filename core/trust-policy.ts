/**
 * Reads a role's trust policy and answers one question: may EC2 assume this role?
 *
 * Pure: no SDK, no I/O. It never throws, whatever the input, because a document we cannot
 * read must lead to "no profile", not to a crashed batch.
 */

/** The service principals through which EC2 assumes a role, in the aws and aws-cn partitions. */
export const EC2_SERVICE_PRINCIPALS: readonly string[] = ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'];

/**
 * The trust policy the console writes for an EC2 role, and the one users paste into `assumeRole.json`
 * for `aws iam create-role`. The sandbox's scenario and the tests use it.
 */
export const EC2_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
} as const;

const ASSUME_ROLE = 'sts:assumerole';

/** Why a trust policy does or does not let EC2 assume the role. */
export type TrustVerdict =
  | { readonly ec2: true; readonly statement: string }
  | { readonly ec2: false; readonly reason: 'unreadable' | 'no-ec2-allow' | 'denied'; readonly statement?: string };

type Statement = Readonly<Record<string, unknown>>;

/**
 * Parses a policy document given as an object, a JSON string, or a URL-encoded JSON string
 * (the form GetRole returns). Returns `undefined` for anything that is not a JSON object.
 */
export function parsePolicyDocument(document: unknown): Readonly<Record<string, unknown>> | undefined {
  if (isRecord(document)) return document;
  if (typeof document !== 'string') return undefined;
  const parsed = parseJson(document) ?? parseJson(safeDecodeUri(document));
  return isRecord(parsed) ? parsed : undefined;
}

/** The statements of a parsed policy. `Statement` may be one object or an array; anything else counts as none. */
export function statementsOf(policy: Readonly<Record<string, unknown>>): readonly Statement[] {
  const raw = policy.Statement;
  const list = Array.isArray(raw) ? raw : [raw];
  return list.filter(isRecord);
}

/**
 * Decides whether the trust policy lets EC2 assume the role:
 * - some Allow statement names `ec2.amazonaws.com` (or `.cn`) in `Principal.Service` and has an
 *   `Action` matching `sts:AssumeRole` under IAM's wildcard rules;
 * - no Deny statement without a `Condition` (an empty one counts as none) covers that principal and action.
 *
 * `Principal: "*"`, AWS or Federated principals alone, `NotAction` and `NotPrincipal` never count as EC2 trust.
 * A `Condition` on the Allow does not stop the profile: the console creates one regardless.
 */
export function evaluateEc2Trust(document: unknown): TrustVerdict {
  const policy = parsePolicyDocument(document);
  if (policy === undefined) return { ec2: false, reason: 'unreadable' };
  const statements = statementsOf(policy);

  const allows = statements.filter(isEc2Allow);
  if (allows.length === 0) return { ec2: false, reason: 'no-ec2-allow' };

  // IAM evaluates Deny for the principal actually assuming the role, so EC2 may assume it when any
  // EC2 principal named by an Allow is left uncovered by every unconditional Deny.
  let firstDeny: Statement | undefined;
  for (const allow of allows) {
    for (const service of servicesOf(allow.Principal).filter(isEc2Service)) {
      const deny = statements.find((s) => deniesAssumeRole(s, service));
      if (deny === undefined) return { ec2: true, statement: label(allow, statements) };
      firstDeny ??= deny;
    }
  }
  return { ec2: false, reason: 'denied', statement: firstDeny && label(firstDeny, statements) };
}

function isEc2Allow(statement: Statement): boolean {
  if (statement.Effect !== 'Allow') return false;
  if ('NotAction' in statement || 'NotPrincipal' in statement) return false;
  return servicesOf(statement.Principal).some(isEc2Service) && actionsOf(statement.Action).some(matchesAssumeRole);
}

function deniesAssumeRole(statement: Statement, service: string): boolean {
  if (statement.Effect !== 'Deny' || hasCondition(statement)) return false;
  const actionCovered =
    'NotAction' in statement
      ? !actionsOf(statement.NotAction).some(matchesAssumeRole)
      : actionsOf(statement.Action).some(matchesAssumeRole);
  const principalCovered =
    'NotPrincipal' in statement
      ? !principalNames(statement.NotPrincipal).some((p) => wildcardMatch(p, service))
      : principalNames(statement.Principal).some((p) => wildcardMatch(p, service));
  return actionCovered && principalCovered;
}

/** A condition block with at least one operator; `Condition: {}` constrains nothing, so it always matches. */
function hasCondition(statement: Statement): boolean {
  const condition = statement.Condition;
  return condition !== undefined && !(isRecord(condition) && Object.keys(condition).length === 0);
}

/** `Principal.Service` values only: the one field that can name EC2 in an Allow. */
function servicesOf(principal: unknown): readonly string[] {
  if (!isRecord(principal)) return [];
  return stringsOf(principal.Service);
}

/**
 * Every principal name a Deny could apply to the EC2 service with: `"*"`, `{"AWS": "*"}` (equivalent
 * to `"*"`) and any Service value. Over-matching a Deny only ever withholds a profile, the safe side.
 */
function principalNames(principal: unknown): readonly string[] {
  if (typeof principal === 'string' && principal.trim() === '*') return ['*'];
  if (!isRecord(principal)) return [];
  const anyone = stringsOf(principal.AWS).some((name) => name.trim() === '*') ? ['*'] : [];
  // Trimmed as for an Allow: IAM reads the same principal either way, so a Deny must cover it the same way.
  return [...anyone, ...stringsOf(principal.Service).map((name) => name.trim())];
}

function actionsOf(action: unknown): readonly string[] {
  return stringsOf(action);
}

function stringsOf(value: unknown): readonly string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function isEc2Service(service: string): boolean {
  return EC2_SERVICE_PRINCIPALS.includes(service.trim().toLowerCase());
}

function matchesAssumeRole(action: string): boolean {
  return wildcardMatch(action, ASSUME_ROLE);
}

/**
 * IAM's wildcard match: `*` is any run of characters, `?` any one, case-insensitive, whole string.
 * Iterative with backtracking to the last `*`, so it runs in linear-ish time on hostile patterns.
 */
export function wildcardMatch(pattern: string, value: string): boolean {
  const p = pattern.toLowerCase();
  const v = value.toLowerCase();
  let pi = 0;
  let vi = 0;
  let star = -1;
  let mark = 0;
  while (vi < v.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === v[vi])) {
      pi++;
      vi++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = vi;
    } else if (star !== -1) {
      pi = star + 1;
      vi = ++mark;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}

function label(statement: Statement, all: readonly Statement[]): string {
  return typeof statement.Sid === 'string' && statement.Sid !== '' ? statement.Sid : `#${all.indexOf(statement)}`;
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function safeDecodeUri(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
