import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { SERVICE_NAME } from '../../core/logger.js';
import { type Counter, METRICS_NAMESPACE } from '../../core/observability.js';

/** Powertools Metrics (EMF on stdout), and the {@link Counter} view of it the core uses. */
export function createMetrics(): { readonly metrics: Metrics; readonly counter: Counter } {
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
  return { metrics, counter };
}
