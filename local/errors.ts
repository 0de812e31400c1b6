import { AutoInstanceProfileError } from '../core/errors.js';

/** The local sandbox could not set up or run a part of the pipeline. */
export class SandboxError extends AutoInstanceProfileError {
  override name = 'SandboxError';
}
