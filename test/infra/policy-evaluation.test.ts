/**
 * Proven, not compared: the policies the project ships, synthesized (the single-account stack, with and without its
 * operator role, the organization stack with its tag guard, the StackSet's member template, the `--org` member role)
 * in the `aws` and `aws-cn` partitions, resolved for one account and region, and evaluated by an IAM policy evaluator
 * on a matrix of legitimate and forged requests (support/policy-matrix.ts). Which requests to try comes from the
 * permission tables; what each must get is the security claim, so loosening a grant, a condition, a queue's or the
 * ownership table's policy, a trust policy or the tag guard fails here whatever the comparison tests
 * (permissions.test.ts) say. Every request's context is built as AWS builds it, and the evaluator ignores none of it.
 */
import { writeFileSync } from 'node:fs';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_POLICIES, type CommandPolicy } from '../../cli/policy/commands.js';
import { policyDocument } from '../../cli/policy/document.js';
import type { CommandPermission, PolicyResource } from '../../cli/policy/resources.js';
import { OWNERSHIP_CONFIRM_PERMISSIONS, OWNERSHIP_WRITE_ACTIONS } from '../../core/dynamodb/ownership-table.js';
import { type IamPermission, RECONCILE_PERMISSIONS, REMEDIATOR_PERMISSIONS } from '../../core/iam/index.js';
import {
  DEFAULT_MEMBER_ROLE,
  MEMBER_ROLE_IAM_PERMISSIONS,
  MEMBER_ROLE_READ_ACTIONS,
  MEMBER_ROLE_RECONCILE_NOW,
} from '../../core/member-role.js';
import {
  ORG_STACK_NAME,
  SERVICE_ROLE_PATH,
  STACK_NAME,
  STACK_SET_INSTANCE_PREFIX,
  STACK_SET_NAME,
} from '../../core/pipeline-settings.js';
import type { AutoInstanceProfile } from '../../infra/auto-instance-profile.js';
import { orgAccessRoleTemplate } from '../../infra/org-access-role.js';
import {
  OPERATOR_QUEUE_ACTIONS,
  QUEUE_ACCESS,
  type QueueRole,
  RECEIVE_ACTIONS,
  type ServiceQueue,
  type ServiceRule,
} from '../../infra/queue-access.js';
import { TAG_GUARD_ACTIONS } from '../../infra/tag-guard.js';
import { FULL_AWS_ACCESS, type PolicyJson } from '../support/iam-evaluation.js';
import { authorisedRequests, type Caller, roleSession, userCaller } from '../support/request-context.js';
import {
  type ActionFacts,
  actionFacts,
  evaluateRows,
  ITEM_WRITE_ACTIONS,
  iamActionFacts,
  identityRows,
  ignoredKeys,
  mismatches,
  OTHER_ACCOUNT,
  type Outcome,
  operatorQueueRows,
  type Place,
  type QueueAccess,
  type QueueUnderTest,
  queueRows,
  type Row,
  roleChangeRows,
  type StackRole,
  senderIdentityRows,
  serviceActionFacts,
  tableRows,
  tagGuardRows,
  trustRows,
} from './support/policy-matrix.js';
import { DeployedTemplate } from './support/resolve-template.js';
import { removeSynthOutputs, synthesize, synthesizeOrg } from './support/synth.js';

/** The account the single-account stack and the organization stack are deployed in; a member account. */
const ACCOUNT = '111111111111';
const MEMBER_ACCOUNT = '222222222222';

const PARTITIONS = [
  { partition: 'aws', region: 'us-east-1' },
  { partition: 'aws-cn', region: 'cn-north-1' },
] as const;

/** The stack name CloudFormation gives a StackSet's stack in an account. */
const MEMBER_STACK_NAME = `${STACK_SET_INSTANCE_PREFIX}${STACK_SET_NAME}-5a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d`;

