import { Readable } from 'node:stream';
import { GetRoleCommand, IAMClient, LimitExceededException } from '@aws-sdk/client-iam';
import { HttpResponse } from '@smithy/core/protocols';
import { describe, expect, it } from 'vitest';
import { iamRetryStrategy } from '../../core/iam/client.js';

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
