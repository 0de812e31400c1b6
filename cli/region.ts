/**
 * Where every tool of ours takes the region from, in this order: the command line's `--region`, then
 * AWS_REGION, then AWS_DEFAULT_REGION (which the AWS CLI reads and the JavaScript SDK does not), then
 * the profile's `region`. Pure.
 */
import { IAM_EVENT_REGIONS_TEXT, isUnknownRegion, partitionOf } from '../core/regions.js';
import { AwsAccessError } from './errors.js';

/** The environment variables that name a region. */
export interface RegionEnv {
  readonly AWS_REGION?: string | undefined;
  readonly AWS_DEFAULT_REGION?: string | undefined;
}

/** Where a resolved region came from, for messages. */
export type RegionSource = '--region' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile';

/** The region and where it came from; undefined when nothing names one. Blank values count as unset. */
export function resolveRegion(sources: {
  readonly flag?: string | undefined;
  readonly env: RegionEnv;
  readonly profileRegion?: string | undefined;
}): { readonly region: string; readonly source: RegionSource } | undefined {
  const candidates: readonly (readonly [RegionSource, string | undefined])[] = [
    ['--region', sources.flag],
    ['AWS_REGION', sources.env.AWS_REGION],
    ['AWS_DEFAULT_REGION', sources.env.AWS_DEFAULT_REGION],
    ['profile', sources.profileRegion],
  ];
  for (const [source, value] of candidates) {
    const region = value?.trim();
    if (region !== undefined && region !== '') return { region, source };
  }
  return undefined;
}

/** The region from the environment alone (AWS_REGION, then AWS_DEFAULT_REGION), for tools that let the SDK read the profile. */
export function regionFromEnvironment(env: RegionEnv): string | undefined {
  return resolveRegion({ env })?.region;
}

/** The region named (by --region, AWS_REGION, AWS_DEFAULT_REGION or the profile) does not exist. Exit code 255. */
export class UnknownRegionError extends AwsAccessError {
  override name = 'UnknownRegionError';
}

/**
 * Refuses a region that does not exist before any call is made to it, which would otherwise fail with a
 * connection or parse error that does not say why.
 * @throws {UnknownRegionError} naming the region and where it came from.
 */
export function assertRegionExists(resolved: { readonly region: string; readonly source: RegionSource }): void {
  if (!isUnknownRegion(resolved.region)) return;
  throw new UnknownRegionError(
    `The region ${resolved.region} (from ${resolved.source}) does not exist in the ${partitionOf(resolved.region)} partition. ` +
      `The service runs in its partition's IAM event region: ${IAM_EVENT_REGIONS_TEXT}.`,
  );
}
