/**
 * The CLI's errors, one class per exit code family (exit-codes.ts maps them), and the one place that
 * tells an SDK failure meaning "cannot reach AWS as you" (credentials, network) from any other.
 */
import { AutoInstanceProfileError } from '../core/errors.js';

/** The command line is wrong: an unknown command or option, or a bad value. Exit code 2. */
export class UsageError extends AutoInstanceProfileError {
  override name = 'UsageError';
}

/**
 * The CLI cannot talk to AWS as the user: no credentials, an unknown profile, no region, credentials AWS
 * rejects, or no connection. Exit code 255, as the AWS CLI; its message is the whole report, one line.
 */
export class AwsAccessError extends AutoInstanceProfileError {
  override name = 'AwsAccessError';
}

/** The AWS CLI's wording for an empty credential chain. */
export const NO_CREDENTIALS_MESSAGE =
  'Unable to locate credentials. You can configure credentials by running "aws configure".';

/** No credential source of the SDK's chain has credentials. */
export class NoCredentialsError extends AwsAccessError {
  override name = 'NoCredentialsError';

  constructor(options?: { cause?: unknown }) {
    super(NO_CREDENTIALS_MESSAGE, options);
  }
}

/** `--profile NAME` or AWS_PROFILE names a profile that is in neither shared file. */
export class ProfileNotFoundError extends AwsAccessError {
  override name = 'ProfileNotFoundError';

  constructor(readonly profile: string) {
    super(`The config profile (${profile}) could not be found`);
  }
}

/** Nothing names a region: no --region, AWS_REGION, AWS_DEFAULT_REGION, or profile `region`. */
export class NoRegionError extends AwsAccessError {
  override name = 'NoRegionError';

  constructor() {
    super(
      'You must specify a region: pass --region, set AWS_REGION (or AWS_DEFAULT_REGION), or set region in your profile.',
    );
  }
}

/**
 * An endpoint setting (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>, a profile's endpoint_url) that is no http(s)
 * URL, named with where it came from, in the AWS CLI's words for `--endpoint-url`.
 */
export class InvalidEndpointError extends AwsAccessError {
  override name = 'InvalidEndpointError';

  constructor(
    readonly source: string,
    readonly value: string,
  ) {
    super(`Bad value for ${source} "${value}": it must be of the form http://<hostname>/ or https://<hostname>/`);
  }
}

/** AWS could not be reached: refused or failed connections, unknown hosts, timeouts. */
export class AwsUnreachableError extends AwsAccessError {
  override name = 'AwsUnreachableError';
}

/** AWS answered that the credentials are not valid (expired, unknown key, bad signature). */
export class CredentialsRejectedError extends AwsAccessError {
  override name = 'CredentialsRejectedError';
}

/** `Name: message` for an error (the SDK's names say what went wrong: AccessDenied, ValidationError …). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return String(error);
}

/** Error codes AWS answers with when the credentials themselves are wrong, whatever the service. */
const REJECTED_CREDENTIALS = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'InvalidSignatureException',
  'MissingAuthenticationToken',
]);

/** Node's codes for a connection that could not be made or was cut. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

/**
 * The {@link AwsAccessError} an SDK failure amounts to, or undefined when it is any other error (a
 * denied call, a missing resource), which the command reports in its own terms. `operation` names the
 * call, as the AWS CLI does: "when calling the GetCallerIdentity operation".
 */
export function asAwsAccessError(error: unknown, operation: string): AwsAccessError | undefined {
  if (error instanceof AwsAccessError) return error;
  if (!(error instanceof Error)) return undefined;
  if (error.name === 'CredentialsProviderError') {
    // The chain's last word when no source had anything; other messages (an expired SSO session) say more.
    return /Could not load credentials from any providers|Could not resolve credentials using profile/.test(
      error.message,
    )
      ? new NoCredentialsError({ cause: error })
      : new AwsAccessError(`Unable to load credentials: ${error.message}`, { cause: error });
  }
  if (REJECTED_CREDENTIALS.has(error.name)) {
    return new CredentialsRejectedError(
      `An error occurred (${error.name}) when calling the ${operation} operation: ${error.message}`,
      { cause: error },
    );
  }
  const code = (error as { code?: unknown }).code;
  if ((typeof code === 'string' && NETWORK_CODES.has(code)) || error.name === 'TimeoutError') {
    return new AwsUnreachableError(`Could not connect to AWS for ${operation}: ${error.message}`, { cause: error });
  }
  return undefined;
}

/**
 * The error to report for a failed call to `service` (e.g. `IAM`), in the AWS CLI's words: an access
 * problem as {@link asAwsAccessError} words it, any other error of the service (`serviceException`, its
 * SDK base class) as one line, exit code 255; anything else unchanged.
 */
export function asServiceError(
  error: unknown,
  service: string,
  serviceException: abstract new (...args: never[]) => Error,
): unknown {
  const access = asAwsAccessError(error, service);
  if (access !== undefined) return access;
  if (error instanceof serviceException) {
    return new AwsAccessError(`An error occurred (${error.name}) calling ${service}: ${error.message}`, {
      cause: error,
    });
  }
  return error;
}
