/**
 * The ownership record through the built CLI (issue 20): `doctor` names the profiles tagged as ours that no record
 * proves, `scan --json` names those it read (`unrecorded`) and the table it read, `confirm` records what a person
 * says the service made, through the stack's operator role, and refuses anything else; `fix` then adopts what is
 * proven and records what it makes through that role. Against a moto of its own (the doctor reads every profile),
 * with the stack's outputs, its ownership table and its operator role as the stack defines them, every call seen
 * through a proxy.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  IAMClient,
  type Tag,
} from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIRM_CALLER_PERMISSIONS } from '../../cli/ownership/confirm.js';
import { FIX_RECORD_PERMISSIONS, SCAN_RECORD_PERMISSIONS } from '../../cli/ownership/deployed.js';
import { OWNERSHIP_CONFIRM_PERMISSIONS, OwnershipTable } from '../../core/dynamodb/ownership-table.js';
import { OPTIONAL_STACK_OUTPUTS, SERVICE_ROLE_PATH, STACK_NAME } from '../../core/pipeline-settings.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOwnershipTable } from '../../emulator/ownership-table.js';
import { createPipeline, stackOutputs } from '../../emulator/pipeline.js';
import { type AwsCall, type ProxyServer, startProxy } from '../../emulator/proxy.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { checkOf, cliEnv, type DoctorJson, runCli, sharedFiles } from './support/cli.js';

const TABLE = 'cli-ownership';
const MANAGED: Tag = { Key: 'auto-instance-profile:managed', Value: 'true' };
/** Who moto says the caller is, with the CLI's test keys. */
const CALLER = 'arn:aws:sts::123456789012:user/moto';
/** The same caller as AWS names a user, and as a trust policy names it (moto's `sts` ARN is its own). */
const CALLER_USER = 'arn:aws:iam::123456789012:user/moto';
const OPERATOR_ROLE = `arn:aws:iam::123456789012:role${SERVICE_ROLE_PATH}${STACK_NAME}-OperatorRole-1A2B3C`;

let moto: MotoServer;
let proxy: ProxyServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let iam: IAMClient;
let records: OwnershipTable;
const roleIds: Record<string, string> = {};

/** Runs the built CLI as a user would, every call through the proxy; the calls it made, by access key. */
async function cli(...args: string[]) {
  const before = proxy.calls.length;
  // moto answers no LookupEvents: who created the roles is not this file's question.
  const lookup = args[0] === 'scan' || args[0] === 'fix' ? ['--no-creator-lookup'] : [];
  const run = await runCli(
    [...args, ...lookup],
    cliEnv(files.dir, {
      AWS_ENDPOINT_URL: proxy.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
    }),
  );
  const calls = proxy.calls.slice(before);
  const actionsOf = (mine: boolean) => [
    ...new Set(
      calls
        .filter((call: AwsCall) => (call.accessKeyId === 'testing') === mine)
        .map((call) => `${call.service}:${call.action}`),
    ),
  ];
  return { ...run, asCaller: actionsOf(true), asRole: actionsOf(false) };
}

/** An EC2 role made straight in moto, and its id. */
async function role(name: string): Promise<void> {
  await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
  roleIds[name] = (await iam.send(new GetRoleCommand({ RoleName: name }))).Role?.RoleId ?? '';
}

/** A profile made straight in moto (as the service made them before it kept records, or as a person does). */
async function profile(name: string, options: { tags?: Tag[]; holds?: string } = {}): Promise<void> {
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Tags: options.tags }));
  if (options.holds !== undefined) {
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: options.holds }));
  }
}

/** Actions the calls made that `granted` does not list (STS GetCallerIdentity needs no permission). */
function ungranted(actions: readonly string[], granted: readonly string[]): string[] {
  return actions.filter((action) => action !== 'sts:GetCallerIdentity' && !granted.includes(action));
}

