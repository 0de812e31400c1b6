/**
 * The narrow logging and metrics types the core depends on. Powertools' Logger and our metrics
 * adapter satisfy them; tests pass plain fakes.
 */

/** Structured attributes of a log line. */
export type LogAttributes = Record<string, unknown>;

/** The part of a logger the core uses. */
export interface Log {
  debug(message: string, attributes: LogAttributes): void;
  info(message: string, attributes: LogAttributes): void;
  warn(message: string, attributes: LogAttributes): void;
  error(message: string, attributes: LogAttributes): void;
}

/** The CloudWatch namespace of the service's metrics: the function publishes to it, the dashboard reads it. */
export const METRICS_NAMESPACE = 'AutoInstanceProfile';

/** The metric names the service emits, all counts. */
export type MetricName =
  | 'EventsReceived'
  | 'EventsIgnored'
  | 'ProfilesCreated'
  | 'ProfilesAdopted'
  | 'ProfilesReleased'
  | 'ProfilesDeleted'
  | 'Skipped'
  | 'Conflicts'
  | 'Retries'
  | 'QuotaExceeded'
  | 'QuotaHeadroomReached'
  | 'RecordsRefused'
  | 'Errors';

/** The part of a metrics client the core uses: count one occurrence, optionally under a dimension. */
export interface Counter {
  count(metric: MetricName, dimensions?: Readonly<Record<string, string>>): void;
}

/** A counter that records nothing, for callers that do not emit metrics. */
export const NO_METRICS: Counter = { count: () => {} };
