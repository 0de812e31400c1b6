/**
 * Every CLI run of the tests, checked against the policy the CLI prints for its command: a recording proxy sits in
 * front of each endpoint the run is given (moto, or a test's own proxy in front of it) and keeps every call, with
 * what AWS would know when it authorises it (the caller, the resource, the profile's tags as they are before the call,
 * an invoked function's tags, the request's tags, the resource's own policy: an assumed role's trust, the ownership table's policy); afterwards
 * each call must be an action of `auto-instance-profile policy COMMAND` and the IAM policy evaluator must allow every
 * request AWS makes of it. Calls made with credentials from an AssumeRole are held to the assumed role's side of the
 * policy: the member role's (`policy COMMAND --org --member`) in member accounts, the operator role's
 * (`policy COMMAND --operator`) for a role on the service's path, which `fix` and `confirm` write the record through.
 */
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { SERVICE_ROLE_PATH } from '../../../core/pipeline-settings.js';
import {
  type AwsCall,
  type ProxyHook,
  type ProxyServer,
  startProxy,
  TEST_READ_HEADER,
} from '../../../emulator/proxy.js';
import { BUNDLES } from '../../../toolchain/bundles.mjs';
import { evaluate, type PolicyJson } from '../../support/iam-evaluation.js';
import {
  authorisedRequests,
  type Caller,
  type RequestFacts,
  roleSession,
  type Tags,
  userCaller,
} from '../../support/request-context.js';

/** One call a CLI run made, with what AWS would have known when authorising it. */
export interface RecordedCall {
  /** `iam:CreateInstanceProfile`, `sqs:GetQueueAttributes` … */
  readonly action: string;
  /** The query protocol's parameters, or the JSON protocols' body. */
  readonly params: Readonly<Record<string, string>>;
  readonly body: Readonly<Record<string, unknown>>;
  readonly accessKeyId: string;
  /** The region the request was signed for. */
  readonly region?: string;
  /** The instance profile's ARN and tags before the call, where it acts on an existing one. */
  readonly profile?: { readonly arn: string; readonly tags: Tags };
  /** The Lambda function's ARN and tags, where the call invokes one (`fix`'s hand-over: its grant is on a tag). */
  readonly function?: { readonly arn: string; readonly tags: Tags };
  /**
   * The resource's own policy as AWS reads it beside the caller's: the trust policy of a role of the caller's account
   * that AssumeRole names, the ownership table's resource policy. Undefined when it has none, or cannot be read here.
   */
  readonly resourcePolicy?: PolicyJson;
}

/** Which side of a command's policy a call is held to: its caller's, the member role's, the operator role's. */
export type PolicySide = 'caller' | 'member' | 'operator';

/** Who each access key is, learnt from the run's own GetCallerIdentity and AssumeRole answers. */
interface Identity {
  readonly arn: string;
  readonly account: string;
  readonly side: PolicySide;
  /** The role assumed, its path included, as the AssumeRole request named it. */
  readonly roleArn?: string;
}

/** A run's recording: the calls, the identities, and what Organizations answered (its id and management account). */
export interface Recording {
  readonly calls: RecordedCall[];
  readonly identities: Map<string, Identity>;
  /** The tables' resource policies, read once per table. */
  readonly tablePolicies?: Map<string, Promise<PolicyJson | undefined>>;
  organization?: { readonly id: string; readonly managementAccount: string };
}

/** The environment variables that point an SDK client at an endpoint. */
const ENDPOINT_VARIABLE = /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/;

