import { AutoInstanceProfileError } from '../core/errors.js';

/** The local sandbox could not set up or run a part of the pipeline. */
export class SandboxError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SandboxError';
  }
}
