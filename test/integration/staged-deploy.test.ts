/**
 * docs/organization.md's "A staged first deploy", its CLI steps run as written, through the built CLI, in a moto
 * organization: a pilot OU with account `web`, a next OU with account `data`. The deploys themselves are CDK's (the
 * context keys they take are held by test/infra/app.test.ts); here each is stood in for by what it leaves in an
 * account: the StackSet's stack, whose output names the remediator's log group, and the remediator bundle deciding the
 * account's EC2 roles, in dry run or not, its lines in that log group a stream per invocation.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateInstanceProfileCommand, CreateRoleCommand } from '@aws-sdk/client-iam';
import {
  CreateOrganizationalUnitCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPTIONAL_STACK_OUTPUTS, STACK_OUTPUTS } from '../../core/pipeline-settings.js';
import { runBundle } from '../../emulator/bundle-runner.js';
import { createFunctionLogs, type FunctionLogs } from '../../emulator/function-logs.js';
import { sqsBatch } from '../../emulator/lambda-shapes.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedAccount, type EmulatedOrganization } from '../../emulator/organization.js';
import { createOwnershipTable } from '../../emulator/ownership-table.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { cliEnv, runCli, sharedFiles } from './support/cli.js';
import { cloudTrailEvent } from './support/cloudtrail.js';

const REGION = 'us-east-1';

/** The `--json` document of `decisions --org`, as far as the test reads it. */
interface OrgDecisionsJson {
  readonly summary: Record<string, number>;
  readonly complete: boolean;
  readonly accounts: readonly { readonly accountId: string; readonly status: string }[];
  readonly decisions: readonly { readonly action: string; readonly roles: readonly string[] }[];
}

/** What a deploy leaves in an account: its stack's log group, and the table the remediator keeps its record in. */
interface Installed {
  readonly account: EmulatedAccount;
  readonly logs: FunctionLogs;
  readonly table: string;
}

let moto: MotoServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let org: EmulatedOrganization;
let env: Record<string, string>;
let pilot: string;
let next: string;
/** The accounts deployed to so far, by name. */
const installed = new Map<string, Installed>();
/** Their log writers' clients, open while the test writes. */
const logClients: CloudWatchLogsClient[] = [];

const clientConfig = (account: EmulatedAccount) => ({
  endpoint: moto.url,
  region: REGION,
  credentials: account.credentials,
});

function member(name: string): EmulatedAccount {
  const found = org.members.find((account) => account.name === name);
  if (found === undefined) throw new Error(`no member ${name}`);
  return found;
}

/** The StackSet's stack in an account, its output naming the remediator's log group, and that log group. */
async function install(account: EmulatedAccount): Promise<Installed> {
  const config = clientConfig(account);
  const cloudformation = new CloudFormationClient(config);
  const logsClient = new CloudWatchLogsClient(config);
  logClients.push(logsClient);
  const db = new DynamoDBClient(config);
  try {
    const logGroup = `StackSet-AutoInstanceProfile-${account.name}-RemediatorLogGroup`;
    const outputs = {
      [STACK_OUTPUTS.ruleName]: `${account.name}-rule`,
      [STACK_OUTPUTS.functionName]: `${account.name}-remediator`,
      [OPTIONAL_STACK_OUTPUTS.functionLogGroupName]: logGroup,
    };
    await cloudformation.send(
      new CreateStackCommand({
        StackName: `StackSet-AutoInstanceProfile-${account.accountId}`,
        TemplateBody: JSON.stringify({
          Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
        }),
      }),
    );
    const table = `${account.name}-OwnershipTable`;
    await createOwnershipTable(db, table, []);
    const made = { account, logs: await createFunctionLogs(logsClient, logGroup), table };
    installed.set(account.name, made);
    return made;
  } finally {
    cloudformation.destroy();
    db.destroy();
  }
}

