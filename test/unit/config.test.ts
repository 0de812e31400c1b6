import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, loadConfig, ownAccountOf, settingsEnvironment } from '../../core/config.js';
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
      /EXCLUDED_PATH_PREFIXES entries must start with "\/" and be at most 512/,
    ],
    [{ EXCLUDED_PATH_PREFIXES: '/a b/' }, /EXCLUDED_PATH_PREFIXES entries cannot contain commas or whitespace/],
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
