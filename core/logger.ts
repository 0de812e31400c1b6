import { Logger } from '@aws-lambda-powertools/logger';

/** The service name on every log line and metric. */
export const SERVICE_NAME = 'auto-instance-profile';

/**
 * The service's one Powertools Logger: JSON lines, level from POWERTOOLS_LOG_LEVEL (or Lambda's
 * AWS_LAMBDA_LOG_LEVEL), default INFO.
 */
export function createLogger(): Logger {
  return new Logger({ serviceName: SERVICE_NAME });
}