/** The principals `operatorPrincipals` names where a deployment has the operator role: a role and a user. */
const operatorPrincipals = (partition: string): [string, Caller][] => [
  ['the on-call role it names', roleSession(`arn:${partition}:iam::${ACCOUNT}:role/platform/PlatformOncall`)],
  ['the IAM user it names', userCaller(partition, ACCOUNT, 'oncall-alice')],
];

/** Principals an operator role must not trust, whoever else it trusts. */
const untrusted = (partition: string, account: string): [string, Caller][] => [
  ["a person's administrator role", roleSession(`arn:${partition}:iam::${account}:role/Admin`)],
  ['an IAM user', userCaller(partition, account, 'bob')],
  // Role names are unique in an account whatever the path: a look-alike has another name.
  ['another role on the same path', roleSession(`arn:${partition}:iam::${account}:role/platform/PlatformOncal1`)],
  [
    "another account's role named as the one it trusts",
    roleSession(`arn:${partition}:iam::${OTHER_ACCOUNT}:role/platform/PlatformOncall`),
  ],
];

/** The service's function roles, each with the table its code calls with. */
const FUNCTION_ROLES = [
  { name: 'remediator', permissions: REMEDIATOR_PERMISSIONS, role: (s: AutoInstanceProfile) => s.remediator.role },
  {
    name: 'reconcile',
    permissions: RECONCILE_PERMISSIONS,
    role: (s: AutoInstanceProfile) => s.reconcile.reconcileFunction.role,
  },
] as const;

/** The construct behind each name QUEUE_ACCESS uses. */
const QUEUES: Readonly<Record<ServiceQueue, (s: AutoInstanceProfile) => IConstruct>> = {
  settle: (s) => s.queue,
  immediate: (s) => s.deleteQueue,
  deadLetter: (s) => s.deadLetterQueue,
};
const RULES: Readonly<Record<ServiceRule, (s: AutoInstanceProfile) => IConstruct>> = {
  settle: (s) => s.rule,
  immediate: (s) => s.deleteRule,
};
/** The roles QUEUE_ACCESS names; the operator role only where `operatorPrincipals` made it. */
const QUEUE_ROLES: Readonly<Record<QueueRole, (s: AutoInstanceProfile) => IConstruct | undefined>> = {
  remediator: (s) => s.remediator.role,
  reconcile: (s) => s.reconcile.reconcileFunction.role,
  operator: (s) => s.operatorRole,
};

/** The roles whose own policies must allow their queue calls: the functions', which the pipeline needs. */
const NEEDED_BY_THE_PIPELINE: readonly QueueRole[] = ['remediator', 'reconcile'];

/**
 * The parts of QUEUE_ACCESS, each a part of the matrix: the actions the queue's policy keeps to some principals (with
 * the batch forms AWS authorises as them: the reconcile pass's SendMessageBatch, the remediator's record proof,
 * ChangeMessageVisibilityBatch) and, per queue, the rules and roles it names.
 */
const QUEUE_ACCESS_TABLES = [
  {
    table: 'QUEUE_ACCESS senders',
    actions: ['sqs:SendMessage', 'sqs:SendMessageBatch'],
    of: (queue: ServiceQueue) => QUEUE_ACCESS[queue].senders,
  },
  {
    table: 'QUEUE_ACCESS receivers',
    actions: [...RECEIVE_ACTIONS, 'sqs:ChangeMessageVisibilityBatch', 'sqs:DeleteMessageBatch'],
    of: (queue: ServiceQueue) => ({ rules: [] as ServiceRule[], roles: QUEUE_ACCESS[queue].receivers }),
  },
] as const;

/** The logical id of a construct's CloudFormation resource. */
const logicalId = (construct: IConstruct) =>
  Stack.of(construct).getLogicalId((construct.node.defaultChild ?? construct) as CfnElement);

/** A synthesized deployment of the service, resolved for one account, with the SCPs over it. */
interface ServiceDeployment {
  readonly name: string;
  readonly place: Place;
  readonly template: DeployedTemplate;
  readonly service: AutoInstanceProfile;
  /** The principals its operator role trusts; empty: it has none. */
  readonly operatorPrincipals: readonly [string, Caller][];
  readonly scps?: readonly PolicyJson[];
}

