/**
 * `auto-instance-profile doctor` (the built bin) against moto: an empty account, then one with a trail
 * that is not logging, then a logging trail and the stack deployed; and the ways AWS can be out of reach
 * (no credentials, an unknown profile, an endpoint that refuses) and a profile that sets everything. The
 * doctor gets moto only through the SDK's own settings, as a user would point it at any endpoint.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateInstanceProfileCommand, IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOKE_ROLE_PREFIX } from '../../cli/doctor/smoke-role.js';
import { accountEventPatterns } from '../../core/event-pattern.js';
import { STACK_NAME, STACK_SET_INSTANCE_PREFIX, STACK_SET_NAME } from '../../core/pipeline-settings.js';
import { MOTO_ACCOUNT_ID } from '../../emulator/cloudtrail-event.js';
import { instanceProfileQuota } from '../../emulator/iam-faults.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOwnershipTable } from '../../emulator/ownership-table.js';
import { startProxy } from '../../emulator/proxy.js';
import { type CliRun, checkOf, cliEnv, createBucket, type DoctorJson, runCli, sharedFiles } from './support/cli.js';

const NO_CREDENTIALS = 'Unable to locate credentials. You can configure credentials by running "aws configure".\n';

let moto: MotoServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;

/** The doctor with moto as the endpoint, fake keys and us-east-1, as the README's moto example sets them. */
function doctor(...args: string[]): Promise<CliRun> {
  return doctorWith({}, ...args);
}

/** The doctor as {@link doctor} runs it, with more environment, e.g. AWS_ENDPOINT_URL_IAM. */
function doctorWith(env: Record<string, string>, ...args: string[]): Promise<CliRun> {
  return runCli(
    ['doctor', ...args],
    cliEnv(files.dir, {
      AWS_ENDPOINT_URL: moto.url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      ...env,
    }),
  );
}

/** The stack's shape as far as the doctor reads it: the rule, the queues and the outputs. */
function stackTemplate(): string {
  return JSON.stringify({
    Resources: {
      DeadLetterQueue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1209600 } },
      Queue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          DelaySeconds: 30,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 },
        },
      },
      Rule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          State: 'ENABLED',
          EventPattern: accountEventPatterns(MOTO_ACCOUNT_ID).settle,
          Targets: [{ Id: 'queue', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
        },
      },
      DeleteQueue: {
        Type: 'AWS::SQS::Queue',
        Properties: {
          DelaySeconds: 0,
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }, maxReceiveCount: 5 },
        },
      },
      DeleteRule: {
        Type: 'AWS::Events::Rule',
        Properties: {
          State: 'ENABLED',
          EventPattern: accountEventPatterns(MOTO_ACCOUNT_ID).immediate,
          Targets: [{ Id: 'queue', Arn: { 'Fn::GetAtt': ['DeleteQueue', 'Arn'] } }],
        },
      },
      FunctionRole: {
        Type: 'AWS::IAM::Role',
        Properties: {
          Path: '/auto-instance-profile/',
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
          },
        },
      },
      Function: {
        Type: 'AWS::Lambda::Function',
        Properties: {
          FunctionName: 'AutoInstanceProfile-Remediator',
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Role: { 'Fn::GetAtt': ['FunctionRole', 'Arn'] },
          Code: { ZipFile: 'exports.handler = async () => ({});' },
          // Deployed with selection=opt-in: doctor reads it from here for its settings line.
          Environment: { Variables: { SELECTION: 'opt-in', DRY_RUN: 'false' } },
        },
      },
      QueueMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { Ref: 'Function' }, EventSourceArn: { 'Fn::GetAtt': ['Queue', 'Arn'] } },
      },
      DeleteQueueMapping: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { FunctionName: { Ref: 'Function' }, EventSourceArn: { 'Fn::GetAtt': ['DeleteQueue', 'Arn'] } },
      },
    },
    Outputs: {
      RuleName: { Value: { Ref: 'Rule' } },
      QueueUrl: { Value: { Ref: 'Queue' } },
      DeleteRuleName: { Value: { Ref: 'DeleteRule' } },
      DeleteQueueUrl: { Value: { Ref: 'DeleteQueue' } },
      DeadLetterQueueUrl: { Value: { Ref: 'DeadLetterQueue' } },
      FunctionName: { Value: 'AutoInstanceProfile-Remediator' },
      ReconcileFunctionName: { Value: 'AutoInstanceProfile-Reconcile' },
      OwnershipTableName: { Value: OWNERSHIP_TABLE },
    },
  });
}

