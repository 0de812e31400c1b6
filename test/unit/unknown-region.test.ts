/** A region that does not exist is refused by name before any call (`doctor --region us-east-9`). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { awsSettings } from '../../cli/aws.js';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.js';
import { UnknownRegionError } from '../../cli/region.js';
import { isUnknownRegion, KNOWN_REGIONS } from '../../core/regions.js';

const NO_PROFILES = { config: new Map(), credentials: new Map() };

/** The AWS SDK's own partition data, from the copy npm installed. */
function sdkRegions(): Record<string, string[]> {
  const source = readFileSync(
    'node_modules/@aws-sdk/core/dist-es/submodules/client/util-endpoints/lib/aws/partitions.js',
    'utf8',
  );
  const { partitions } = JSON.parse(source.replace(/^export const partitionsInfo = /, '').replace(/;\s*$/, '')) as {
    partitions: { id: string; regions: Record<string, unknown> }[];
  };
  return Object.fromEntries(
    partitions.map(({ id, regions }) => [id, Object.keys(regions).filter((name) => !name.endsWith('-global'))]),
  );
}

describe('regions that do not exist', () => {
  it('knows every region of the supported partitions that the AWS SDK knows, and no other', () => {
    // Act
    const sdk = sdkRegions();

    // Assess
    for (const [partition, regions] of Object.entries(KNOWN_REGIONS)) {
      expect([...regions].sort(), partition).toEqual([...(sdk[partition] ?? [])].sort());
    }
  });

  it.each([
    ['us-east-9', true],
    ['cn-south-7', true],
    ['us-east-1', false],
    ['eu-west-1', false],
    ['us-gov-west-1', false],
    // Not judged: a partition the service does not support has its own refusal.
    ['us-iso-east-1', false],
  ])('judges %s unknown: %s', (region, unknown) => {
    expect(isUnknownRegion(region)).toBe(unknown);
  });

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
