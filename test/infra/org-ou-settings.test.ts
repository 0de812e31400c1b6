/**
 * Settings per OU (`ouSettings`): the member template takes each setting an OU sets as a parameter whose default is
 * the organization's value, the StackSet has one stack instances group per such OU with its parameter overrides and
 * one for the other OUs, and a wrong OU id, key, value or untargeted OU fails the synth naming what the user typed.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { OU_SETTINGS } from '../../core/ou-settings.js';
import type { OuSettings } from '../../infra/ou-settings.js';
import { releaseSettings } from '../../infra/release/settings.js';
import { onlyResource, removeSynthOutputs, synthesizeOrg } from './support/synth.js';

afterAll(removeSynthOutputs);

const PILOT = 'ou-ab12-11111111';
const SLOW = 'ou-ab12-22222222';
const REST = 'ou-ab12-33333333';
const US_EAST_1 = { env: { region: 'us-east-1' } };
const TARGETS = { organizationalUnitIds: [PILOT, SLOW, REST] };

/** The remediator's environment variables in the member template (the function with the settings). */
function remediatorVariables(member: ReturnType<typeof synthesizeOrg>['member']): Record<string, unknown> {
  const functions = Object.values(member.findResources('AWS::Lambda::Function')) as {
    Properties: { Environment?: { Variables?: Record<string, unknown> } };
  }[];
  const remediator = functions.find((fn) => fn.Properties.Environment?.Variables?.DRY_RUN !== undefined);
  return remediator?.Properties.Environment?.Variables ?? {};
}