/** The stack's ownership table, which the test creates in moto beside the stack (a stack's own would be retained). */
const OWNERSHIP_TABLE = 'doctor-ownership';

beforeAll(async () => {
  // A moto of its own: trails and the stack must not leak into, or in from, other test files.
  [moto, files] = await Promise.all([startMoto(), sharedFiles()]);
  await createOwnershipTable(new DynamoDBClient({ endpoint: moto.url }), OWNERSHIP_TABLE, []);
});

afterAll(async () => {
  await Promise.all([moto?.stop(), files?.remove()]);
});

describe('doctor against moto', () => {
  // The cases build on each other: nothing, then a trail that is not logging, then a logging trail and the stack.
  it('fails an empty account: no trail and no stack, the rest not checked, with the account and region', async () => {
    // Prepare: nothing; the account is empty.

    // Act
    const run = await doctor('--json');

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DoctorJson;
    expect(report).toMatchObject({
      command: 'doctor',
      account: '123456789012',
      region: 'us-east-1',
      stack: STACK_NAME,
    });
    expect(report.checks.map((c) => c.name)).toEqual([
      'region',
      'trail',
      'stack',
      'rule',
      'delete-rule',
      'event-sources',
      'dead-letter-queue',
      'instance-profiles',
      'ownership',
    ]);
    for (const c of report.checks) expect(Object.keys(c).sort()).toEqual(['detail', 'name', 'ok', 'status']);
    expect(checkOf(report, 'region').status).toBe('ok');
    expect(checkOf(report, 'trail')).toMatchObject({ status: 'failed', detail: expect.stringContaining('no trail') });
    expect(checkOf(report, 'stack')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('not deployed in us-east-1 (npm run deploy)'),
    });
    expect(checkOf(report, 'rule').status).toBe('not-checked');
    expect(checkOf(report, 'delete-rule').status).toBe('not-checked');
    expect(checkOf(report, 'event-sources').status).toBe('not-checked');
    expect(checkOf(report, 'dead-letter-queue').status).toBe('not-checked');
    expect(checkOf(report, 'instance-profiles')).toMatchObject({
      status: 'ok',
      detail: '0 of 1000 instance profiles in use (0%)',
    });
    expect(checkOf(report, 'ownership').status).toBe('not-checked');
    expect(report.summary).toEqual({ ok: 2, warning: 0, paused: 0, failed: 2, 'not-checked': 5 });
  });

  it('fails the trail check while the trail exists but is not logging', async () => {
    // Prepare
    const cloudtrail = new CloudTrailClient({ endpoint: moto.url });
    await createBucket(moto.url, 'doctor-trail-logs');
    await cloudtrail.send(
      new CreateTrailCommand({ Name: 'management', S3BucketName: 'doctor-trail-logs', IsMultiRegionTrail: true }),
    );
    cloudtrail.destroy();

    // Act
    const run = await doctor('--json');

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DoctorJson;
    expect(checkOf(report, 'trail')).toMatchObject({
      status: 'failed',
      detail: expect.stringContaining('not logging'),
    });
  });

  it('passes every check with a logging trail and the stack deployed, and exits 0', async () => {
    // Prepare
    const cloudtrail = new CloudTrailClient({ endpoint: moto.url });
    await cloudtrail.send(new StartLoggingCommand({ Name: 'management' }));
    cloudtrail.destroy();
    const cloudformation = new CloudFormationClient({ endpoint: moto.url });
    await cloudformation.send(new CreateStackCommand({ StackName: STACK_NAME, TemplateBody: stackTemplate() }));
    cloudformation.destroy();

    // Act
    const run = await doctor('--json');

    // Assess
    const report = JSON.parse(run.stdout) as DoctorJson;
    expect(report.checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(checkOf(report, 'trail').detail).toContain('"management"');
    expect(checkOf(report, 'rule').detail).toContain('ENABLED');
    expect(checkOf(report, 'rule').detail).not.toContain('differs');
    expect(checkOf(report, 'delete-rule').detail).toContain('ENABLED');
    expect(checkOf(report, 'delete-rule').detail).not.toContain('differs');
    expect(checkOf(report, 'event-sources').detail).toBe(
      'the remediator (AutoInstanceProfile-Remediator) polls the settle and delete queues (event source mappings Enabled)',
    );
    expect(checkOf(report, 'dead-letter-queue').detail).toContain('empty');
    expect(run.code).toBe(0);
  });

  it('shows the deployed remediator’s selection and dry run, read from its environment, as settings (not a check)', async () => {
    // Prepare: the stack as the first case deployed it, its remediator with SELECTION=opt-in

    // Act
    const json = await doctor('--json');
    const text = await doctor();

    // Assess
    const report = JSON.parse(json.stdout) as DoctorJson & { settings: unknown };
    expect(report.settings).toEqual({ selection: 'opt-in', dryRun: false });
    expect(text.stdout).toContain(
      'settings: selection opt-in (only roles tagged auto-instance-profile:opt-in=true); dry run off',
    );
    expect(json.code).toBe(0);
  });

  it('prints a plain text report headed by account and region, and fails a region outside the IAM event region', async () => {
    // Prepare: the account as the previous case left it.

    // Act
    const run = await doctor('--region', 'eu-west-1');

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout.split('\n')[0]).toBe(
      `auto-instance-profile doctor  account 123456789012 · region eu-west-1 · stack ${STACK_NAME}`,
    );
    expect(run.stdout).toMatch(/FAIL\s+region\s+eu-west-1: IAM's events reach EventBridge only in us-east-1/);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('fails --smoke with its cause when no profile comes, and removes its role', async () => {
    // Prepare: moto has the stack's queue but nothing drives it, so no profile ever comes.

    // Act
    const run = await doctor('--smoke', '--timeout', '2', '--json');

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as DoctorJson;
    const smoke = checkOf(report, 'smoke');
    expect(smoke.status).toBe('failed');
    expect(smoke.detail).toMatch(/^no instance profile auto-instance-profile-smoke-\S+ held the role within 2 s/);
    expect(smoke.detail).toContain('/aws/lambda/AutoInstanceProfile-Remediator');
    expect(report.smoke).toMatchObject({
      latencySeconds: null,
      settleDelaySeconds: 30,
      timeoutSeconds: 2,
      removed: true,
    });
    const iam = new IAMClient({ endpoint: moto.url });
    const { Roles = [] } = await iam.send(new ListRolesCommand({}));
    iam.destroy();
    expect(Roles.filter((role) => role.RoleName?.startsWith(SMOKE_ROLE_PREFIX))).toEqual([]);
  });

  it('fails the instance-profiles check at 95% of the quota, where the service stops creating, and passes below it', async () => {
    // Prepare: two profiles in the account; IAM's quota, which moto does not have, emulated by the proxy.
    const iam = new IAMClient({ endpoint: moto.url });
    for (const name of ['doctor-quota-a', 'doctor-quota-b']) {
      await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
    }
    iam.destroy();
    const quota = instanceProfileQuota(moto.url, 2);
    const proxy = await startProxy({ targetUrl: moto.url, hooks: [quota] });

    // Act
    const full = await doctorWith({ AWS_ENDPOINT_URL_IAM: proxy.url }, '--json');
    quota.quota = 1000;
    const roomy = await doctorWith({ AWS_ENDPOINT_URL_IAM: proxy.url }, '--json');
    await proxy.close();
    quota.close();

    // Assess
    expect(full.code).toBe(1);
    const fullCheck = checkOf(JSON.parse(full.stdout) as DoctorJson, 'instance-profiles');
    expect(fullCheck.status).toBe('failed');
    expect(fullCheck.detail).toMatch(
      /^2 of 2 instance profiles in use \(100%\), at or above 95% of InstanceProfilesQuota: /,
    );
    expect(roomy.code).toBe(0);
    expect(checkOf(JSON.parse(roomy.stdout) as DoctorJson, 'instance-profiles')).toMatchObject({
      status: 'ok',
      detail: '2 of 1000 instance profiles in use (0.2%)',
    });
    expect(proxy.actions.filter((action) => action === 'GetAccountSummary')).toEqual([
      'GetAccountSummary',
      'GetAccountSummary',
    ]);
  });

  it('rejects an unknown option with exit code 2', async () => {
    // Prepare: nothing.

    // Act
    const run = await doctor('--bogus');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'auto-instance-profile doctor: unknown option --bogus (see auto-instance-profile doctor --help)\n',
    );
  });
});

