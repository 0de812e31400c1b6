/** cli/errors.ts: an SDK failure that means "cannot reach AWS as you", told from any other. */
import { describe, expect, it } from 'vitest';
import {
  AwsUnreachableError,
  asAwsAccessError,
  CredentialsRejectedError,
  NoCredentialsError,
} from '../../cli/errors.js';

function sdkError(name: string, message: string, code?: string): Error {
  return Object.assign(new Error(message), { name, ...(code === undefined ? {} : { code }) });
}

describe('asAwsAccessError', () => {
  it('turns an empty credential chain into the AWS CLI line', () => {
    // Prepare
    const error = sdkError('CredentialsProviderError', 'Could not load credentials from any providers');

    // Act
    const result = asAwsAccessError(error, 'GetCallerIdentity');

    // Assess
    expect(result).toBeInstanceOf(NoCredentialsError);
    expect(result?.message).toBe(
      'Unable to locate credentials. You can configure credentials by running "aws configure".',
    );
  });

  it('names rejected credentials and unreachable endpoints, and leaves other errors alone', () => {
    // Prepare
    const rejected = sdkError('InvalidClientTokenId', 'The security token included in the request is invalid.');
    const refused = sdkError('Error', 'connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED');
    const denied = sdkError('AccessDenied', 'not allowed');

    // Act
    const results = [rejected, refused, denied].map((error) => asAwsAccessError(error, 'DescribeTrails'));

    // Assess
    expect(results[0]).toBeInstanceOf(CredentialsRejectedError);
    expect(results[0]?.message).toBe(
      'An error occurred (InvalidClientTokenId) when calling the DescribeTrails operation: The security token included in the request is invalid.',
    );
    expect(results[1]).toBeInstanceOf(AwsUnreachableError);
    expect(results[2]).toBeUndefined();
  });
});
