import { createRequire } from 'node:module';

/** One sample set of a family, as `parse-prometheus-text-format` returns it (values stay text). */
export interface PrometheusMetric {
  value?: string;
  labels?: Record<string, string>;
  /** Histograms: upper bound (`le`) → cumulative count. */
  buckets?: Record<string, string>;
  /** Summaries: quantile → value. */
  quantiles?: Record<string, string>;
  count?: string;
  sum?: string;
}

export interface PrometheusFamily {
  name: string;
  /** Empty when the exposition has no HELP line. */
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: PrometheusMetric[];
}

// The parser ships no types; this is the one place that states its output shape, so every test
// that reads an exposition agrees on it. An independent parser checks our writer better than ours.
const parse = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => PrometheusFamily[];

/** Parses Prometheus text exposition format with a parser nobody here wrote. */
export function parsePrometheusText(text: string): PrometheusFamily[] {
  return parse(text);
}
