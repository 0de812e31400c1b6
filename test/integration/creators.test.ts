/**
 * Creators told right (issue 20, finding 8), through the built reconcile bundle and the built CLI against moto, with
 * CloudTrail's event history the emulator's (emulator/cloudtrail.ts: it records the IAM writes made through it, as
 * CloudTrail records them, and answers LookupEvents):
 * - a role too young for the event history whose CreateRole is not there is left to its own event: reconcile does not
 *   queue it, and scan and fix call it pending rather than missing;
 * - `fix` and `scan` decide with the deployed stack's settings (read from its remediator's environment) and with who
 *   created each role, as the service does: CloudFormation's roles and those of ignored callers get no profile;
 *   `--no-creator-lookup` skips the lookup and says so;
 * - `fix --org` covers the accounts where the service is installed, each with its own settings (there it hands the
 *   roles over to the service: test/integration/hand-over.test.ts), and names the others; `--all-accounts` covers
 *   those too, with the defaults.
 * Each part has a moto of its own: the scans read whole accounts.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CreateRoleCommand, GetInstanceProfileCommand, IAMClient, NoSuchEntityException } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT_SETTINGS_PERMISSIONS } from '../../cli/scan/settings.js';
import { RECONCILE_FUNCTION_TAG } from '../../core/lambda/reconcile-now.js';
import { SERVICE_ROLE_PATH, STACK_NAME } from '../../core/pipeline-settings.js';
import { EC2_TRUST_POLICY } from '../../core/trust-policy.js';
import {
  CLOUDFORMATION_ACCESS_KEY,
  CLOUDFORMATION_IDENTITY,
  cloudTrail,
  MOTO_ACCOUNT_ID,
} from '../../emulator/cloudtrail.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedAccount, type EmulatedOrganization } from '../../emulator/organization.js';
import { startProxy } from '../../emulator/proxy.js';
import { BUNDLES } from '../../toolchain/bundles.mjs';
import { invokeBundle } from './support/bundle.js';
import { type CliRun, cliEnv, runCli, sharedFiles } from './support/cli.js';
import { deployedStackInMoto } from './support/stack.js';

const TRUST = JSON.stringify(EC2_TRUST_POLICY);
/** The access key the emulator's CloudTrail records as a Terraform pipeline's role. */
const TERRAFORM_ACCESS_KEY = 'terraform';
const TERRAFORM_IDENTITY = {
  type: 'AssumedRole',
  principalId: 'AROAEXAMPLETF:ci',
  arn: `arn:aws:sts::${MOTO_ACCOUNT_ID}:assumed-role/terraform-ci/ci`,
  accountId: MOTO_ACCOUNT_ID,
};
/** The deployed stack's settings in these tests, as the stack writes them into the remediator's environment. */
const STACK_SETTINGS = {
  EXCLUDED_PATH_PREFIXES: '/aws-service-role/,/batch/',
  IGNORED_CALLERS: 'cloudformation.amazonaws.com,arn:aws:sts::*:assumed-role/terraform-ci/*',
  UNKNOWN_CREATOR: 'remediate',
  DRY_RUN: 'true',
};

interface ScanJson {
  readonly summary: Record<string, number>;
  readonly missing: readonly string[];
  readonly conflicts: readonly string[];
  readonly pending: readonly string[];
  readonly settings: Record<string, unknown>;
}

interface OrgJson {
  readonly summary: Record<string, number>;
  readonly accounts: readonly {
    readonly accountId: string;
    readonly name: string;
    readonly status: string;
    readonly error?: string;
    readonly summary?: Record<string, number>;
    readonly settings?: Record<string, unknown>;
  }[];
}

let files: Awaited<ReturnType<typeof sharedFiles>>;
const closers: (() => Promise<unknown> | unknown)[] = [];

beforeAll(async () => {
  files = await sharedFiles();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await files?.remove();
});

/** A moto with the emulator's CloudTrail in front of it, and IAM clients that create roles as each kind of caller. */
async function trailedMoto() {
  const moto = await startMoto();
  const trail = await startProxy({
    targetUrl: moto.url,
    hooks: [
      cloudTrail({
        publish: async () => {},
        identities: {
          [CLOUDFORMATION_ACCESS_KEY]: CLOUDFORMATION_IDENTITY,
          [TERRAFORM_ACCESS_KEY]: TERRAFORM_IDENTITY,
        },
      }),
    ],
  });
  closers.push(
    () => moto.stop(),
    () => trail.close(),
  );
  const as = (accessKeyId: string) =>
    new IAMClient({ region: 'us-east-1', endpoint: trail.url, credentials: { accessKeyId, secretAccessKey: 'x' } });
  const clients = {
    person: new IAMClient({ region: 'us-east-1', endpoint: trail.url }),
    cloudFormation: as(CLOUDFORMATION_ACCESS_KEY),
    terraform: as(TERRAFORM_ACCESS_KEY),
    /** Straight into moto: CloudTrail has no record of these calls (yet). */
    unrecorded: new IAMClient({ region: 'us-east-1', endpoint: moto.url }),
  };
  closers.push(() => {
    for (const client of Object.values(clients)) client.destroy();
  });
  return { moto, trail, ...clients };
}

