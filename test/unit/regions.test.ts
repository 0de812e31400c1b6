/**
 * core/regions.ts: the one partition table that the CDK app's region guard and the CLI's doctor read.
 */
import { describe, expect, it } from 'vitest';
import { IAM_EVENT_REGION } from '../../core/pipeline-settings.js';
import { IAM_EVENT_REGIONS_TEXT, iamEventRegionFor, PARTITION_PREFIXES, partitionOf } from '../../core/regions.js';

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

  it('puts a region it has never heard of in aws, as the AWS SDKs do', () => {
    // Act
    const found = partitionOf('xx-nowhere-1');

    // Assess
    expect(found).toBe('aws');
  });

  it('lists longer prefixes first, so that no prefix hides a longer one', () => {
    // Prepare
    const prefixes = PARTITION_PREFIXES.map(([prefix]) => prefix);

    // Act
    const hidden = prefixes.filter((prefix, i) => prefixes.slice(0, i).some((earlier) => prefix.startsWith(earlier)));

    // Assess
    expect(hidden).toEqual([]);
  });
});

describe('iamEventRegionFor', () => {
  it.each(Object.entries(IAM_EVENT_REGION))('gives the %s partition its IAM event region %s', (partition, region) => {
    // Prepare
    const sample = PARTITION_PREFIXES.find(([, name]) => name === partition)?.[0] ?? 'eu-';

    // Act
    const fromItself = iamEventRegionFor(region);
    const fromAnother = iamEventRegionFor(`${sample}somewhere-2`);

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