describe('ouSettings', () => {
  it('takes the settings the release templates declare as parameters without a feature, under the same names', () => {
    // Assess: one home for "a setting as a parameter" (infra/release/settings.ts); core names them for the CLI.
    const values = releaseSettings().filter((setting) => setting.feature === undefined);
    expect(OU_SETTINGS.map(({ name, parameter }) => ({ name, parameter }))).toEqual(
      values.map(({ name, parameter }) => ({ name, parameter })),
    );
  });

  it('gives each OU that sets settings its own stack instances group with parameter overrides, the rest one group', () => {
    // Act
    const { template } = synthesizeOrg({
      ...US_EAST_1,
      organization: TARGETS,
      ouSettings: {
        [PILOT]: {
          dryRun: true,
          selection: 'opt-in',
          ignoredCallers: ['cloudformation.amazonaws.com', 'arn:aws:sts::*:assumed-role/ci/*'],
        },
        [SLOW]: { settleDelaySeconds: 120, logLevel: 'warn' },
      },
    });

    // Assess
    const { properties } = onlyResource(template, 'AWS::CloudFormation::StackSet');
    expect(properties.StackInstancesGroup).toEqual([
      { DeploymentTargets: { OrganizationalUnitIds: [REST] }, Regions: ['us-east-1'] },
      {
        DeploymentTargets: { OrganizationalUnitIds: [PILOT] },
        Regions: ['us-east-1'],
        ParameterOverrides: [
          { ParameterKey: 'DryRun', ParameterValue: 'true' },
          { ParameterKey: 'Selection', ParameterValue: 'opt-in' },
          {
            ParameterKey: 'IgnoredCallers',
            ParameterValue: 'cloudformation.amazonaws.com,arn:aws:sts::*:assumed-role/ci/*',
          },
        ],
      },
      {
        DeploymentTargets: { OrganizationalUnitIds: [SLOW] },
        Regions: ['us-east-1'],
        ParameterOverrides: [
          { ParameterKey: 'SettleDelaySeconds', ParameterValue: '120' },
          { ParameterKey: 'LogLevel', ParameterValue: 'WARN' },
        ],
      },
    ]);
  });

  it("makes each setting an OU sets a parameter of the member template, its default the organization's value", () => {
    // Act
    const { member } = synthesizeOrg({
      ...US_EAST_1,
      organization: TARGETS,
      context: { excludedPathPrefixes: '/aws-service-role/,/batch/' },
      ouSettings: {
        [PILOT]: { dryRun: true, excludedPathPrefixes: [] },
        [SLOW]: { settleDelaySeconds: '120', logLevel: 'WARN' },
      },
    });

    // Assess
    const parameters = member.toJSON().Parameters as Record<string, Record<string, unknown>>;
    expect(parameters.DryRun).toMatchObject({ Type: 'String', Default: 'false', AllowedValues: ['true', 'false'] });
    expect(parameters.ExcludedPathPrefixes).toMatchObject({ Type: 'String', Default: '/aws-service-role/,/batch/' });
    expect(parameters.SettleDelaySeconds).toMatchObject({ Type: 'Number', Default: '30', MinValue: 0, MaxValue: 900 });
    expect(parameters.LogLevel).toMatchObject({ Type: 'String', Default: 'INFO' });
    // Only the settings an OU sets: the others stay values of the template.
    expect(Object.keys(parameters).filter((key) => OU_SETTINGS.some((setting) => setting.parameter === key))).toEqual([
      'DryRun',
      'ExcludedPathPrefixes',
      'LogLevel',
      'SettleDelaySeconds',
    ]);
    expect(remediatorVariables(member)).toMatchObject({
      DRY_RUN: { Ref: 'DryRun' },
      EXCLUDED_PATH_PREFIXES: { Ref: 'ExcludedPathPrefixes' },
      POWERTOOLS_LOG_LEVEL: { Ref: 'LogLevel' },
      IGNORED_CALLERS: 'cloudformation.amazonaws.com',
    });
    member.hasResourceProperties('AWS::SQS::Queue', { DelaySeconds: { Ref: 'SettleDelaySeconds' } });
  });

  it('runs the reconcile pass again when an OU override changes, as a change of the template does', () => {
    // Act
    const { member } = synthesizeOrg({
      ...US_EAST_1,
      organization: TARGETS,
      ouSettings: { [PILOT]: { dryRun: true } },
    });
    const without = synthesizeOrg({ ...US_EAST_1, organization: TARGETS }).member;

    // Assess: the after-deploy run's payload holds the parameter's value, so a new value updates the resource.
    const runOf = (template: typeof member) =>
      JSON.stringify(Object.values(template.findResources('Custom::ReconcileAfterDeploy'))[0]?.Properties?.Create);
    expect(runOf(member)).toMatch(/settings.+DryRun.+\{"Ref":"DryRun"\}/);
    expect(runOf(without)).not.toContain('settings');
  });

  it('reads the context key, a JSON object as -c gives it, and leaves the StackSet as it was without one', () => {
    // Act
    const withKey = synthesizeOrg({
      ...US_EAST_1,
      context: {
        organizationalUnitIds: `${PILOT},${REST}`,
        ouSettings: JSON.stringify({ [PILOT]: { dryRun: 'TRUE' } }),
      },
    });
    const without = synthesizeOrg({ ...US_EAST_1, organization: { organizationalUnitIds: [PILOT, REST] } });

    // Assess
    expect(onlyResource(withKey.template, 'AWS::CloudFormation::StackSet').properties.StackInstancesGroup).toEqual([
      { DeploymentTargets: { OrganizationalUnitIds: [REST] }, Regions: ['us-east-1'] },
      {
        DeploymentTargets: { OrganizationalUnitIds: [PILOT] },
        Regions: ['us-east-1'],
        ParameterOverrides: [{ ParameterKey: 'DryRun', ParameterValue: 'true' }],
      },
    ]);
    expect(onlyResource(without.template, 'AWS::CloudFormation::StackSet').properties.StackInstancesGroup).toEqual([
      { DeploymentTargets: { OrganizationalUnitIds: [PILOT, REST] }, Regions: ['us-east-1'] },
    ]);
    expect(without.member.toJSON().Parameters).not.toHaveProperty('DryRun');
  });

  it.each<{ case: string; ouSettings: OuSettings; message: string }>([
    {
      case: 'a bad OU id',
      ouSettings: { 'ou-nope': { dryRun: true } },
      message:
        'ouSettings.ou-nope must be keyed by an organizational unit id (ou-xxxx-xxxxxxxx) or the root id (r-xxxx), got "ou-nope"',
    },
    {
      case: 'an OU the StackSet does not target',
      ouSettings: { 'ou-ab12-44444444': { dryRun: true } },
      message: `ouSettings.ou-ab12-44444444 must name one of the StackSet's targets (organizationalUnitIds: ${PILOT}, ${SLOW}, ${REST}), got "ou-ab12-44444444"`,
    },
    {
      case: 'an unknown key',
      ouSettings: { [PILOT]: { dryrun: true } },
      message: `ouSettings.${PILOT}.dryrun is not a setting an OU can take; those are: dryRun, selection, excludedPathPrefixes,`,
    },
    {
      case: 'an organization setting',
      ouSettings: { [PILOT]: { callAs: 'SELF' } },
      message: `ouSettings.${PILOT}.callAs is not a setting an OU can take`,
    },
    {
      case: 'an invalid value',
      ouSettings: { [PILOT]: { dryRun: 'yes' } },
      message: `ouSettings.${PILOT}.dryRun must be true or false, got "yes"`,
    },
    {
      case: 'a value out of range',
      ouSettings: { [PILOT]: { settleDelaySeconds: 901 } },
      message: `ouSettings.${PILOT}.settleDelaySeconds must be a whole number of seconds from 0 to 900`,
    },
    {
      case: 'a setting that adds resources',
      ouSettings: { [PILOT]: { dashboard: true } },
      message: `ouSettings.${PILOT}.dashboard cannot differ per OU: it adds or removes resources, and one template holds for every account: set it for the whole organization, got true`,
    },
  ])('refuses $case, naming it as typed', ({ ouSettings, message }) => {
    // Act
    const act = () => synthesizeOrg({ ...US_EAST_1, organization: TARGETS, ouSettings });

    // Assess
    expect(act).toThrow(message);
  });

  it('refuses an OU when the StackSet targets the whole organization, and names the context key it came from', () => {
    // Act
    const act = () => synthesizeOrg({ ...US_EAST_1, context: { ouSettings: { [PILOT]: { dryRun: true } } } });
    const malformed = () => synthesizeOrg({ ...US_EAST_1, context: { ouSettings: '{dryRun: true}' } });

    // Assess
    expect(act).toThrow(
      `Context value ouSettings.${PILOT} must name one of the StackSet's targets (organizationalUnitIds: unset: the root, looked up at deploy), got "${PILOT}"`,
    );
    expect(malformed).toThrow(
      'Context value ouSettings must be a JSON object of OU ids to settings, got "{dryRun: true}"',
    );
  });
});