let iamActions: ActionFacts[];
let tableActions: ActionFacts[];
const deployments: ServiceDeployment[] = [];
const accessRoles: { name: string; place: Place; template: DeployedTemplate; scps: readonly PolicyJson[] }[] = [];
const tagGuards: { place: Place; scps: readonly PolicyJson[]; member: ServiceDeployment }[] = [];
/** Every outcome, with the test it belongs to. */
const allOutcomes: { readonly test: string; readonly outcome: Outcome }[] = [];

beforeAll(async () => {
  iamActions = await iamActionFacts();
  tableActions = await serviceActionFacts('dynamodb', ['table']);
  // Environment-agnostic: one synthesis serves both partitions.
  const accessRoleTemplate = orgAccessRoleTemplate();
  for (const { partition, region } of PARTITIONS) {
    const place = { partition, region, account: ACCOUNT };
    const deployed = (json: unknown) => new DeployedTemplate(json, { ...place, stackName: STACK_NAME });
    const single = synthesize({ env: { account: ACCOUNT, region } });
    deployments.push({
      name: `single-account (${partition})`,
      place,
      template: deployed(single.template.toJSON()),
      service: single.stack.service,
      operatorPrincipals: [],
    });
    const principals = operatorPrincipals(partition);
    const withOperator = synthesize({
      env: { account: ACCOUNT, region },
      props: { operatorPrincipals: principals.map(([, caller]) => caller.context['aws:PrincipalArn'] ?? '') },
    });
    deployments.push({
      name: `single-account with operatorPrincipals (${partition})`,
      place,
      template: deployed(withOperator.template.toJSON()),
      service: withOperator.stack.service,
      operatorPrincipals: principals,
    });
    const org = synthesizeOrg({
      env: { account: ACCOUNT, region },
      organization: { tagGuardPolicy: true },
      service: { operatorPrincipals: principals.map(([, caller]) => caller.context['aws:PrincipalArn'] ?? '') },
    });
    const orgTemplate = new DeployedTemplate(org.template.toJSON(), { ...place, stackName: ORG_STACK_NAME });
    const [guardId] = orgTemplate.idsOfType('AWS::Organizations::Policy');
    const scps = [FULL_AWS_ACCESS, orgTemplate.policyOf(orgTemplate.properties(guardId ?? '').Content)];
    const memberPlace = { partition, region, account: MEMBER_ACCOUNT };
    const member: ServiceDeployment = {
      name: `organization member (${partition}, under the tag guard)`,
      place: memberPlace,
      template: new DeployedTemplate(org.member.toJSON(), {
        ...memberPlace,
        stackName: MEMBER_STACK_NAME,
        parameters: {
          CodeBucket: 'aip-code-bucket',
          AlarmTopicArn: `arn:${partition}:sns:${region}:${ACCOUNT}:alarms`,
        },
      }),
      service: org.stack.member.service,
      operatorPrincipals: principals,
      scps,
    };
    deployments.push(member);
    tagGuards.push({ place: memberPlace, scps, member });
    accessRoles.push({
      name: `--org member role (${partition})`,
      place: memberPlace,
      template: new DeployedTemplate(accessRoleTemplate, {
        ...memberPlace,
        stackName: `${STACK_SET_INSTANCE_PREFIX}AutoInstanceProfileOrgAccess-6b2c3d4e-5f6a-7b8c-9d0e-1f2a3b4c5d6e`,
        parameters: { TrustedAccountId: ACCOUNT },
      }),
      scps,
    });
  }
});

afterAll(() => {
  removeSynthOutputs();
  // The matrix, for a reviewer: POLICY_MATRIX=path writes every row (a call, with every request AWS authorises for it)
  // with its test, its expected and its actual result.
  const out = process.env.POLICY_MATRIX;
  if (out !== undefined) {
    writeFileSync(
      out,
      allOutcomes.map(({ test, outcome: o }) => `${test}\t${o.row.expected}\t${o.decision}\t${o.row.id}`).join('\n'),
    );
  }
});

