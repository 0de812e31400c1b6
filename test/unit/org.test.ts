import {
  CloudFormationClient,
  DescribeStackSetCommand,
  DescribeStacksCommand,
  ListStackInstancesCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, LookupEventsCommand } from '@aws-sdk/client-cloudtrail';
import { GetAccountAuthorizationDetailsCommand, IAMClient, ListInstanceProfilesCommand } from '@aws-sdk/client-iam';
import {
  AWSOrganizationsNotInUseException,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import type { AwsSession } from '../../cli/aws.js';
import { AwsAccessError, CredentialsRejectedError, UsageError } from '../../cli/errors.js';
import { runCli } from '../../cli/main.js';
import { accountSelection, selectAccounts } from '../../cli/org/accounts.js';
import { acrossAccounts } from '../../cli/org/fan-out.js';
import { instanceHealthy, readStackSet } from '../../cli/org/stack-set.js';
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';
import { cliIo } from '../support/cli-io.js';

const SESSION: AwsSession = {
  region: 'us-east-1',
  regionSource: '--region',
  customSqsEndpoint: false,
  clientConfig: { region: 'us-east-1' },
  account: '111111111111',
  caller: 'arn:aws:iam::111111111111:user/admin',
};

const CREDENTIALS = { AccessKeyId: 'ASIA', SecretAccessKey: 'secret', SessionToken: 'token', Expiration: new Date() };

function stsError(name: string, message: string): STSServiceException {
  return new STSServiceException({ name, $fault: 'client', $metadata: {}, message });
}

const accounts = (...ids: string[]) => ids.map((accountId) => ({ accountId, name: `n-${accountId}` }));

const sts = mockClient(STSClient);
const organizations = mockClient(OrganizationsClient);
const iam = mockClient(IAMClient);
const cloudformation = mockClient(CloudFormationClient);
const cloudtrail = mockClient(CloudTrailClient);

afterEach(() => {
  sts.reset();
  organizations.reset();
  iam.reset();
  cloudformation.reset();
  cloudtrail.reset();
});

describe('acrossAccounts', () => {
  it('assumes the role in every other account of the partition, never in the caller’s own, at most `concurrency` at once', async () => {
    // Prepare
    let running = 0;
    let most = 0;
    sts.on(AssumeRoleCommand).callsFake(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      return { Credentials: CREDENTIALS };
    });
    const session = { ...SESSION, caller: 'arn:aws-cn:iam::111111111111:user/admin' };
    const ids = ['111111111111', ...Array.from({ length: 9 }, (_, i) => `22222222220${i}`)];

    // Act
    const outcomes = await acrossAccounts(
      accounts(...ids),
      { session, sts: new STSClient({}), roleName: 'Auditor', concurrency: 3 },
      async (access) => (access.own ? 'own' : access.clientConfig.credentials?.accessKeyId),
    );

    // Assess
    expect(most).toBe(3);
    expect(outcomes.map((outcome) => (outcome.status === 'scanned' ? outcome.result : outcome.error))).toEqual([
      'own',
      ...Array(9).fill('ASIA'),
    ]);
    expect(sts.commandCalls(AssumeRoleCommand).map((call) => call.args[0].input.RoleArn)).toEqual(
      ids.slice(1).map((id) => `arn:aws-cn:iam::${id}:role/Auditor`),
    );
  });

  it('reports an account it cannot reach with the error code and goes on with the others', async () => {
    // Prepare
    sts
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::333333333333:role/OrganizationAccountAccessRole' })
      .rejects(stsError('AccessDenied', 'not authorized to perform: sts:AssumeRole'))
      .on(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::444444444444:role/OrganizationAccountAccessRole' })
      .resolves({ Credentials: CREDENTIALS });

    // Act
    const outcomes = await acrossAccounts(
      accounts('333333333333', '444444444444'),
      { session: SESSION, sts: new STSClient({}), roleName: 'OrganizationAccountAccessRole', concurrency: 8 },
      async () => 'scanned',
    );

    // Assess
    expect(outcomes).toEqual([
      {
        account: { accountId: '333333333333', name: 'n-333333333333' },
        status: 'unreachable',
        error: 'AccessDenied: not authorized to perform: sts:AssumeRole',
      },
      { account: { accountId: '444444444444', name: 'n-444444444444' }, status: 'scanned', result: 'scanned' },
    ]);
  });

  it('makes a failure inside a reached account (an SCP denying IAM) that account’s, with its code', async () => {
    // Prepare
    sts.on(AssumeRoleCommand).resolves({ Credentials: CREDENTIALS });

    // Act
    const outcomes = await acrossAccounts(
      accounts('333333333333'),
      { session: SESSION, sts: new STSClient({}), roleName: 'R', concurrency: 8 },
      async () => {
        throw Object.assign(new Error('explicit deny in a service control policy'), { name: 'AccessDenied' });
      },
    );

    // Assess
    expect(outcomes).toMatchObject([
      { status: 'unreachable', error: 'AccessDenied: explicit deny in a service control policy' },
    ]);
  });

  it('stops everything when the caller’s own credentials are rejected', async () => {
    // Prepare
    sts
      .on(AssumeRoleCommand)
      .rejects(stsError('ExpiredToken', 'The security token included in the request is expired'));

    // Act
    const run = acrossAccounts(
      accounts('333333333333', '444444444444'),
      { session: SESSION, sts: new STSClient({}), roleName: 'R', concurrency: 1 },
      async () => 'never',
    );

    // Assess
    await expect(run).rejects.toBeInstanceOf(CredentialsRejectedError);
  });
});

describe('selectAccounts', () => {
  function organization() {
    organizations
      .on(ListAccountsCommand)
      .resolves({
        Accounts: [
          { Id: '111111111111', Name: 'management', State: 'ACTIVE' },
          { Id: '222222222222', Name: 'web', Status: 'ACTIVE' },
          { Id: '333333333333', Name: 'data', State: 'ACTIVE' },
          { Id: '444444444444', Name: 'leaving', State: 'SUSPENDED' },
        ],
      })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-ab12-aaaaaaaa' })
      .resolves({ Accounts: [{ Id: '222222222222', Name: 'web', State: 'ACTIVE' }] })
      .on(ListAccountsForParentCommand, { ParentId: 'ou-ab12-bbbbbbbb' })
      .resolves({ Accounts: [{ Id: '333333333333', Name: 'data', State: 'ACTIVE' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-aaaaaaaa' })
      .resolves({ OrganizationalUnits: [{ Id: 'ou-ab12-bbbbbbbb' }] })
      .on(ListOrganizationalUnitsForParentCommand, { ParentId: 'ou-ab12-bbbbbbbb' })
      .resolves({ OrganizationalUnits: [] });
    return new OrganizationsClient({});
  }

  it('takes every active account by default, and an OU with its child OUs', async () => {
    // Prepare
    const client = organization();

    // Act
    const all = await selectAccounts(client, accountSelection());
    const underOu = await selectAccounts(client, accountSelection([], ['ou-ab12-aaaaaaaa']));
    const named = await selectAccounts(client, accountSelection(['111111111111']));

    // Assess
    expect(all.map((account) => account.name)).toEqual(['management', 'web', 'data']);
    expect(underOu.map((account) => account.name)).toEqual(['web', 'data']);
    expect(named).toEqual([{ accountId: '111111111111', name: 'management' }]);
  });

  it('calls an account outside the organization a usage error, and a refused Organizations call an access error', async () => {
    // Prepare
    const client = organization();

    // Act
    const outside = selectAccounts(client, accountSelection(['444444444444']));

    // Assess
    await expect(outside).rejects.toThrow(new UsageError('not an active account of the organization: 444444444444'));
    organizations
      .on(ListAccountsCommand)
      .rejects(new AWSOrganizationsNotInUseException({ $metadata: {}, message: 'not in an organization' }));
    await expect(selectAccounts(client, accountSelection())).rejects.toThrow(AwsAccessError);
  });
});

describe('scan --org exit codes', () => {
  const io = () =>
    cliIo({
      env: { AWS_REGION: 'us-east-1', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
    });

  function twoAccounts() {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111', Arn: 'arn:aws:iam::111111111111:user/admin' });
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [
        { Id: '111111111111', Name: 'management', State: 'ACTIVE' },
        { Id: '222222222222', Name: 'web', State: 'ACTIVE' },
      ],
    });
    iam.on(ListInstanceProfilesCommand).resolves({ InstanceProfiles: [] });
    // No account has the service's stack, and CloudTrail's history is empty: the defaults, creators unknown.
    cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [] });
    cloudtrail.on(LookupEventsCommand).resolves({ Events: [] });
  }

  it('exits 0 when every account was scanned and nothing is missing', async () => {
    // Prepare
    twoAccounts();
    sts.on(AssumeRoleCommand).resolves({ Credentials: CREDENTIALS });
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({ RoleDetailList: [] });
    const cli = io();

    // Act
    const code = await runCli(['scan', '--org', '--json'], cli);

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(cli.out())).toMatchObject({
      summary: { accounts: 2, scanned: 2, unreachable: 0, missing: 0, conflicts: 0 },
    });
  });

  it('draws its progress line on a terminal only', async () => {
    // Prepare
    twoAccounts();
    sts.on(AssumeRoleCommand).resolves({ Credentials: CREDENTIALS });
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({ RoleDetailList: [] });
    const piped = io();
    let drawn = '';
    const terminal = { ...io(), stderr: { isTTY: true, write: (text: string) => (drawn += text) } };

    // Act
    await runCli(['scan', '--org', '--json'], piped);
    await runCli(['scan', '--org', '--json'], terminal);

    // Assess
    expect(piped.err()).toBe('');
    expect(drawn).toContain('scan --org: 0 of 2 accounts');
    expect(drawn).toContain('scan --org: 2 of 2 accounts');
    expect(drawn.endsWith('\r\u001b[2K')).toBe(true);
  });

  it('exits 1 when something is missing, or an account is unreachable', async () => {
    // Prepare
    twoAccounts();
    sts.on(AssumeRoleCommand).rejects(stsError('AccessDenied', 'denied by an SCP'));
    iam.on(GetAccountAuthorizationDetailsCommand).resolves({
      RoleDetailList: [
        {
          RoleName: 'web',
          RoleId: 'AROAWEB',
          Arn: 'arn:aws:iam::111111111111:role/web',
          Path: '/',
          CreateDate: new Date('2026-01-01'),
          AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(EC2_TRUST_POLICY)),
          InstanceProfileList: [],
          Tags: [],
        },
      ],
    });
    const cli = io();

    // Act: without the creators' lookup, the role of 2026-01-01 is missing whatever the unknown creator setting
    const code = await runCli(['scan', '--org', '--no-creator-lookup', '--json'], cli);

    // Assess
    expect(code).toBe(1);
    expect(JSON.parse(cli.out())).toMatchObject({
      summary: { accounts: 2, scanned: 1, unreachable: 1, missing: 1, conflicts: 0 },
      accounts: [
        { accountId: '111111111111', status: 'scanned', summary: { missing: 1 } },
        { accountId: '222222222222', status: 'unreachable', error: 'AccessDenied: denied by an SCP' },
      ],
    });
  });

  it('exits 255 when the organization cannot be read', async () => {
    // Prepare
    twoAccounts();
    organizations
      .on(ListAccountsCommand)
      .rejects(new AWSOrganizationsNotInUseException({ $metadata: {}, message: 'not in an organization' }));
    const cli = io();

    // Act
    const code = await runCli(['scan', '--org'], cli);

    // Assess
    expect(code).toBe(255);
    expect(cli.err()).toBe(
      'An error occurred (AWSOrganizationsNotInUseException) calling Organizations: not in an organization\n',
    );
  });
});

