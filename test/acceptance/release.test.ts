/**
 * `npm run release` (scripts/release.ts): the templates for CloudFormation alone pass cfn-lint, need no CDK bootstrap,
 * read their code from CodeBucket/CodePrefix, set every setting as a parameter with its allowed values, and hold the
 * same resources as the CDK app's stacks (types and counts), with each feature's resources conditional on its setting.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { contextKey, SETTINGS } from '../../core/settings.js';
import { contextProps } from '../../infra/context.js';
import { releaseSettings } from '../../infra/release/settings.js';
import { CODE_PARAMETERS } from '../../infra/release/synthesizer.js';
import { RELEASE_TEMPLATES } from '../../infra/release/templates.js';
import { buildOrgStack, removeSynthOutputs, synthesize } from '../infra/support/synth.js';

interface Template {
  Parameters?: Record<
    string,
    {
      Type: string;
      Default?: unknown;
      AllowedValues?: unknown[];
      AllowedPattern?: string;
      MinValue?: number;
      MaxValue?: number;
    }
  >;
  Rules?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
}

const out = mkdtempSync(join(tmpdir(), 'aip-release-out-'));
const read = (file: string) => JSON.parse(readFileSync(join(out, file), 'utf8')) as Template;

/** Resource type → count, without the CDK's own metadata. */
function counts(
  resources: Template['Resources'],
  keep: (resource: Template['Resources'][string]) => boolean = () => true,
) {
  const tally: Record<string, number> = {};
  for (const resource of Object.values(resources)) {
    if (resource.Type === 'AWS::CDK::Metadata' || !keep(resource)) continue;
    tally[resource.Type] = (tally[resource.Type] ?? 0) + 1;
  }
  return tally;
}

/** Every feature on, as the release's unconditional-plus-conditional resources are. */
const EVERY_FEATURE = {
  createTrail: true,
  dashboard: true,
  operatorPrincipals: ['arn:aws:iam::123456789012:role/operator'],
} as const;

