/**
 * core/regions.ts: the partition of a region and its IAM event region, from the AWS SDK's own partition data, which
 * the CDK app's region guard and the CLI read alike.
 */
import { describe, expect, it } from 'vitest';
import { IAM_EVENT_REGION } from '../../core/pipeline-settings.js';
import { IAM_EVENT_REGIONS_TEXT, iamEventRegionFor, isUnknownRegion, partitionOf } from '../../core/regions.js';

describe('partitionOf', () => {
  it.each([
    ['us-east-1', 'aws'],
    ['eu-west-1', 'aws'],
    ['ap-southeast-7', 'aws'],
    ['cn-north-1', 'aws-cn'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-gov-east-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['us-isof-south-1', 'aws-iso-f'],
    ['eu-isoe-west-1', 'aws-iso-e'],
    ['eusc-de-east-1', 'aws-eusc'],
  ])('puts %s in %s', (region, partition) => {
    // Act
    const found = partitionOf(region);

    // Assess
    expect(found).toBe(partition);
  });

  it.each([
    ['us-gov-somewhere-2', 'aws-us-gov'],
    ['cn-somewhere-2', 'aws-cn'],
    ['us-isob-somewhere-2', 'aws-iso-b'],
    ['eu-somewhere-2', 'aws'],
  ])('puts %s, a region not listed yet, in %s by its name, as the AWS SDKs do', (region, partition) => {
    // Act
    const found = partitionOf(region);

    // Assess
    expect(found).toBe(partition);
  });

  it('puts a region it has never heard of in aws, as the AWS SDKs do', () => {
    // Act
    const found = partitionOf('xx-nowhere-1');

    // Assess
    expect(found).toBe('aws');
  });
});

describe('iamEventRegionFor', () => {
  const samples: Readonly<Record<string, string>> = {
    aws: 'eu-somewhere-2',
    'aws-cn': 'cn-somewhere-2',
    'aws-us-gov': 'us-gov-somewhere-2',
  };

  it.each(Object.entries(IAM_EVENT_REGION))('gives the %s partition its IAM event region %s', (partition, region) => {
    // Act
    const fromItself = iamEventRegionFor(region);
    const fromAnother = iamEventRegionFor(samples[partition] ?? 'none');

    // Assess
    expect(fromItself).toBe(region);
    expect(fromAnother).toBe(region);
  });

  it('names us-east-1 for an unknown region, and nothing for an unsupported partition', () => {
    // Act
    const unknown = iamEventRegionFor('xx-nowhere-1');
    const iso = iamEventRegionFor('us-iso-east-1');

    // Assess
    expect(unknown).toBe('us-east-1');
    expect(iso).toBeUndefined();
  });

  it('describes every supported region with its partition', () => {
    // Assess
    expect(IAM_EVENT_REGIONS_TEXT).toBe('us-east-1 (aws), cn-north-1 (aws-cn), us-gov-west-1 (aws-us-gov)');
  });
});

describe('isUnknownRegion', () => {
  it.each([
    ['us-east-9', true],
    ['cn-south-7', true],
    ['us-gov-north-9', true],
    ['aws-global', true],
    ['us-east-1', false],
    ['eu-west-1', false],
    ['ap-southeast-7', false],
    ['mx-central-1', false],
    ['cn-northwest-1', false],
    ['us-gov-west-1', false],
    // Not judged: a partition the service does not support has its own refusal.
    ['us-iso-east-1', false],
    ['us-iso-east-9', false],
  ])('judges %s unknown: %s', (region, unknown) => {
    // Act
    const judged = isUnknownRegion(region);

    // Assess
    expect(judged).toBe(unknown);
  });
});
