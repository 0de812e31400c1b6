import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig, ownAccountOf, settingsEnvironment } from '../../core/config.js';
import { ConfigError } from '../../core/errors.js';
import { SETTING_ROWS, type SettingRow } from '../../core/settings.js';
import { refusal, samplesOf } from '../support/setting-samples.js';

/** The settings a function reads from its environment, each with its variable. */
const ENV_ROWS = SETTING_ROWS.filter(([, row]) => row.env !== undefined && row.readBy === undefined).map(
  ([name, row]) => [name, row.env as string, row] as const,
);

/** What a function holds for a valid text, by the one reading (trimmed; any case; a list comma-separated). */
function expected(row: SettingRow, text: string): unknown {
  const trimmed = text.trim();
  if (row.kind === 'boolean') return trimmed.toLowerCase() === 'true';
  if (row.kind === 'whole') return Number(trimmed);
  if (row.kind === 'oneOf') return row.values.find((value) => value.toLowerCase() === trimmed.toLowerCase());
  if (row.kind === 'list') return trimmed.split(',').map((entry) => entry.trim());
  return trimmed;
}

/** A setting as the functions hold it: the SDK's two under `iamRetry`. */
function held(config: ReturnType<typeof loadConfig>, name: string): unknown {
  if (name === 'retryMode') return config.iamRetry.mode;
  if (name === 'maxAttempts') return config.iamRetry.maxAttempts;
  return (config as unknown as Record<string, unknown>)[name];
}

describe('every variable of the settings table', () => {
  it("is read by loadConfig, the SDK's retry pair and the stack's wiring included", () => {
    // Assess
    expect(ENV_ROWS.map(([, env]) => env)).toEqual(
      expect.arrayContaining(['DRY_RUN', 'MAX_CONCURRENCY', 'AWS_RETRY_MODE', 'QUEUE_URLS', 'QUEUE_URL', 'STACK_NAME']),
    );
    expect(ENV_ROWS.map(([, env]) => env)).not.toContain('POWERTOOLS_LOG_LEVEL');
  });

  describe.each(ENV_ROWS)('%s (%s)', (name, env, row) => {
    const samples = samplesOf(name, row);

    it.each(samples.valid)('takes %j', (text) => {
      // Act
      const config = loadConfig({ [env]: text });

      // Assess
      expect(held(config, name)).toEqual(expected(row, text));
    });

    it.each(samples.invalid)('refuses %j with one line naming the variable and the value', (text, named) => {
      // Act
      const act = () => loadConfig({ [env]: text });

      // Assess
      expect(act).toThrow(ConfigError);
      expect(act).toThrow(refusal(env, named));
    });

    it('takes its default when the variable is blank', () => {
      // Act
      const config = loadConfig({ [env]: '  ' });

      // Assess
      expect(held(config, name)).toEqual(row.kind === 'list' ? [] : held(DEFAULT_CONFIG, name));
    });
  });
});

