/**
 * The release's templates, built from the same stacks as the CDK app (infra/define-app.ts) with the
 * {@link ReleaseSynthesizer}: every setting a parameter (infra/release/settings.ts), each feature's resources
 * conditional on its parameter (infra/release/conditions.ts), the code read from `CodeBucket`/`CodePrefix`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { ORG_STACK_NAME, STACK_NAME } from '../../core/pipeline-settings.js';
import { REPO_ROOT } from '../../toolchain/bundles.mjs';
import type { AutoInstanceProfileProps } from '../auto-instance-profile.js';
import { orgAccessRoleTemplate } from '../org-access-role.js';
import { AutoInstanceProfileOrganization } from '../organization.js';
import { AutoInstanceProfileStack } from '../stack.js';
import { MEMBER_PARAMETERS } from '../stack-set-member.js';
import { type FeatureVariant, mergeFeatures, type Template } from './conditions.js';
import { releaseSettings, settingParameters } from './settings.js';
import { type ReleaseAsset, ReleaseSynthesizer } from './synthesizer.js';

/** The member template's alarm topic parameter: the organization's topic, not a setting of the member's. */
const MEMBER_ALARM_TOPIC = MEMBER_PARAMETERS.alarmTopicArn;

/** The release's template files, by what they deploy. */
export const RELEASE_TEMPLATES = {
  account: 'auto-instance-profile.template.json',
  organization: 'auto-instance-profile-org.template.json',
  member: 'member.template.json',
  memberAccessRole: 'org-access-role.template.json',
} as const;

/** A built template and the files it refers to. */
export interface BuiltTemplate {
  readonly template: Template;
  /** The assets, with the cloud assembly that holds them. */
  readonly assets: readonly ReleaseAsset[];
  /** The cloud assembly's directory. */
  readonly outdir: string;
}

/** cdk.json's feature flags: the release is built as `npm run synth` builds the app. */
function appContext(): Record<string, unknown> {
  const { context } = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  // Each variant is half a template: cfn-lint checks the merged one (test/acceptance/release.test.ts).
  return { ...context, '@aws-cdk/core:validateAgainstDefaultRules': false };
}

/** The single-account stack with `off` applied, synthesized for release into `outdir`. */
function accountVariant(outdir: string, off: AutoInstanceProfileProps): BuiltTemplate {
  const app = new App({ outdir, context: appContext() });
  const synthesizer = new ReleaseSynthesizer();
  const stack = new AutoInstanceProfileStack(app, STACK_NAME, {
    synthesizer,
    fromContext: false,
    service: (scope) => settingParameters(scope, off),
  });
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  return { template, assets: [...synthesizer.assets.values()], outdir };
}

/** The condition that a feature is on, from its parameter. */
function conditionOf(parameter: string, when: { equals: string } | { notEquals: string }): unknown {
  const equals = { 'Fn::Equals': [{ Ref: parameter }, 'equals' in when ? when.equals : when.notEquals] };
  return 'equals' in when ? equals : { 'Fn::Not': [equals] };
}

/** Builds one template with every feature on and one per feature off, then merges them. */
function withFeatures(
  build: (off: AutoInstanceProfileProps, variant: string) => BuiltTemplate,
  except: readonly string[] = [],
): BuiltTemplate {
  const on = build({}, 'on');
  const features: FeatureVariant[] = releaseSettings().flatMap((setting) =>
    setting.feature === undefined || except.includes(setting.parameter)
      ? []
      : [
          {
            condition: setting.feature.condition,
            definition: conditionOf(setting.parameter, setting.feature.when),
            off: build(setting.feature.off, setting.feature.condition).template,
          },
        ],
  );
  for (const { off, condition } of features) {
    const extra = Object.keys(off.Resources).filter((id) => on.template.Resources[id] === undefined);
    if (extra.length > 0)
      throw new Error(`Turning ${condition} off adds resources (${extra.join(', ')}): make them conditional too`);
  }
  return { ...on, template: mergeFeatures(on.template, features) };
}

