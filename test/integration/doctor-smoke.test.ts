/**
 * `doctor --smoke` in the sandbox (`npm start`), where it must pass: the CLI is pointed at the sandbox
 * by the `export …` line the sandbox prints for the user, creates its role through the front door, and
 * the real rule, queue and remediator bundle give it its instance profile.
 */
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { EventBridgeClient, ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SMOKE_ROLE_PREFIX } from '../../cli/doctor/smoke-role.js';
import { STACK_NAME } from '../../core/pipeline-settings.js';
import { checkOf, cliEnv, createBucket, type DoctorJson, runCli, sharedFiles } from './support/cli.js';
import { type SandboxProcess, startSandbox } from './support/sandbox-process.js';

/** The sandbox's settle delay: short, so that the test takes seconds. */
const SETTLE_DELAY_SECONDS = 1;

let sandbox: SandboxProcess;
let files: Awaited<ReturnType<typeof sharedFiles>>;
/** The CLI's environment: the sandbox's export line, and nothing else of AWS. */
let env: Record<string, string>;
/** The front door, through which every call goes. */
let endpoint: string;

const clientConfig = () => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
});

async function smokeRolesLeft(): Promise<string[]> {
  const iam = new IAMClient(clientConfig());
  const { Roles = [] } = await iam.send(new ListRolesCommand({}));
  iam.destroy();
  return Roles.flatMap((role) => (role.RoleName?.startsWith(SMOKE_ROLE_PREFIX) ? [role.RoleName] : []));
}

/** The name of the queue behind an ARN, and its URL. */
async function queueOf(sqs: SQSClient, arn: string): Promise<string> {
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: arn.split(':').at(-1) }));
  if (QueueUrl === undefined) throw new Error(`no queue for ${arn}`);
  return QueueUrl;
}

/**
 * Makes the sandbox's account look deployed to the doctor: a logging trail, and the stack whose outputs
 * name the sandbox's own rule and queues, found on the default bus as the sandbox made them.
 */
async function deployStackRecord(): Promise<void> {
  const events = new EventBridgeClient(clientConfig());
  const sqs = new SQSClient({ ...clientConfig(), useQueueUrlAsEndpoint: false });
  const cloudtrail = new CloudTrailClient(clientConfig());
  const cloudformation = new CloudFormationClient(clientConfig());
  try {
    const { Rules = [] } = await events.send(new ListRulesCommand({}));
    const ruleName = Rules[0]?.Name ?? '';
    const { Targets = [] } = await events.send(new ListTargetsByRuleCommand({ Rule: ruleName }));
    const queueUrl = await queueOf(sqs, Targets[0]?.Arn ?? '');
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }),
    );
    const { deadLetterTargetArn } = JSON.parse(Attributes.RedrivePolicy ?? '{}') as { deadLetterTargetArn: string };
    const deadLetterQueueUrl = await queueOf(sqs, deadLetterTargetArn);

    await createBucket(endpoint, 'smoke-trail-logs');
    await cloudtrail.send(
      new CreateTrailCommand({ Name: 'management', S3BucketName: 'smoke-trail-logs', IsMultiRegionTrail: true }),
    );
    await cloudtrail.send(new StartLoggingCommand({ Name: 'management' }));
    const outputs = { RuleName: ruleName, QueueUrl: queueUrl, DeadLetterQueueUrl: deadLetterQueueUrl };
    await cloudformation.send(
      new CreateStackCommand({
        StackName: STACK_NAME,
        TemplateBody: JSON.stringify({
          Resources: { Placeholder: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: {
            ...Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
            FunctionName: { Value: ruleName },
          },
        }),
      }),
    );
  } finally {
    for (const client of [events, sqs, cloudtrail, cloudformation]) client.destroy();
  }
}

beforeAll(async () => {
  const sandboxEnv = { ...process.env };
  // The sandbox starts its own moto; the test project's endpoint must not leak into it.
  delete sandboxEnv.AWS_ENDPOINT_URL;
  sandbox = startSandbox(['--settle-delay', String(SETTLE_DELAY_SECONDS)], sandboxEnv);
  files = await sharedFiles();
  await sandbox.printed('Press Ctrl-C to stop.');
  const exported = sandbox.exportedEnv();
  endpoint = exported.AWS_ENDPOINT_URL ?? '';
  env = cliEnv(files.dir, exported);
}, 120_000);

afterAll(async () => {
  const stopped = await sandbox?.stop();
  await files?.remove();
  if (stopped !== undefined && stopped.leftBehind.length > 0) {
    throw new Error(`the sandbox left processes behind: ${stopped.leftBehind.join('; ')}`);
  }
});

describe('doctor --smoke in the sandbox', () => {
  it('passes the smoke check in the sandbox as it starts, where only the trail and stack checks fail', async () => {
    // Prepare: the sandbox as `npm start` leaves it: the pipeline, no trail, no stack.

    // Act
    const run = await runCli(['doctor', '--smoke'], env);

    // Assess
    expect(run.stdout).toMatch(
      /^ {2}ok\s+smoke\s+instance profile auto-instance-profile-smoke-\S+ held its role \d+\.\d s after CreateRole; role and profile removed$/m,
    );
    expect(run.stdout).toMatch(/^ {2}FAIL\s+trail\s/m);
    expect(run.stdout).toMatch(/^ {2}FAIL\s+stack\s/m);
    expect(run.stdout).toMatch(/^ {2}ok\s+instance-profiles\s/m);
    expect(run.stdout).toContain('3 passed, 2 failed, 2 not checked.');
    expect(run.code).toBe(1);
    expect(await smokeRolesLeft()).toEqual([]);
  });

  it('exits 0 once the account has a logging trail and the stack, taking the settle delay from its queue', async () => {
    // Prepare
    await deployStackRecord();

    // Act
    const run = await runCli(['doctor', '--smoke', '--json'], env);

    // Assess
    const report = JSON.parse(run.stdout) as DoctorJson;
    expect(report.checks.filter((check) => check.status !== 'ok')).toEqual([]);
    expect(checkOf(report, 'smoke').detail).toContain(`(settle delay ${SETTLE_DELAY_SECONDS} s)`);
    expect(report.smoke).toMatchObject({ settleDelaySeconds: SETTLE_DELAY_SECONDS, removed: true });
    expect(report.smoke?.latencySeconds).toEqual(expect.any(Number));
    expect(run.code).toBe(0);
    expect(await smokeRolesLeft()).toEqual([]);
  });
});
