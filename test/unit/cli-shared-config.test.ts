/** cli/shared-config.ts: the shared config and credentials files, read with the SDK's own loader. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasProfile, profileSetting, readSharedProfiles, sharedConfigPaths } from '../../cli/shared-config.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'aip-shared-config-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The two files with these contents, in a directory of their own. */
async function files(name: string, config: string, credentials = '') {
  const env = {
    AWS_CONFIG_FILE: join(dir, `${name}-config`),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, `${name}-credentials`),
  };
  await Promise.all([writeFile(env.AWS_CONFIG_FILE, config), writeFile(env.AWS_SHARED_CREDENTIALS_FILE, credentials)]);
  return env;
}

describe('readSharedProfiles', () => {
  it('reads [default] and [profile NAME] from the config file, [NAME] from the credentials file, as the SDK does', async () => {
    // Prepare
    const env = await files(
      'both',
      [
        '# comment',
        '[default]',
        'region = us-east-1',
        '[profile moto]',
        'region=eu-west-1',
        'endpoint_url = http://127.0.0.1:4566',
        's3 =',
        '  addressing_style = path',
        '[sso-session corp]',
        'sso_region = us-east-1',
      ].join('\n'),
      '[moto]\naws_access_key_id = testing\n[keys-only]\naws_access_key_id = x\n',
    );

    // Act
    const profiles = await readSharedProfiles(env);

    // Assess
    expect(
      ['default', 'moto', 'keys-only', 'corp', 'sso-session.corp'].map((name) => hasProfile(profiles, name)),
    ).toEqual([true, true, true, false, false]);
    expect(profileSetting(profiles, 'moto', 'region')).toBe('eu-west-1');
    expect(profileSetting(profiles, 'moto', 'endpoint_url')).toBe('http://127.0.0.1:4566');
    expect(profileSetting(profiles, 'moto', 's3.addressing_style')).toBe('path');
    expect(profileSetting(profiles, 'moto', 'aws_access_key_id')).toBe('testing');
    expect(profileSetting(profiles, 'keys-only', 'region')).toBeUndefined();
  });

  it('has no profiles when the files do not exist', async () => {
    // Act
    const profiles = await readSharedProfiles({
      AWS_CONFIG_FILE: join(dir, 'none-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none-credentials'),
    });

    // Assess
    expect(hasProfile(profiles, 'default')).toBe(false);
    expect(profileSetting(profiles, 'default', 'region')).toBeUndefined();
  });

  it('reads the files again each time: a file written between two commands counts', async () => {
    // Prepare
    const env = await files('again', '[profile first]\nregion = eu-west-1\n');
    const before = await readSharedProfiles(env);
    await writeFile(env.AWS_CONFIG_FILE, '[profile second]\nregion = eu-west-2\n');

    // Act
    const after = await readSharedProfiles(env);

    // Assess
    expect([hasProfile(before, 'first'), hasProfile(after, 'first'), hasProfile(after, 'second')]).toEqual([
      true,
      false,
      true,
    ]);
  });
});

describe('sharedConfigPaths', () => {
  it("takes the command's environment, else the home directory's .aws/", () => {
    // Act
    const fromEnv = sharedConfigPaths({ AWS_CONFIG_FILE: '/c', AWS_SHARED_CREDENTIALS_FILE: '/k', HOME: '/h' });
    const fromHome = sharedConfigPaths({ HOME: '/h' });

    // Assess
    expect(fromEnv).toEqual({ config: '/c', credentials: '/k' });
    expect(fromHome).toEqual({ config: '/h/.aws/config', credentials: '/h/.aws/credentials' });
  });
});