/** The single-account template: the stack `npm run deploy` deploys, for CloudFormation alone. */
export function accountTemplate(outdir: string): BuiltTemplate {
  return withFeatures((off, variant) => accountVariant(join(outdir, `account-${variant}`), off));
}

/**
 * The organization's two templates: the organization's stack (the StackSet, its code bucket, its topic) and the member
 * template its StackSet deploys to every account, which reads the code from the organization's bucket. The
 * organization's own settings are the construct's defaults (the whole organization, as SELF); the service's are the
 * member template's parameters, which the StackSet passes on from the organization template's parameters of the same name.
 */
export function organizationTemplates(outdir: string): { organization: BuiltTemplate; member: BuiltTemplate } {
  const build = (off: AutoInstanceProfileProps, variant: string) => {
    const app = new App({ outdir: join(outdir, `org-${variant}`), context: appContext() });
    const synthesizer = new ReleaseSynthesizer();
    const stack = new Stack(app, ORG_STACK_NAME, {
      synthesizer,
      description:
        'auto-instance-profile for an AWS Organization: a StackSet that gives every account the service, its code and one alarm topic',
    });
    const organization = new AutoInstanceProfileOrganization(stack, 'Default', {
      // The member's alarm topic is the organization's (its AlarmTopicArn, set by the StackSet).
      service: (member) => settingParameters(member, off, [MEMBER_ALARM_TOPIC]),
    });
    const assembly = app.synth();
    return {
      organization: assembly.getStackByName(stack.stackName).template as Template,
      // The member template has no artifact of its own: it is a file of the organization stack (StackSetMemberSynthesizer).
      member: JSON.parse(readFileSync(join(assembly.directory, organization.member.templateFile), 'utf8')) as Template,
      assets: [...synthesizer.assets.values()],
      outdir: join(outdir, `org-${variant}`),
      stackSet: organization.stackSet,
    };
  };
  const variants = new Map<string, ReturnType<typeof build>>();
  const member = withFeatures(
    (off, variant) => {
      const built = build(off, variant);
      variants.set(variant, built);
      return { template: built.member, assets: built.assets, outdir: built.outdir };
    },
    [MEMBER_ALARM_TOPIC],
  );
  const on = variants.get('on');
  if (on === undefined) throw new Error('no organization template');
  return { organization: { template: forwardSettings(on.organization), assets: on.assets, outdir: on.outdir }, member };
}

/** The organization template declares the service's parameters too, and its StackSet passes each on to the members. */
function forwardSettings(template: Template): Template {
  const forwarded = structuredClone(template);
  const settings = releaseSettings().filter((setting) => setting.parameter !== MEMBER_ALARM_TOPIC);
  forwarded.Parameters = { ...forwarded.Parameters };
  for (const setting of settings) {
    const { default: fallback, allowedValues, allowedPattern, minValue, maxValue, type, description } = setting.spec;
    forwarded.Parameters[setting.parameter] = Object.fromEntries(
      Object.entries({
        Type: type,
        Default: String(fallback),
        AllowedValues: allowedValues,
        AllowedPattern: allowedPattern,
        MinValue: minValue,
        MaxValue: maxValue,
        Description:
          description ?? `The ${setting.parameter} setting of every account's service (docs/deploy.md, "Settings")`,
      }).filter(([, value]) => value !== undefined),
    );
  }
  for (const resource of Object.values(forwarded.Resources)) {
    if (resource.Type !== 'AWS::CloudFormation::StackSet') continue;
    const properties = resource.Properties as { Parameters: unknown[] };
    properties.Parameters = [
      ...properties.Parameters,
      ...settings.map((setting) => ({ ParameterKey: setting.parameter, ParameterValue: { Ref: setting.parameter } })),
    ];
  }
  return forwarded;
}

/** The --org commands' member access role: already a template for CloudFormation alone. */
export function memberAccessRoleTemplate(): Template {
  return orgAccessRoleTemplate() as Template;
}
