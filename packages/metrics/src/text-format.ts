// Exposition formats: Prometheus text 0.0.4 and OpenMetrics 1.0 text — escaping, number syntax,
// content types and the family/sample naming rules that differ between the two.
// https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
// https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

export function contentTypeOf(format: ExpositionFormat): string {
  return format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE;
}

const LABEL_VALUE_NEEDS_ESCAPE = /[\\"\n]/;
const HELP_NEEDS_ESCAPE = /[\\\n]/;
const OPENMETRICS_HELP_NEEDS_ESCAPE = /[\\"\n]/;

/** Label values: `\` first (so later escapes are not doubled), then `"` and newline. */
export function escapeLabelValue(value: string): string {
  if (!LABEL_VALUE_NEEDS_ESCAPE.test(value)) return value; // common case: no allocation
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text in 0.0.4: only `\` and newline are escaped (quotes are literal there). */
export function escapeHelp(help: string): string {
  if (!HELP_NEEDS_ESCAPE.test(help)) return help;
  return help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** HELP text in OpenMetrics: an escaped string, so `"` is escaped too. */
function escapeOpenMetricsHelp(help: string): string {
  if (!OPENMETRICS_HELP_NEEDS_ESCAPE.test(help)) return help;
  return escapeLabelValue(help);
}

/** Go float syntax as Prometheus parses it: `+Inf`, `-Inf`, `NaN`; JS exponent form is valid Go. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return 'NaN';
}

/** A timestamp in seconds (OpenMetrics `_created` and exemplar timestamps) from milliseconds. */
export function formatSeconds(ms: number): string {
  return formatValue(ms / 1000);
}

/**
 * OpenMetrics names a counter's family without `_total` and writes its sample as `<family>_total`
 * (and `<family>_created`); a counter registered as `x_total` is family `x` there, one registered
 * as `x` is written `x_total` (as Prometheus's client libraries do), so name counters `*_total`.
 */
export function counterFamilyName(name: string): string {
  return name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
}

export function familyHeader(format: ExpositionFormat, family: string, type: string, help: string): string {
  return format === 'openmetrics'
    ? `# TYPE ${family} ${type}\n# HELP ${family} ${escapeOpenMetricsHelp(help)}\n`
    : `# HELP ${family} ${escapeHelp(help)}\n# TYPE ${family} ${type}\n`;
}

/** The last line of every OpenMetrics exposition. */
export const OPENMETRICS_EOF = '# EOF\n';
