/**
 * The one base class for errors this project raises itself. Every subclass sets `name`
 * and keeps the original error as `cause`, so logs show both what we decided and why.
 */
export class AutoInstanceProfileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AutoInstanceProfileError';
  }
}

/** The environment holds a setting we cannot use. Raised once, at cold start. */
export class ConfigError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/**
 * A record that is not a supported event: not JSON, another source, an event name we do not
 * handle, or no role name. It is never retried into success, so it belongs in the DLQ.
 */
export class UnsupportedEventError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnsupportedEventError';
  }
}

/**
 * The work cannot finish now but may later (for example IAM's eventual consistency).
 * The handler turns it into a batch item failure so SQS redelivers the record.
 */
export class RetryableError extends AutoInstanceProfileError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}
