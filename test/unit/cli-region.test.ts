/** cli/region.ts: where the CLI takes the region from, and a region that does not exist refused by name before any call. */
import { describe, expect, it } from 'vitest';
import { awsSettings } from '../../cli/aws.js';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.js';
import { regionFromEnvironment, resolveRegion, UnknownRegionError } from '../../cli/region.js';

const NO_PROFILES = { config: {}, credentials: {} };

describe('resolveRegion', () => {
  it.each([
    [{ flag: 'eu-west-1', env: { AWS_REGION: 'us-east-1' }, profileRegion: 'ap-south-1' }, 'eu-west-1', '--region'],
    [{ env: { AWS_REGION: 'us-east-1', AWS_DEFAULT_REGION: 'eu-west-2' } }, 'us-east-1', 'AWS_REGION'],
    [{ env: { AWS_DEFAULT_REGION: 'eu-west-2' }, profileRegion: 'ap-south-1' }, 'eu-west-2', 'AWS_DEFAULT_REGION'],
    [{ env: { AWS_REGION: ' ' }, profileRegion: 'ap-south-1' }, 'ap-south-1', 'profile'],
  ])('reads %j as %s from %s', (sources, region, source) => {
    // Prepare: the sources. Act
    const result = resolveRegion(sources);

    // Assess
    expect(result).toEqual({ region, source });
  });

  it('is undefined when nothing names a region', () => {
    // Prepare, Act
    const result = resolveRegion({ env: {} });

    // Assess
    expect(result).toBeUndefined();
    expect(regionFromEnvironment({ AWS_DEFAULT_REGION: 'eu-west-2' })).toBe('eu-west-2');
  });
});

describe('regions that do not exist (doctor --region us-east-9)', () => {
  it('are refused with their name and source before the account is opened, with exit code 255', () => {
    // Act
    let refusal: unknown;
    try {
      awsSettings({ region: 'us-east-9' }, {}, NO_PROFILES);
    } catch (error) {
      refusal = error;
    }

    // Assess
    expect(refusal).toBeInstanceOf(UnknownRegionError);
    expect((refusal as Error).message).toBe(
      'The region us-east-9 (from --region) does not exist in the aws partition. ' +
        "The service runs in its partition's IAM event region: us-east-1 (aws), cn-north-1 (aws-cn), us-gov-west-1 (aws-us-gov).",
    );
    expect(exitCodeFor(refusal)).toBe(EXIT.aws);
  });

  it('takes a region that exists', () => {
    // Act
    const settings = awsSettings({}, { AWS_REGION: 'eu-west-1' }, NO_PROFILES);

    // Assess
    expect(settings.region).toBe('eu-west-1');
  });
});