/** Whether something listens at the URL's host and port (a closed port stays closed: a test's point). */
function listening(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port || 80) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts one recording proxy per endpoint the environment names (and that listens), and returns the environment
 * pointed at them. What AWS would know of a call (a profile's tags, a role's trust, a table's policy) is read from
 * `AWS_ENDPOINT_URL` (moto, or a test's own proxy in front of it) marked with {@link TEST_READ_HEADER}, so that a
 * test's proxy neither counts these reads nor lets its hooks act on them.
 */
export async function recordEndpoints(
  env: Readonly<Record<string, string>>,
): Promise<{ env: Record<string, string>; recording: Recording; close: () => Promise<void> }> {
  const recording: Recording = { calls: [], identities: new Map(), tablePolicies: new Map() };
  const direct = env.AWS_ENDPOINT_URL;
  const proxies = new Map<string, ProxyServer>();
  const recorded = { ...env };
  for (const [name, url] of Object.entries(env)) {
    if (!ENDPOINT_VARIABLE.test(name) || !/^https?:\/\//.test(url) || !(await listening(url))) continue;
    let proxy = proxies.get(url);
    if (proxy === undefined) {
      proxy = await startProxy({ targetUrl: url, hooks: [recorder(recording, direct ?? url)] });
      proxies.set(url, proxy);
    }
    recorded[name] = proxy.url;
  }
  return {
    env: recorded,
    recording,
    close: async () => {
      await Promise.all([...proxies.values()].map((proxy) => proxy.close()));
    },
  };
}

/** IAM actions that act on an existing instance profile, whose tags AWS puts in the request's context. */
const ON_EXISTING_PROFILE = new Set([
  'AddRoleToInstanceProfile',
  'RemoveRoleFromInstanceProfile',
  'DeleteInstanceProfile',
  'TagInstanceProfile',
  'UntagInstanceProfile',
  'GetInstanceProfile',
]);

/** Lambda's REST operations the CLI may call, by method and path. */
const LAMBDA_REST: readonly [RegExp, string, string][] = [
  [/^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, 'GET', 'GetFunctionConfiguration'],
  [/^\/2015-03-31\/event-source-mappings\/?$/, 'GET', 'ListEventSourceMappings'],
  [/^\/2015-03-31\/event-source-mappings\/([^/]+)\/?$/, 'PUT', 'UpdateEventSourceMapping'],
  [/^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, 'POST', 'InvokeFunction'],
];

/** The services whose SigV4 signing name is not their IAM prefix: CloudWatch signs as `monitoring`. */
const IAM_PREFIX: Readonly<Record<string, string>> = { monitoring: 'cloudwatch' };

/** Lambda's actions that AWS authorises on the function's tags (`aws:ResourceTag/…`), which the check reads first. */
const ON_TAGGED_FUNCTION = new Set(['InvokeFunction']);

function recorder(recording: Recording, direct: string): ProxyHook {
  return {
    async onRequest(request) {
      const authorization = String(request.headers.authorization ?? '');
      const credential = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(authorization);
      const signedAs = request.call?.service ?? credential?.[3];
      const service = signedAs === undefined ? undefined : (IAM_PREFIX[signedAs] ?? signedAs);
      const region = credential?.[2];
      const accessKeyId = request.call?.accessKeyId ?? credential?.[1] ?? 'anonymous';
      let action = request.call?.action;
      const body = parseJson(request.body);
      const params = Object.fromEntries(request.call?.params ?? []);
      if (action === undefined && service === 'lambda') {
        const path = new URL(request.url, 'http://proxy').pathname;
        const found = LAMBDA_REST.find(([pattern, method]) => method === request.method && pattern.test(path));
        action = found?.[2];
        const id = found === undefined ? undefined : decodeURIComponent(found[0].exec(path)?.[1] ?? '');
        if (action === 'GetFunctionConfiguration' || action === 'InvokeFunction') body.FunctionName = id;
        if (action === 'UpdateEventSourceMapping') body.UUID = id;
      }
      if (service === undefined || action === undefined) {
        recording.calls.push({ action: `unknown:${request.method} ${request.url}`, params, body, accessKeyId });
        return undefined;
      }
      const profileName = params.InstanceProfileName;
      const profile =
        service === 'iam' && ON_EXISTING_PROFILE.has(action) && profileName !== undefined
          ? await readProfile(direct, authorization, profileName)
          : undefined;
      const functionName = typeof body.FunctionName === 'string' ? body.FunctionName : undefined;
      const lambdaFunction =
        service === 'lambda' && ON_TAGGED_FUNCTION.has(action) && functionName !== undefined
          ? await readFunction(direct, authorization, functionName)
          : undefined;
      const tableName = typeof body.TableName === 'string' ? body.TableName : undefined;
      const resourcePolicy =
        service === 'sts' && action === 'AssumeRole' && params.RoleArn !== undefined
          ? await readTrustPolicy(direct, authorization, params.RoleArn)
          : service === 'dynamodb' && tableName !== undefined
            ? await tablePolicy(recording, direct, authorization, tableName)
            : undefined;
      recording.calls.push({
        action: `${service}:${action}`,
        params,
        body,
        accessKeyId,
        ...(region === undefined ? {} : { region }),
        ...(profile === undefined ? {} : { profile }),
        ...(lambdaFunction === undefined ? {} : { function: lambdaFunction }),
        ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
      });
      return undefined;
    },
    onResponse(request, response) {
      learn(recording, request.call, response.body.toString('utf8'));
      return undefined;
    },
  };
}

function parseJson(body: Buffer): Record<string, unknown> {
  if (body.length === 0 || body[0] !== 0x7b) return {};
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/**
 * The identities and the organization a run's answers reveal. Credentials from AssumeRole are the operator role's when
 * the role is on the service's path (where the stack puts it), else a member account's role.
 */
function learn(recording: Recording, call: AwsCall | undefined, text: string): void {
  const { action, accessKeyId } = call ?? {};
  if (action === 'GetCallerIdentity' && accessKeyId !== undefined) {
    const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
    const account = /<Account>([^<]+)<\/Account>/.exec(text)?.[1];
    if (arn !== undefined && account !== undefined && !recording.identities.has(accessKeyId)) {
      recording.identities.set(accessKeyId, { arn, account, side: 'caller' });
    }
  }
  if (action === 'AssumeRole') {
    const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(text)?.[1];
    const arn = /<Arn>(arn:[^<]+:assumed-role\/[^<]+)<\/Arn>/.exec(text)?.[1];
    const roleArn = call?.params.find(([name]) => name === 'RoleArn')?.[1];
    if (key !== undefined && arn !== undefined) {
      const side = roleArn?.includes(`:role${SERVICE_ROLE_PATH}`) === true ? 'operator' : 'member';
      recording.identities.set(key, {
        arn,
        account: arn.split(':')[4] ?? '',
        side,
        ...(roleArn === undefined ? {} : { roleArn }),
      });
    }
  }
  const organization = /"arn:[^:"]+:organizations::(\d{12}):(?:account|ou|root)\/(o-[a-z0-9]+)\//.exec(text);
  if (organization !== null && recording.organization === undefined) {
    recording.organization = { managementAccount: organization[1] ?? '', id: organization[2] ?? '' };
  }
}

/** The profile's ARN and tags, read from moto as the caller (moto tells accounts apart by the access key). */
async function readProfile(
  endpoint: string,
  authorization: string,
  name: string,
): Promise<{ arn: string; tags: Tags } | undefined> {
  const body = new URLSearchParams({ Action: 'GetInstanceProfile', Version: '2010-05-08', InstanceProfileName: name });
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      [TEST_READ_HEADER]: 'policy-check',
      authorization: authorization.replace(/\/[^/]+\/aws4_request/, '/iam/aws4_request'),
    },
    body,
  });
  const text = await response.text();
  if (!response.ok) return undefined;
  // The profile's own elements: its roles carry an Arn and Tags of their own.
  const own = text.replace(/<Roles>[\s\S]*<\/Roles>/, '');
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(own)?.[1];
  const tags: Record<string, string> = {};
  const tagList = /<Tags>([\s\S]*?)<\/Tags>/.exec(own)?.[1] ?? '';
  for (const [, key, value] of tagList.matchAll(/<Key>([^<]*)<\/Key>\s*<Value>([^<]*)<\/Value>/g)) {
    tags[decodeXml(key ?? '')] = decodeXml(value ?? '');
  }
  return arn === undefined ? undefined : { arn, tags };
}

