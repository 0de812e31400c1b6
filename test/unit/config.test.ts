import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';

describe('loadConfig', () => {
  it('uses the defaults for an empty environment', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config).toEqual({
      dryRun: false,
      excludedPathPrefixes: ['/aws-service-role/'],
      ignoredCallers: [],
      roleNotFoundRetrySeconds: 120,
    });
  });

  it('reads every setting', () => {
    // Act
    const config = loadConfig({
      DRY_RUN: 'TRUE',
      EXCLUDED_PATH_PREFIXES: ' /aws-service-role/, /legacy/ ,',
      IGNORED_CALLERS: 'cloudformation.amazonaws.com',
      ROLE_NOT_FOUND_RETRY_SECONDS: '300',
    });

    // Assess
    expect(config).toEqual({
      dryRun: true,
      excludedPathPrefixes: ['/aws-service-role/', '/legacy/'],
      ignoredCallers: ['cloudformation.amazonaws.com'],
      roleNotFoundRetrySeconds: 300,
    });
  });

  it('lets an empty list clear the excluded path prefixes', () => {
    // Act
    const config = loadConfig({ EXCLUDED_PATH_PREFIXES: '' });

    // Assess
    expect(config.excludedPathPrefixes).toEqual([]);
  });

  it.each([
    [{ DRY_RUN: 'yes' }, /DRY_RUN/],
    [{ EXCLUDED_PATH_PREFIXES: 'legacy/' }, /EXCLUDED_PATH_PREFIXES/],
    [{ ROLE_NOT_FOUND_RETRY_SECONDS: '-1' }, /ROLE_NOT_FOUND_RETRY_SECONDS/],
    [{ ROLE_NOT_FOUND_RETRY_SECONDS: '1.5' }, /ROLE_NOT_FOUND_RETRY_SECONDS/],
  ])('rejects %o', (env, message) => {
    // Act
    const act = () => loadConfig(env);

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(message);
  });
});
