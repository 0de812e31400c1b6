/**
 * `doctor --org`: each account's effective settings, and where each comes from. The remediator's environment gives
 * `selection` and `dryRun` (cli/doctor/doctor.ts reads it). The organization stack makes each setting an OU sets
 * (`ouSettings`) a parameter of the member template, its default the organization's value, and the StackSet overrides
 * it for that OU's accounts (core/ou-settings.ts). So an account's stack parameters are its effective settings, and
 * one that differs from the template's default comes from its OU. Read with the calls doctor makes anyway: the
 * account's DescribeStacks, the StackSet's DescribeStackSet (its template), the OUs' accounts (Organizations).
 */
import { settingOfParameter } from '../../core/ou-settings.js';

/** One setting of an account: its value as its stack has it, and whence: `organization`, or the OU that sets it. */
export interface AccountSetting {
  readonly value: string;
  /** `organization` (the template's default), the OU id whose override it is, or `unknown` (the template unread). */
  readonly from: string;
}

/** The settings a StackSet's template takes as parameters, by key, with their defaults; undefined if unreadable. */
export function settingDefaultsOf(templateBody: string | undefined): Readonly<Record<string, string>> | undefined {
  if (templateBody === undefined) return undefined;
  try {
    const { Parameters = {} } = JSON.parse(templateBody) as { Parameters?: Record<string, { Default?: unknown }> };
    const defaults: Record<string, string> = {};
    for (const [parameter, { Default }] of Object.entries(Parameters)) {
      const setting = settingOfParameter(parameter);
      if (setting !== undefined && Default !== undefined) defaults[setting.key] = String(Default);
    }
    return defaults;
  } catch {
    // A template in YAML, or none of ours: the settings are shown without where they come from.
    return undefined;
  }
}

/**
 * An account's settings: those its remediator reports (`deployed`, from its environment: the organization's, since
 * every account has the same template), then each setting parameter of its stack, from the organization when it has
 * the template's default, else from `target`, the StackSet target the account is under.
 */
export function accountSettings(
  parameters: Readonly<Record<string, string>>,
  defaults: Readonly<Record<string, string>> | undefined,
  target: string | undefined,
  deployed: Readonly<Record<string, string | boolean>> = {},
): Readonly<Record<string, AccountSetting>> {
  const settings: Record<string, AccountSetting> = {};
  for (const [key, value] of Object.entries(deployed)) settings[key] = { value: String(value), from: 'organization' };
  for (const [parameter, value] of Object.entries(parameters)) {
    const setting = settingOfParameter(parameter);
    if (setting === undefined) continue;
    const fromOrganization = defaults?.[setting.key] === value;
    settings[setting.key] = {
      value,
      from: fromOrganization ? 'organization' : defaults === undefined ? 'unknown' : (target ?? 'unknown'),
    };
  }
  return settings;
}

/** The settings an account takes apart from the organization, for its line: `dryRun=true (ou-ab12-11111111)`. */
export function describeAccountSettings(settings: Readonly<Record<string, AccountSetting>> | undefined): string {
  return Object.entries(settings ?? {})
    .filter(([, setting]) => setting.from !== 'organization')
    .map(([key, setting]) => `${key}=${setting.value} (${setting.from})`)
    .join(', ');
}
