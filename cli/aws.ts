/**
 * How a command reaches AWS, as the AWS CLI does: the profile (`--profile` or AWS_PROFILE) must exist and
 * counts with everything it sets, the region comes from cli/region.ts, and the caller's identity (STS
 * GetCallerIdentity) is read first, so that a missing credential or an unreachable endpoint is one line
 * and exit code 255 rather than a failed check. Endpoints are not ours to set: the SDK reads
 * AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE> and the profile's endpoint_url itself.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { asAwsAccessError, InvalidEndpointError, NoRegionError, ProfileNotFoundError } from './errors.js';
import { assertRegionExists, type RegionSource, resolveRegion } from './region.js';
import { hasProfile, profileSetting, readSharedProfiles, type SharedProfiles } from './shared-config.js';

/** The environment a session reads. */
export type AwsEnv = Readonly<Record<string, string | undefined>>;

/** What the command line says about the session. */
export interface AwsOptions {
  readonly profile?: string | undefined;
  readonly region?: string | undefined;
}

/** The settings every client of a command is built with. */
export interface AwsClientConfig {
  readonly region: string;
  readonly profile?: string;
}

/** The session's settings, before anything is sent. */
export interface AwsSettings {
  /** The profile named by `--profile` or AWS_PROFILE; undefined for the default chain. */
  readonly profile?: string | undefined;
  readonly region: string;
  readonly regionSource: RegionSource;
  /** Whether SQS calls go to a configured endpoint rather than to each QueueUrl's own host. */
  readonly customSqsEndpoint: boolean;
  readonly clientConfig: AwsClientConfig;
}

/** A session whose credentials AWS has accepted. */
export interface AwsSession extends AwsSettings {
  readonly account: string;
  /** The caller's ARN, as STS reports it. */
  readonly caller: string;
}

/**
 * The session's settings from the command line, the environment and the shared files. Throws
 * {@link ProfileNotFoundError} for a named profile that is in neither file, {@link NoRegionError} when
 * nothing names a region. Pure.
 */
export function awsSettings(options: AwsOptions, env: AwsEnv, profiles: SharedProfiles): AwsSettings {
  const profile = blankToUndefined(options.profile) ?? blankToUndefined(env.AWS_PROFILE);
  if (profile !== undefined && !hasProfile(profiles, profile)) throw new ProfileNotFoundError(profile);
  const resolved = resolveRegion({
    flag: options.region,
    env,
    profileRegion: profileSetting(profiles, profile ?? 'default', 'region'),
  });
  if (resolved === undefined) throw new NoRegionError();
  assertRegionExists(resolved);
  const ignoreConfigured = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === 'true';
  const profileEndpoint = ignoreConfigured ? undefined : profileSetting(profiles, profile ?? 'default', 'endpoint_url');
  assertEndpointsAreUrls(
    env,
    profileEndpoint === undefined ? {} : { [`endpoint_url of profile ${profile ?? 'default'}`]: profileEndpoint },
  );
  const sqsEndpoints = [env.AWS_ENDPOINT_URL_SQS, env.AWS_ENDPOINT_URL, profileEndpoint];
  return {
    profile,
    region: resolved.region,
    regionSource: resolved.source,
    customSqsEndpoint: sqsEndpoints.some((value) => blankToUndefined(value) !== undefined),
    clientConfig: { region: resolved.region, ...(profile === undefined ? {} : { profile }) },
  };
}

/**
 * Opens a session: reads the shared files, settles profile and region, and asks STS who the caller is.
 * A profile from `--profile` becomes the process's AWS_PROFILE, as in the AWS CLI where the option
 * outranks the environment: the SDK reads some profile settings (endpoint_url) only from AWS_PROFILE.
 * Throws an AwsAccessError (exit code 255) when AWS cannot be reached as the caller.
 */
export async function openAwsSession(options: AwsOptions, env: AwsEnv): Promise<AwsSession> {
  const settings = awsSettings(options, env, await readSharedProfiles(env));
  if (settings.profile !== undefined) process.env.AWS_PROFILE = settings.profile;
  const sts = new STSClient(settings.clientConfig);
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    return { ...settings, account: identity.Account ?? 'unknown', caller: identity.Arn ?? 'unknown' };
  } catch (error) {
    throw asAwsAccessError(error, 'GetCallerIdentity') ?? error;
  } finally {
    sts.destroy();
  }
}

/** The environment variables through which the SDK takes an endpoint: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>. */
const ENDPOINT_VARIABLE = /^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/;

/**
 * Refuses an endpoint setting that is no http(s) URL before any client is made, naming where it came from: the SDK
 * would fail on it with a bare `TypeError: Invalid URL`.
 * @throws {InvalidEndpointError} exit code 255.
 */
function assertEndpointsAreUrls(env: AwsEnv, others: Readonly<Record<string, string>>): void {
  const settings = [...Object.entries(env).filter(([name]) => ENDPOINT_VARIABLE.test(name)), ...Object.entries(others)];
  for (const [source, value] of settings) {
    const url = blankToUndefined(value);
    if (url === undefined) continue;
    const protocol = URL.canParse(url) ? new URL(url).protocol : undefined;
    if (protocol !== 'http:' && protocol !== 'https:') throw new InvalidEndpointError(source, url);
  }
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
