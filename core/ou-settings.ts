/**
 * Settings per organizational unit (`ouSettings`): which of the service's settings an OU may set apart from the rest
 * of the organization, and the CloudFormation parameter each becomes in the StackSet's member template. The organization
 * stack writes them (infra/ou-settings.ts); `doctor --org` reads them back from each account's stack. Pure and free of
 * aws-cdk-lib: the CLI's bundle reads it.
 *
 * A setting that only sets a value the functions read, or one CloudFormation takes as a value (a delay, a retention),
 * may differ per OU: it is a parameter of the member template, and the StackSet overrides it for the OU's accounts. A
 * setting that adds or removes resources (a dashboard, a trail, a schedule, the operator role, an alarm) may not: one
 * template holds for every account, and such a setting is the organization's alone.
 */
import { contextKey, SETTING_ROWS, type SettingName, type SettingRow } from './settings.js';

/** The prop and context key that holds the settings per OU. */
export const OU_SETTINGS_KEY = 'ouSettings';

/** Why a service setting cannot differ per OU, or undefined when it can. */
export function perOuRefusal(row: SettingRow): string | undefined {
  const shapesResources =
    row.kind === 'schedule' ||
    row.kind === 'topic' ||
    (row.env === undefined && (row.kind === 'boolean' || row.kind === 'list'));
  return shapesResources
    ? 'it adds or removes resources, and one template holds for every account: set it for the whole organization'
    : undefined;
}

/** One setting an OU may set: its prop, its key in `ouSettings` (the context key), its row, its parameter. */
export interface OuSetting {
  readonly name: SettingName;
  /** Its key in `ouSettings`: the setting's context key (`dryRun`, `settleDelaySeconds`). */
  readonly key: string;
  readonly row: SettingRow;
  /** The member template's parameter: the context key, capitalized (`DryRun`, `SettleDelaySeconds`). */
  readonly parameter: string;
}

/** The service's settings (a member stack's props), by their key in `ouSettings`, with those an OU may not set. */
export const SERVICE_SETTING_KEYS: ReadonlyMap<string, OuSetting & { readonly refusal: string | undefined }> = new Map(
  SETTING_ROWS.filter(([, row]) => row.setBy === undefined && !row.org).map(([name, row]) => {
    const key = contextKey(name, row);
    return [
      key,
      { name, key, row, parameter: `${key.charAt(0).toUpperCase()}${key.slice(1)}`, refusal: perOuRefusal(row) },
    ];
  }),
);

/** The settings an OU may set, in the table's order. */
export const OU_SETTINGS: readonly OuSetting[] = [...SERVICE_SETTING_KEYS.values()].filter(
  (setting) => setting.refusal === undefined,
);

/** The setting a member template's parameter holds, or undefined when the parameter is not a setting's. */
export function settingOfParameter(parameter: string): OuSetting | undefined {
  return OU_SETTINGS.find((setting) => setting.parameter === parameter);
}