async function ec2Role(iam: IAMClient, name: string, path?: string): Promise<void> {
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST, Path: path }));
}

async function hasProfile(iam: IAMClient, name: string): Promise<boolean> {
  try {
    await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    return true;
  } catch (error) {
    if (error instanceof NoSuchEntityException) return false;
    throw error;
  }
}

/**
 * The service's stack as far as the CLI reads it, in the account `credentials` open: the remediator with `settings`
 * in its environment (its role on the service's path), and a stack named `stackName` whose outputs name it.
 */
async function deployStack(
  motoUrl: string,
  credentials: EmulatedAccount['credentials'] | undefined,
  stackName: string,
  settings: Record<string, string>,
): Promise<void> {
  const config = { region: 'us-east-1', endpoint: motoUrl, ...(credentials === undefined ? {} : { credentials }) };
  const iam = new IAMClient(config);
  const lambda = new LambdaClient(config);
  const cloudformation = new CloudFormationClient(config);
  try {
    const { Role: role } = await iam.send(
      new CreateRoleCommand({
        RoleName: `${stackName}-FunctionRole`,
        Path: SERVICE_ROLE_PATH,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    const functionName = `${stackName}-Remediator`;
    const reconcileFunctionName = `${stackName}-Reconcile`;
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: reconcileFunctionName,
        Runtime: 'nodejs20.x',
        Role: role?.Arn,
        Handler: 'index.handler',
        Code: { ZipFile: new TextEncoder().encode('the bundle') },
        Tags: { [RECONCILE_FUNCTION_TAG.key]: RECONCILE_FUNCTION_TAG.value },
      }),
    );
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: 'nodejs20.x',
        Role: role?.Arn,
        Handler: 'index.handler',
        Code: { ZipFile: new TextEncoder().encode('the bundle') },
        Environment: { Variables: { ...settings, SERVICE_ROLE_ARN: role?.Arn ?? '' } },
      }),
    );
    await cloudformation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify({
          // The outputs are what the CLI reads; a handle is the quickest resource moto makes.
          Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: {
            RuleName: { Value: `${stackName}-Rule` },
            FunctionName: { Value: functionName },
            ReconcileFunctionName: { Value: reconcileFunctionName },
          },
        }),
      }),
    );
  } finally {
    iam.destroy();
    lambda.destroy();
    cloudformation.destroy();
  }
}

function cliWith(env: Record<string, string>) {
  return (...args: string[]): Promise<CliRun> =>
    runCli(
      args,
      cliEnv(files.dir, {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        ...env,
      }),
    );
}

/** One account with the stack, for the CLI and then the reconcile bundle (which scans it whole: in that order). */
let account: Awaited<ReturnType<typeof trailedMoto>>;

