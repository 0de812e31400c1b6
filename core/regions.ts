/**
 * Which partition a region belongs to, and so where IAM's CloudTrail events reach EventBridge: the one table
 * the CDK app (its region guard and the organization stack) and the CLI's `doctor` share. Pure, and free of
 * aws-cdk-lib, so that the CLI bundle does not carry the CDK's region facts.
 */
import { IAM_EVENT_REGION } from './pipeline-settings.js';

/**
 * Region name prefixes of the partitions other than `aws`, longest first so that `us-isob-` wins over `us-iso-`.
 * Every other name is taken to be in `aws`, as the AWS SDKs do when no partition's pattern matches: a region
 * launched after this table was written is almost always a commercial one.
 */
export const PARTITION_PREFIXES: readonly (readonly [prefix: string, partition: string])[] = [
  ['us-isob-', 'aws-iso-b'],
  ['us-isof-', 'aws-iso-f'],
  ['eu-isoe-', 'aws-iso-e'],
  ['us-iso-', 'aws-iso'],
  ['us-gov-', 'aws-us-gov'],
  ['eusc-', 'aws-eusc'],
  ['cn-', 'aws-cn'],
];

/** The partition a region belongs to: by its name's prefix, `aws` when no other partition's prefix matches. */
export function partitionOf(region: string): string {
  return PARTITION_PREFIXES.find(([prefix]) => region.startsWith(prefix))?.[1] ?? 'aws';
}

/**
 * The region whose default event bus receives IAM's CloudTrail events, for a region's partition; undefined for
 * a partition this service does not support (the ISO partitions, the European sovereign cloud).
 */
export function iamEventRegionFor(region: string): string | undefined {
  return IAM_EVENT_REGION[partitionOf(region)];
}

/** Every supported partition's IAM event region, for messages: `us-east-1 (aws), cn-north-1 (aws-cn), …`. */
export const IAM_EVENT_REGIONS_TEXT = Object.entries(IAM_EVENT_REGION)
  .map(([partition, region]) => `${region} (${partition})`)
  .join(', ');
