/**
 * cli/commands/fix.ts with --org, run in-process against mocked clients: what it will create, listed by account and
 * role before it asks; "Nothing changed." on no; --summary with --org.
 */

import { PassThrough } from 'node:stream';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  GetAccountAuthorizationDetailsCommand,
  IAMClient,
  ListInstanceProfilesCommand,
  type RoleDetail,
} from '@aws-sdk/client-iam';
import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../cli/main.js';
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';
import { type CollectedIo, cliIo } from '../support/cli-io.js';

const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);
const iam = mockClient(IAMClient);
const cloudformation = mockClient(CloudFormationClient);

const MEMBER_KEY = 'ASIAMEMBER';

function ec2Role(name: string, accountId: string): RoleDetail {
  return {
    RoleName: name,
    RoleId: `AROA${name.toUpperCase()}`,
    Arn: `arn:aws:iam::${accountId}:role/${name}`,
    Path: '/',
    CreateDate: new Date('2026-01-01'),
    AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(EC2_TRUST_POLICY)),
    InstanceProfileList: [],
    Tags: [],
  };
}

/** The caller's account 111111111111 holds the EC2 role `app`; the member 222222222222 holds `web` and `batch`. */
beforeEach(() => {
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/admin' })
    .on(AssumeRoleCommand)
    .resolves({
      Credentials: { AccessKeyId: MEMBER_KEY, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() },
    });
  organizations.on(ListAccountsCommand).resolves({
    Accounts: [
      { Id: '111111111111', Name: 'management', State: 'ACTIVE' },
      { Id: '222222222222', Name: 'web', State: 'ACTIVE' },
    ],
  });
  cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [] });
  iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [] });
  iam.on(GetAccountAuthorizationDetailsCommand).callsFake(async (_input, getClient) => {
    const member = await getClient()
      .config.credentials()
      .then((credentials: { accessKeyId: string }) => credentials.accessKeyId === MEMBER_KEY)
      .catch(() => false);
    return {
      RoleDetailList: member
        ? [ec2Role('web', '222222222222'), ec2Role('batch', '222222222222')]
        : [ec2Role('app', '111111111111')],
    };
  });
});

afterEach(() => {
  sts.reset();
  organizations.reset();
  iam.reset();
  cloudformation.reset();
});

const ENV = { AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };

/** A terminal that answers `answer` to the question, and keeps what stdout held when the question was asked. */
function terminal(answer: string): CollectedIo & { readonly beforeQuestion: () => string } {
  let out = '';
  let err = '';
  let before = '';
  const base = cliIo({ env: ENV });
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  return {
    ...base,
    stdin,
    stdout: { write: (text: string) => (out += text) },
    stderr: {
      write: (text: string) => {
        err += text;
        if (text.includes('[y/N]')) {
          before = `${out}\n--- stderr ---\n${err}`;
          stdin.end(`${answer}\n`);
        }
        return true;
      },
    },
    env: { ...ENV, NO_COLOR: '1' },
    out: () => out,
    err: () => err,
    beforeQuestion: () => before,
  };
}

describe('fix --org', () => {
  it('lists what it will create, by account and role, before it asks; on no it says "Nothing changed." and creates nothing', async () => {
    // Prepare
    const io = terminal('n');

    // Act
    const code = await runCli(['fix', '--org', '--all-accounts', '--no-creator-lookup'], io);

    // Assess
    expect(io.beforeQuestion().split('\n').slice(2, 6)).toEqual([
      '  ACCOUNT       NAME        ROLE   STATUS   DETAIL',
      '  111111111111  management  app    missing  no instance profile; app to create',
      '  222222222222  web         web    missing  no instance profile; web to create',
      '  222222222222  web         batch  missing  no instance profile; batch to create',
    ]);
    expect(io.err()).toContain('Create 3 instance profiles in 2 accounts? [y/N] ');
    expect(io.out()).toContain('\nNothing changed.\n');
    expect(io.out()).toContain(
      'Organization: 2 accounts, scanned 2, unreachable 0; missing 3, conflicts 0, created 0.',
    );
    expect(io.out()).not.toContain('Incomplete');
    expect(code).toBe(1);
    expect(iam.commandCalls(GetAccountAuthorizationDetailsCommand)).toHaveLength(2);
    expect(iam.calls().filter((call) => /Create|Add/.test(call.args[0].constructor.name))).toEqual([]);
  });

  it('with --json, writes what it will create to stderr before the question, stdout keeping the document alone', async () => {
    // Prepare
    const io = terminal('no');

    // Act
    const code = await runCli(['fix', '--org', '--all-accounts', '--no-creator-lookup', '--json'], io);

    // Assess
    expect(code).toBe(1);
    const [stdoutThen, stderrThen] = io.beforeQuestion().split('\n--- stderr ---\n');
    expect(stdoutThen).toBe('');
    expect(stderrThen).toMatch(
      /ACCOUNT +NAME +ROLE +STATUS +DETAIL\n(.*missing.*\n){3}\nCreate 3 instance profiles in 2 accounts\?/,
    );
    const document = JSON.parse(io.out());
    expect(document).toMatchObject({ complete: true, summary: { accounts: 2, missing: 3, created: 0 } });
    expect(document.accounts.map((entry: { missing: string[] }) => entry.missing)).toEqual([['app'], ['web', 'batch']]);
  });

  it('with --summary, asks with the counts alone: no list of roles, and no role names in the document', async () => {
    // Prepare
    const io = terminal('n');

    // Act
    const code = await runCli(['fix', '--org', '--summary', '--all-accounts', '--no-creator-lookup', '--json'], io);

    // Assess
    expect(code).toBe(1);
    expect(io.err()).toBe('Create 3 instance profiles in 2 accounts? [y/N] ');
    const document = JSON.parse(io.out());
    expect(document.accounts.map((entry: { summary: { missing: number } }) => entry.summary.missing)).toEqual([1, 2]);
    expect(document.accounts[0]).not.toHaveProperty('missing');
  });
});

describe('scan --org --summary', () => {
  it('is the counts per account, with no table of roles', async () => {
    // Prepare
    const io = cliIo({ env: { ...ENV, NO_COLOR: '1' } });

    // Act
    const code = await runCli(['scan', '--org', '--summary', '--no-creator-lookup'], io);

    // Assess
    expect(code).toBe(1);
    expect(io.out()).not.toContain('ROLE');
    expect(io.out()).toMatch(/ {2}222222222222 {2}web {9}scanned {2}2 {8}0 {10}defaults\n/);
    expect(io.out()).toContain('Organization: 2 accounts, scanned 2, unreachable 0; missing 3, conflicts 0.');
  });
});