describe("scan and fix with the deployed stack's settings and the roles' creators", () => {
  let cli: (...args: string[]) => Promise<CliRun>;

  beforeAll(async () => {
    account = await trailedMoto();
    // The stack with its record and operator role, through which fix records what it makes (without them it would hand
    // the roles over to the service: test/integration/hand-over.test.ts).
    await deployedStackInMoto(account.moto.url, STACK_SETTINGS);
    await ec2Role(account.person, 'by-person');
    await ec2Role(account.cloudFormation, 'by-stack');
    await ec2Role(account.terraform, 'by-terraform');
    await ec2Role(account.person, 'batch-worker', '/batch/');
    await ec2Role(account.unrecorded, 'not-recorded-yet');
    cli = cliWith({ AWS_ENDPOINT_URL: account.moto.url, AWS_ENDPOINT_URL_CLOUDTRAIL: account.trail.url });
  });

  it('scan --no-creator-lookup applies the stack’s settings but not the creators, and says so', async () => {
    // Act
    const json = await cli('scan', '--no-creator-lookup', '--json');
    const text = await cli('scan', '--no-creator-lookup');

    // Assess: the excluded path is the stack's; without creators, every other EC2 role is missing.
    const report = JSON.parse(json.stdout) as ScanJson;
    expect([...report.missing].sort()).toEqual(['by-person', 'by-stack', 'by-terraform', 'not-recorded-yet']);
    expect(report.settings).toMatchObject({
      from: 'stack',
      stack: STACK_NAME,
      excludedPathPrefixes: ['/aws-service-role/', '/batch/'],
      creatorLookup: false,
    });
    expect(text.stdout).toContain(
      `settings: stack ${STACK_NAME} (us-east-1): excluded paths /aws-service-role/, /batch/`,
    );
    expect(text.stdout).toContain('creators: not looked up (--no-creator-lookup)');
  });

  it('fix gives a profile only to the role a person made: not CloudFormation’s, not an ignored caller’s, not an excluded path’s, not one too young for the history', async () => {
    // Prepare
    const { person, unrecorded } = account;

    // Act
    const fix = await cli('fix', '--yes', '--json');
    const scan = await cli('scan', '--json');
    const text = await cli('scan');

    // Assess
    expect(fix.code, fix.stderr).toBe(0);
    const fixed = JSON.parse(fix.stdout) as ScanJson;
    expect(fixed).toMatchObject({
      missing: ['by-person'],
      pending: ['not-recorded-yet'],
      conflicts: [],
      summary: { missing: 1, pending: 1, created: 1 },
      settings: {
        from: 'stack',
        stack: STACK_NAME,
        ignoredCallers: ['cloudformation.amazonaws.com', 'arn:aws:sts::*:assumed-role/terraform-ci/*'],
        creatorLookup: true,
      },
    });
    expect(await hasProfile(person, 'by-person')).toBe(true);
    for (const role of ['by-stack', 'by-terraform', 'batch-worker', 'not-recorded-yet']) {
      expect(await hasProfile(unrecorded, role), role).toBe(false);
    }
    // The stack's DRY_RUN is the service's: the CLI acted.
    expect(fixed.summary.created).toBe(1);
    // scan agrees with fix: nothing missing now, the young one still pending.
    expect(scan.code).toBe(0);
    expect(JSON.parse(scan.stdout)).toMatchObject({ missing: [], pending: ['not-recorded-yet'] });
    expect(text.stdout).toMatch(/not-recorded-yet +pending +the role is younger than CloudTrail’s delivery lag/);
    expect(text.stdout).toContain("creators: looked up in CloudTrail's event history (us-east-1)");
    expect(text.stdout).toContain(', pending 1 (');
  });

  it('names the reads it adds to the ones the CLI exports', () => {
    expect(ACCOUNT_SETTINGS_PERMISSIONS).toEqual([
      'cloudformation:DescribeStacks',
      'lambda:GetFunctionConfiguration',
      'cloudtrail:LookupEvents',
    ]);
  });
});

describe('reconcile (the built bundle) and a role too young for the event history', () => {
  it('leaves a young role with no CreateRole in the history to its own event: pending, not queued', async () => {
    // Prepare: the account above (by-person has its profile now; not-recorded-yet is still not in the history), and
    // two more EC2 roles made just now, one through CloudTrail (recorded), one straight in moto (not yet). The
    // function reads the stack's settings, as the stack sets them.
    await ec2Role(account.person, 'young-recorded');
    await ec2Role(account.unrecorded, 'young-unrecorded');
    const sqs = new SQSClient({ region: 'us-east-1', endpoint: account.moto.url });
    closers.push(() => sqs.destroy());
    const { QueueUrl: queueUrl = '' } = await sqs.send(new CreateQueueCommand({ QueueName: 'creators' }));
    const env = {
      AWS_ENDPOINT_URL: account.moto.url,
      AWS_ENDPOINT_URL_CLOUDTRAIL: account.trail.url,
      QUEUE_URL: queueUrl,
      EXCLUDED_PATH_PREFIXES: STACK_SETTINGS.EXCLUDED_PATH_PREFIXES,
      IGNORED_CALLERS: STACK_SETTINGS.IGNORED_CALLERS,
      // This moto has no ownership table: the record's upkeep is not this case's question.
      OWNERSHIP_TABLE: '',
    };

    // Act
    const { result, logs } = await invokeBundle<{ summary: Record<string, number>; queued: number }>(
      {},
      env,
      BUNDLES.reconcile.path,
    );
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );

    // Assess: only the recorded one is a candidate; the others are counted pending, neither missing nor remediated.
    const queued = Messages.map((message) => JSON.parse(message.Body ?? '{}').detail.roleName);
    expect(queued).toEqual(['young-recorded']);
    expect(result.summary).toMatchObject({ missing: 1, pending: 2 });
    expect(logs.find((line) => line.message === 'reconcile finished')).toMatchObject({ pending: 2, queued: 1 });
  });
});

