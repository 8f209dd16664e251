// Metric and label name validation (Prometheus data model).

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function validateMetricName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || !METRIC_NAME.test(name)) {
    throw new TypeError(`invalid metric name ${JSON.stringify(name)}: must match ${METRIC_NAME.source}`);
  }
}

/** Label names: Prometheus syntax, `__` prefix reserved, `le` reserved for histograms, no duplicates. */
export function validateLabelNames(
  metricName: string,
  labelNames: readonly unknown[],
  reserved: readonly string[],
): string[] {
  const seen = new Set<string>();
  for (const label of labelNames) {
    if (typeof label !== 'string' || !LABEL_NAME.test(label)) {
      throw new TypeError(
        `metric ${metricName}: invalid label name ${JSON.stringify(label)}: must match ${LABEL_NAME.source}`,
      );
    }
    if (label.startsWith('__')) {
      throw new TypeError(`metric ${metricName}: label name ${label} is reserved (prefix "__")`);
    }
    if (reserved.includes(label)) {
      throw new TypeError(`metric ${metricName}: label name ${label} is reserved for this metric type`);
    }
    if (seen.has(label)) {
      throw new TypeError(`metric ${metricName}: duplicate label name ${label}`);
    }
    seen.add(label);
  }
  return [...seen];
}
