// Queries of a Grafana dashboard and the metric names a PromQL expression reads, so that tests
// can check a dashboard against what a registry really exposes.
//
// The name extraction is a tokenizer, not a PromQL parser: it drops strings, label matchers,
// ranges and grouping clauses, then keeps identifiers that are not functions, aggregations or
// keywords. Tests also run every query through Prometheus itself, which parses it for real.

export interface DashboardQuery {
  panelId: number;
  panelTitle: string;
  refId: string;
  expr: string;
}

interface Panel {
  id: number;
  title: string;
  type: string;
  targets?: { refId: string; expr?: string }[];
  panels?: Panel[];
}

/** Every `expr` of every panel (rows' nested panels included). */
export function dashboardQueries(dashboard: { panels?: Panel[] }): DashboardQuery[] {
  const queries: DashboardQuery[] = [];
  const visit = (panels: Panel[]) => {
    for (const panel of panels) {
      for (const target of panel.targets ?? []) {
        if (typeof target.expr === 'string') {
          queries.push({ panelId: panel.id, panelTitle: panel.title, refId: target.refId, expr: target.expr });
        }
      }
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels ?? []);
  return queries;
}

/** Grafana's template variables replaced by values Prometheus accepts. */
export function substituteGrafanaVariables(expr: string, rangeInterval = '1m'): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, rangeInterval).replace(/\$\{?\w+\}?/g, '.*');
}

const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'and',
  'or',
  'unless',
  'offset',
  'inf',
  'nan',
]);

/** Metric names an expression selects (a sorted, de-duplicated list). */
export function metricNamesInPromQL(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges and subqueries
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' '); // label lists
  const names = new Set<string>();
  const identifier = /[a-zA-Z_:][a-zA-Z0-9_:]*/g;
  for (const match of stripped.matchAll(identifier)) {
    const name = match[0];
    const after = stripped.slice(match.index + name.length).trimStart();
    if (after.startsWith('(')) continue; // a function or an aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    if (/^\d/.test(name)) continue;
    // a number's exponent (1e6) or a duration suffix would be preceded by a digit
    const before = stripped[match.index - 1];
    if (before !== undefined && /[0-9.]/.test(before)) continue;
    names.add(name);
  }
  return [...names].sort();
}