/** Holds every outcome to its row's expected result, with no ignored context key; and keeps them for POLICY_MATRIX. */
function expectHeld(outcomes: readonly Outcome[], atLeast: number): void {
  const test = expect.getState().currentTestName ?? '';
  allOutcomes.push(...outcomes.map((outcome) => ({ test, outcome })));
  expect(outcomes.length).toBeGreaterThanOrEqual(atLeast);
  expect(mismatches(outcomes)).toEqual([]);
  expect(ignoredKeys(outcomes)).toEqual([]);
}

/**
 * The actions to try for a role: every IAM action on profiles, roles or nothing, every DynamoDB action on a table
 * where it calls DynamoDB at all, and the rest of its table.
 */
async function actionsFor(permissions: readonly { readonly action: string }[]): Promise<ActionFacts[]> {
  const actions = permissions.map((permission) => permission.action);
  const tried = [...iamActions, ...(actions.some((action) => action.startsWith('dynamodb:')) ? tableActions : [])];
  const others = await Promise.all(
    [...new Set(actions)].filter((action) => !tried.some((fact) => fact.action === action)).map(actionFacts),
  );
  return [...tried, ...others];
}

/** The stack's roles with their ARNs, and their identity policies where they can be read (no managed policy). */
function stackRoles(deployment: ServiceDeployment): StackRole[] {
  const { template } = deployment;
  return template.idsOfType('AWS::IAM::Role').map((id) => ({
    name: id,
    arn: template.arnOf(id),
    identity: template.managedPoliciesOf(id).length === 0 ? template.identityPoliciesOf(id) : undefined,
  }));
}

/** A role of the stack, by its construct. */
function stackRole(deployment: ServiceDeployment, construct: IConstruct): StackRole {
  const arn = deployment.template.arnOf(logicalId(construct));
  const role = stackRoles(deployment).find((candidate) => candidate.arn === arn);
  if (role === undefined) throw new Error(`no role ${arn}`);
  return { ...role, name: `${deployment.name} ${role.name}` };
}

/** The stack's ownership table: its ARN, its physical name and its resource policy. */
function ownershipTable(deployment: ServiceDeployment) {
  const id = logicalId(deployment.service.ownership.table);
  const arn = deployment.template.arnOf(id);
  const policy = deployment.template.tablePolicyOf(id);
  if (policy === undefined) throw new Error(`the ownership table of ${deployment.name} has no resource policy`);
  return { arn, name: arn.split('/').pop() ?? '', policy };
}

describe('the evaluator', () => {
  it('reports a context key that does not apply to the action, so that the checks below can fail on one', async () => {
    // Prepare: PassRole's key on a request that is not PassRole.
    const caller = roleSession(`arn:aws:iam::${ACCOUNT}:role/app`);
    const misplaced = authorisedRequests({
      caller,
      action: 'iam:DeleteInstanceProfile',
      resource: `arn:aws:iam::${ACCOUNT}:instance-profile/app`,
      passedToService: 'ec2.amazonaws.com',
    });

    // Act
    const [outcome] = await evaluateRows([
      { id: 'misplaced', requests: misplaced, policies: { identity: [] }, expected: 'ImplicitlyDenied' },
    ]);

    // Assess
    expect(outcome?.ignoredContextKeys).toEqual(['iam:PassedToService']);
  });

  it('holds sts:AssumeRole to the role’s trust policy, given as its resource policy, in the same account too', async () => {
    // Prepare: an administrator of the account, and a role only Lambda may assume.
    const caller = roleSession(`arn:aws:iam::${ACCOUNT}:role/Admin`);
    const assume = authorisedRequests({
      caller,
      action: 'sts:AssumeRole',
      resource: `arn:aws:iam::${ACCOUNT}:role${SERVICE_ROLE_PATH}Function`,
    });
    const lambdaOnly: PolicyJson = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    };
    const admin: PolicyJson = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

    // Act
    const [withTrust, withoutTrust] = await evaluateRows([
      {
        id: 'trust given',
        requests: assume,
        policies: { identity: [admin], resource: lambdaOnly },
        expected: 'ImplicitlyDenied',
      },
      { id: 'trust not given', requests: assume, policies: { identity: [admin] }, expected: 'Allowed' },
    ]);

    // Assess: without the trust policy the evaluator goes by the identity policy alone, so every row passes it.
    expect(withTrust?.decision).toBe('ImplicitlyDenied');
    expect(withoutTrust?.decision).toBe('Allowed');
  });
});

