/**
 * infra/app.ts as the CDK CLI runs it: a child process that reads the region from CDK_DEFAULT_REGION (which the
 * CLI fills from AWS_REGION or the profile) and context from CDK_CONTEXT_JSON (`-c key=value`), writes the
 * template, and stops on a wrong setting with exit 1 and one line on stderr. The settings' errors and the
 * organization's templates, in-process: test/infra/app.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPTIONAL_STACK_OUTPUTS, STACK_NAME, STACK_OUTPUTS } from '../../core/pipeline-settings.js';

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
    // Every output doctor needs, and the log group's (decisions); the operator role's only with operatorPrincipals.
    expect(Object.keys(template.Outputs).sort()).toEqual(
      [...Object.values(STACK_OUTPUTS), OPTIONAL_STACK_OUTPUTS.functionLogGroupName].sort(),
    );
    const resources = Object.values(template.Resources);
    const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function');
    expect(fn?.Properties.Environment).toMatchObject({ Variables: { DRY_RUN: 'true' } });
    expect(
      resources.find((r) => r.Type === 'AWS::SQS::Queue' && r.Properties.RedrivePolicy)?.Properties.DelaySeconds,
    ).toBe(45);
  });
});
