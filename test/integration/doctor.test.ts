/**
 * `auto-instance-profile doctor` (the built bin) against moto: an empty account, then one with a trail
 * that is not logging, then a logging trail and the stack deployed. The doctor gets moto only through
 * AWS_ENDPOINT_URL, as a user would point it at any endpoint.
 */
import { execFile } from 'node:child_process';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REMEDIATOR_EVENT_PATTERN } from '../../core/event-pattern.js';
import { STACK_NAME } from '../../core/pipeline-settings.js';
import { type MotoServer, startMoto } from '../../emulator/moto.js';

const CLI = 'dist/cli/index.mjs';

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface Report {
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[];
}

let moto: MotoServer;

function doctor(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'doctor', ...args],
      {
        env: {
          ...process.env,
          AWS_ENDPOINT_URL: moto.url,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'testing',
          AWS_SECRET_ACCESS_KEY: 'testing',
          AWS_MAX_ATTEMPTS: '1',
          NO_COLOR: '1',
        },
        timeout: 30_000,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function check(report: Report, name: string) {
  const found = report.checks.find((c) => c.name === name);
  if (found === undefined) throw new Error(`no check named ${name} in ${JSON.stringify(report)}`);
  return found;
}

/** A bucket for the trail's logs: moto's CreateTrail checks that it exists. */
async function createBucket(name: string): Promise<void> {
  const response = await fetch(`${moto.url}/${name}`, {
    method: 'PUT',
    headers: {
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20261128/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0`,
    },
  });
  if (!response.ok) throw new Error(`CreateBucket ${name}: HTTP ${response.status}`);
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
          EventPattern: REMEDIATOR_EVENT_PATTERN,
          Targets: [{ Id: 'queue', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }],
        },
      },
    },
    Outputs: {
      RuleName: { Value: { Ref: 'Rule' } },
      QueueUrl: { Value: { Ref: 'Queue' } },
      DeadLetterQueueUrl: { Value: { Ref: 'DeadLetterQueue' } },
      FunctionName: { Value: 'AutoInstanceProfile-Remediator' },
    },
  });
}

beforeAll(async () => {
  // A moto of its own: trails and the stack must not leak into, or in from, other test files.
  moto = await startMoto();
});

afterAll(async () => {
  await moto?.stop();
});

describe('doctor against moto', () => {
  // The cases build on each other: nothing, then a trail that is not logging, then a logging trail and the stack.
  it('fails an empty account: no trail and no stack, while the region passes', async () => {
    // Prepare: nothing; the account is empty.

    // Act
    const run = await doctor('--json');

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.checks.map((c) => c.name)).toEqual(['region', 'trail', 'stack', 'rule', 'dead-letter-queue']);
    for (const c of report.checks) expect(Object.keys(c).sort()).toEqual(['detail', 'name', 'ok']);
    expect(check(report, 'region').ok).toBe(true);
    const trail = report.checks.find((c) => c.name.includes('trail'));
    expect(trail).toMatchObject({ ok: false, detail: expect.stringContaining('no trail') });
    expect(check(report, 'stack')).toMatchObject({ ok: false, detail: expect.stringContaining('not deployed') });
    expect(check(report, 'rule').ok).toBe(false);
    expect(check(report, 'dead-letter-queue').ok).toBe(false);
  });

  it('fails the trail check while the trail exists but is not logging', async () => {
    // Prepare
    const cloudtrail = new CloudTrailClient({ endpoint: moto.url });
    await createBucket('doctor-trail-logs');
    await cloudtrail.send(
      new CreateTrailCommand({ Name: 'management', S3BucketName: 'doctor-trail-logs', IsMultiRegionTrail: true }),
    );
    cloudtrail.destroy();

    // Act
    const run = await doctor('--json');

    // Assess
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as Report;
    expect(check(report, 'trail')).toMatchObject({ ok: false, detail: expect.stringContaining('not logging') });
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
    const report = JSON.parse(run.stdout) as Report;
    expect(report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(check(report, 'trail').detail).toContain('"management"');
    expect(check(report, 'rule').detail).toContain('ENABLED');
    expect(check(report, 'rule').detail).not.toContain('differs');
    expect(check(report, 'dead-letter-queue').detail).toContain('empty');
    expect(run.code).toBe(0);
  });

  it('prints a plain text report without --json, and fails a region outside the IAM event region', async () => {
    // Prepare: the account as the previous case left it.

    // Act
    const run = await doctor('--region', 'eu-west-1');

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+region\s+eu-west-1: IAM's events reach EventBridge only in us-east-1/);
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('rejects an unknown option with exit code 2', async () => {
    // Prepare: nothing.

    // Act
    const run = await doctor('--bogus');

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('bogus');
  });
});