describe('readStackSet', () => {
  it("takes the name, CallAs and targets from the organization stack's outputs, and reads instances as the delegated administrator", async () => {
    // Prepare
    cloudformation
      .on(DescribeStacksCommand, { StackName: 'AutoInstanceProfileOrg' })
      .resolves({
        Stacks: [
          {
            StackName: 'AutoInstanceProfileOrg',
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(),
            Outputs: [
              { OutputKey: 'StackSetName', OutputValue: 'Profiles' },
              { OutputKey: 'CallAs', OutputValue: 'DELEGATED_ADMIN' },
              { OutputKey: 'DeploymentTargets', OutputValue: 'ou-ab12-aaaaaaaa,ou-ab12-bbbbbbbb' },
            ],
          },
        ],
      })
      .on(DescribeStackSetCommand)
      .resolves({ StackSet: { StackSetName: 'Profiles' } })
      .on(ListStackInstancesCommand)
      .resolves({
        Summaries: [
          { Account: '222222222222', Region: 'us-east-1', Status: 'CURRENT', DriftStatus: 'IN_SYNC' },
          { Account: '333333333333', Region: 'us-east-1', Status: 'OUTDATED', StatusReason: 'Account gone' },
          { Account: '444444444444', Region: 'us-east-1', Status: 'CURRENT', DriftStatus: 'DRIFTED' },
        ],
      });

    // Act
    const view = await readStackSet(new CloudFormationClient({}), {});

    // Assess
    expect(view).toMatchObject({
      name: 'Profiles',
      callAs: 'DELEGATED_ADMIN',
      source: 'organization stack',
      nameFrom: 'organization stack',
      callAsFrom: 'organization stack',
      targets: ['ou-ab12-aaaaaaaa', 'ou-ab12-bbbbbbbb'],
    });
    expect(view.instances.map(instanceHealthy)).toEqual([true, false, false]);
    expect(cloudformation.commandCalls(ListStackInstancesCommand)[0]?.args[0].input).toEqual({
      StackSetName: 'Profiles',
      CallAs: 'DELEGATED_ADMIN',
    });
    expect(cloudformation.commandCalls(DescribeStackSetCommand)[0]?.args[0].input.CallAs).toBe('DELEGATED_ADMIN');
  });

  it('reports a StackSet it cannot read, with the error code, and the defaults without an organization stack', async () => {
    // Prepare
    cloudformation
      .on(DescribeStacksCommand)
      .rejects(
        Object.assign(new Error('Stack with id AutoInstanceProfileOrg does not exist'), { name: 'ValidationError' }),
      )
      .on(DescribeStackSetCommand)
      .rejects(
        Object.assign(new Error('StackSet AutoInstanceProfile not found'), { name: 'StackSetNotFoundException' }),
      );

    // Act
    const view = await readStackSet(new CloudFormationClient({}), {});

    // Assess
    expect(view).toEqual({
      name: 'AutoInstanceProfile',
      callAs: 'SELF',
      source: 'options',
      nameFrom: 'default',
      callAsFrom: 'default',
      targets: [],
      instances: [],
      error: 'StackSetNotFoundException: StackSet AutoInstanceProfile not found',
    });
  });
});
