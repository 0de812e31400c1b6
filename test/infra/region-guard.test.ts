/**
 * The region guard: a stack in a known region other than its partition's IAM event region does not
 * synthesize, and an environment-agnostic one carries a CloudFormation Rules assertion.
 */
import { readFileSync } from 'node:fs';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { checkRegion } from '../../cli/doctor/checks.js';
import { IAM_EVENT_REGION } from '../../core/pipeline-settings.js';
import { iamEventRegionFor, partitionOf } from '../../core/regions.js';
import { AutoInstanceProfile } from '../../infra/auto-instance-profile.js';
import { APP_STACKS, guardAppRegion, REGION_RULE_ID } from '../../infra/region-guard.js';
import { buildStack, removeSynthOutputs, synthesize } from './support/synth.js';

afterAll(removeSynthOutputs);

describe('region guard', () => {
  it.each([
    ['eu-west-1', /region eu-west-1, but .* only in us-east-1, the aws partition's IAM event region/],
    ['us-west-2', /only in us-east-1/],
    ['cn-northwest-1', /only in cn-north-1, the aws-cn partition's IAM event region/],
    ['us-gov-east-1', /only in us-gov-west-1, the aws-us-gov partition's IAM event region/],
    [
      'us-iso-east-1',
      /only in one of us-east-1 \(aws\), cn-north-1 \(aws-cn\), us-gov-west-1 \(aws-us-gov\) \(the aws-iso partition is not supported\)/,
    ],
    // A name no partition claims is taken to be aws's, as the AWS SDKs and the doctor take it.
    ['xx-nowhere-1', /only in us-east-1, the aws partition's IAM event region/],
  ])('refuses %s and names the right region', (region, message) => {
    expect(() => buildStack({ env: { region } })).toThrow(message);
  });

  it.each(['eu-west-1', 'cn-northwest-1', 'us-gov-east-1', 'us-iso-east-1', 'xx-nowhere-1', 'us-east-1'])(
    'agrees with the doctor on %s: the same verdict and the same region to go to',
    (region) => {
      // Act
      const doctor = checkRegion(region);
      let guard: string | undefined;
      try {
        buildStack({ env: { region } });
      } catch (error) {
        guard = (error as Error).message;
      }

      // Assess
      expect(guard === undefined).toBe(doctor.status === 'ok');
      const expected = iamEventRegionFor(region);
      if (guard !== undefined && expected !== undefined) {
        expect(guard).toContain(`AWS_REGION=${expected} `);
        expect(doctor.detail).toContain(`--region ${expected}`);
      }
      if (expected === undefined) {
        expect(guard).toContain(`the ${partitionOf(region)} partition is not supported`);
        expect(doctor.detail).toContain(`the ${partitionOf(region)} partition, which is not supported`);
      }
    },
  );

  it.each(Object.values(IAM_EVENT_REGION))('accepts %s, with no Rules assertion to carry', (region) => {
    // Act
    const { template } = synthesize({ env: { region } });

    // Assess
    expect(Object.keys(template.toJSON().Rules ?? {})).not.toContain(REGION_RULE_ID);
  });

  it('asserts the region in CloudFormation when the stack is environment-agnostic', () => {
    // Act
    const { template } = synthesize();

    // Assess
    expect(template.toJSON().Rules[REGION_RULE_ID]).toEqual({
      Assertions: [
        {
          Assert: { 'Fn::Contains': [['us-east-1', 'cn-north-1', 'us-gov-west-1'], { Ref: 'AWS::Region' }] },
          AssertDescription: expect.stringContaining('us-east-1 (aws)'),
        },
      ],
    });
  });

  it("names each of the app's stacks with its own command, so that an organization is sent to deploy:org", () => {
    // Act
    const refusal = () => guardAppRegion('eu-west-1', APP_STACKS);

    // Assess
    expect(refusal).toThrow(
      "Stacks AutoInstanceProfile (npm run deploy) and AutoInstanceProfileOrg (npm run deploy:org) are set to region eu-west-1, but IAM's CloudTrail events reach EventBridge only in us-east-1, the aws partition's IAM event region. " +
        'Deploy there: AWS_REGION=us-east-1 npm run deploy for one account, or AWS_REGION=us-east-1 npm run deploy:org for an organization.',
    );
    expect(() => guardAppRegion('us-east-1', APP_STACKS)).not.toThrow();
  });

  it('names the commands package.json runs for each stack', () => {
    // Prepare
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };

    // Act
    const deployed = APP_STACKS.map(({ command }) => scripts[command.replace(/^npm run /, '')]?.split(' ').at(-1));

    // Assess
    expect(deployed).toEqual(APP_STACKS.map(({ stackName }) => stackName));
  });

  it('adds the assertion once, however many constructs the stack holds', () => {
    // Prepare
    const stack = new Stack(new App(), 'Twice');

    // Act
    new AutoInstanceProfile(stack, 'One');
    new AutoInstanceProfile(stack, 'Two');

    // Assess
    const rules = Object.keys(Template.fromStack(stack).toJSON().Rules ?? {});
    expect(rules.filter((id) => id === REGION_RULE_ID)).toHaveLength(1);
  });
});
