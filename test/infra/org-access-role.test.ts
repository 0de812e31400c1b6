/**
 * The least-privilege member role for `--org` (infra/org-access-role.ts): the committed template is the one
 * the code synthesizes, it grants exactly the actions cli/org/permissions.ts lists (no write on `*`, creates
 * and tags only of our tagged profiles), trusts only the account given, and cfn-lint finds no error in it.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CALLER_PERMISSIONS,
  MEMBER_ROLE_IAM_PERMISSIONS,
  MEMBER_ROLE_PAUSE_ACTIONS,
  MEMBER_ROLE_READ_ACTIONS,
  MEMBER_ROLE_RECONCILE_NOW,
} from '../../cli/org/permissions.js';
import { ORG_ACCESS_ROLE_TEMPLATE, orgAccessRoleTemplate } from '../../infra/org-access-role.js';

interface Statement {
  readonly Sid: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, string>>;
}

interface RoleTemplate {
  readonly Resources: Record<
    string,
    {
      readonly Type: string;
      readonly Properties: {
        readonly AssumeRolePolicyDocument: { readonly Statement: readonly { readonly Principal: unknown }[] };
        readonly Policies: readonly { readonly PolicyDocument: { readonly Statement: readonly Statement[] } }[];
      };
    }
  >;
}

const actions = (statement: Statement) => (Array.isArray(statement.Action) ? statement.Action : [statement.Action]);

describe('the least-privilege member role for --org', () => {
  it('is committed as synthesized (npm run synth:org-access writes it)', () => {
    // Act
    const committed = JSON.parse(readFileSync(ORG_ACCESS_ROLE_TEMPLATE, 'utf8')) as unknown;

    // Assess
    expect(committed).toEqual(orgAccessRoleTemplate());
  });

  it('grants exactly the listed actions, writes only on our tagged profiles, to the trusted account only', () => {
    // Act
    const template = orgAccessRoleTemplate() as RoleTemplate;

    // Assess
    const roles = Object.values(template.Resources).filter((resource) => resource.Type === 'AWS::IAM::Role');
    expect(roles).toHaveLength(1);
    const role = roles[0];
    const statements = role?.Properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement) ?? [];
    expect(statements.flatMap(actions).sort()).toEqual(
      [
        ...new Set([
          ...MEMBER_ROLE_IAM_PERMISSIONS.map((p) => p.action),
          ...MEMBER_ROLE_READ_ACTIONS,
          ...MEMBER_ROLE_PAUSE_ACTIONS,
          ...MEMBER_ROLE_RECONCILE_NOW.actions,
        ]),
      ].sort(),
    );
    const onEverything = statements.filter((statement) => statement.Resource === '*').flatMap(actions);
    // CloudTrail LookupEvents and CloudWatch Logs FilterLogEvents read too (their access level is Read).
    expect(onEverything.filter((action) => !/:(Get|List|Describe|Lookup|FilterLogEvents$)/.test(action))).toEqual([]);
    const creates = statements.find((statement) => actions(statement).includes('iam:CreateInstanceProfile'));
    expect(creates?.Condition).toEqual({ StringEquals: { 'aws:RequestTag/auto-instance-profile:managed': 'true' } });
    // fix --org's hand-over: only the function the stack tags as its reconcile, in the partition's IAM event region.
    const invokes = statements.find((statement) => actions(statement).includes('lambda:InvokeFunction'));
    expect(invokes?.Condition).toEqual({
      StringEquals: { 'aws:ResourceTag/auto-instance-profile:function': 'reconcile' },
    });
    expect(JSON.stringify(invokes?.Resource)).toContain(':function:*');
    expect(JSON.stringify(role?.Properties.AssumeRolePolicyDocument.Statement)).toContain('"Ref":"TrustedAccountId"');
    // pause --org and resume --org: the account's event source mappings, only those of the service's functions.
    const pause = statements.find((statement) => actions(statement).includes('lambda:UpdateEventSourceMapping'));
    expect(JSON.stringify(pause?.Resource)).toContain(':event-source-mapping:*');
    expect(JSON.stringify(pause?.Condition)).toMatch(
      /"ArnLike":\{"lambda:FunctionArn":\[.*:function:AutoInstanceProfile-\*.*:function:StackSet-\*/,
    );
  });

  it('passes cfn-lint', () => {
    // Act
    const result = spawnSync(
      'cfn-lint',
      ['--format', 'json', '--regions', 'us-east-1', '--', ORG_ACCESS_ROLE_TEMPLATE],
      {
        encoding: 'utf8',
        timeout: 90_000,
      },
    );

    // Assess
    const matches =
      result.stdout.trim() === '' ? [] : (JSON.parse(result.stdout) as { Level: string; Message: string }[]);
    expect(matches.filter((match) => match.Level === 'Error').map((match) => match.Message)).toEqual([]);
    expect(result.status !== null && (result.status & 2) === 0 && result.status <= 14, result.stderr).toBe(true);
  });

  it('is what docs/organization.md lists, for the caller and the member role', () => {
    // Prepare
    const docs = readFileSync('docs/organization.md', 'utf8');
    const section = docs.slice(docs.indexOf('### The permissions'), docs.indexOf('### A least-privilege member role'));

    // Act
    const named = [
      ...CALLER_PERMISSIONS,
      ...MEMBER_ROLE_IAM_PERMISSIONS.map((p) => p.action),
      ...MEMBER_ROLE_READ_ACTIONS,
      ...MEMBER_ROLE_PAUSE_ACTIONS,
      ...MEMBER_ROLE_RECONCILE_NOW.actions,
    ];

    // Assess: each action is named, by its full name or (in the doctor's list) by its operation after its service.
    expect(
      named.filter((action) => !section.includes(action) && !section.includes(action.split(':')[1] ?? action)),
    ).toEqual([]);
  });
});