describe('the service roles, evaluated in every deployment', () => {
  it('allow what each table grants, under its conditions, on the ownership table alone, and refuse the forged requests and every other action', async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const deployment of deployments) {
      const table = ownershipTable(deployment);
      for (const { name, permissions, role } of FUNCTION_ROLES) {
        const roleId = logicalId(role(deployment.service));
        rows.push(
          ...identityRows(
            deployment.place,
            {
              name: `${deployment.name} ${name}`,
              caller: roleSession(deployment.template.arnOf(roleId), 'function'),
              granted: new Set(permissions.map((permission) => permission.action)),
              policies: { identity: deployment.template.identityPoliciesOf(roleId), scps: deployment.scps },
              nameFor: (action) => (action.startsWith('dynamodb:') ? table.name : undefined),
            },
            await actionsFor(permissions),
          ),
        );
      }
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 1500);
  });

  it("grants the --org member role what core/member-role.ts lists, under the remediator's conditions", async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const { name, place, template } of accessRoles) {
      const [roleId = ''] = template.idsOfType('AWS::IAM::Role');
      const reads = MEMBER_ROLE_READ_ACTIONS.map(
        (action): IamPermission => ({ action: action as IamPermission['action'], resource: '*' }),
      );
      const reconcileNow = MEMBER_ROLE_RECONCILE_NOW.actions.map(
        (action): IamPermission => ({ action: action as IamPermission['action'], resource: '*' }),
      );
      const permissions = [...MEMBER_ROLE_IAM_PERMISSIONS, ...reads, ...reconcileNow];
      rows.push(
        ...identityRows(
          place,
          {
            name,
            caller: roleSession(template.arnOf(roleId), 'auto-instance-profile-org'),
            granted: new Set(permissions.map((permission) => permission.action)),
            policies: { identity: template.identityPoliciesOf(roleId) },
            // Its reads are granted on `*`: the stacks, trails and queues of any region it may be asked about.
            anyRegion: (action) => MEMBER_ROLE_READ_ACTIONS.some((read) => read === action),
          },
          await actionsFor(permissions),
        ),
      );
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 150);
  });
});

