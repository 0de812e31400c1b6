/**
 * The command policies (cli/policy): the document `policy COMMAND` prints for a table of permissions, the table docs/cli.md
 * shows, and that every action outside core/iam is known to act on something.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMAND_POLICIES, type CommandPolicy } from '../../cli/policy/commands.js';
import { documentActions, policyDocument } from '../../cli/policy/document.js';
import { ACTION_RESOURCES, type CommandPermission, resourceArns } from '../../cli/policy/resources.js';
import { OWNED_PROFILE, PASSED_TO_EC2 } from '../../core/iam/index.js';

const SCOPE = { partition: 'aws', region: 'us-east-1', account: '123456789012', memberRoleName: 'OrgRole' };

describe('policyDocument', () => {
  it('writes one statement per resource and condition, actions sorted and merged, conditions as IAM reads them', () => {
    // Prepare
    const permissions: CommandPermission[] = [
      { action: 'iam:GetRole', resource: 'role' },
      { action: 'iam:PassRole', resource: 'role', condition: PASSED_TO_EC2 },
      { action: 'iam:DeleteInstanceProfile', resource: 'instance-profile', condition: OWNED_PROFILE },
      { action: 'iam:GetRole', resource: 'role' },
      { action: 'iam:ListInstanceProfiles', resource: '*' },
      { action: 'iam:GetAccountSummary', resource: '*' },
    ];

    // Act
    const document = policyDocument(permissions, SCOPE);

    // Assess
    expect(document).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'AccountWide',
          Effect: 'Allow',
          Action: ['iam:GetAccountSummary', 'iam:ListInstanceProfiles'],
          Resource: ['*'],
        },
        {
          Sid: 'InstanceProfilesOnlyIfTaggedAsOurs',
          Effect: 'Allow',
          Action: ['iam:DeleteInstanceProfile'],
          Resource: ['arn:aws:iam::123456789012:instance-profile/*'],
          Condition: { StringEquals: { 'aws:ResourceTag/auto-instance-profile:managed': 'true' } },
        },
        {
          Sid: 'Roles',
          Effect: 'Allow',
          Action: ['iam:GetRole'],
          Resource: ['arn:aws:iam::123456789012:role/*'],
        },
        {
          Sid: 'RolesOnlyIfPassedToEc2',
          Effect: 'Allow',
          Action: ['iam:PassRole'],
          Resource: ['arn:aws:iam::123456789012:role/*'],
          Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
        },
      ],
    });
  });

  it('names each kind of resource in the scope: partition, account, region and the member role', () => {
    // Act
    const cn = { ...SCOPE, partition: 'aws-cn', region: 'cn-north-1' };

    // Assess
    expect(resourceArns('service-queue', cn)).toEqual(['arn:aws-cn:sqs:cn-north-1:123456789012:*']);
    expect(resourceArns('service-rule', SCOPE)).toEqual(['arn:aws:events:us-east-1:123456789012:rule/*']);
    expect(resourceArns('member-role', SCOPE)).toEqual(['arn:aws:iam::*:role/OrgRole']);
    expect(resourceArns('smoke-profile', SCOPE)).toEqual([
      'arn:aws:iam::123456789012:instance-profile/auto-instance-profile-smoke-*',
    ]);
    expect(resourceArns('ownership-table', cn)).toEqual(['arn:aws-cn:dynamodb:cn-north-1:123456789012:table/*']);
    expect(resourceArns('operator-role', SCOPE)).toEqual(['arn:aws:iam::123456789012:role/auto-instance-profile/*']);
    expect(resourceArns('service-function', SCOPE)).toEqual(['arn:aws:lambda:us-east-1:123456789012:function:*']);
  });
});

describe('the command policies', () => {
  it('declare a resource for every action they name, and never a write on *', () => {
    // Act
    const permissions = Object.values(COMMAND_POLICIES as Readonly<Record<string, CommandPolicy>>).flatMap((policy) => [
      ...policy.caller,
      ...(policy.member ?? []),
      ...(policy.operator ?? []),
    ]);
    const writesOnStar = permissions.filter(
      (permission) => permission.resource === '*' && !/:(Get|List|Describe|Lookup)/.test(permission.action),
    );

    // Assess
    expect(permissions.length).toBeGreaterThan(50);
    expect(writesOnStar).toEqual([]);
    expect(Object.keys(ACTION_RESOURCES).every((action) => /^[a-z0-9-]+:[A-Za-z]+$/.test(action))).toBe(true);
  });

  it("are what docs/cli.md's table lists, command by command, for the caller, the member role and the operator role", () => {
    // Prepare
    const markdown = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const table = markdown.slice(markdown.indexOf('| command | the caller'));
    const actions = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);
    const documented = Object.fromEntries(
      [...table.matchAll(/^\| `([^`]+)` \|([^|]*)\|([^|]*)\|([^|]*)\|$/gm)].map(
        ([, form = '', caller = '', member = '', operator = '']) => [
          form,
          { caller: actions(caller), member: actions(member), operator: actions(operator) },
        ],
      ),
    );

    // Act
    const generated = Object.fromEntries(
      Object.entries(COMMAND_POLICIES as Readonly<Record<string, CommandPolicy>>).map(([form, policy]) => [
        form,
        {
          caller: documentActions(policyDocument(policy.caller, SCOPE)),
          member: documentActions(policyDocument(policy.member ?? [], SCOPE)),
          operator: documentActions(policyDocument(policy.operator ?? [], SCOPE)),
        },
      ]),
    );

    // Assess: on failure, the table as it should read.
    const rows = Object.entries(generated).map(
      ([form, sides]) =>
        `| \`${form}\` | ${[sides.caller, sides.member, sides.operator].map((list) => list.map((a) => `\`${a}\``).join(', ')).join(' | ')} |`,
    );
    expect(documented, rows.join('\n')).toEqual(generated);
  });
});
