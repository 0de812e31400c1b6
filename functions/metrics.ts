/**
 * The functions' metrics wiring, in one place: Powertools Metrics (EMF on stdout) under the service's
 * namespace, and the views of it the code records through: the remediator's {@link Counter} (one per
 * decision), the reconcile pass's {@link Gauge} (one value per pass).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from '../core/logger.js';
import { type Counter, METRICS_NAMESPACE } from '../core/observability.js';

/** Records one value of a named metric, e.g. the roles a pass scanned. */
export interface Gauge<Name extends string = string> {
  record(metric: Name, value: number): void;
}

/** Powertools Metrics, and the {@link Counter} and {@link Gauge} views of it. */
export function createMetrics(): { readonly metrics: Metrics; readonly counter: Counter; readonly gauge: Gauge } {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
  const counter: Counter = {
    count(metric, dimensions) {
      // Every count also goes into the total under `service` alone: alarms cannot add up a SEARCH over reasons.
      metrics.addMetric(metric, MetricUnit.Count, 1);
      if (dimensions === undefined) return;
      // A dimensioned count goes out on its own, so its dimension does not leak onto the batch's other metrics.
      const single = metrics.singleMetric();
      single.addDimensions({ ...dimensions });
      single.addMetric(metric, MetricUnit.Count, 1);
    },
  };
  // A zero is not emitted: each series costs by the hour it receives data, and a covered account's daily pass is all
  // zeros; missing data reads as zero, and the pass's log line keeps every count.
  const gauge: Gauge = {
    record: (metric, value) => {
      if (value !== 0) metrics.addMetric(metric, MetricUnit.Count, value);
    },
  };
  return { metrics, counter, gauge };
}
