import { AutoInstanceProfileError } from '../core/errors.js';

/** The command line is wrong: an unknown command or option, or a bad value. Exit code 2. */
export class UsageError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** `Name: message` for an error (the SDK's names say what went wrong: AccessDenied, CredentialsProviderError …). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.name === 'Error' ? error.message : `${error.name}: ${error.message}`;
  return String(error);
}
