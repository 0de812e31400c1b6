/**
 * The one base class for errors this project raises itself. Every subclass names itself with one line,
 * `override name = '…'` (a field, because the bundles are minified and class names do not survive), and
 * passes the original error as `{ cause }`, so logs show both what we decided and why.
 */
export class AutoInstanceProfileError extends Error {
  override name = 'AutoInstanceProfileError';
}

/** The environment holds a setting we cannot use. Raised once, at cold start. */
export class ConfigError extends AutoInstanceProfileError {
  override name = 'ConfigError';
}

/**
 * A record that is not a supported event: not JSON, another source, an event name we do not
 * handle, or no role name. It is never retried into success, so it belongs in the DLQ.
 */
export class UnsupportedEventError extends AutoInstanceProfileError {
  override name = 'UnsupportedEventError';
}
