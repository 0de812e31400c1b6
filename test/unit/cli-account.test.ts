/** cli/account.ts: opening an account for the commands that act on its IAM, before and around any AWS call. */
import { PassThrough } from 'node:stream';
import { IAMServiceException } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { asIamError, ask, configFrom, confirmationPolicy } from '../../cli/account.js';
import type { CliIo } from '../../cli/command.js';
import { AwsAccessError, UsageError } from '../../cli/errors.js';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.js';
import { DEFAULT_CONFIG } from '../../core/config.js';
import { cliIo } from '../support/cli-io.js';

const io = (stdin?: CliIo['stdin']) => cliIo(stdin === undefined ? {} : { stdin });

function terminal(input: string | undefined): PassThrough & { isTTY: boolean } {
  const stream = Object.assign(new PassThrough(), { isTTY: true });
  if (input === undefined) stream.end();
  else stream.write(input);
  return stream;
}

describe('configFrom', () => {
  it('keeps the stack’s default exclusions unless --exclude-path is given', () => {
    // Act
    const config = configFrom(undefined);

    // Assess
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('reads the SDK’s retry variables as the functions do, and nothing else of theirs', () => {
    // Act
    const config = configFrom(undefined, { AWS_MAX_ATTEMPTS: '5', AWS_RETRY_MODE: 'adaptive', DRY_RUN: 'true' });

    // Assess
    expect(config).toEqual({ ...DEFAULT_CONFIG, iamRetry: { mode: 'adaptive', maxAttempts: 5 } });
  });

  it('takes repeated and comma-separated paths, and "" for none', () => {
    // Act
    const many = configFrom(['/a/,/b/', '/c/']);
    const none = configFrom(['']);

    // Assess
    expect(many.excludedPathPrefixes).toEqual(['/a/', '/b/', '/c/']);
    expect(none.excludedPathPrefixes).toEqual([]);
  });

  it('calls a path that does not start with / a usage error', () => {
    // Act
    const parse = () => configFrom(['teams/']);

    // Assess
    expect(parse).toThrow(
      new UsageError(
        '--exclude-path entries must be paths that start with "/", at most 512 characters, without commas or whitespace, not "teams/"',
      ),
    );
  });
});

describe('confirmation', () => {
  it('needs no question with --yes, asks on a terminal, and refuses (exit 2) anywhere else', () => {
    // Act
    const policies = [confirmationPolicy(true, io(), 'fix'), confirmationPolicy(false, io(terminal('')), 'fix')];
    const piped = () => confirmationPolicy(false, io(), 'fix');

    // Assess
    expect(policies).toEqual(['yes', 'ask']);
    expect(piped).toThrow(UsageError);
  });

  it.each([
    ['y\n', true],
    ['YES\n', true],
    ['n\n', false],
    ['\n', false],
    [undefined, false],
  ])('takes %j as %s', async (input, agreed) => {
    // Prepare
    const cli = io(terminal(input));

    // Act
    const answer = await ask(cli, 'Create 2 instance profiles?');

    // Assess
    expect(answer).toBe(agreed);
    expect(cli.err()).toBe('Create 2 instance profiles? [y/N] ');
  });
});

describe('asIamError', () => {
  it('makes an IAM error answer one line with exit code 255', () => {
    // Prepare
    const denied = new IAMServiceException({
      name: 'AccessDenied',
      $fault: 'client',
      $metadata: {},
      message: 'User: alice is not authorized to perform: iam:GetAccountAuthorizationDetails',
    });

    // Act
    const error = asIamError(denied);

    // Assess
    expect(error).toBeInstanceOf(AwsAccessError);
    expect((error as Error).message).toBe(
      'An error occurred (AccessDenied) calling IAM: User: alice is not authorized to perform: iam:GetAccountAuthorizationDetails',
    );
    expect(exitCodeFor(error)).toBe(EXIT.aws);
  });

  it('leaves our own errors as they are', () => {
    // Prepare
    const ours = new Error('a bug');

    // Act
    const error = asIamError(ours);

    // Assess
    expect(error).toBe(ours);
  });
});
