/**
 * `decisions` through the built CLI (dist/cli/index.mjs), against logs in moto's CloudWatch Logs. The management
 * account has the service's stack (tests/integration/support/stack.ts: its function in moto's Lambda, with no log
 * group output, as a stack from before that output): the remediator bundle decides a few roles in dry run, then one
 * live, and its lines go to the function's log group a stream per invocation, as the sandbox writes them
 * (emulator/function-logs.ts). Member `alpha` has a stack of a StackSet whose output names its log group, with lines
 * of its own; member `beta` has no stack. Every call goes through a proxy that counts them.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, CreateLogStreamCommand, PutLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateInstanceProfileCommand, CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMBER_ROLE_IAM_PERMISSIONS, MEMBER_ROLE_READ_ACTIONS } from '../../core/member-role.js';
import { OPTIONAL_STACK_OUTPUTS, STACK_NAME, STACK_OUTPUTS } from '../../core/pipeline-settings.js';
import { runBundle } from '../../emulator/bundle-runner.js';
import { createFunctionLogs, defaultLogGroup, type FunctionLogs } from '../../emulator/function-logs.js';
import { sqsBatch } from '../../emulator/lambda-shapes.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';
import { createOrganization, type EmulatedAccount, type EmulatedOrganization } from '../../emulator/organization.js';
import { type ProxyServer, startProxy } from '../../emulator/proxy.js';
import { EC2_TRUST_JSON } from '../support/policies.js';
import { cliEnv, runCli, sharedFiles } from './support/cli.js';
import { cloudTrailEvent } from './support/cloudtrail.js';
import { deployedStackInMoto } from './support/stack.js';

/** The `--json` document of `decisions`, as far as the test reads it. */
interface DecisionsJson {
  readonly command: string;
  readonly account: string;
  readonly since: string;
  readonly until: string;
  readonly source: { readonly stack: string; readonly logGroup: string; readonly logGroupExists: boolean };
  readonly read: { readonly calls: number; readonly lines: number; readonly truncated?: string };
  readonly summary: Record<
    'lines' | 'roles' | 'dryRunLines' | 'wouldChange' | 'changed' | 'conflicts' | 'errors',
    number
  >;
  readonly decisions: readonly {
    readonly decision: string;
    readonly dryRun?: boolean;
    readonly action: string;
    readonly lines: number;
    readonly roles: readonly string[];
    readonly reasons: readonly { readonly reason: string; readonly lines: number }[];
  }[];
}

/** The `--json` document of `decisions --org`, as far as the test reads it. */
interface OrgDecisionsJson {
  readonly summary: DecisionsJson['summary'] &
    Record<'accounts' | 'read' | 'notInstalled' | 'unreachable' | 'notStarted', number>;
  readonly decisions: DecisionsJson['decisions'];
  readonly complete: boolean;
  readonly accounts: readonly {
    readonly accountId: string;
    readonly name: string;
    readonly status: string;
    readonly error?: string;
    readonly source?: DecisionsJson['source'];
    readonly summary?: DecisionsJson['summary'];
  }[];
}

const REGION = 'us-east-1';
/** What the remediator of the management account's stack is named (test/integration/support/stack.ts). */
const FUNCTION = `${STACK_NAME}-Remediator`;

let moto: MotoServer;
let proxy: ProxyServer;
let files: Awaited<ReturnType<typeof sharedFiles>>;
let org: EmulatedOrganization;
let env: Record<string, string>;
/** When the last line of the dry run was put: the conflict's line comes after it. */
let beforeConflict: Date;

function member(name: string): EmulatedAccount {
  const found = org.members.find((account) => account.name === name);
  if (found === undefined) throw new Error(`no member ${name}`);
  return found;
}

/** Runs the remediator bundle on a role's CreateRole event, its lines into the log group, a stream per invocation. */
async function decide(logs: FunctionLogs, role: string, options: { dryRun: boolean; table: string }): Promise<void> {
  const log = logs.invocation();
  try {
    await runBundle(sqsBatch(cloudTrailEvent('create-role', role)), {
      env: {
        PATH: process.env.PATH,
        AWS_ENDPOINT_URL: moto.url,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: REGION,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'true',
        OWNERSHIP_TABLE: options.table,
        DRY_RUN: String(options.dryRun),
      },
      onLine: (line) => log.line(line),
    });
  } finally {
    await log.flush();
  }
}