describe("doctor in a member account, where the organization's StackSet made the stack", () => {
  // moto's service-managed StackSets keep their instances' stacks hidden, so this account gets the stack as
  // CloudFormation names a StackSet's stack in a member account: StackSet-<stack set name>-<uuid>.
  const INSTANCE = `${STACK_SET_INSTANCE_PREFIX}${STACK_SET_NAME}-3f2c1d9e-8a7b-4c6d-9e0f-1a2b3c4d5e6f`;
  let member: MotoServer;

  beforeAll(async () => {
    member = await startMoto();
    const cloudformation = new CloudFormationClient({ endpoint: member.url });
    await cloudformation.send(new CreateStackCommand({ StackName: INSTANCE, TemplateBody: stackTemplate() }));
    // Another StackSet's stack, which has none of the service's outputs, must not be taken for it.
    await cloudformation.send(
      new CreateStackCommand({
        StackName: `${STACK_SET_INSTANCE_PREFIX}Baseline-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d`,
        TemplateBody: JSON.stringify({
          Resources: { Logs: { Type: 'AWS::SQS::Queue' } },
          Outputs: { QueueUrl: { Value: { Ref: 'Logs' } } },
        }),
      }),
    );
    cloudformation.destroy();
  });

  afterAll(async () => {
    await member?.stop();
  });

  it('finds the StackSet-… stack by its outputs and checks its rules and dead-letter queue', async () => {
    // Prepare: the account as beforeAll left it (no trail: that check fails, the stack's pass).
    const env = cliEnv(files.dir, {
      AWS_ENDPOINT_URL: member.url,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
    });

    // Act
    const run = await runCli(['doctor', '--json'], env);

    // Assess
    const report = JSON.parse(run.stdout) as DoctorJson;
    expect(report.stack).toBe(INSTANCE);
    expect(checkOf(report, 'stack')).toMatchObject({
      status: 'ok',
      detail: `stack ${INSTANCE} is CREATE_COMPLETE (created by the organization's StackSet)`,
    });
    expect(checkOf(report, 'rule').status).toBe('ok');
    expect(checkOf(report, 'delete-rule').status).toBe('ok');
    expect(checkOf(report, 'dead-letter-queue').status).toBe('ok');
    expect(checkOf(report, 'trail').status).toBe('failed');
    expect(run.code).toBe(1);
  });
});

