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

/**
 * The regions of the partitions this service supports, as the AWS SDK's partition data lists them (a unit test
 * compares the two, so an SDK update that adds a region fails until it is added here).
 */
export const KNOWN_REGIONS: Readonly<Record<string, readonly string[]>> = {
  aws: [
    ...['af-south-1', 'ap-east-1', 'ap-east-2', 'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1'],
    ...['ap-south-2', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5'],
    ...['ap-southeast-6', 'ap-southeast-7', 'ca-central-1', 'ca-west-1', 'eu-central-1', 'eu-central-2', 'eu-north-1'],
    ...['eu-south-1', 'eu-south-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'il-central-1', 'me-central-1'],
    ...['me-south-1', 'me-west-1', 'mx-central-1', 'sa-east-1', 'sa-west-1', 'us-east-1', 'us-east-2', 'us-west-1'],
    'us-west-2',
  ],
  'aws-cn': ['cn-north-1', 'cn-northwest-1'],
  'aws-us-gov': ['us-gov-east-1', 'us-gov-west-1'],
};

/**
 * Whether no region of that name exists in its partition: a name of a supported partition that the partition
 * does not list (`us-east-9`). A region of a partition this service does not support is not judged here.
 */
export function isUnknownRegion(region: string): boolean {
  const known = KNOWN_REGIONS[partitionOf(region)];
  return known !== undefined && !known.includes(region);
}
