import { AutoInstanceProfileError } from '../core/errors.js';

/** The command line is wrong: an unknown command or option, or a bad value. Exit code 2. */
export class UsageError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}