/** A decision line as the remediator writes it. */
function decisionLine(fields: Record<string, unknown>): string {
  return JSON.stringify({
    level: 'INFO',
    message: 'would link instance profile',
    timestamp: new Date().toISOString(),
    service: 'auto-instance-profile',
    ...fields,
  });
}

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startProxy({ targetUrl: moto.url });
  files = await sharedFiles();
  org = await createOrganization(moto.url, [{ name: 'alpha' }, { name: 'beta' }]);
  const config = {
    endpoint: moto.url,
    region: REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  };

  // The management account: the stack, and its remediator's decisions.
  const stack = await deployedStackInMoto(moto.url);
  const iam = new IAMClient(config);
  const logsClient = new CloudWatchLogsClient(config);
  const logs = await createFunctionLogs(logsClient, defaultLogGroup(FUNCTION));
  for (const role of ['app-a', 'app-b', 'web']) {
    await iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: EC2_TRUST_JSON }));
  }
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'lambda-only',
      AssumeRolePolicyDocument: EC2_TRUST_JSON.replace('ec2.amazonaws.com', 'lambda.amazonaws.com'),
    }),
  );
  // Someone else's profile of web's name: the service must not touch it.
  await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'web' }));
  for (const role of ['app-a', 'app-b', 'lambda-only'])
    await decide(logs, role, { dryRun: true, table: stack.tableName });
  await decide(logs, 'app-a', { dryRun: false, table: stack.tableName });
  beforeConflict = new Date();
  await new Promise((resolve) => setTimeout(resolve, 1100));
  await decide(logs, 'web', { dryRun: true, table: stack.tableName });
  // A decision of three days ago, outside the default window.
  await logsClient.send(new CreateLogStreamCommand({ logGroupName: logs.logGroup, logStreamName: 'old' }));
  await logsClient.send(
    new PutLogEventsCommand({
      logGroupName: logs.logGroup,
      logStreamName: 'old',
      logEvents: [
        {
          timestamp: Date.now() - 3 * 86_400_000,
          message: decisionLine({
            role: 'ancient',
            decision: 'create',
            dryRun: false,
            message: 'linked instance profile',
          }),
        },
      ],
    }),
  );
  iam.destroy();
  logsClient.destroy();

  // alpha: a StackSet's stack whose output names the log group, in dry run.
  const alpha = { ...config, credentials: member('alpha').credentials };
  const cloudformation = new CloudFormationClient(alpha);
  const outputs = {
    [STACK_OUTPUTS.ruleName]: 'alpha-rule',
    [STACK_OUTPUTS.functionName]: 'alpha-remediator',
    [OPTIONAL_STACK_OUTPUTS.functionLogGroupName]: 'alpha-remediator-logs',
  };
  await cloudformation.send(
    new CreateStackCommand({
      StackName: 'StackSet-AutoInstanceProfile-0f1e2d3c',
      TemplateBody: JSON.stringify({
        Resources: { Handle: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
        Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
      }),
    }),
  );
  cloudformation.destroy();
  const alphaLogsClient = new CloudWatchLogsClient(alpha);
  const alphaLog = (await createFunctionLogs(alphaLogsClient, 'alpha-remediator-logs')).invocation();
  alphaLog.line(decisionLine({ role: 'batch-runner', decision: 'create', dryRun: true, trigger: 'reconcile' }));
  alphaLog.line(
    decisionLine({
      role: 'etl',
      decision: 'nothing',
      reason: 'creator-unknown',
      dryRun: true,
      message: 'nothing to do',
    }),
  );
  await alphaLog.flush();
  alphaLogsClient.destroy();

  env = cliEnv(files.dir, {
    AWS_ENDPOINT_URL: proxy.url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: REGION,
  });
}, 120_000);

afterAll(async () => {
  org?.close();
  await proxy?.close();
  await moto?.stop();
  await files?.remove();
});

/** FilterLogEvents calls the proxy saw since `from`. */
const filterCalls = (from: number) =>
  proxy.calls.slice(from).filter((call) => call.service === 'logs' && call.action === 'FilterLogEvents');