beforeAll(async () => {
  [moto, files] = await Promise.all([startMoto(), sharedFiles()]);
  proxy = await startProxy({ targetUrl: moto.url });
  iam = new IAMClient({ endpoint: moto.url });
  const db = new DynamoDBClient({ endpoint: moto.url });
  // The stack: its queues and rules, its table (writable by its roles and the operator role), its operator role.
  const pipeline = await createPipeline(
    { sqs: new SQSClient({ endpoint: moto.url }), events: new EventBridgeClient({ endpoint: moto.url }) },
    { name: 'cli-ownership', settleDelaySeconds: 0, visibilityTimeoutSeconds: 180 },
  );
  await createOwnershipTable(db, TABLE, [OPERATOR_ROLE]);
  records = new OwnershipTable(db, TABLE);
  await iam.send(
    new CreateRoleCommand({
      RoleName: `${STACK_NAME}-OperatorRole-1A2B3C`,
      Path: SERVICE_ROLE_PATH,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: CALLER_USER }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  // The remediator, as far as scan and fix read it: its environment holds the stack's settings (the table among them).
  const { Role: functionRole } = await iam.send(
    new CreateRoleCommand({
      RoleName: `${STACK_NAME}-FunctionRole-1A2B3C`,
      Path: SERVICE_ROLE_PATH,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  const lambda = new LambdaClient({ endpoint: moto.url });
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: 'cli-ownership-fn',
      Runtime: 'nodejs20.x',
      Role: functionRole?.Arn,
      Handler: 'index.handler',
      Code: { ZipFile: new TextEncoder().encode('the bundle') },
      Environment: { Variables: { OWNERSHIP_TABLE: TABLE, SERVICE_ROLE_ARN: functionRole?.Arn ?? '' } },
    }),
  );
  lambda.destroy();
  const outputs = { ...stackOutputs(pipeline, 'cli-ownership-fn', TABLE) };
  const cloudformation = new CloudFormationClient({ endpoint: moto.url });
  for (const [stackName, extra] of [
    [STACK_NAME, { [OPTIONAL_STACK_OUTPUTS.operatorRoleArn]: OPERATOR_ROLE }],
    ['NoOperator', {}],
  ] as const) {
    const all: Record<string, string> = { ...outputs, ...extra };
    await cloudformation.send(
      new CreateStackCommand({
        StackName: stackName,
        TemplateBody: JSON.stringify({
          Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: Object.fromEntries(Object.entries(all).map(([key, value]) => [key, { Value: value }])),
        }),
      }),
    );
  }
  // What the service made before it kept records: one holding its role, one empty whose role is in no profile
  await role('legacy-a');
  await profile('legacy-a', { tags: [MANAGED], holds: 'legacy-a' });
  await role('legacy-b');
  await profile('legacy-b', { tags: [MANAGED] });
  // Tagged as ours by someone, holding another role; a console profile; and a role that needs a profile
  await role('team-x-app');
  await profile('team-x', { tags: [MANAGED], holds: 'team-x-app' });
  await role('console-y');
  await profile('console-y', { holds: 'console-y' });
  await role('new-c');
});

afterAll(async () => {
  await proxy?.close();
  await moto?.stop();
  await files?.remove();
});

describe('the ownership record through the CLI', () => {
  it('doctor warns of the profiles tagged as ours that no record proves, naming each and what to do', async () => {
    // Act
    const run = await cli('doctor', '--json');

    // Assess: a warning, not a failure (the other checks fail here: no trail)
    const report = JSON.parse(run.stdout) as DoctorJson;
    const check = checkOf(report, 'ownership');
    expect(check.status).toBe('warning');
    expect(check.detail).toMatch(
      /^table cli-ownership: 0 records; 3 profiles tagged auto-instance-profile:managed=true/,
    );
    for (const name of ['legacy-a', 'legacy-b', 'team-x']) expect(check.detail).toContain(name);
    expect(check.detail).not.toContain('console-y');
    expect(check.detail).toContain('auto-instance-profile confirm');
    expect(check.detail).toContain('read the tags of 4 of 4 profiles');
    expect(report.summary.warning).toBe(1);
    expect(report.checks.find((c) => c.name === 'ownership')).toMatchObject({ ok: true });
  });

  it('scan --json names the unrecorded profiles it read, and the table it read them from', async () => {
    // Act
    const run = await cli('scan', '--json');

    // Assess: legacy-b's role is in no profile, so the scan read its profile; legacy-a's role is in its own
    const document = JSON.parse(run.stdout);
    expect(document).toMatchObject({
      record: { from: 'table', stack: STACK_NAME, table: TABLE, writer: OPERATOR_ROLE },
      unrecorded: ['legacy-b'],
    });
    expect(document.conflicts).toContain('legacy-b');
    expect(
      ungranted(
        run.asCaller.filter((action) => !action.startsWith('iam:')),
        SCAN_RECORD_PERMISSIONS,
      ),
    ).toEqual([]);
  });

  it('confirm asks: without a terminal and without --yes it exits 2 and changes nothing', async () => {
    // Act
    const run = await cli('confirm', 'legacy-a');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("confirm changes the service's record: pass --yes");
    expect(run.asCaller).toEqual([]);
    expect(await records.read('legacy-a')).toBe('absent');
  });

  it('confirm records what the service could have made, through the operator role, and refuses the rest', async () => {
    // Act
    const run = await cli('confirm', 'legacy-a', 'legacy-b', 'team-x', 'console-y', 'nope', '--yes', '--json');

    // Assess
    expect(run.code).toBe(1);
    const document = JSON.parse(run.stdout);
    expect(document).toMatchObject({ stack: STACK_NAME, table: TABLE, operatorRole: OPERATOR_ROLE });
    expect(document.profiles).toEqual([
      { profile: 'legacy-a', action: 'recorded', detail: expect.any(String), roleId: roleIds['legacy-a'] },
      { profile: 'legacy-b', action: 'recorded', detail: expect.stringContaining('bound to no role'), roleId: '' },
      { profile: 'team-x', action: 'refused', detail: expect.stringContaining('holds role team-x-app') },
      { profile: 'console-y', action: 'refused', detail: expect.stringContaining('is not tagged') },
      { profile: 'nope', action: 'refused', detail: 'there is no instance profile named nope' },
    ]);
    const profileId = async (name: string) =>
      (await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile?.InstanceProfileId;
    expect(await records.read('legacy-a')).toMatchObject({
      owned: { profileId: await profileId('legacy-a'), roleId: roleIds['legacy-a'], source: 'operator', by: CALLER },
    });
    expect(await records.read('legacy-b')).toMatchObject({ owned: { roleId: '', source: 'operator' } });
    expect(await records.read('team-x')).toBe('absent');
    // … the caller read and assumed; only the role wrote
    expect(ungranted(run.asCaller, CONFIRM_CALLER_PERMISSIONS)).toEqual([]);
    expect(run.asCaller).toContain('sts:AssumeRole');
    expect(run.asCaller.filter((action) => action.startsWith('dynamodb:'))).toEqual([]);
    expect(
      ungranted(
        run.asRole,
        OWNERSHIP_CONFIRM_PERMISSIONS.map((p) => p.action),
      ),
    ).toEqual([]);
    expect(run.asRole).toContain('dynamodb:UpdateItem');
  });

  it('confirm changes nothing for what is recorded already, and passes', async () => {
    // Act
    const run = await cli('confirm', 'legacy-a', '--yes');

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/legacy-a +ok +already recorded \(operator\)/);
  });

  it('confirm says what is missing when the stack has no operator role', async () => {
    // Act
    const run = await cli('confirm', 'team-x', '--yes', '--stack-name', 'NoOperator');

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('stack NoOperator has no operator role (OperatorRoleArn)');
    expect(run.stderr).toContain('operatorPrincipals');
  });

  it('doctor and scan then name only the profile someone tagged by hand', async () => {
    // Act
    const doctor = JSON.parse((await cli('doctor', '--json')).stdout) as DoctorJson;
    const scan = JSON.parse((await cli('scan', '--json')).stdout);

    // Assess
    expect(checkOf(doctor, 'ownership').detail).toMatch(/2 records; 1 profile tagged .* team-x\./);
    expect(scan.unrecorded).toEqual([]);
    expect(scan.missing).toEqual(expect.arrayContaining(['legacy-b', 'new-c']));
  });

  it('fix adopts the proven profile and records what it makes, through the operator role', async () => {
    // Act
    const run = await cli('fix', '--yes', '--json');

    // Assess: legacy-b holds its role, re-bound to it; new-c's create left its intent, the reconcile pass confirms it
    expect(JSON.parse(run.stdout).summary.created).toBe(2);
    expect(await records.read('legacy-b')).toMatchObject({ owned: { roleId: roleIds['legacy-b'], source: 'adopted' } });
    expect(await records.read('new-c')).toMatchObject({
      intents: [expect.objectContaining({ roleId: roleIds['new-c'] })],
    });
    expect(
      ungranted(
        run.asCaller.filter((action) => !action.startsWith('iam:')),
        FIX_RECORD_PERMISSIONS,
      ),
    ).toEqual([]);
    expect(run.asRole).toEqual(expect.arrayContaining(['dynamodb:UpdateItem']));
  });
});
