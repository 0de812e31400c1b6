/**
 * The AWS shared config and credentials files, read the way the SDK and the AWS CLI read them: enough
 * to tell whether a profile exists and what region and endpoint it sets. Everything else a profile may
 * set (credentials, roles, SSO, endpoint_url) the SDK reads itself, from the same files.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** One profile's settings, keys as written (`region`, `endpoint_url` …). Nested settings are left out. */
export type ProfileSettings = Readonly<Record<string, string>>;

/** The profiles of both files, by name. A profile may be in either file or in both. */
export interface SharedProfiles {
  readonly config: ReadonlyMap<string, ProfileSettings>;
  readonly credentials: ReadonlyMap<string, ProfileSettings>;
}

/** The environment variables that say where the files are. */
export interface SharedConfigEnv {
  readonly AWS_CONFIG_FILE?: string | undefined;
  readonly AWS_SHARED_CREDENTIALS_FILE?: string | undefined;
  readonly HOME?: string | undefined;
}

/**
 * Parses an INI file of either kind. In the config file a profile's section is `[profile NAME]`, or
 * `[default]`; in the credentials file it is `[NAME]`. Other config sections (`[sso-session …]`,
 * `[services …]`) are not profiles. Indented lines belong to a nested setting (`s3 =`) and are skipped.
 */
export function parseProfiles(text: string, kind: 'config' | 'credentials'): Map<string, ProfileSettings> {
  const profiles = new Map<string, Record<string, string>>();
  let current: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*([^\]]*?)\s*\]$/.exec(line);
    if (section !== null) {
      const name = profileName(section[1] ?? '', kind);
      current = name === undefined ? undefined : (profiles.get(name) ?? {});
      if (name !== undefined && current !== undefined) profiles.set(name, current);
      continue;
    }
    if (current === undefined || /^\s/.test(raw)) continue;
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    current[line.slice(0, equals).trim()] = line.slice(equals + 1).trim();
  }
  return profiles;
}

function profileName(header: string, kind: 'config' | 'credentials'): string | undefined {
  if (kind === 'credentials') return header === '' ? undefined : header;
  if (header === 'default') return 'default';
  const match = /^profile\s+(\S.*)$/.exec(header);
  return match?.[1]?.trim();
}

/** Where the two files are: AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials. */
export function sharedConfigPaths(env: SharedConfigEnv): { readonly config: string; readonly credentials: string } {
  const home = env.HOME === undefined || env.HOME === '' ? homedir() : env.HOME;
  return {
    config: env.AWS_CONFIG_FILE || join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials'),
  };
}

/** Reads both files; a missing file has no profiles. */
export async function readSharedProfiles(env: SharedConfigEnv): Promise<SharedProfiles> {
  const paths = sharedConfigPaths(env);
  const [config, credentials] = await Promise.all([readIfPresent(paths.config), readIfPresent(paths.credentials)]);
  return { config: parseProfiles(config, 'config'), credentials: parseProfiles(credentials, 'credentials') };
}

async function readIfPresent(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT' || (error as { code?: unknown }).code === 'EISDIR') return '';
    throw error;
  }
}

/** Whether a profile is defined in either file. */
export function hasProfile(profiles: SharedProfiles, name: string): boolean {
  return profiles.config.has(name) || profiles.credentials.has(name);
}

/** One setting of a profile: the config file's value, else the credentials file's. */
export function profileSetting(profiles: SharedProfiles, name: string, key: string): string | undefined {
  const value = profiles.config.get(name)?.[key] ?? profiles.credentials.get(name)?.[key];
  return value === undefined || value === '' ? undefined : value;
}
