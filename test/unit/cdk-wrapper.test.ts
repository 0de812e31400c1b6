import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NO_CREDENTIALS_HINT, rewriteCdkLine } from '../../scripts/cdk.mjs';

/** What synth writes with the organization stack: its member stack is a nested stack, which CDK does not name. */
const WRITTEN = [
  'AutoInstanceProfile.template.json',
  'AutoInstanceProfileOrg.template.json',
  'AutoInstanceProfileOrgMemberB493D4AB.template.json',
];

/** Every line of a run of the CDK CLI's stderr, as scripts/cdk.mjs prints them. */
function rewrite(lines: readonly string[], listTemplates: (dir: string) => string[] | undefined = () => WRITTEN) {
  const state = { appFailed: false };
  return lines.flatMap((line) => rewriteCdkLine(line, state, listTemplates));
}

describe('npm run synth and deploy (scripts/cdk.mjs)', () => {
  it('names every template synth wrote, the nested member stack included, instead of asking for a stack id', () => {
    // Prepare
    const outdir = join(process.cwd(), 'cdk.out');
    let listed = '';

    // Act
    const lines = rewrite(
      [
        `Successfully synthesized to ${outdir}`,
        'Supply a stack id (AutoInstanceProfile, AutoInstanceProfileOrg) to display its template.',
      ],
      (dir) => {
        listed = dir;
        return WRITTEN;
      },
    );

    // Assess
    expect(listed).toBe(outdir);
    expect(lines).toEqual([
      `Successfully synthesized to ${outdir}`,
      'The templates: cdk.out/AutoInstanceProfile.template.json, cdk.out/AutoInstanceProfileOrg.template.json, ' +
        'cdk.out/AutoInstanceProfileOrgMemberB493D4AB.template.json.',
    ]);
  });

  it("names the stacks CDK names when the assembly's directory cannot be read", () => {
    // Act
    const lines = rewrite(
      ['Supply a stack id (AutoInstanceProfile, AutoInstanceProfileOrg) to display its template.'],
      () => undefined,
    );

    // Assess
    expect(lines).toEqual([
      'The templates: cdk.out/AutoInstanceProfile.template.json, cdk.out/AutoInstanceProfileOrg.template.json.',
    ]);
  });

  it('reads the lines CDK colours on a terminal', () => {
    // Act
    const lines = rewrite([
      'Supply a stack id (\u001b[32mAutoInstanceProfile\u001b[39m, \u001b[32mAutoInstanceProfileOrg\u001b[39m) to display its template.',
      '\u001b[31mUnable to resolve AWS account to use.\u001b[39m',
    ]);

    // Assess
    expect(lines).toEqual([
      'The templates: cdk.out/AutoInstanceProfile.template.json, cdk.out/AutoInstanceProfileOrg.template.json, ' +
        'cdk.out/AutoInstanceProfileOrgMemberB493D4AB.template.json.',
      '\u001b[31mUnable to resolve AWS account to use.\u001b[39m',
      NO_CREDENTIALS_HINT,
    ]);
  });

  it("leaves the app's one-line error as the last word, without CDK's note that the app exited", () => {
    // Act
    const lines = rewrite([
      'Error: Unknown context key settleDelay (did you mean settleDelaySeconds?).',
      'npx tsx infra/app.ts: Subprocess exited with error 1',
    ]);

    // Assess
    expect(lines).toEqual(['Error: Unknown context key settleDelay (did you mean settleDelaySeconds?).']);
  });

  it('keeps the note when the app failed without a line of its own (a bug, with its stack trace)', () => {
    // Act
    const lines = rewrite(['TypeError: x is undefined', 'npx tsx infra/app.ts: Subprocess exited with error 1']);

    // Assess
    expect(lines).toHaveLength(2);
  });

  it('says what to do when deploy finds no credentials', () => {
    // Act
    const lines = rewrite([
      'Unable to resolve AWS account to use. It must be either configured when you define your CDK Stack, or through the environment',
    ]);

    // Assess
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(NO_CREDENTIALS_HINT);
    expect(NO_CREDENTIALS_HINT).toMatch(/aws configure, aws sso login, or AWS_PROFILE=/);
  });
});
