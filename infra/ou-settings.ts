/**
 * The organization's settings per OU (`ouSettings`, a prop of the organization construct and a CDK context key): OU id
 * → some of the service's settings, by their context keys, with plain values (`{ "ou-ab12-11111111": { "dryRun": true
 * } }`). Each setting an OU sets becomes a parameter of the member template, whose default is the organization's value;
 * the StackSet gets one stack instances group per such OU, with its parameter overrides, and one for the other OUs.
 * Checked here, in the constructor: a wrong OU id, key or value fails `cdk synth` with the name the user typed
 * (`ouSettings.ou-ab12-11111111.dryRun`).
 */
import { CfnParameter, type Duration, type Stack } from 'aws-cdk-lib';
import type { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { ORGANIZATIONAL_UNIT_ID } from '../core/organizations.js';
import { OU_SETTINGS, OU_SETTINGS_KEY, type OuSetting, SERVICE_SETTING_KEYS } from '../core/ou-settings.js';
import { fromText, problemOf, shown } from '../core/setting-kinds.js';
import type { SettingRow } from '../core/settings.js';
import type { AutoInstanceProfileProps, ResolvedProps } from './props.js';
import { InvalidSettingError, propProblem, toProp } from './props.js';
import { releaseSettings } from './release/settings.js';

/**
 * Settings per OU: an OU id (`ou-…`) or the root's (`r-…`), each one of the StackSet's `organizationalUnitIds`, → the
 * settings its accounts take apart from the organization's, by context key (`dryRun`, `settleDelaySeconds`), each a
 * plain value (`true`, `60`, `["/aws-service-role/"]`) or text as `-c` takes it (`"true"`, `"60"`). Only settings
 * that set values may differ per OU; those that add or remove resources (`dashboard`, `createTrail`,
 * `reconcileSchedule`, …) are the organization's alone.
 */
export type OuSettings = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

/** One OU's settings, checked: the OU and each setting with its value as the parameter takes it (text). */
export interface OuOverrides {
  readonly ou: string;
  readonly values: readonly { readonly setting: OuSetting; readonly text: string }[];
}

/** How the user gave `ouSettings`: as a prop, or as a context key (the messages say which). */
export interface OuSettingsSource {
  readonly context?: boolean;
}

/**
 * Checks `ouSettings` against the StackSet's targets and the settings table; throws an {@link InvalidSettingError}
 * naming `ouSettings.<ou>.<key>` as typed.
 */
export function resolveOuSettings(
  ouSettings: unknown,
  targets: readonly string[] | undefined,
  source: OuSettingsSource = {},
): readonly OuOverrides[] {
  const refuse = (setting: string, requirement: string, got: string) =>
    new InvalidSettingError(setting, requirement, got, { context: source.context === true });
  if (ouSettings === undefined) return [];
  if (!isRecord(ouSettings)) {
    throw refuse(OU_SETTINGS_KEY, 'must be an object of OU ids to settings', shown(ouSettings));
  }
  return Object.entries(ouSettings).map(([ou, settings]): OuOverrides => {
    const where = `${OU_SETTINGS_KEY}.${ou}`;
    if (!ORGANIZATIONAL_UNIT_ID.test(ou)) {
      throw refuse(
        where,
        'must be keyed by an organizational unit id (ou-xxxx-xxxxxxxx) or the root id (r-xxxx)',
        shown(ou),
      );
    }
    if (targets === undefined || !targets.includes(ou)) {
      const named = targets === undefined ? 'unset: the root, looked up at deploy' : targets.join(', ');
      throw refuse(where, `must name one of the StackSet's targets (organizationalUnitIds: ${named})`, shown(ou));
    }
    if (!isRecord(settings)) throw refuse(where, 'must be an object of settings', shown(settings));
    const values = Object.entries(settings).map(([key, raw]) => {
      const setting = SERVICE_SETTING_KEYS.get(key);
      if (setting === undefined) {
        const keys = OU_SETTINGS.map((candidate) => candidate.key).join(', ');
        throw refuse(`${where}.${key}`, `is not a setting an OU can take; those are: ${keys}`, shown(raw));
      }
      if (setting.refusal !== undefined)
        throw refuse(`${where}.${key}`, `cannot differ per OU: ${setting.refusal}`, shown(raw));
      return {
        setting,
        text: checkedText(setting.row, raw, (requirement, got) => refuse(`${where}.${key}`, requirement, got)),
      };
    });
    return { ou, values };
  });
}

/** The value as the parameter takes it, once the construct would take it too. */
function checkedText(
  row: SettingRow,
  raw: unknown,
  refuse: (requirement: string, got: string) => InvalidSettingError,
): string {
  const plain = typeof raw === 'string' ? fromText(row, raw) : (problemOf(row, raw) ?? { value: raw });
  if ('requirement' in plain) throw refuse(plain.requirement, plain.got);
  const problem = propProblem(row, toProp(row, plain.value));
  if (problem !== undefined) throw refuse(problem.requirement, row.kind === 'list' ? problem.got : shown(raw));
  if (row.kind === 'retention' && plain.value === RetentionDays.INFINITE) {
    throw refuse('must be a retention in days: a parameter cannot say "never expire"', shown(raw));
  }
  return textOf(plain.value);
}

/** A plain value as parameter text: a list comma-separated. */
function textOf(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

/** A resolved prop's value as parameter text: a Duration in its row's unit. */
function propText(row: SettingRow, value: unknown): string {
  if (row.kind === 'duration') {
    const duration = value as Duration;
    return String(row.unit === 'seconds' ? duration.toSeconds() : duration.toDays());
  }
  return textOf(value);
}

/**
 * Declares in the member stack a parameter for each setting some OU sets, its default the organization's value
 * (`organization`, the resolved props), and returns the props they make.
 */
export function ouSettingParameters(
  member: Stack,
  overrides: readonly OuOverrides[],
  organization: ResolvedProps,
): AutoInstanceProfileProps {
  let props: AutoInstanceProfileProps = {};
  for (const setting of OU_SETTINGS) {
    if (!overrides.some(({ values }) => values.some((value) => value.setting === setting))) continue;
    const current: unknown = organization[setting.name as keyof ResolvedProps];
    if (setting.row.kind === 'retention' && current === RetentionDays.INFINITE) {
      throw new InvalidSettingError(
        `${OU_SETTINGS_KEY}.*.${setting.key}`,
        "cannot be set per OU while the organization's logRetention is INFINITE (a parameter cannot say it)",
        'INFINITE',
      );
    }
    // The parameter as the release templates declare it (infra/release/settings.ts), with the organization's default.
    const release = releaseSettings().find((candidate) => candidate.name === setting.name);
    if (release === undefined) throw new Error(`${setting.name} has no parameter in infra/release/settings.ts`);
    const { default: _releaseDefault, description: _releaseDescription, ...spec } = release.spec;
    const parameter = new CfnParameter(member, release.parameter, {
      ...spec,
      default: current === undefined ? '' : propText(setting.row, current),
      description: `The ${setting.key} setting: the organization's value unless the account's OU overrides it (ouSettings)`,
    });
    props = { ...props, ...release.props(parameter, member) };
  }
  return props;
}

/**
 * The StackSet's stack instances groups: one per OU that sets settings, with its parameter overrides, and one for the
 * other targets, without (none when every target sets some).
 */
export function stackInstancesGroups(
  targets: readonly string[],
  overrides: readonly OuOverrides[],
  region: string,
): CfnStackSet.StackInstancesProperty[] {
  const apart = overrides.filter(({ values }) => values.length > 0);
  const others = targets.filter((target) => !apart.some(({ ou }) => ou === target));
  return [
    ...(others.length === 0 ? [] : [{ deploymentTargets: { organizationalUnitIds: others }, regions: [region] }]),
    ...apart.map(({ ou, values }) => ({
      deploymentTargets: { organizationalUnitIds: [ou] },
      regions: [region],
      parameterOverrides: values.map(({ setting, text }) => ({
        parameterKey: setting.parameter,
        parameterValue: text,
      })),
    })),
  ];
}

/**
 * `ouSettings` from `scope`'s context: a JSON object in cdk.json, or its JSON text with `-c`; undefined when unset.
 */
export function ouSettingsFromContext(scope: Construct): unknown {
  const raw = scope.node.tryGetContext(OU_SETTINGS_KEY) as unknown;
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch (error) {
    throw new InvalidSettingError(OU_SETTINGS_KEY, 'must be a JSON object of OU ids to settings', shown(raw), {
      context: true,
      cause: error,
    });
  }
}

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
