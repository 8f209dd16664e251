// Exemplars (OpenMetrics): a label set such as a trace id attached to one counter increment or
// one histogram observation, written after the sample in the OpenMetrics form only. A series
// keeps the latest one (a histogram: the latest per bucket), so their memory is bounded by the
// series cap times the buckets.
import { escapeLabelValue, formatSeconds, formatValue } from './text-format.js';

export type ExemplarLabels = Readonly<Record<string, string>>;

export interface Exemplar {
  /** Rendered once when attached: `{trace_id="abc"}`. */
  readonly labels: string;
  readonly value: number;
  readonly timestampMs: number;
}

/**
 * OpenMetrics' limit: the label names and values of one exemplar together hold at most 128
 * UTF-8 characters (code points). A longer exemplar is dropped and counted in
 * `heapwise_metrics_exemplars_dropped_total`; the observation itself still counts.
 */
export const MAX_EXEMPLAR_LABEL_CHARS = 128;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * `{a="x",b="y"}`, or undefined when the exemplar is over the length limit. A malformed one
 * (bad label name, non-string value) is a programming error and throws.
 */
export function renderExemplarLabels(metricName: string, labels: ExemplarLabels): string | undefined {
  if (labels === null || typeof labels !== 'object') {
    throw new TypeError(`metric ${metricName}: exemplar labels must be an object of strings`);
  }
  let chars = 0;
  let out = '{';
  for (const name of Object.keys(labels)) {
    const value = labels[name];
    if (!LABEL_NAME.test(name)) {
      throw new TypeError(`metric ${metricName}: invalid exemplar label name ${JSON.stringify(name)}`);
    }
    if (typeof value !== 'string') {
      throw new TypeError(`metric ${metricName}: exemplar label ${name} must be a string`);
    }
    chars += name.length + codePoints(value);
    if (chars > MAX_EXEMPLAR_LABEL_CHARS) return undefined;
    if (out.length > 1) out += ',';
    out += `${name}="${escapeLabelValue(value)}"`;
  }
  return `${out}}`;
}

/** ` # {trace_id="abc"} 0.25 1700000000.123` */
export function formatExemplar(exemplar: Exemplar): string {
  return ` # ${exemplar.labels} ${formatValue(exemplar.value)} ${formatSeconds(exemplar.timestampMs)}`;
}
