import { Readable } from 'node:stream';
import { GetRoleCommand, IAMClient, LimitExceededException } from '@aws-sdk/client-iam';
import { HttpResponse } from '@smithy/core/protocols';
import { describe, expect, it } from 'vitest';
import { iamFailureOf, iamRetryStrategy } from '../../core/iam/client.js';

/** A request handler that answers every request with one IAM error, and counts the requests. */
function answering(status: number, code: string) {
  const handler = {
    requests: 0,
    async handle() {
      handler.requests++;
      const body = `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>test</Message></Error><RequestId>r</RequestId></ErrorResponse>`;
      return {
        response: new HttpResponse({
          statusCode: status,
          headers: { 'content-type': 'text/xml' },
          body: Readable.from([body]),
        }),
      };
    },
  };
  return handler;
}

const clientWith = (handler: ReturnType<typeof answering>) =>
  new IAMClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    maxAttempts: 2,
    retryStrategy: iamRetryStrategy({ mode: 'standard', maxAttempts: 2 }),
    requestHandler: handler,
  });

describe('iamRetryStrategy', () => {
  it('never retries LimitExceeded, which IAM answers for a full profile or account, not for throttling', async () => {
    // Prepare
    const handler = answering(409, 'LimitExceeded');

    // Act
    const error = await clientWith(handler)
      .send(new GetRoleCommand({ RoleName: 'r' }))
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(LimitExceededException);
    expect(handler.requests).toBe(1);
    expect((error as LimitExceededException).$metadata.attempts).toBe(1);
  });

  it('still retries throttling as the SDK does', async () => {
    // Prepare
    const handler = answering(400, 'Throttling');

    // Act
    const error = await clientWith(handler)
      .send(new GetRoleCommand({ RoleName: 'r' }))
      .catch((e: unknown) => e);

    // Assess
    expect((error as Error).name).toBe('Throttling');
    expect(handler.requests).toBe(2);
  });
});

describe('iamFailureOf', () => {
  it.each([
    [400, 'Throttling', { reason: 'throttled', detail: 'Throttling after 2 attempts' }],
    [500, 'ServiceFailure', { reason: 'iam-unavailable', detail: 'ServiceFailureException after 2 attempts' }],
    [503, 'ServiceUnavailable', { reason: 'iam-unavailable', detail: 'ServiceUnavailable after 2 attempts' }],
    [409, 'LimitExceeded', undefined],
    [403, 'AccessDenied', undefined],
    [404, 'NoSuchEntity', undefined],
  ])('reads an HTTP %i %s the SDK gave up on as %o', async (status, code, failure) => {
    // Prepare
    const handler = answering(status, code);

    // Act
    const error = await clientWith(handler)
      .send(new GetRoleCommand({ RoleName: 'r' }))
      .catch((e: unknown) => e);

    // Assess
    expect(iamFailureOf(error)).toEqual(failure);
  });

  it('reads a dropped connection as IAM unavailable, and anything that is not an error as nothing', () => {
    // Prepare
    const reset = Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' });

    // Act
    const failures = [iamFailureOf(reset), iamFailureOf('boom'), iamFailureOf(new TypeError('a bug'))];

    // Assess
    expect(failures).toEqual([{ reason: 'iam-unavailable', detail: 'TimeoutError' }, undefined, undefined]);
  });
});