beforeAll(() => {
  // Act
  const result = spawnSync('npx', ['tsx', 'scripts/release.ts', '--out', out], { encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) throw new Error(`npm run release failed: ${result.stderr}`);
}, 300_000);

afterAll(() => {
  removeSynthOutputs();
  rmSync(out, { recursive: true, force: true });
});

describe('npm run release', () => {
  it('writes the four templates, the code as zips, and SHA256SUMS that match them', () => {
    // Assess
    const sums = readFileSync(join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
    const files = sums.map((line) => line.split('  ')[1] ?? '');
    expect(files).toEqual(expect.arrayContaining(Object.values(RELEASE_TEMPLATES)));
    expect(files.filter((file) => file.endsWith('.zip')).length).toBeGreaterThanOrEqual(3);
    for (const line of sums) {
      const [sum, file] = line.split('  ');
      expect(
        createHash('sha256')
          .update(readFileSync(join(out, file ?? '')))
          .digest('hex'),
        file,
      ).toBe(sum);
    }
  });

  it.each(Object.values(RELEASE_TEMPLATES))('%s passes cfn-lint', (file) => {
    // Act
    const result = spawnSync(
      inject('pythonTools').cfnLint,
      ['--format', 'json', '--regions', 'us-east-1', '--', join(out, file)],
      {
        encoding: 'utf8',
        timeout: 90_000,
      },
    );

    // Assess
    const matches =
      result.stdout.trim() === ''
        ? []
        : (JSON.parse(result.stdout) as { Level: string; Rule: { Id: string }; Message: string }[]);
    expect(matches.filter((m) => m.Level === 'Error').map((m) => `${m.Rule.Id} ${m.Message}`)).toEqual([]);
    expect(result.status !== null && (result.status & 2) === 0 && result.status <= 14, result.stderr).toBe(true);
  });

  it.each([RELEASE_TEMPLATES.account, RELEASE_TEMPLATES.organization, RELEASE_TEMPLATES.member])(
    '%s needs no CDK bootstrap, and every zip it names is in the release',
    (file) => {
      // Assess
      const text = readFileSync(join(out, file), 'utf8');
      const template = JSON.parse(text) as Template;
      expect(Object.keys(template.Parameters ?? {})).not.toContain('BootstrapVersion');
      expect(Object.keys(template.Rules ?? {})).not.toContain('CheckBootstrapVersion');
      expect(text).not.toMatch(/cdk-hnb659fds|cdk-bootstrap|aws-cdk:asset-path/);
      for (const [zip] of text.matchAll(/[0-9a-f]{64}\.zip/g)) expect(existsSync(join(out, zip)), zip).toBe(true);
    },
  );

  it('the single-account template holds the CDK app stack’s resources: with every feature on, and without them unconditionally', () => {
    // Prepare
    const release = read(RELEASE_TEMPLATES.account);
    const on = synthesize({ props: { ...EVERY_FEATURE } }).template.toJSON() as Template;
    const off = synthesize({
      props: {
        createTrail: false,
        alarmOnConflicts: false,
        reconcileSchedule: 'disabled',
        reconcileAfterDeploy: false,
      },
    }).template.toJSON() as Template;

    // Assess
    expect(counts(release.Resources)).toEqual(counts(on.Resources));
    expect(counts(release.Resources, (resource) => resource.Condition === undefined)).toEqual(counts(off.Resources));
    expect(Object.keys(release.Parameters ?? {})).toEqual(
      expect.arrayContaining([CODE_PARAMETERS.bucket, CODE_PARAMETERS.prefix]),
    );
  });

  it('the single-account template sets every setting as a parameter, with its default and its allowed values', () => {
    // Prepare
    const parameters = read(RELEASE_TEMPLATES.account).Parameters ?? {};

    // Assess: one parameter per context key of the service, none left out, each bounded
    const keys = contextProps('service').map(([key]) => `${key.charAt(0).toUpperCase()}${key.slice(1)}`);
    expect(releaseSettings().map((setting) => setting.parameter)).toEqual(keys);
    for (const key of keys) {
      const parameter = parameters[key];
      expect(parameter, key).toBeDefined();
      const bounded =
        parameter?.AllowedValues !== undefined ||
        parameter?.AllowedPattern !== undefined ||
        parameter?.MinValue !== undefined;
      expect(bounded, `${key} has no allowed values`).toBe(true);
    }
    expect(contextKey('settleDelay', SETTINGS.settleDelay)).toBe('settleDelaySeconds');
    expect(parameters.SettleDelaySeconds).toMatchObject({
      Type: 'Number',
      Default: SETTINGS.settleDelay.default,
      MinValue: 0,
      MaxValue: 900,
    });
    expect(parameters.DryRun).toMatchObject({ Default: 'false', AllowedValues: ['true', 'false'] });
    expect(parameters.IgnoredCallers?.Default).toBe(SETTINGS.ignoredCallers.default.join(','));
    expect(parameters.UnknownCreator).toMatchObject({
      Default: SETTINGS.unknownCreator.default,
      AllowedValues: ['remediate', 'skip'],
    });
    expect(parameters.LogLevel).toMatchObject({ Default: 'INFO', AllowedValues: ['DEBUG', 'INFO', 'WARN', 'ERROR'] });
  });

  it('the organization templates hold the organization stack’s and its member’s resources, and forward every setting', () => {
    // Prepare
    const organization = read(RELEASE_TEMPLATES.organization);
    const member = read(RELEASE_TEMPLATES.member);
    const { app, stack } = buildOrgStack({ service: { ...EVERY_FEATURE } });
    const assembly = app.synth();
    const cdkOrg = assembly.getStackByName(stack.stackName).template as Template;
    const cdkMember = JSON.parse(readFileSync(join(assembly.directory, stack.member.templateFile), 'utf8')) as Template;

    // Assess
    expect(counts(organization.Resources)).toEqual(counts(cdkOrg.Resources));
    expect(counts(member.Resources)).toEqual(counts(cdkMember.Resources));
    const stackSet = Object.values(organization.Resources).find(
      (resource) => resource.Type === 'AWS::CloudFormation::StackSet',
    );
    const forwarded = ((stackSet?.Properties?.Parameters ?? []) as { ParameterKey: string }[]).map(
      (entry) => entry.ParameterKey,
    );
    const memberParameters = Object.keys(member.Parameters ?? {});
    expect(forwarded.sort()).toEqual(memberParameters.sort());
  });
});
