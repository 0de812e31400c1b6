/** cli/aws.ts: the session's settings from the command line, the environment and the shared files. */
import { describe, expect, it } from 'vitest';
import { awsSettings } from '../../cli/aws.js';
import { InvalidEndpointError, NoRegionError, ProfileNotFoundError } from '../../cli/errors.js';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.js';
import type { SharedProfiles } from '../../cli/shared-config.js';

describe('awsSettings', () => {
  const profiles = (config: SharedProfiles['config'], credentials: SharedProfiles['credentials'] = {}) => ({
    config,
    credentials,
  });
  const files = profiles(
    { default: { region: 'ap-south-1' }, moto: { region: 'eu-west-1', endpoint_url: 'http://127.0.0.1:4566' } },
    { 'keys-only': { aws_access_key_id: 'x' } },
  );

  it('throws ProfileNotFoundError for a profile in neither file, from --profile or AWS_PROFILE', () => {
    // Prepare, Act
    const fromFlag = () => awsSettings({ profile: 'nope' }, {}, files);
    const fromEnv = () => awsSettings({}, { AWS_PROFILE: 'gone' }, files);

    // Assess
    expect(fromFlag).toThrow(new ProfileNotFoundError('nope'));
    expect(fromFlag).toThrow('The config profile (nope) could not be found');
    expect(fromEnv).toThrow('The config profile (gone) could not be found');
  });

  it("takes the named profile's region and endpoint, and the default profile's without one", () => {
    // Prepare, Act
    const named = awsSettings({ profile: 'moto' }, {}, files);
    const keysOnly = awsSettings({ profile: 'keys-only' }, { AWS_DEFAULT_REGION: 'us-east-1' }, files);
    const unnamed = awsSettings({}, {}, files);

    // Assess
    expect(named).toMatchObject({
      profile: 'moto',
      region: 'eu-west-1',
      regionSource: 'profile',
      customSqsEndpoint: true,
      clientConfig: { region: 'eu-west-1', profile: 'moto' },
    });
    expect(keysOnly).toMatchObject({ region: 'us-east-1', regionSource: 'AWS_DEFAULT_REGION' });
    expect(unnamed).toMatchObject({ profile: undefined, region: 'ap-south-1', customSqsEndpoint: false });
  });

  it('throws NoRegionError when nothing names a region', () => {
    // Prepare, Act
    const settings = () => awsSettings({}, {}, profiles({}));

    // Assess
    expect(settings).toThrow(NoRegionError);
  });

  it('counts AWS_ENDPOINT_URL as a custom SQS endpoint, and not the profile one when configured endpoints are ignored', () => {
    // Prepare, Act
    const fromEnv = awsSettings({ region: 'us-east-1' }, { AWS_ENDPOINT_URL: 'http://127.0.0.1:4566' }, profiles({}));
    const ignored = awsSettings({ profile: 'moto' }, { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, files);

    // Assess
    expect(fromEnv.customSqsEndpoint).toBe(true);
    expect(ignored.customSqsEndpoint).toBe(false);
  });
});

describe('awsSettings, the endpoint settings', () => {
  const NONE = { config: {}, credentials: {} };

  it.each([
    ['AWS_ENDPOINT_URL', 'notaurl'],
    ['AWS_ENDPOINT_URL', 'http//127.0.0.1:4566'],
    ['AWS_ENDPOINT_URL_IAM', 'notaurl'],
    ['AWS_ENDPOINT_URL_IAM', 'localhost:4566'],
    ['AWS_ENDPOINT_URL_STS', 'ftp://127.0.0.1/'],
  ])('refuse %s=%s by name, before any call, exit code 255', (name, value) => {
    // Act
    const settings = () => awsSettings({ region: 'us-east-1' }, { [name]: value }, NONE);

    // Assess
    expect(settings).toThrow(InvalidEndpointError);
    expect(settings).toThrow(
      `Bad value for ${name} "${value}": it must be of the form http://<hostname>/ or https://<hostname>/`,
    );
    expect(exitCodeFor(new InvalidEndpointError(name, value))).toBe(EXIT.aws);
  });

  it("name a profile's endpoint_url by its profile, unless configured endpoints are ignored", () => {
    // Prepare
    const files = { config: { moto: { region: 'us-east-1', endpoint_url: 'notaurl' } }, credentials: {} };

    // Act
    const named = () => awsSettings({ profile: 'moto' }, {}, files);
    const ignored = () => awsSettings({ profile: 'moto' }, { AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, files);

    // Assess
    expect(named).toThrow('Bad value for endpoint_url of profile moto "notaurl"');
    expect(ignored).not.toThrow();
  });

  it('take http and https URLs, and leave blank ones and other variables alone', () => {
    // Act
    const settings = () =>
      awsSettings(
        { region: 'us-east-1' },
        {
          AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
          AWS_ENDPOINT_URL_IAM: 'https://iam.example.com/',
          AWS_ENDPOINT_URL_SQS: ' ',
          AWS_ENDPOINT_URLS: 'not a setting the SDK reads',
        },
        NONE,
      );

    // Assess
    expect(settings).not.toThrow();
  });
});