describe('doctor when AWS is out of reach, as the AWS CLI reports it', () => {
  it('says "Unable to locate credentials" on one line and exits 255 when there are none', async () => {
    // Prepare: no keys in the environment, empty shared files, no instance metadata.
    const env = cliEnv(files.dir, { AWS_ENDPOINT_URL: moto.url, AWS_REGION: 'us-east-1' });

    // Act
    const run = await runCli(['doctor'], env);

    // Assess
    expect(run).toEqual({ code: 255, stdout: '', stderr: NO_CREDENTIALS });
  });

  it('says "The config profile (NAME) could not be found" and exits 255, for --profile and AWS_PROFILE', async () => {
    // Prepare
    const env = cliEnv(files.dir, { AWS_ENDPOINT_URL: moto.url, AWS_REGION: 'us-east-1' });

    // Act
    const fromFlag = await runCli(['doctor', '--profile', 'nope'], env);
    const fromEnv = await runCli(['doctor', '--json'], { ...env, AWS_PROFILE: 'gone' });

    // Assess
    expect(fromFlag).toEqual({ code: 255, stdout: '', stderr: 'The config profile (nope) could not be found\n' });
    expect(fromEnv).toEqual({ code: 255, stdout: '', stderr: 'The config profile (gone) could not be found\n' });
  });

  it('exits 255 when the endpoint refuses the connection, and when no region is set', async () => {
    // Prepare
    const keys = { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };
    const refused = cliEnv(files.dir, { ...keys, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_REGION: 'us-east-1' });
    const noRegion = cliEnv(files.dir, { ...keys, AWS_ENDPOINT_URL: moto.url });

    // Act
    const runs = await Promise.all([runCli(['doctor'], refused), runCli(['doctor'], noRegion)]);

    // Assess
    expect(runs.map((run) => run.code)).toEqual([255, 255]);
    expect(runs[0]?.stderr).toMatch(/^Could not connect to AWS for GetCallerIdentity: .*ECONNREFUSED.*\n$/);
    expect(runs[1]?.stderr).toMatch(/^You must specify a region: pass --region, set AWS_REGION/);
  });
});