describe('fix --org covers the accounts where the service is installed, each with its settings', () => {
  let moto: MotoServer;
  let org: EmulatedOrganization;
  let installed: EmulatedAccount;
  let bare: EmulatedAccount;
  let cli: (...args: string[]) => Promise<CliRun>;

  beforeAll(async () => {
    moto = await startMoto();
    closers.push(() => moto.stop());
    // fix --org starts the installed account's reconcile function: moto's simple Lambda answers without docker.
    await fetch(`${moto.url}/moto-api/config`, {
      method: 'POST',
      body: JSON.stringify({ lambda: { use_docker: false } }),
    });
    org = await createOrganization(moto.url, [{ name: 'installed' }, { name: 'bare' }]);
    closers.push(() => org.close());
    [installed, bare] = org.members as [EmulatedAccount, EmulatedAccount];
    // The installed account has the StackSet's stack, which excludes /batch/; the management account and bare have none.
    await deployStack(moto.url, installed.credentials, 'StackSet-AutoInstanceProfile-0a1b2c3d', STACK_SETTINGS);
    for (const account of [org.management, installed, bare]) {
      await ec2Role(account.iam, `${account.name}-app`);
      await ec2Role(account.iam, `${account.name}-batch`, '/batch/');
    }
    // The roles were made straight in moto moments ago: the creators' lookup would find them pending.
    cli = cliWith({ AWS_ENDPOINT_URL: moto.url });
  });

  it('leaves out the accounts without the service and says why; --all-accounts covers them with the defaults', async () => {
    // Act
    const fix = await cli('fix', '--org', '--yes', '--no-creator-lookup', '--json');
    const text = await cli('scan', '--org', '--no-creator-lookup');
    const all = await cli('fix', '--org', '--all-accounts', '--yes', '--no-creator-lookup', '--json');

    // Assess: only the installed account is covered, without its excluded /batch/ role: handed over to the service.
    expect(fix.code, fix.stderr).toBe(0);
    const fixed = JSON.parse(fix.stdout) as OrgJson;
    expect(fixed.summary).toMatchObject({
      accounts: 3,
      scanned: 1,
      unreachable: 0,
      leftOut: 2,
      created: 0,
      handedOver: 1,
    });
    const entry = (report: OrgJson, account: EmulatedAccount) =>
      report.accounts.find((candidate) => candidate.accountId === account.accountId);
    expect(entry(fixed, installed)).toMatchObject({
      status: 'scanned',
      summary: { missing: 1, created: 0 },
      handedOver: { functionName: 'StackSet-AutoInstanceProfile-0a1b2c3d-Reconcile', roles: 1 },
      settings: {
        from: 'stack',
        stack: 'StackSet-AutoInstanceProfile-0a1b2c3d',
        excludedPathPrefixes: ['/aws-service-role/', '/batch/'],
      },
    });
    for (const account of [org.management, bare]) {
      expect(entry(fixed, account)).toEqual({
        accountId: account.accountId,
        name: account.name,
        status: 'left-out',
        error: expect.stringMatching(/^the service is not installed: no AutoInstanceProfile stack, nor a StackSet's/),
      });
    }
    expect(await hasProfile(installed.iam, 'installed-app')).toBe(false);
    expect(await hasProfile(installed.iam, 'installed-batch')).toBe(false);
    // scan --org still reads every account, and says whose settings each was read with.
    expect(text.stdout).toMatch(new RegExp(`${installed.accountId}  installed +scanned +1 +0 +stack`));
    expect(text.stdout).toMatch(new RegExp(`${bare.accountId}  bare +scanned +2 +0 +defaults`));
    // --all-accounts: the others too, with the defaults (which exclude no /batch/).
    expect(all.code, all.stderr).toBe(0);
    const everywhere = JSON.parse(all.stdout) as OrgJson;
    expect(everywhere.summary).toMatchObject({ scanned: 3, leftOut: 0, created: 4, handedOver: 1 });
    expect(entry(everywhere, bare)?.settings).toMatchObject({ from: 'defaults' });
    expect(await hasProfile(bare.iam, 'bare-batch')).toBe(true);
    expect(await hasProfile(org.management.iam, `${org.management.name}-app`)).toBe(true);
  });
});