/** The function's ARN and tags, read from moto as the caller (GetFunction), in the region the call was signed for. */
async function readFunction(
  endpoint: string,
  authorization: string,
  name: string,
): Promise<{ arn: string; tags: Tags } | undefined> {
  const url = new URL(`/2015-03-31/functions/${encodeURIComponent(name)}`, endpoint);
  const response = await fetch(url, { headers: { [TEST_READ_HEADER]: 'policy-check', authorization } });
  if (!response.ok) return undefined;
  const answer = (await response.json()) as {
    Configuration?: { FunctionArn?: string };
    Tags?: Record<string, string>;
  };
  const arn = answer.Configuration?.FunctionArn;
  return arn === undefined ? undefined : { arn, tags: answer.Tags ?? {} };
}

/**
 * The trust policy of the role AssumeRole names, read from moto as the caller (moto tells accounts apart by the access
 * key): so only a role of the caller's own account, the operator role; undefined for another account's.
 */
async function readTrustPolicy(
  endpoint: string,
  authorization: string,
  roleArn: string,
): Promise<PolicyJson | undefined> {
  const name = roleArn.split('/').pop() ?? '';
  const body = new URLSearchParams({ Action: 'GetRole', Version: '2010-05-08', RoleName: name });
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      [TEST_READ_HEADER]: 'policy-check',
      authorization: authorization.replace(/\/[^/]+\/[^/]+\/aws4_request/, '/us-east-1/iam/aws4_request'),
    },
    body,
  });
  const text = await response.text();
  if (!response.ok) return undefined;
  const arn = /<Arn>([^<]+)<\/Arn>/.exec(text)?.[1];
  const document = /<AssumeRolePolicyDocument>([^<]*)<\/AssumeRolePolicyDocument>/.exec(text)?.[1];
  if (arn !== roleArn || document === undefined) return undefined;
  return JSON.parse(decodeURIComponent(decodeXml(document))) as PolicyJson;
}

