/**
 * The functions' settings, read from their environment by the one table (core/settings.ts) and written into it by
 * the stack. Endpoints are deliberately absent: the SDK reads AWS_ENDPOINT_URL(_IAM) itself.
 */
import { ConfigError } from './errors.js';
import { fromText } from './setting-kinds.js';
import { type PlainValue, SETTING_ROWS, type SettingName, type Settings, type Unset } from './settings.js';

export { parseCommaList } from './setting-kinds.js';

/**
 * Each setting a function reads its variable of, as {@link loadConfig} reads it, with its row's TSDoc (the filter
 * tests the row, not the name, so that TypeScript keeps the declaration).
 */
type EnvSettings = {
  readonly [Name in keyof Settings as Settings[Name] extends { env: string; readBy?: never } ? Name : never]:
    | PlainValue<Settings[Name]>
    | Unset<Settings[Name]>;
};

/** The SDK's retry settings for IAM, from its own variables AWS_RETRY_MODE and AWS_MAX_ATTEMPTS, given to it together. */
export interface IamRetrySettings {
  readonly mode: EnvSettings['retryMode'];
  readonly maxAttempts: EnvSettings['maxAttempts'];
}

/** The service's settings, as the functions hold them. */
export type Config = Omit<EnvSettings, 'retryMode' | 'maxAttempts'> & { readonly iamRetry: IamRetrySettings };

/** The rows whose variable a function reads. */
const ENV_ROWS = SETTING_ROWS.filter(([, row]) => row.env !== undefined && row.readBy === undefined);

/**
 * Reads and validates the settings from an environment: a variable unset or blank takes its default, one the
 * functions cannot use throws a {@link ConfigError} naming it. Call it once, at module scope: a bad setting then
 * fails the cold start loudly instead of every record quietly.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const read = Object.fromEntries(
    ENV_ROWS.map(([name, row]) => {
      const raw = env[row.env as string];
      const unset = raw === undefined || (raw.trim() === '' && row.kind !== 'list');
      if (unset) return [name, 'default' in row ? row.default : undefined];
      const result = fromText(row, raw);
      if ('requirement' in result) throw new ConfigError(`${row.env} ${result.requirement}, got ${result.got}`);
      return [name, result.value];
    }),
  ) as unknown as EnvSettings;
  const { retryMode, maxAttempts, ...rest } = read;
  return { ...rest, iamRetry: { mode: retryMode, maxAttempts } };
}

/** The defaults, as an empty environment gives them. */
export const DEFAULT_CONFIG: Config = loadConfig({});

/**
 * The environment the stack gives a function: each setting that has both a prop and a variable, from `settings` (the
 * props, resolved), as its variable's text (a list comma-separated). A setting `settings` lacks is left out.
 */
export function settingsEnvironment(settings: Readonly<Partial<Record<SettingName, unknown>>>): Record<string, string> {
  const written = SETTING_ROWS.filter(
    ([name, row]) => row.env !== undefined && row.setBy === undefined && settings[name] !== undefined,
  );
  return Object.fromEntries(
    written.map(([name, row]) => {
      const value = settings[name];
      return [row.env as string, Array.isArray(value) ? value.join(',') : String(value)];
    }),
  );
}

/**
 * The function's own account: its role's (`SERVICE_ROLE_ARN`), which is the account whose IAM its credentials
 * change. Undefined without the variable (the local invoke tool): then nothing is checked against it.
 */
export function ownAccountOf(config: Pick<Config, 'serviceRoleArn'>): string | undefined {
  return config.serviceRoleArn === undefined ? undefined : /^arn:[^:]+:iam::(\d{12}):/.exec(config.serviceRoleArn)?.[1];
}