describe('the operator role, evaluated in every deployment', () => {
  it('is absent by default: no role of the stack lets a person of the account assume it', async () => {
    // Prepare: every role's trust, tried by people, where operatorPrincipals names nobody.
    const rows: Row[] = [];
    for (const deployment of deployments.filter((d) => d.operatorPrincipals.length === 0)) {
      expect(deployment.service.operatorRole).toBeUndefined();
      const { template, place } = deployment;
      for (const id of template.idsOfType('AWS::IAM::Role')) {
        rows.push(
          ...trustRows(
            `${deployment.name} ${id}`,
            { arn: template.arnOf(id), trust: template.trustPolicyOf(id) },
            [],
            untrusted(place.partition, place.account),
          ),
        );
      }
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 30);
  });

  it('with operatorPrincipals, is trusted by exactly them, and no other role of the stack by anyone', async () => {
    // Prepare
    const rows: Row[] = [];
    for (const deployment of deployments.filter((d) => d.operatorPrincipals.length > 0)) {
      const { template, place, service } = deployment;
      if (service.operatorRole === undefined) throw new Error(`${deployment.name} has no operator role`);
      const operatorId = logicalId(service.operatorRole);
      expect(template.arnOf(operatorId)).toContain(`:role${SERVICE_ROLE_PATH}`);
      for (const id of template.idsOfType('AWS::IAM::Role')) {
        const operator = id === operatorId;
        rows.push(
          ...trustRows(
            `${deployment.name} ${id}`,
            { arn: template.arnOf(id), trust: template.trustPolicyOf(id) },
            operator ? deployment.operatorPrincipals : [],
            [...untrusted(place.partition, place.account), ...(operator ? [] : deployment.operatorPrincipals)],
          ),
        );
      }
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 60);
  });

  it('is granted the confirmations on the ownership table and the dead letters’ moves, nothing else', async () => {
    // Prepare: its identity policies, tried on every IAM and DynamoDB action and on every queue of the stack.
    const rows: Row[] = [];
    for (const deployment of deployments.filter((d) => d.operatorPrincipals.length > 0)) {
      const { template, place, service } = deployment;
      if (service.operatorRole === undefined) throw new Error(`${deployment.name} has no operator role`);
      const operator = stackRole(deployment, service.operatorRole);
      const table = ownershipTable(deployment);
      rows.push(
        ...identityRows(
          place,
          {
            name: operator.name,
            caller: roleSession(operator.arn, 'auto-instance-profile-confirm'),
            granted: new Set(OWNERSHIP_CONFIRM_PERMISSIONS.map((permission) => permission.action)),
            policies: { identity: operator.identity ?? [], scps: deployment.scps },
            nameFor: (action) => (action.startsWith('dynamodb:') ? table.name : undefined),
          },
          await actionsFor(OWNERSHIP_CONFIRM_PERMISSIONS),
        ),
      );
      const queues = (Object.keys(QUEUES) as ServiceQueue[]).map((name): QueueUnderTest => {
        const id = logicalId(QUEUES[name](service));
        return { name, arn: template.arnOf(id), policy: template.queuePolicyOf(id), targetedBy: new Set() };
      });
      rows.push(...operatorQueueRows(place, operator, { queues, granted: OPERATOR_QUEUE_ACTIONS }));
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 400);
  });
});

describe('the queues, evaluated in every deployment', () => {
  it('take each call only from the principals their table names, over TLS; everyone else is refused by the queue', async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const deployment of deployments) {
      const { service, template, place } = deployment;
      const roles = stackRoles(deployment);
      const ruleArns = Object.values(RULES).map((rule) => template.arnOf(logicalId(rule(service))));
      const roleArn = (role: QueueRole) => {
        const construct = QUEUE_ROLES[role](service);
        return construct === undefined ? [] : [template.arnOf(logicalId(construct))];
      };
      const rulesTargeting = (queueArn: string) =>
        new Set(
          template.idsOfType('AWS::Events::Rule').flatMap((id) => {
            const targets = (template.properties(id).Targets ?? []) as {
              Arn: string;
              DeadLetterConfig?: { Arn: string };
            }[];
            return targets.some((t) => t.Arn === queueArn || t.DeadLetterConfig?.Arn === queueArn)
              ? [template.arnOf(id)]
              : [];
          }),
        );
      for (const [queueName, queue] of Object.entries(QUEUES) as [ServiceQueue, (typeof QUEUES)[ServiceQueue]][]) {
        const queueId = logicalId(queue(service));
        const arn = template.arnOf(queueId);
        for (const { table, actions, of } of QUEUE_ACCESS_TABLES) {
          const named = of(queueName);
          const access: QueueAccess = {
            table,
            actions,
            rules: new Set(named.rules.map((rule) => template.arnOf(logicalId(RULES[rule](service))))),
            roles: new Set(named.roles.flatMap(roleArn)),
            ownPolicies: new Set(named.roles.filter((r) => NEEDED_BY_THE_PIPELINE.includes(r)).flatMap(roleArn)),
          };
          rows.push(
            ...queueRows(
              place,
              {
                name: `${deployment.name} ${queueName}`,
                arn,
                policy: template.queuePolicyOf(queueId),
                targetedBy: rulesTargeting(arn),
              },
              access,
              { rules: ruleArns, roles },
            ),
          );
        }
      }
      rows.push(
        ...senderIdentityRows(
          place,
          stackRole(deployment, service.reconcile.reconcileFunction.role),
          'sqs:SendMessage',
        ),
        ...senderIdentityRows(place, stackRole(deployment, service.remediator.role), 'sqs:ReceiveMessage'),
      );
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 1500);
  });
});