describe('loadConfig', () => {
  it('uses the defaults for an empty environment', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(config).toEqual(DEFAULT_CONFIG);
    expect(config).toEqual({
      dryRun: false,
      selection: 'opt-out',
      excludedPathPrefixes: ['/aws-service-role/'],
      ignoredCallers: ['cloudformation.amazonaws.com'],
      roleNotFoundRetrySeconds: 120,
      serviceRoleArn: undefined,
      ownershipTable: undefined,
      queueUrls: [],
      iamRetry: { mode: 'standard', maxAttempts: 3 },
      batchConcurrency: 4,
      instanceProfileQuotaPercent: 95,
      unknownCreator: 'skip',
      maxConcurrency: 2,
    });
  });

  it('reads every setting', () => {
    // Act
    const config = loadConfig({
      DRY_RUN: 'TRUE',
      SELECTION: 'Opt-In',
      EXCLUDED_PATH_PREFIXES: ' /aws-service-role/, /legacy/ ,',
      IGNORED_CALLERS: 'arn:aws:sts::*:assumed-role/terraform-ci/*',
      ROLE_NOT_FOUND_RETRY_SECONDS: '300',
      SERVICE_ROLE_ARN: 'arn:aws:iam::123456789012:role/AutoInstanceProfile-FunctionRole',
      AWS_RETRY_MODE: 'adaptive',
      AWS_MAX_ATTEMPTS: '5',
      BATCH_CONCURRENCY: '1',
      INSTANCE_PROFILE_QUOTA_PERCENT: '80',
      UNKNOWN_CREATOR: 'Remediate',
      OWNERSHIP_TABLE: 'AutoInstanceProfile-OwnershipTable-1A2B3C',
      QUEUE_URLS:
        'https://sqs.us-east-1.amazonaws.com/123456789012/a, https://sqs.us-east-1.amazonaws.com/123456789012/b',
      MAX_CONCURRENCY: '10',
    });

    // Assess
    expect(config).toEqual({
      dryRun: true,
      selection: 'opt-in',
      excludedPathPrefixes: ['/aws-service-role/', '/legacy/'],
      ignoredCallers: ['arn:aws:sts::*:assumed-role/terraform-ci/*'],
      roleNotFoundRetrySeconds: 300,
      serviceRoleArn: 'arn:aws:iam::123456789012:role/AutoInstanceProfile-FunctionRole',
      iamRetry: { mode: 'adaptive', maxAttempts: 5 },
      batchConcurrency: 1,
      instanceProfileQuotaPercent: 80,
      unknownCreator: 'remediate',
      ownershipTable: 'AutoInstanceProfile-OwnershipTable-1A2B3C',
      queueUrls: [
        'https://sqs.us-east-1.amazonaws.com/123456789012/a',
        'https://sqs.us-east-1.amazonaws.com/123456789012/b',
      ],
      maxConcurrency: 10,
    });
  });

  it.each([
    ['OWNERSHIP_TABLE', 'a table!', 'must be a DynamoDB table name'],
    ['QUEUE_URLS', 'sqs:queue', 'entries must be SQS queue URLs'],
  ])('refuses a %s it cannot use, naming it', (name, value, message) => {
    // Act
    const load = () => loadConfig({ [name]: value });

    // Assess
    expect(load).toThrow(`${name} ${message}`);
  });

  it('lets an empty list clear the excluded path prefixes', () => {
    // Act
    const config = loadConfig({ EXCLUDED_PATH_PREFIXES: '' });

    // Assess
    expect(config.excludedPathPrefixes).toEqual([]);
  });

  it('lets an empty list opt back in to roles made by CloudFormation', () => {
    // Act
    const config = loadConfig({ IGNORED_CALLERS: '' });

    // Assess
    expect(config.ignoredCallers).toEqual([]);
  });

  it.each([
    [{ DRY_RUN: 'yes' }, /DRY_RUN/],
    [{ MAX_CONCURRENCY: '1' }, /MAX_CONCURRENCY must be a whole number from 2 to 1000/],
    [{ SERVICE_ROLE_ARN: 'my-role' }, /SERVICE_ROLE_ARN/],
    [{ AWS_RETRY_MODE: 'legacy' }, /AWS_RETRY_MODE/],
    [{ AWS_MAX_ATTEMPTS: '0' }, /AWS_MAX_ATTEMPTS/],
    [{ EXCLUDED_PATH_PREFIXES: 'legacy/' }, /EXCLUDED_PATH_PREFIXES/],
    // The prop's and the CLI's rule too: one rule for a path prefix, wherever it is given.
    [
      { EXCLUDED_PATH_PREFIXES: `/${'a'.repeat(512)}` },
      /EXCLUDED_PATH_PREFIXES entries must be paths that start with "\/", at most 512 characters/,
    ],
    [{ EXCLUDED_PATH_PREFIXES: '/a b/' }, /EXCLUDED_PATH_PREFIXES entries must be .*without commas or whitespace/],
    [{ ROLE_NOT_FOUND_RETRY_SECONDS: '-1' }, /ROLE_NOT_FOUND_RETRY_SECONDS/],
    [{ ROLE_NOT_FOUND_RETRY_SECONDS: '1.5' }, /ROLE_NOT_FOUND_RETRY_SECONDS/],
    [{ ROLE_NOT_FOUND_RETRY_SECONDS: '1e3' }, /ROLE_NOT_FOUND_RETRY_SECONDS/],
    [{ ROLE_NOT_FOUND_RETRY_SECONDS: '0x10' }, /ROLE_NOT_FOUND_RETRY_SECONDS/],
    [{ ROLE_NOT_FOUND_RETRY_SECONDS: '12345678901234567890' }, /ROLE_NOT_FOUND_RETRY_SECONDS/],
    [{ EXCLUDED_PATH_PREFIXES: ',' }, /EXCLUDED_PATH_PREFIXES/],
    [{ IGNORED_CALLERS: ' , ' }, /IGNORED_CALLERS/],
    [{ BATCH_CONCURRENCY: '0' }, /BATCH_CONCURRENCY/],
    [{ INSTANCE_PROFILE_QUOTA_PERCENT: '0' }, /INSTANCE_PROFILE_QUOTA_PERCENT/],
    [{ INSTANCE_PROFILE_QUOTA_PERCENT: '101' }, /INSTANCE_PROFILE_QUOTA_PERCENT/],
    [{ INSTANCE_PROFILE_QUOTA_PERCENT: '95.5' }, /INSTANCE_PROFILE_QUOTA_PERCENT/],
    [{ UNKNOWN_CREATOR: 'ask' }, /UNKNOWN_CREATOR must be remediate or skip/],
    [{ BATCH_CONCURRENCY: '11' }, /BATCH_CONCURRENCY/],
    [{ BATCH_CONCURRENCY: '2.5' }, /BATCH_CONCURRENCY/],
  ])('rejects %o', (env, message) => {
    // Act
    const act = () => loadConfig(env);

    // Assess
    expect(act).toThrow(ConfigError);
    expect(act).toThrow(message);
  });
});

