/**
 * How the CLI configures its AWS clients: the standard credential chain and region, optionally a named
 * profile and an explicit region. Endpoints are deliberately absent: the SDK reads AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE> itself, which is how the CLI is pointed at moto.
 */

/** The settings every client the CLI makes shares. */
export interface AwsClientConfig {
  readonly profile?: string;
  readonly region?: string;
}

/** Client options from the command line's `--profile` and `--region`, leaving out what was not given. */
export function awsClientConfig(options: {
  readonly profile?: string | undefined;
  readonly region?: string | undefined;
}): AwsClientConfig {
  return {
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.region === undefined ? {} : { region: options.region }),
  };
}

/** Resolves a client's region through the SDK's chain; `undefined` when none is configured. */
export async function resolveRegion(client: {
  readonly config: { region(): Promise<string> };
}): Promise<string | undefined> {
  try {
    const region = await client.config.region();
    return region === '' ? undefined : region;
  } catch {
    // The SDK throws "Region is missing" when nothing in the chain names one; the doctor reports that as a check.
    return undefined;
  }
}

/**
 * Whether the SDK's standard variables give SQS a custom endpoint (AWS_ENDPOINT_URL_SQS or AWS_ENDPOINT_URL).
 * The SQS client otherwise sends each call to its QueueUrl's host, which for a queue created in moto
 * (or any emulator) is the real sqs.<region>.amazonaws.com.
 */
export function hasCustomSqsEndpoint(env: Readonly<Record<string, string | undefined>>): boolean {
  return [env.AWS_ENDPOINT_URL_SQS, env.AWS_ENDPOINT_URL].some((value) => value !== undefined && value.trim() !== '');
}