describe('doctor with a named profile and the region variables', () => {
  it('honours everything the profile sets: credentials, region and endpoint_url', async () => {
    // Prepare: nothing in the environment; the profile alone points at moto, in a region of its own.
    const profile = await sharedFiles({
      config: `[profile moto]\nregion = eu-west-1\nendpoint_url = ${moto.url}\n`,
      credentials: '[moto]\naws_access_key_id = testing\naws_secret_access_key = testing\n',
    });

    // Act
    const run = await runCli(['doctor', '--profile', 'moto', '--json'], cliEnv(profile.dir, {}));
    await profile.remove();

    // Assess: moto answered (the account), in the profile's region, where nothing is deployed
    const report = JSON.parse(run.stdout) as DoctorJson;
    expect(report).toMatchObject({ account: '123456789012', region: 'eu-west-1', profile: 'moto' });
    expect(checkOf(report, 'stack').detail).toContain('not deployed in eu-west-1');
    expect(run.code).toBe(1);
  });

  it('reads AWS_DEFAULT_REGION when AWS_REGION is unset, and AWS_REGION before it', async () => {
    // Prepare
    const base = { AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' };

    // Act
    const [defaultOnly, both] = await Promise.all([
      runCli(['doctor', '--json'], cliEnv(files.dir, { ...base, AWS_DEFAULT_REGION: 'us-east-1' })),
      runCli(
        ['doctor', '--json'],
        cliEnv(files.dir, { ...base, AWS_REGION: 'eu-west-2', AWS_DEFAULT_REGION: 'us-east-1' }),
      ),
    ]);

    // Assess
    expect((JSON.parse(defaultOnly.stdout) as DoctorJson).region).toBe('us-east-1');
    expect((JSON.parse(both.stdout) as DoctorJson).region).toBe('eu-west-2');
  });
});