/** A table's resource policy, read from moto once per table (DescribeTable for its ARN, then GetResourcePolicy). */
function tablePolicy(
  recording: Recording,
  endpoint: string,
  authorization: string,
  tableName: string,
): Promise<PolicyJson | undefined> {
  const cache = recording.tablePolicies ?? new Map<string, Promise<PolicyJson | undefined>>();
  let found = cache.get(tableName);
  if (found === undefined) {
    found = readTablePolicy(endpoint, authorization, tableName);
    cache.set(tableName, found);
  }
  return found;
}

async function readTablePolicy(endpoint: string, authorization: string, tableName: string) {
  const call = async (target: string, body: Record<string, string>) => {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.0',
        [TEST_READ_HEADER]: 'policy-check',
        'x-amz-target': `DynamoDB_20120810.${target}`,
        authorization,
      },
      body: JSON.stringify(body),
    });
    return response.ok ? ((await response.json()) as Record<string, unknown>) : undefined;
  };
  const described = await call('DescribeTable', { TableName: tableName });
  const arn = (described?.Table as { TableArn?: string } | undefined)?.TableArn;
  if (arn === undefined) return undefined;
  const policy = await call('GetResourcePolicy', { ResourceArn: arn });
  return typeof policy?.Policy === 'string' ? (JSON.parse(policy.Policy) as PolicyJson) : undefined;
}

function decodeXml(text: string): string {
  return text
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&apos;', "'")
    .replaceAll('&amp;', '&');
}

/** The command form a CLI run's arguments name (`release --delete`), as `policy` takes it; undefined for none. */
export function commandForm(args: readonly string[]): string[] | undefined {
  const [command] = args;
  if (command === undefined || command.startsWith('-') || command === 'help' || command === 'policy') return undefined;
  const flags = ['--delete', '--smoke', '--org'].filter((flag) => args.includes(flag));
  const roleName = args[args.indexOf('--role-name') + 1];
  return [
    command,
    ...flags,
    ...(args.includes('--role-name') && roleName !== undefined ? ['--role-name', roleName] : []),
  ];
}

const policies = new Map<string, Promise<PolicyJson>>();

/** The policy the built CLI prints for a command form's side, once per form, side and region. */
function printedPolicy(form: readonly string[], side: PolicySide, region: string): Promise<PolicyJson> {
  const flag = { caller: [], member: ['--member'], operator: ['--operator'] }[side];
  const args = ['policy', ...form, ...flag, '--region', region];
  const key = args.join(' ');
  let found = policies.get(key);
  if (found === undefined) {
    found = promisify(execFile)(process.execPath, [BUNDLES.cli.path, ...args]).then(
      ({ stdout }) => JSON.parse(stdout) as PolicyJson,
    );
    policies.set(key, found);
  }
  return found;
}

/** The actions a policy document allows. */
function actionsOf(policy: PolicyJson): Set<string> {
  const statements = policy.Statement as { Action: string | string[] }[];
  return new Set(statements.flatMap((statement) => statement.Action));
}

/**
 * What is wrong with a run's calls, one line each: a call outside its command's policy, or a request of it that the
 * evaluator does not allow under that policy. Empty when every call is allowed.
 */
