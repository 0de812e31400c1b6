/**
 * Requests built the way AWS builds them, for the policy evaluator (./iam-evaluation.ts), which fills in nothing by
 * itself: who calls (a role's session carries the role's ARN in `aws:PrincipalArn` and its account in
 * `aws:PrincipalAccount`; a service principal such as EventBridge carries the rule in `aws:SourceArn`), over which
 * transport (`aws:SecureTransport`), on which resource (its tags in `aws:ResourceTag/…`), with which tags in the
 * request (`aws:RequestTag/…` and `aws:TagKeys`), and PassRole's `iam:PassedToService`. And the checks AWS adds on its
 * own to some calls ({@link authorisedRequests}): a call is allowed only if every request it makes is.
 */
import type { AwsRequest } from './iam-evaluation.js';

/** Who calls: a principal as AWS sees it. */
export interface Caller {
  /** The evaluated principal: a role session's ARN, a user's ARN, or a service principal (`events.amazonaws.com`). */
  readonly principal: string;
  /** The principal's keys: `aws:PrincipalArn`, `aws:PrincipalAccount`, or a service's `aws:SourceArn`, `aws:SourceAccount`. */
  readonly context: Readonly<Record<string, string>>;
}

/** Tags, by key. */
export type Tags = Readonly<Record<string, string>>;

/** The parts of a role's ARN: `arn:<partition>:iam::<account>:role<path><name>`. */
function roleParts(roleArn: string): { partition: string; account: string; name: string } {
  const match = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (match === null) throw new Error(`not a role ARN: ${roleArn}`);
  return { partition: match[1] ?? '', account: match[2] ?? '', name: match[3] ?? '' };
}

/**
 * A session of a role, as when a Lambda function or a person calls with the role's credentials: the principal is the
 * session (`assumed-role/NAME/SESSION`, no path), and `aws:PrincipalArn` the role's ARN, path included.
 */
export function roleSession(roleArn: string, session = 'session'): Caller {
  const { partition, account, name } = roleParts(roleArn);
  return {
    principal: `arn:${partition}:sts::${account}:assumed-role/${name}/${session}`,
    context: { 'aws:PrincipalArn': roleArn, 'aws:PrincipalAccount': account },
  };
}

/** An IAM user of an account (or the account's root when `name` is `root`). */
export function userCaller(partition: string, account: string, name: string): Caller {
  const arn =
    name === 'root' ? `arn:${partition}:iam::${account}:root` : `arn:${partition}:iam::${account}:user/${name}`;
  return { principal: arn, context: { 'aws:PrincipalArn': arn, 'aws:PrincipalAccount': account } };
}

/**
 * EventBridge delivering a rule's event to its target: the service principal, with the rule as `aws:SourceArn` and
 * the rule's account as `aws:SourceAccount` (the EventBridge User Guide's "Amazon SQS permissions").
 */
