/**
 * Proven, not compared: the policies the project ships, synthesized (the single-account stack, the organization stack
 * with its tag guard, the StackSet's member template, the `--org` member role) in the `aws` and `aws-cn` partitions,
 * resolved for one account and region, and evaluated by an IAM policy evaluator on a matrix of legitimate and forged
 * requests (support/policy-matrix.ts). Which requests to try comes from the permission tables; what each must get is
 * the security claim, so loosening a grant, a condition or a queue's policy fails here whatever the comparison tests
 * (permissions.test.ts) say. Every request's context is built as AWS builds it, and the evaluator ignores none of it.
 */
import { writeFileSync } from 'node:fs';
import { type CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MEMBER_ROLE } from '../../cli/org/fan-out.js';
import { MEMBER_ROLE_IAM_PERMISSIONS, MEMBER_ROLE_READ_ACTIONS } from '../../cli/org/permissions.js';
import { COMMAND_POLICIES } from '../../cli/policy/commands.js';
import { policyDocument } from '../../cli/policy/document.js';
import type { CommandPermission, PolicyResource } from '../../cli/policy/resources.js';
import { type IamPermission, RECONCILE_PERMISSIONS, REMEDIATOR_PERMISSIONS } from '../../core/iam/index.js';
import { ORG_STACK_NAME, STACK_NAME, STACK_SET_INSTANCE_PREFIX, STACK_SET_NAME } from '../../core/pipeline-settings.js';
import type { AutoInstanceProfile } from '../../infra/auto-instance-profile.js';
import { orgAccessRoleTemplate } from '../../infra/org-access-role.js';
import { QUEUE_SENDERS, type SendingRole, type ServiceQueue, type ServiceRule } from '../../infra/queue-senders.js';
import { TAG_GUARD_ACTIONS } from '../../infra/tag-guard.js';
import { FULL_AWS_ACCESS, type PolicyJson } from '../support/iam-evaluation.js';
import { authorisedRequests, roleSession } from '../support/request-context.js';
import {
  type ActionFacts,
  actionFacts,
  evaluateRows,
  iamActionFacts,
  identityRows,
  ignoredKeys,
  mismatches,
  type Outcome,
  type Place,
  type QueueAccess,
  queueRows,
  type Row,
  type StackRole,
  senderIdentityRows,
  tagGuardRows,
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

/** The service's roles, each with the table its code calls with. */
const FUNCTION_ROLES = [
  { name: 'remediator', permissions: REMEDIATOR_PERMISSIONS, role: (s: AutoInstanceProfile) => s.remediator.role },
  {
    name: 'reconcile',
    permissions: RECONCILE_PERMISSIONS,
    role: (s: AutoInstanceProfile) => s.reconcile.reconcileFunction.role,
  },
] as const;

/** The construct behind each name QUEUE_SENDERS uses. */
const QUEUES: Readonly<Record<ServiceQueue, (s: AutoInstanceProfile) => IConstruct>> = {
  settle: (s) => s.queue,
  immediate: (s) => s.deleteQueue,
  deadLetter: (s) => s.deadLetterQueue,
};
const RULES: Readonly<Record<ServiceRule, (s: AutoInstanceProfile) => IConstruct>> = {
  settle: (s) => s.rule,
  immediate: (s) => s.deleteRule,
};
const SENDING_ROLES: Readonly<Record<SendingRole, (s: AutoInstanceProfile) => IConstruct>> = {
  reconcile: (s) => s.reconcile.reconcileFunction.role,
  redrive: (s) => s.redriveRole,
};

/**
 * The tables that keep a queue's calls to some principals, each a row of the matrix: the action set and, per queue,
 * the rules and roles named. A new table (the queue's receivers, say) is one more entry.
 */
const QUEUE_ACCESS_TABLES = [
  {
    table: 'QUEUE_SENDERS',
    actions: ['sqs:SendMessage'],
    of: (queue: ServiceQueue) => QUEUE_SENDERS[queue],
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
  readonly scps?: readonly PolicyJson[];
}

let iamActions: ActionFacts[];
const deployments: ServiceDeployment[] = [];
const accessRoles: { name: string; place: Place; template: DeployedTemplate; scps: readonly PolicyJson[] }[] = [];
const tagGuards: { place: Place; scps: readonly PolicyJson[]; member: ServiceDeployment }[] = [];
const allOutcomes: Outcome[] = [];

beforeAll(async () => {
  iamActions = await iamActionFacts();
  // Environment-agnostic: one synthesis serves both partitions.
  const accessRoleTemplate = orgAccessRoleTemplate();
  for (const { partition, region } of PARTITIONS) {
    const single = synthesize({ env: { account: ACCOUNT, region } });
    deployments.push({
      name: `single-account (${partition})`,
      place: { partition, region, account: ACCOUNT },
      template: new DeployedTemplate(single.template.toJSON(), {
        partition,
        region,
        account: ACCOUNT,
        stackName: STACK_NAME,
      }),
      service: single.stack.service,
    });
    const org = synthesizeOrg({ env: { account: ACCOUNT, region }, organization: { tagGuardPolicy: true } });
    const orgTemplate = new DeployedTemplate(org.template.toJSON(), {
      partition,
      region,
      account: ACCOUNT,
      stackName: ORG_STACK_NAME,
    });
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
  // The matrix, for a reviewer: POLICY_MATRIX=path writes every request with its expected and actual result.
  const out = process.env.POLICY_MATRIX;
  if (out !== undefined) {
    writeFileSync(out, allOutcomes.map((o) => `${o.row.expected}\t${o.decision}\t${o.row.id}`).join('\n'));
  }
});

/** Holds every outcome to its row's expected result, with no ignored context key; and keeps them for POLICY_MATRIX. */
function expectHeld(outcomes: readonly Outcome[], atLeast: number): void {
  allOutcomes.push(...outcomes);
  expect(outcomes.length).toBeGreaterThanOrEqual(atLeast);
  expect(mismatches(outcomes)).toEqual([]);
  expect(ignoredKeys(outcomes)).toEqual([]);
}

/** The actions to try for a role: every IAM action on profiles, roles or nothing, and the rest of its table. */
async function actionsFor(permissions: readonly IamPermission[]): Promise<ActionFacts[]> {
  const others = await Promise.all(
    permissions
      .map((permission) => permission.action)
      .filter((action) => !action.startsWith('iam:'))
      .map((action) => actionFacts(action)),
  );
  return [...iamActions, ...others];
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
});

describe('the service roles, evaluated in every deployment', () => {
  it('allow what each table grants, under its conditions, and refuse the forged requests and every other action', async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const deployment of deployments) {
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
            },
            await actionsFor(permissions),
          ),
        );
      }
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 400);
  });

  it("grants the --org member role what cli/org/permissions.ts lists, under the remediator's conditions", async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const { name, place, template } of accessRoles) {
      const [roleId = ''] = template.idsOfType('AWS::IAM::Role');
      const reads = MEMBER_ROLE_READ_ACTIONS.map(
        (action): IamPermission => ({ action: action as IamPermission['action'], resource: '*' }),
      );
      const permissions = [...MEMBER_ROLE_IAM_PERMISSIONS, ...reads];
      rows.push(
        ...identityRows(
          place,
          {
            name,
            caller: roleSession(template.arnOf(roleId), 'auto-instance-profile-org'),
            granted: new Set(permissions.map((permission) => permission.action)),
            policies: { identity: template.identityPoliciesOf(roleId) },
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

describe('the queues, evaluated in every deployment', () => {
  it('take each call only from the senders their table names, over TLS; everyone else is refused by the queue', async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const deployment of deployments) {
      const { service, template, place } = deployment;
      const roles = stackRoles(deployment);
      const ruleArns = Object.values(RULES).map((rule) => template.arnOf(logicalId(rule(service))));
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
            roles: new Set(named.roles.map((role) => template.arnOf(logicalId(SENDING_ROLES[role](service))))),
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
      for (const sender of Object.values(SENDING_ROLES)) {
        const arn = template.arnOf(logicalId(sender(service)));
        const role = roles.find((candidate) => candidate.arn === arn);
        if (role === undefined) throw new Error(`no role ${arn}`);
        rows.push(
          ...senderIdentityRows(place, { ...role, name: `${deployment.name} ${role.name}` }, 'sqs:SendMessage'),
        );
      }
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 150);
  });
});

describe('the tag guard, evaluated over the organization member', () => {
  it("refuses our tag keys to everyone but the service's roles, and leaves other keys free", async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const { place, scps, member } of tagGuards) {
      rows.push(...tagGuardRows(place, TAG_GUARD_ACTIONS, scps, stackRoles(member)));
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

describe('every command’s policy (auto-instance-profile policy COMMAND)', () => {
  it('allows each call the command makes, and holds its IAM writes to the service’s own conditions', async () => {
    // Prepare: the matrix, generated.
    const rows: Row[] = [];
    for (const { partition, region } of PARTITIONS) {
      const place: Place = { partition, region, account: ACCOUNT };
      const memberPlace: Place = { ...place, account: MEMBER_ACCOUNT };
      const scope = { partition, region, account: ACCOUNT, memberRoleName: DEFAULT_MEMBER_ROLE };
      for (const [form, policy] of Object.entries(COMMAND_POLICIES)) {
        const sides: [string, Place, readonly CommandPermission[], string][] = [
          [form, place, policy.caller, `arn:${partition}:iam::${ACCOUNT}:role/Operator`],
          ...('member' in policy
            ? [
                [
                  `${form} --member`,
                  memberPlace,
                  policy.member,
                  `arn:${partition}:iam::${MEMBER_ACCOUNT}:role/${DEFAULT_MEMBER_ROLE}`,
                ] as [string, Place, readonly CommandPermission[], string],
              ]
            : []),
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
                nameFor: (action) => NAMES[kinds.get(action) ?? '*'] ?? 'app',
                serviceClaims: !form.startsWith('doctor --smoke'),
              },
              await actionsFor(reached as IamPermission[]),
            ),
          );
          if (kinds.has('sts:AssumeRole'))
            rows.push(...assumeRoleRows(name, where, caller, document as unknown as PolicyJson));
        }
      }
    }
    // Act
    const outcomes = await evaluateRows(rows);

    // Assess
    expectHeld(outcomes, 1000);
  });
});

/**
 * AssumeRole into the member role of another account, which trusts the caller's account (the member role's trust
 * policy, as OrganizationAccountAccessRole's): allowed for that role name only.
 */
function assumeRoleRows(form: string, place: Place, caller: ReturnType<typeof roleSession>, policy: PolicyJson): Row[] {
  const { partition } = place;
  const trust = (): PolicyJson => ({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${place.account}:root` },
        Action: 'sts:AssumeRole',
      },
    ],
  });
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
    policies: { identity: [policy], resource: trust() },
    expected: expected as Row['expected'],
  }));
}
