// Prometheus text exposition format 0.0.4: escaping and number syntax.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const LABEL_VALUE_NEEDS_ESCAPE = /[\\"\n]/;
const HELP_NEEDS_ESCAPE = /[\\\n]/;

/** Label values: `\` first (so later escapes are not doubled), then `"` and newline. */
export function escapeLabelValue(value: string): string {
  if (!LABEL_VALUE_NEEDS_ESCAPE.test(value)) return value; // common case: no allocation
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: only `\` and newline are escaped (quotes are literal there). */
export function escapeHelp(help: string): string {
  if (!HELP_NEEDS_ESCAPE.test(help)) return help;
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Go float syntax as Prometheus parses it: `+Inf`, `-Inf`, `NaN`; JS exponent form is valid Go. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return 'NaN';
}
