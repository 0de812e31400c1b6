import { AutoInstanceProfileError } from '../core/errors.js';

/** A part of the local emulation (moto, the proxy, the pipeline, the bundle runner) could not do its job. */
export class EmulatorError extends AutoInstanceProfileError {
  override name = 'EmulatorError';
}

/** The bundle did not answer within the function's timeout, as Lambda would time it out. */
export class LambdaTimeoutError extends AutoInstanceProfileError {
  override name = 'LambdaTimeoutError';
}