/** The remediator of an installed account deciding its roles' CreateRole events, each invocation its own stream. */
async function decideAll(installed: Installed, roles: readonly string[], dryRun: boolean): Promise<void> {
  for (const role of roles) {
    const log = installed.logs.invocation();
    try {
      await runBundle(sqsBatch(cloudTrailEvent('create-role', role)), {
        env: {
          PATH: process.env.PATH,
          AWS_ENDPOINT_URL: moto.url,
          AWS_ACCESS_KEY_ID: installed.account.credentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: installed.account.credentials.secretAccessKey,
          AWS_SESSION_TOKEN: installed.account.credentials.sessionToken ?? '',
          AWS_REGION: REGION,
          POWERTOOLS_LOG_LEVEL: 'INFO',
          POWERTOOLS_METRICS_DISABLED: 'true',
          OWNERSHIP_TABLE: installed.table,
          DRY_RUN: String(dryRun),
        },
        onLine: (line) => log.line(line),
      });
    } finally {
      await log.flush();
    }
  }
}

/** The jq program of step 3, as docs/organization.md gives it. */
function documentedJq(): string {
  const doc = readFileSync('docs/organization.md', 'utf8');
  const staged = doc.slice(doc.indexOf('## A staged first deploy'), doc.indexOf('## The first deploy'));
  const program = /\| *\n? *jq -c '([^']+)'/.exec(staged)?.[1];
  if (program === undefined) throw new Error('docs/organization.md: no jq program in "A staged first deploy"');
  return program;
}

