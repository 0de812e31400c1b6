import { AutoInstanceProfileError } from '../core/errors.js';

/** The local sandbox could not set up or run a part of the pipeline. */
export class SandboxError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxError';
  }
}

/** The remediator bundle did not answer within the function's timeout, as Lambda would time it out. */
export class LambdaTimeoutError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'LambdaTimeoutError';
  }
}
