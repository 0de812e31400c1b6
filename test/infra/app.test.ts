/**
 * infra/app.ts's contents in-process (infra/define-app.ts): the region and the settings the user got wrong stop
 * the app with one line naming them, not a stack trace; the organization stack's template is written beside the
 * account stack's. The app as the CDK CLI runs it, a child process, is test/acceptance/app.test.ts.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ORG_STACK_NAME, STACK_NAME } from '../../core/pipeline-settings.js';
import { defineApp, userErrorLine } from '../../infra/define-app.js';

const outdir = mkdtempSync(join(tmpdir(), 'aip-app-'));

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
});

/** What infra/app.ts prints for the error defineApp throws, or the error itself when it prints nothing. */
function appError(context: Record<string, string>, region: string): string {
  try {
    defineApp({ context, autoSynth: false }, { CDK_DEFAULT_REGION: region });
  } catch (error) {
    const line = userErrorLine(error);
    if (line === undefined) throw error;
    return line;
  }
  throw new Error('the app did not stop');
}

describe('the CDK app', () => {
  it('refuses another region of the aws partition, naming us-east-1, in one line', () => {
    // Act
    const line = appError({}, 'eu-west-1');

    // Assess
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toMatch(/region eu-west-1, but IAM's CloudTrail events reach EventBridge only in us-east-1/);
  });

  it.each([
    [
      { maxConcurrency: 'abc' },
      'Error: Context value maxConcurrency must be a whole number from 2 to 1000 (Lambda\'s limits for an SQS event source), got "abc"',
    ],
    [{ settleDelay: '60' }, 'Error: Unknown context key settleDelay (did you mean settleDelaySeconds?).'],
    [{ settleDelaySeconds: '901' }, 'Error: Context value settleDelaySeconds must be a whole number of seconds'],
  ])('stops on %j with one line naming the key, not a stack trace', (context, message) => {
    // Act
    const line = appError(context, 'us-east-1');

    // Assess
    expect(line.split('\n')).toEqual([expect.stringContaining(message)]);
    expect(line.startsWith(message)).toBe(true);
  });

  it('stops on an organization setting it cannot use, in one line naming the key', () => {
    // Act
    const line = appError({ callAs: 'ADMIN' }, 'us-east-1');

    // Assess
    expect(line.split('\n')).toEqual(['Error: Context value callAs must be SELF or DELEGATED_ADMIN, got "ADMIN"']);
  });

  it(`writes ${ORG_STACK_NAME}.template.json beside it, with the StackSet and the member template it deploys`, () => {
    // Act
    defineApp(
      { context: { organizationalUnitIds: 'ou-ab12-11111111', dryRun: 'true' }, outdir, autoSynth: false },
      { CDK_DEFAULT_REGION: 'us-east-1' },
    ).synth();

    // Assess
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

  it('leaves a bug its stack trace: only its own errors become one line', () => {
    // Prepare
    const bug = new TypeError('x is undefined');

    // Act
    const line = userErrorLine(bug);

    // Assess
    expect(line).toBeUndefined();
  });
});
