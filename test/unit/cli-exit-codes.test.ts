/** cli/exit-codes.ts: which error means which exit code. */
import { describe, expect, it } from 'vitest';
import {
  AwsUnreachableError,
  NoCredentialsError,
  NoRegionError,
  ProfileNotFoundError,
  UsageError,
} from '../../cli/errors.js';
import { EXIT, exitCodeFor } from '../../cli/exit-codes.js';

describe('exitCodeFor', () => {
  it.each([
    [new UsageError('bad'), EXIT.usage],
    [new NoCredentialsError(), EXIT.aws],
    [new ProfileNotFoundError('x'), EXIT.aws],
    [new NoRegionError(), EXIT.aws],
    [new AwsUnreachableError('down'), EXIT.aws],
    [new Error('anything else'), EXIT.failed],
  ])('maps %s to %i', (error, code) => {
    // Prepare: the error. Act
    const result = exitCodeFor(error);

    // Assess
    expect(result).toBe(code);
  });

  it("uses the AWS CLI codes, 0, 1, 2 and 255, and the shell's for a signal: 128 + SIGINT, 128 + SIGPIPE", () => {
    // Prepare, Act: the constants. Assess
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2, interrupted: 130, closedPipe: 141, aws: 255 });
  });
});