describe('the ownership table, evaluated in every deployment', () => {
  it("refuses every write to everyone but the functions' roles and the operator role, whatever their own policies; leaves reads to them", async () => {
    // Prepare: the writers are the claim (docs/security.md), not read from the stack's call.
    const rows: Row[] = [];
    for (const deployment of deployments) {
      const { service, place } = deployment;
      const writers = [service.remediator.role, service.reconcile.reconcileFunction.role, service.operatorRole]
        .filter((role) => role !== undefined)
        .map((role) => stackRole(deployment, role));
      const table = ownershipTable(deployment);
      rows.push(
        ...tableRows(
          place,
          { name: `${deployment.name} ownership table`, arn: table.arn, policy: table.policy },
          [...new Set([...ITEM_WRITE_ACTIONS, ...OWNERSHIP_WRITE_ACTIONS])],
          { writers, roles: stackRoles(deployment) },
        ),
      );
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 500);
  });
});

describe('the tag guard, evaluated over the organization member', () => {
  it("refuses our tag keys to everyone but the service's roles (by their path, not their name), and leaves other keys free", async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const { place, scps, member } of tagGuards) {
      rows.push(...tagGuardRows(place, TAG_GUARD_ACTIONS, scps, stackRoles(member)));
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 300);
  });

  it("refuses every change to a role on the service's path to everyone but the StackSet's execution role", async () => {
    // Prepare: the actions from the reference (every write on a role but the service-linked ones), not the guard's list.
    const roleWrites = iamActions.filter(
      (fact) => fact.resourceType === 'role' && fact.writes && !fact.action.includes('ServiceLinkedRole'),
    );
    const rows: Row[] = [];
    for (const { place, scps, member } of tagGuards) {
      rows.push(...roleChangeRows(place, roleWrites, scps, stackRoles(member), SERVICE_ROLE_PATH));
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 200);
  });
});

/** The names the command policies' resources have where their grants name them: the smoke test's, by its prefix. */
const NAMES: Partial<Record<PolicyResource, string>> = {
  'smoke-role': 'auto-instance-profile-smoke-mq1x2y3z-ab12',
  'smoke-profile': 'auto-instance-profile-smoke-mq1x2y3z-ab12',
  'member-role': DEFAULT_MEMBER_ROLE,
};

/** The operator role as a stack names it: on the service's path, its name made by CloudFormation. */
const OPERATOR_ROLE_NAME = `${STACK_NAME}-OperatorRole-1A2B3C4D5E6F`;