describe('settingsEnvironment', () => {
  it('writes the settings the stack sets as loadConfig reads them back', () => {
    // Prepare
    const settings = {
      ...DEFAULT_CONFIG,
      dryRun: true,
      selection: 'opt-in' as const,
      excludedPathPrefixes: ['/aws-service-role/', '/batch/'],
      ignoredCallers: [],
      batchConcurrency: 1,
      instanceProfileQuotaPercent: 80,
      unknownCreator: 'remediate' as const,
      maxConcurrency: 6,
    };

    // Act
    const env = settingsEnvironment(settings);

    // Assess
    expect(env).toEqual({
      DRY_RUN: 'true',
      SELECTION: 'opt-in',
      EXCLUDED_PATH_PREFIXES: '/aws-service-role/,/batch/',
      IGNORED_CALLERS: '',
      BATCH_CONCURRENCY: '1',
      INSTANCE_PROFILE_QUOTA_PERCENT: '80',
      UNKNOWN_CREATOR: 'remediate',
      MAX_CONCURRENCY: '6',
    });
    expect(loadConfig(env)).toEqual(settings);
  });
});

describe('ownAccountOf', () => {
  it('is the account of the function’s role, which SERVICE_ROLE_ARN names', () => {
    // Prepare
    const config = loadConfig({ SERVICE_ROLE_ARN: 'arn:aws-cn:iam::111122223333:role/auto-instance-profile/Fn' });

    // Act
    const account = ownAccountOf(config);

    // Assess
    expect(account).toBe('111122223333');
  });

  it('is unknown without SERVICE_ROLE_ARN (the local invoke tool)', () => {
    // Act
    const account = ownAccountOf(loadConfig({}));

    // Assess
    expect(account).toBeUndefined();
  });
});