export function eventBridgeRule(ruleArn: string): Caller {
  const account = ruleArn.split(':')[4] ?? '';
  return { principal: 'events.amazonaws.com', context: { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': account } };
}

/** What a request is about, beyond its action. */
export interface RequestFacts {
  readonly caller: Caller;
  readonly action: string;
  /** The resource's ARN, or `*`. */
  readonly resource: string;
  /** The resource's tags as they are when the request is made; none for a resource that does not exist yet. */
  readonly resourceTags?: Tags;
  /** Tags the request sets (CreateInstanceProfile's `Tags`, TagInstanceProfile's). */
  readonly requestTags?: Tags;
  /** Tag keys the request removes (UntagInstanceProfile's `TagKeys`). */
  readonly removedTagKeys?: readonly string[];
  /** PassRole: the service the role is passed to. */
  readonly passedToService?: string;
  /** `false` for a request over plain HTTP. @default true */
  readonly secureTransport?: boolean;
}

/** The account of an ARN, or of the caller for `*`. */
function accountOf(resource: string, caller: Caller): string {
  const account = resource === '*' ? undefined : resource.split(':')[4];
  return account === undefined || account === '' ? (caller.context['aws:PrincipalAccount'] ?? '') : account;
}

/** One request with its context, as AWS builds it from the facts. */
export function request(facts: RequestFacts): AwsRequest {
  const context: Record<string, string | readonly string[]> = {
    ...facts.caller.context,
    'aws:SecureTransport': facts.secureTransport === false ? 'false' : 'true',
  };
  for (const [key, value] of Object.entries(facts.resourceTags ?? {})) context[`aws:ResourceTag/${key}`] = value;
  if (facts.requestTags !== undefined) {
    for (const [key, value] of Object.entries(facts.requestTags)) context[`aws:RequestTag/${key}`] = value;
    context['aws:TagKeys'] = Object.keys(facts.requestTags);
  }
  if (facts.removedTagKeys !== undefined) context['aws:TagKeys'] = [...facts.removedTagKeys];
  if (facts.passedToService !== undefined) context['iam:PassedToService'] = facts.passedToService;
  return {
    principal: facts.caller.principal,
    action: facts.action,
    resource: facts.resource,
    resourceAccount: accountOf(facts.resource, facts.caller),
    context,
  };
}

/** EC2's service principal in a partition: what `iam:PassedToService` holds when a role goes into an instance profile. */
export function ec2Principal(partition: string): string {
  return partition === 'aws-cn' ? 'ec2.amazonaws.com.cn' : 'ec2.amazonaws.com';
}

/** The ARN of the role a request names, in the resource's partition and account. */
function roleArnBeside(resource: string, roleName: string): string {
  const [, partition, , , account] = resource.split(':');
  return `arn:${partition}:iam::${account}:role/${roleName}`;
}

/**
 * Every request AWS authorises for one API call, and so every request the caller must be allowed:
 * - CreateInstanceProfile (and CreateRole) with tags: also TagInstanceProfile (TagRole) on the new resource, whose
 *   tags are the request's;
 * - AddRoleToInstanceProfile: also PassRole on the role, to EC2 (the IAM API Reference: "The caller of this operation
 *   must be granted the PassRole permission on the IAM role");
 * - SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch: authorised as SendMessage, DeleteMessage and
 *   ChangeMessageVisibility (the SQS Developer Guide's "Amazon SQS batch actions");
 * - GetCallerIdentity: nothing ("No permissions are required", the STS API Reference).
 * docs/security.md ("What the evaluator does not model") lists them with their sources.
 */
export function authorisedRequests(facts: RequestFacts & { readonly roleName?: string }): AwsRequest[] {
  const [service, name] = facts.action.split(':');
  if (facts.action === 'sts:GetCallerIdentity') return [];
  if (service === 'sqs' && name?.endsWith('Batch')) {
    return [request({ ...facts, action: `sqs:${name.slice(0, -'Batch'.length)}` })];
  }
  const requests = [request(facts)];
  const tagOnCreate: Readonly<Record<string, string>> = {
    'iam:CreateInstanceProfile': 'iam:TagInstanceProfile',
    'iam:CreateRole': 'iam:TagRole',
  };
  const tagAction = tagOnCreate[facts.action];
  if (tagAction !== undefined && facts.requestTags !== undefined && Object.keys(facts.requestTags).length > 0) {
    requests.push(request({ ...facts, action: tagAction, resourceTags: facts.requestTags }));
  }
  if (facts.action === 'iam:AddRoleToInstanceProfile') {
    if (facts.roleName === undefined) throw new Error('AddRoleToInstanceProfile needs the role it adds');
    const partition = facts.resource.split(':')[1] ?? 'aws';
    requests.push(
      request({
        caller: facts.caller,
        action: 'iam:PassRole',
        resource: roleArnBeside(facts.resource, facts.roleName),
        passedToService: ec2Principal(partition),
        ...(facts.secureTransport === undefined ? {} : { secureTransport: facts.secureTransport }),
      }),
    );
  }
  return requests;
}