/** `decisions --org --json` piped through jq, as step 3 writes it: each line jq prints, parsed. */
async function throughJq(args: readonly string[], program: string): Promise<unknown[]> {
  const json = await runCli(args, env);
  const printed = await new Promise<string>((resolve, reject) => {
    const jq = execFile('jq', ['-c', program], (error, stdout) => (error === null ? resolve(stdout) : reject(error)));
    jq.stdin?.end(json.stdout);
  });
  return printed
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

beforeAll(async () => {
  moto = await startMoto();
  files = await sharedFiles();
  // web in the pilot OU (the organization's OU); data in the next one.
  org = await createOrganization(moto.url, [{ name: 'web', inOu: true }, { name: 'data' }]);
  pilot = org.ouId;
  const organizations = new OrganizationsClient({
    endpoint: moto.url,
    region: REGION,
    credentials: org.management.credentials,
  });
  try {
    next =
      (await organizations.send(new CreateOrganizationalUnitCommand({ ParentId: org.rootId, Name: 'data' })))
        .OrganizationalUnit?.Id ?? '';
    await organizations.send(
      new MoveAccountCommand({
        AccountId: member('data').accountId,
        SourceParentId: org.rootId,
        DestinationParentId: next,
      }),
    );
  } finally {
    organizations.destroy();
  }
  const { iam: webIam } = member('web');
  for (const role of ['web-app', 'web-batch', 'web-legacy']) {
    await webIam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
  }
  // Someone else's profile of web-legacy's name: no deploy changes that, a person does.
  await webIam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web-legacy' }));
  await member('data').iam.send(
    new CreateRoleCommand({ RoleName: 'data-etl', AssumeRolePolicyDocument: EC2_TRUST_JSON }),
  );
  env = cliEnv(files.dir, {
    AWS_ENDPOINT_URL: moto.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
  });
}, 120_000);

afterAll(async () => {
  for (const client of logClients) client.destroy();
  org?.close();
  await moto?.stop();
  await files?.remove();
});

describe('a staged first deploy, step by step as docs/organization.md gives it', () => {
  it('1. scan --org --no-creator-lookup lists per account every EC2 role without a profile, and the conflicts', async () => {
    // Act: moto answers no member account's CloudTrail LookupEvents, so the scan with the creator lookup (step 1's
    // second line) is left to test/integration/creators.test.ts, against the emulator's event history.
    const run = await runCli(['scan', '--org', '--no-creator-lookup', '--json'], env);

    // Assess
    const report = JSON.parse(run.stdout) as {
      complete: boolean;
      accounts: readonly { name: string; missing?: readonly string[]; conflicts?: readonly unknown[] }[];
    };
    expect(report.complete).toBe(true);
    expect(
      Object.fromEntries(report.accounts.map(({ name, missing, conflicts }) => [name, [missing, conflicts?.length]])),
    ).toEqual({ master: [[], 0], web: [['web-app', 'web-batch'], 1], data: [['data-etl'], 0] });
    expect(run.code, run.stderr).toBe(1);
  });

  it('2–3. after a dry-run deploy to the pilot OU, decisions --org --ou reads what it would have done, and the jq line picks it out', async () => {
    // Prepare: the dry-run deploy to the pilot OU; its pass decides web's roles.
    const web = await install(member('web'));
    await decideAll(web, ['web-app', 'web-batch', 'web-legacy'], true);
    const webId = member('web').accountId;

    // Act
    const text = await runCli(['decisions', '--org', '--ou', pilot], env);
    const picked = await throughJq(['decisions', '--org', '--ou', pilot, '--json'], documentedJq());

    // Assess: only the pilot's account; what it would create, and the conflict, which exits 1
    expect(text.stdout).toMatch(new RegExp(`^ {2}${webId} +web +read +3 +2 +0 +1 +0$`, 'm'));
    expect(text.stdout).toContain('Organization: 1 account, read 1, not installed 0, unreachable 0.\n');
    expect(text.stdout).toMatch(new RegExp(`^ {2}would create +2 roles +${webId}:web-app, ${webId}:web-batch$`, 'm'));
    expect(text.stdout).toMatch(
      new RegExp(`^ {2}conflict +1 role +${webId}:web-legacy \\(profile-not-managed 1\\)$`, 'm'),
    );
    expect(text.stdout).toContain(
      '3 decisions about 3 roles: would change 2 roles (dry run), changed 0, conflicts 1, errors 0.\n',
    );
    expect(text.code, text.stderr).toBe(1);
    expect(picked).toEqual([
      { accountId: webId, would: [{ action: 'would create', roles: ['web-app', 'web-batch'] }] },
    ]);
  });

  it('4. turned on, the pilot reads would create, then created; scan --org --ou shows the next OU, which then reads created', async () => {
    // Prepare: the pilot turned on (its stack updated: the pass again, for real)
    const web = installed.get('web');
    if (web === undefined) throw new Error('step 2 did not install web');
    await decideAll(web, ['web-app', 'web-batch', 'web-legacy'], false);
    const [webId, dataId] = [member('web').accountId, member('data').accountId];

    // Act
    const pilotRead = await runCli(['decisions', '--org', '--ou', pilot, '--since', '2h', '--json'], env);
    const nextScan = await runCli(['scan', '--org', '--ou', next, '--no-creator-lookup', '--json'], env);
    // The next OU deployed, turned on: its pass decides data's roles.
    await decideAll(await install(member('data')), ['data-etl'], false);
    const nextRead = await runCli(['decisions', '--org', '--ou', next, '--since', '1h', '--json'], env);

    // Assess: the pilot's dry run and its live pass, side by side; web-legacy still a conflict
    const actions = (run: { stdout: string }) =>
      (JSON.parse(run.stdout) as OrgDecisionsJson).decisions.map(({ action, roles }) => [action, roles]);
    expect(actions(pilotRead)).toEqual([
      ['would create', [`${webId}:web-app`, `${webId}:web-batch`]],
      ['created', [`${webId}:web-app`, `${webId}:web-batch`]],
      ['conflict', [`${webId}:web-legacy`]],
    ]);
    // The next OU's scan covers its account alone, and lists what its pass then made.
    const scanned = JSON.parse(nextScan.stdout) as {
      accounts: readonly { accountId: string; missing?: readonly string[] }[];
    };
    expect(scanned.accounts.map(({ accountId, missing }) => [accountId, missing])).toEqual([[dataId, ['data-etl']]]);
    expect(actions(nextRead)).toEqual([['created', [`${dataId}:data-etl`]]]);
    const document = JSON.parse(nextRead.stdout) as OrgDecisionsJson;
    expect([document.complete, document.summary.accounts, nextRead.code]).toEqual([true, 1, 0]);
  });
});