describe('every command’s policy (auto-instance-profile policy COMMAND)', () => {
  it('allows each call the command makes, and holds its IAM writes to the service’s own conditions', async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const { partition, region } of PARTITIONS) {
      const place: Place = { partition, region, account: ACCOUNT };
      const memberPlace: Place = { ...place, account: MEMBER_ACCOUNT };
      const scope = { partition, region, account: ACCOUNT, memberRoleName: DEFAULT_MEMBER_ROLE };
      for (const [form, policy] of Object.entries(COMMAND_POLICIES) as [string, CommandPolicy][]) {
        const sides: [string, Place, readonly CommandPermission[], string][] = [
          [form, place, policy.caller, `arn:${partition}:iam::${ACCOUNT}:role/Operator`],
          ...(policy.member === undefined
            ? []
            : [
                [
                  `${form} --member`,
                  memberPlace,
                  policy.member,
                  `arn:${partition}:iam::${MEMBER_ACCOUNT}:role/${DEFAULT_MEMBER_ROLE}`,
                ] as [string, Place, readonly CommandPermission[], string],
              ]),
          ...(policy.operator === undefined
            ? []
            : [
                [
                  `${form} --operator`,
                  place,
                  policy.operator,
                  `arn:${partition}:iam::${ACCOUNT}:role${SERVICE_ROLE_PATH}${OPERATOR_ROLE_NAME}`,
                ] as [string, Place, readonly CommandPermission[], string],
              ]),
        ];
        for (const [name, where, permissions, principal] of sides) {
          const document = policyDocument(permissions, { ...scope, account: where.account });
          const caller = roleSession(principal, 'auto-instance-profile');
          const kinds = new Map(permissions.map((permission) => [permission.action, permission.resource]));
          const reached = permissions.filter((permission) => permission.action !== 'sts:AssumeRole');
          rows.push(
            ...identityRows(
              where,
              {
                name: `policy ${name} (${partition})`,
                caller,
                granted: new Set(reached.map((permission) => permission.action)),
                policies: { identity: [document as unknown as PolicyJson] },
                nameFor: (action) => NAMES[kinds.get(action) ?? '*'],
                serviceClaims: !form.startsWith('doctor --smoke'),
                // A trail is read in its home region, an organization's in the management account's; a listing
                // (DescribeStacks without a stack) names no resource.
                anyRegion: (action) => kinds.get(action) === 'trail' || kinds.get(action) === '*',
              },
              await actionsFor(reached),
            ),
          );
          const assumed = kinds.get('sts:AssumeRole');
          if (assumed === 'member-role')
            rows.push(...memberAssumeRows(name, where, caller, document as unknown as PolicyJson));
          if (assumed === 'operator-role')
            rows.push(...operatorAssumeRows(name, where, caller, document as unknown as PolicyJson));
        }
      }
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 1000);
  });
});

/** A trust policy that trusts an account: its principals whose own policies allow the AssumeRole. */
const trustingAccount = (partition: string, account: string): PolicyJson => ({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { AWS: `arn:${partition}:iam::${account}:root` }, Action: 'sts:AssumeRole' },
  ],
});

/**
 * AssumeRole into the member role of another account, which trusts the caller's account (the member role's trust
 * policy, as OrganizationAccountAccessRole's): allowed for that role name only.
 */
function memberAssumeRows(form: string, place: Place, caller: Caller, policy: PolicyJson): Row[] {
  const { partition } = place;
  return [
    [DEFAULT_MEMBER_ROLE, 'Allowed'],
    ['SomeOtherRole', 'ImplicitlyDenied'],
  ].map(([roleName = '', expected]) => ({
    id: `policy ${form} (${partition}): sts:AssumeRole into ${roleName} of another account that trusts it`,
    requests: authorisedRequests({
      caller,
      action: 'sts:AssumeRole',
      resource: `arn:${partition}:iam::${MEMBER_ACCOUNT}:role/${roleName}`,
    }),
    policies: { identity: [policy], resource: trustingAccount(partition, place.account) },
    expected: expected as Row['expected'],
  }));
}

/**
 * AssumeRole into the operator role of the account, whose trust names the caller's account (`operatorPrincipals` may
 * name an account's root): so the caller's own policy decides, and allows it only on the service's path, only in its
 * account.
 */
function operatorAssumeRows(form: string, place: Place, caller: Caller, policy: PolicyJson): Row[] {
  const { partition, account } = place;
  const row = (what: string, resource: string, expected: Row['expected']): Row => ({
    id: `policy ${form} (${partition}): sts:AssumeRole into ${what} that trusts the account`,
    requests: authorisedRequests({ caller, action: 'sts:AssumeRole', resource }),
    policies: { identity: [policy], resource: trustingAccount(partition, account) },
    expected,
  });
  return [
    row(
      'the operator role',
      `arn:${partition}:iam::${account}:role${SERVICE_ROLE_PATH}${OPERATOR_ROLE_NAME}`,
      'Allowed',
    ),
    row(
      'a role of its name on another path',
      `arn:${partition}:iam::${account}:role/${OPERATOR_ROLE_NAME}`,
      'ImplicitlyDenied',
    ),
    row(
      "another account's operator role",
      `arn:${partition}:iam::${OTHER_ACCOUNT}:role${SERVICE_ROLE_PATH}${OPERATOR_ROLE_NAME}`,
      'ImplicitlyDenied',
    ),
  ];
}