export async function callsOutsidePolicy(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  recording: Recording,
): Promise<string[]> {
  const form = commandForm(args);
  const calls = recording.calls.filter((call) => call.action !== 'sts:GetCallerIdentity');
  if (form === undefined) return calls.map((call) => `${call.action}: made by a run that names no command`);
  const regionFlag = args[args.indexOf('--region') + 1];
  const region =
    (args.includes('--region') ? regionFlag : undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const problems: string[] = [];
  await Promise.all(
    calls.map(async (call) => {
      const identity = recording.identities.get(call.accessKeyId);
      if (identity === undefined) {
        problems.push(`${call.action}: made with credentials the run never showed to STS (${call.accessKeyId})`);
        return;
      }
      const { side } = identity;
      const policy = await printedPolicy(form, side, region);
      const name = `${form.join(' ')}${side === 'caller' ? '' : ` --${side}`}`;
      if (!actionsOf(policy).has(call.action)) {
        problems.push(`${call.action}: not in the policy of "${name}"`);
        return;
      }
      const facts = factsOf(call, identity, region, recording);
      for (const request of authorisedRequests(facts)) {
        const resource =
          request.action === 'sts:AssumeRole'
            ? (call.resourcePolicy ?? memberTrustPolicy(identity))
            : call.resourcePolicy;
        const { decision } = await evaluate(request, { identity: [policy], resource });
        if (decision !== 'Allowed') {
          problems.push(
            `${call.action}: ${request.action} on ${request.resource} is ${decision} by the policy of "${name}"`,
          );
        }
      }
    }),
  );
  return problems;
}

/**
 * The trust policy of the role `--org` assumes in another account (which this check cannot read from moto as the
 * caller), which AWS evaluates beside the caller's own: the caller's account, as Organizations writes it for
 * OrganizationAccountAccessRole and infra/org-access-role.ts for its role. The member side is not the printed
 * policy's to grant; this is what it must be for the caller's policy to be enough.
 */
function memberTrustPolicy(caller: Identity): PolicyJson {
  const partition = caller.arn.split(':')[1] ?? 'aws';
  return {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${caller.account}:root` }, Action: 'sts:AssumeRole' },
    ],
  };
}

/** The caller as AWS sees it: a role's session (its role's ARN in aws:PrincipalArn, path included), or a user. */
function callerOf(identity: Identity): Caller {
  const assumed = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(identity.arn);
  if (assumed !== null) {
    // The session's ARN has no path: the role's is the one AssumeRole named, else taken to be `/`.
    const caller = roleSession(identity.roleArn ?? `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`);
    return { ...caller, principal: identity.arn };
  }
  // moto names its default user arn:aws:sts::…:user/moto; AWS says iam.
  const user = /^arn:([^:]+):(?:iam|sts)::(\d{12}):(?:user\/(?:.*\/)?([^/]+)|root)$/.exec(identity.arn);
  if (user === null) throw new Error(`cannot tell who ${identity.arn} is`);
  return userCaller(user[1] ?? 'aws', user[2] ?? '', user[3] ?? 'root');
}

/** Tags in the query protocol's list form: `Tags.member.1.Key` … */
function tagsOf(params: Readonly<Record<string, string>>): Tags | undefined {
  const tags: Record<string, string> = {};
  for (const [name, key] of Object.entries(params)) {
    const match = /^Tags\.member\.(\d+)\.Key$/.exec(name);
    if (match !== null) tags[key] = params[`Tags.member.${match[1]}.Value`] ?? '';
  }
  return Object.keys(tags).length === 0 ? undefined : tags;
}

function listOf(params: Readonly<Record<string, string>>, prefix: string): string[] {
  return Object.entries(params)
    .filter(([name]) => name.startsWith(`${prefix}.member.`))
    .map(([, value]) => value);
}

/** What AWS authorises a recorded call against: its resource, and the tags and roles the request names. */
function factsOf(
  call: RecordedCall,
  identity: Identity,
  region: string,
  recording: Recording,
): RequestFacts & { roleName?: string } {
  const caller = callerOf(identity);
  const partition = identity.arn.split(':')[1] ?? 'aws';
  const account = identity.account;
  const { params, body } = call;
  const [service = '', action = ''] = call.action.split(':');
  const base = { caller, action: call.action };
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  switch (service) {
    case 'iam': {
      const requestTags = tagsOf(params);
      const removed = listOf(params, 'TagKeys');
      const profile = params.InstanceProfileName;
      const role = params.RoleName;
      const resource =
        profile !== undefined
          ? (call.profile?.arn ?? `arn:${partition}:iam::${account}:instance-profile${params.Path ?? '/'}${profile}`)
          : role !== undefined
            ? `arn:${partition}:iam::${account}:role${params.Path ?? '/'}${role}`
            : '*';
      return {
        ...base,
        resource,
        ...(call.profile === undefined ? {} : { resourceTags: call.profile.tags }),
        ...(requestTags === undefined ? {} : { requestTags }),
        ...(removed.length === 0 ? {} : { removedTagKeys: removed }),
        ...(role !== undefined && profile !== undefined ? { roleName: role } : {}),
      };
    }
    case 'sts':
      return { ...base, resource: params.RoleArn ?? '*' };
    case 'cloudformation': {
      const stack = params.StackName;
      if (action === 'DescribeStacks') {
        return {
          ...base,
          resource:
            stack === undefined
              ? '*'
              : stack.startsWith('arn:')
                ? stack
                : `arn:${partition}:cloudformation:${region}:${account}:stack/${stack}/00000000-0000-0000-0000-000000000000`,
        };
      }
      return {
        ...base,
        resource: `arn:${partition}:cloudformation:${region}:${account}:stackset/${params.StackSetName}:00000000-0000-0000-0000-000000000000`,
      };
    }
    case 'organizations': {
      const parent = text(body.ParentId);
      if (parent === undefined) return { ...base, resource: '*' };
      const organization = recording.organization;
      if (organization === undefined) throw new Error(`${call.action}: the organization was never seen in an answer`);
      const kind = parent.startsWith('r-') ? 'root' : 'ou';
      return {
        ...base,
        resource: `arn:${partition}:organizations::${organization.managementAccount}:${kind}/${organization.id}/${parent}`,
      };
    }
    case 'cloudtrail': {
      const trail = text(body.Name) ?? text(body.TrailName);
      if (trail === undefined) return { ...base, resource: '*' };
      return {
        ...base,
        resource: trail.startsWith('arn:') ? trail : `arn:${partition}:cloudtrail:${region}:${account}:trail/${trail}`,
      };
    }
    case 'events':
      return { ...base, resource: `arn:${partition}:events:${region}:${account}:rule/${text(body.Name) ?? ''}` };
    case 'sqs': {
      const [queueAccount = account, queueName = ''] = new URL(text(body.QueueUrl) ?? 'http://x/').pathname
        .split('/')
        .filter((part) => part !== '')
        .slice(-2);
      return { ...base, resource: `arn:${partition}:sqs:${region}:${queueAccount}:${queueName}` };
    }
    case 'lambda':
      // ListEventSourceMappings has no resource type; a mapping is named by its UUID.
      if (action === 'ListEventSourceMappings') return { ...base, resource: '*' };
      if (action === 'UpdateEventSourceMapping') {
        return {
          ...base,
          resource: `arn:${partition}:lambda:${call.region ?? region}:${account}:event-source-mapping:${text(body.UUID) ?? ''}`,
        };
      }
      return {
        ...base,
        resource:
          call.function?.arn ??
          `arn:${partition}:lambda:${call.region ?? region}:${account}:function:${text(body.FunctionName) ?? ''}`,
        ...(call.function === undefined ? {} : { resourceTags: call.function.tags }),
      };
    case 'logs':
      // FilterLogEvents names its log group by name (as `decisions` calls it) or by ARN.
      return {
        ...base,
        resource:
          text(body.logGroupIdentifier) ??
          `arn:${partition}:logs:${call.region ?? region}:${account}:log-group:${text(body.logGroupName) ?? ''}`,
      };
    case 'cloudwatch':
      // GetMetricData has no resource type.
      return { ...base, resource: '*' };
    case 'dynamodb':
      return {
        ...base,
        resource: `arn:${partition}:dynamodb:${call.region ?? region}:${account}:table/${text(body.TableName) ?? ''}`,
      };
    default:
      throw new Error(`${call.action}: no resource is known for this service; add it to policy-check.ts`);
  }
}