describe('decisions against logs in moto', () => {
  it('reports what the dry run would have done and what was done, by decision and reason, with the roles of each', async () => {
    // Prepare
    const from = proxy.calls.length;

    // Act
    const run = await runCli(['decisions', '--json'], env);

    // Assess: the function of a stack without the output logs to Lambda's default group; one call reads it all
    const report = JSON.parse(run.stdout) as DecisionsJson;
    expect(report.source).toMatchObject({
      stack: STACK_NAME,
      logGroup: `/aws/lambda/${FUNCTION}`,
      logGroupExists: true,
    });
    expect(report.decisions.map(({ action, dryRun, roles }) => [action, dryRun, roles])).toEqual([
      ['would create', true, ['app-a', 'app-b']],
      ['created', false, ['app-a']],
      ['conflict', undefined, ['web']],
      ['nothing', undefined, ['lambda-only']],
    ]);
    expect(report.decisions.find((group) => group.decision === 'conflict')?.reasons).toEqual([
      { reason: 'profile-not-managed', lines: 1 },
    ]);
    expect(report.decisions.find((group) => group.decision === 'nothing')?.reasons).toEqual([
      { reason: 'no-ec2-trust', lines: 1 },
    ]);
    expect(report.summary).toEqual({
      lines: 5,
      roles: 4,
      dryRunLines: 4,
      wouldChange: 2,
      changed: 1,
      conflicts: 1,
      errors: 0,
    });
    expect(report.read).toEqual({ calls: 1, lines: 5 });
    expect(filterCalls(from)).toHaveLength(1);
    // A conflict calls for a person.
    expect(run.code, run.stderr).toBe(1);
  });

  it('reads the window it is given: --since takes in older lines, --until leaves out later ones', async () => {
    // Act
    const week = JSON.parse((await runCli(['decisions', '--since', '7d', '--json'], env)).stdout) as DecisionsJson;
    const untilThen = await runCli(
      ['decisions', '--since', '7d', '--until', beforeConflict.toISOString(), '--json'],
      env,
    );

    // Assess
    expect(week.decisions.find((group) => group.action === 'created')?.roles).toEqual(['ancient', 'app-a']);
    const before = JSON.parse(untilThen.stdout) as DecisionsJson;
    expect(before.until).toBe(beforeConflict.toISOString());
    expect(before.decisions.map((group) => group.decision)).not.toContain('conflict');
    expect(before.summary.lines).toBe(5);
    expect(untilThen.code, untilThen.stderr).toBe(0);
  });

  it('writes the report as text: the window, the log group, a row per decision, the summary', async () => {
    // Act
    const run = await runCli(['decisions'], env);

    // Assess
    expect(run.stdout).toMatch(/^auto-instance-profile decisions {2}account 123456789012 · region us-east-1$/m);
    expect(run.stdout).toContain(`source  log group /aws/lambda/${FUNCTION}, of stack ${STACK_NAME} (us-east-1)\n`);
    expect(run.stdout).toMatch(/^ {2}would create +2 roles +app-a, app-b$/m);
    expect(run.stdout).toMatch(/^ {2}conflict +1 role +web \(profile-not-managed 1\)$/m);
    expect(run.stdout).toContain(
      '5 decisions about 4 roles: would change 2 roles (dry run), changed 1, conflicts 1, errors 0.\n',
    );
    expect(run.code).toBe(1);
  });

  it('says there is nothing to read where the service is not installed, exit code 1', async () => {
    // Prepare: beta's own credentials
    const { credentials } = member('beta');
    const betaEnv = cliEnv(files.dir, {
      AWS_ENDPOINT_URL: proxy.url,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_SESSION_TOKEN: credentials.sessionToken ?? '',
      AWS_REGION: REGION,
    });

    // Act
    const run = await runCli(['decisions', '--json'], betaEnv);

    // Assess
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      `auto-instance-profile decisions: no decisions to read: the service is not installed: no ${STACK_NAME} stack, nor a StackSet's, in us-east-1\n`,
    );
    expect(run.code).toBe(1);
  });

  it('with --org, reads every account where the service is installed, through the member role and only what it is granted', async () => {
    // Prepare
    const from = proxy.calls.length;

    // Act
    const run = await runCli(['decisions', '--org', '--json'], env);

    // Assess
    const report = JSON.parse(run.stdout) as OrgDecisionsJson;
    const alpha = member('alpha').accountId;
    const beta = member('beta').accountId;
    expect(report.accounts.map(({ accountId, status }) => [accountId, status]).sort()).toEqual(
      [
        ['123456789012', 'read'],
        [alpha, 'read'],
        [beta, 'not-installed'],
      ].sort(),
    );
    expect(report.accounts.find((entry) => entry.accountId === alpha)?.source).toMatchObject({
      stack: 'StackSet-AutoInstanceProfile-0f1e2d3c',
      logGroup: 'alpha-remediator-logs',
    });
    // Roles are listed in account-id order, and moto draws member account ids at random.
    expect(report.decisions.find((group) => group.action === 'would create')?.roles).toEqual(
      ['123456789012:app-a', '123456789012:app-b', `${alpha}:batch-runner`].sort((a, b) => a.localeCompare(b, 'en')),
    );
    expect(report.summary).toMatchObject({
      accounts: 3,
      read: 2,
      notInstalled: 1,
      unreachable: 0,
      notStarted: 0,
      lines: 7,
      wouldChange: 3,
      conflicts: 1,
    });
    // An account without the service is no gap: the report covers the organization.
    expect(report.complete).toBe(true);
    expect(run.code, run.stderr).toBe(1);
    // One FilterLogEvents per account that has the service; the member role's calls are all granted to it.
    expect(filterCalls(from)).toHaveLength(2);
    const granted = new Set([
      ...MEMBER_ROLE_READ_ACTIONS,
      ...MEMBER_ROLE_IAM_PERMISSIONS.map((permission) => permission.action),
    ]);
    const memberCalls = proxy.calls
      .slice(from)
      .filter((call) => call.accessKeyId !== 'testing' && call.service !== 'sts')
      .map((call) => `${call.service}:${call.action}`);
    expect(memberCalls.length).toBeGreaterThan(0);
    expect(memberCalls.filter((action) => !granted.has(action))).toEqual([]);
  });
});
