/**
 * infra/app.ts as the CDK CLI runs it: a child process that reads the region from CDK_DEFAULT_REGION
 * (which the CLI fills from AWS_REGION or the profile) and context from CDK_CONTEXT_JSON (`-c key=value`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ORG_STACK_NAME, STACK_NAME, STACK_OUTPUTS } from '../../core/pipeline-settings.js';

const outdir = mkdtempSync(join(tmpdir(), 'aip-app-'));

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

function runApp(env: Record<string, string>): { status: number | null; stderr: string } {
  const {
    CDK_DEFAULT_ACCOUNT: _account,
    CDK_DEFAULT_REGION: _region,
    CDK_CONTEXT_JSON: _context,
    ...inherited
  } = process.env;
  const result = spawnSync('npx', ['tsx', 'infra/app.ts'], {
    env: { ...inherited, CDK_OUTDIR: outdir, ...env },
    encoding: 'utf8',
    timeout: 90_000,
  });
  return { status: result.status, stderr: result.stderr };
}

describe('the CDK app', () => {
  it('refuses another region of the aws partition, naming us-east-1, in one line', () => {
    // Act
    const { status, stderr } = runApp({ CDK_DEFAULT_REGION: 'eu-west-1' });

    // Assess
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/region eu-west-1, but IAM's CloudTrail events reach EventBridge only in us-east-1/);
  });

  it.each([
    [{ maxConcurrency: 'abc' }, 'Error: Context value maxConcurrency must be a number, got "abc"'],
    [{ settleDelay: '60' }, 'Error: Unknown context key settleDelay (did you mean settleDelaySeconds?).'],
    [{ settleDelaySeconds: '901' }, 'Error: Context value settleDelaySeconds must be a whole number of seconds'],
  ])('stops on %j with one line naming the key, not a stack trace', (context, message) => {
    // Act
    const { status, stderr } = runApp({ CDK_DEFAULT_REGION: 'us-east-1', CDK_CONTEXT_JSON: JSON.stringify(context) });

    // Assess
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringContaining(message)]);
    expect(stderr.trim().startsWith(message)).toBe(true);
  });

  it(`writes ${STACK_NAME}.template.json for us-east-1, configured from context`, () => {
    // Act
    const { status, stderr } = runApp({
      CDK_DEFAULT_REGION: 'us-east-1',
      CDK_CONTEXT_JSON: JSON.stringify({ dryRun: 'true', settleDelaySeconds: '45' }),
    });

    // Assess
    expect(status, stderr).toBe(0);
    const template = JSON.parse(readFileSync(join(outdir, `${STACK_NAME}.template.json`), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      Outputs: Record<string, unknown>;
    };
    expect(Object.keys(template.Outputs).sort()).toEqual(Object.values(STACK_OUTPUTS).sort());
    const resources = Object.values(template.Resources);
    const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function');
    expect(fn?.Properties.Environment).toMatchObject({ Variables: { DRY_RUN: 'true' } });
    expect(
      resources.find((r) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy)?.Properties.DelaySeconds,
    ).toBe(45);
  });

  it(`writes ${ORG_STACK_NAME}.template.json beside it, with the StackSet and the member template it deploys`, () => {
    // Act
    const { status, stderr } = runApp({
      CDK_DEFAULT_REGION: 'us-east-1',
      CDK_CONTEXT_JSON: JSON.stringify({ organizationalUnitIds: 'ou-ab12-11111111', dryRun: 'true' }),
    });

    // Assess
    expect(status, stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
    };
    const stacks = Object.values(manifest.artifacts).filter((a) => a.type === 'aws:cloudformation:stack');
    expect(stacks.map((a) => a.properties?.templateFile).sort()).toEqual(
      [`${ORG_STACK_NAME}.template.json`, `${STACK_NAME}.template.json`].sort(),
    );
    const org = JSON.parse(readFileSync(join(outdir, `${ORG_STACK_NAME}.template.json`), 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
    };
    const stackSet = Object.values(org.Resources).find((r) => r.Type === 'AWS::CloudFormation::StackSet');
    expect(stackSet?.Properties).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-11111111'] }, Regions: ['us-east-1'] },
      ],
    });
    const members = readdirSync(outdir).filter((file) => /^AutoInstanceProfileOrgMember.*\.template\.json$/.test(file));
    expect(members).toHaveLength(1);
    const member = readFileSync(join(outdir, members[0] ?? ''), 'utf8');
    expect(member).toContain('"DRY_RUN": "true"');
  });

  it('stops on an organization setting it cannot use, in one line naming the key', () => {
    // Act
    const { status, stderr } = runApp({
      CDK_DEFAULT_REGION: 'us-east-1',
      CDK_CONTEXT_JSON: JSON.stringify({ callAs: 'ADMIN' }),
    });

    // Assess
    expect(status).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      'Error: Context value callAs must be SELF or DELEGATED_ADMIN, got "ADMIN"',
    ]);
  });
});
