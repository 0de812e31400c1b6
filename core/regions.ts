/**
 * Which partition a region belongs to, and so where IAM's CloudTrail events reach EventBridge: what the CDK app
 * (its region guard and the organization stack) and the CLI (`doctor`, `--region`) share. The regions and the
 * partitions are the AWS SDK's own data (`partition` of @aws-sdk/core, the table every client resolves its
 * endpoints with), not a copy: an SDK update that adds a region adds it here. Free of aws-cdk-lib, so that the CLI
 * bundle does not carry the CDK's region facts.
 */
import { partition } from '@aws-sdk/core/client';
import { IAM_EVENT_REGION } from './pipeline-settings.js';

/**
 * The partition a region belongs to, as the AWS SDK tells it: a region it lists, else the partition whose name
 * pattern matches, else `aws` (a region launched after the SDK was released is almost always a commercial one).
 */
export function partitionOf(region: string): string {
  return partition(region).name;
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
 * Whether no region of that name exists in its partition: a name of a supported partition that the SDK's data
 * does not list (`us-east-9`), or one of the SDK's pseudo-regions for global endpoints (`aws-global`). The SDK
 * answers a listed region with its own entry (its `description` among it), and a name that only matches a
 * partition's pattern with the partition's settings alone. A region of a partition this service does not support
 * is not judged here.
 */
export function isUnknownRegion(region: string): boolean {
  const found: { readonly name: string; readonly description?: string } = partition(region);
  if (IAM_EVENT_REGION[found.name] === undefined) return false;
  return found.description === undefined || region.endsWith('-global');
}
