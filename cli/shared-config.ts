/**
 * The AWS shared config and credentials files, read by the SDK's own loader (`loadSharedConfigFiles`), so that a
 * profile exists for the CLI exactly when it exists for the SDK that signs its calls: enough to tell whether a
 * profile exists and what region and endpoint it sets. Everything else a profile may set (credentials, roles, SSO)
 * the SDK reads itself, from the same files.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadSharedConfigFiles } from '@smithy/core/config';
import type { ParsedIniData } from '@smithy/types';

/** The profiles of both files, by name, as the SDK parses them. A profile may be in either file or in both. */
export interface SharedProfiles {
  /** The config file: `[default]` and `[profile NAME]` under NAME; other sections (`sso-session.NAME`) keyed with their kind. */
  readonly config: ParsedIniData;
  /** The credentials file: `[NAME]` under NAME. */
  readonly credentials: ParsedIniData;
}

/** The environment variables that say where the files are. */
export interface SharedConfigEnv {
  readonly AWS_CONFIG_FILE?: string | undefined;
  readonly AWS_SHARED_CREDENTIALS_FILE?: string | undefined;
  readonly HOME?: string | undefined;
}

/** The config file's sections that are not profiles: `[sso-session NAME]` and `[services NAME]`, keyed `kind.NAME`. */
const NOT_PROFILES = /^(sso-session|services)\./;

/**
 * Where the two files are: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and
 * ~/.aws/credentials. Read from the command's environment, which the loader would take from the process's.
 */
export function sharedConfigPaths(env: SharedConfigEnv): { readonly config: string; readonly credentials: string } {
  const home = env.HOME === undefined || env.HOME === '' ? homedir() : env.HOME;
  return {
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  };
}

/** Reads both files with the SDK's loader; a missing file has no profiles. */
export async function readSharedProfiles(env: SharedConfigEnv): Promise<SharedProfiles> {
  const paths = sharedConfigPaths(env);
  const { configFile, credentialsFile } = await loadSharedConfigFiles({
    configFilepath: paths.config,
    filepath: paths.credentials,
    ignoreCache: true,
  });
  return { config: configFile, credentials: credentialsFile };
}

/** Whether a profile is defined in either file. */
export function hasProfile(profiles: SharedProfiles, name: string): boolean {
  return (
    (Object.hasOwn(profiles.config, name) && !NOT_PROFILES.test(name)) || Object.hasOwn(profiles.credentials, name)
  );
}

/** One setting of a profile: the config file's value, else the credentials file's. */
export function profileSetting(profiles: SharedProfiles, name: string, key: string): string | undefined {
  const value = profileIn(profiles.config, name)?.[key] ?? profileIn(profiles.credentials, name)?.[key];
  return value === undefined || value === '' ? undefined : value;
}

function profileIn(file: ParsedIniData, name: string): Readonly<Record<string, string | undefined>> | undefined {
  return Object.hasOwn(file, name) ? file[name] : undefined;
}
