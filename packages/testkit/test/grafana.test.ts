import { describe, expect, it } from 'vitest';
import { dashboardQueries, metricNamesInPromQL, substituteGrafanaVariables } from '../src/index.js';

describe('metricNamesInPromQL', () => {
  it.each([
    ['up', ['up']],
    ['nodejs_heap_used_bytes{job=~"$job",instance=~"a|b"}', ['nodejs_heap_used_bytes']],
    ['deriv(nodejs_heap_used_after_major_gc_bytes{job="x"}[30m])', ['nodejs_heap_used_after_major_gc_bytes']],
    [
      'sum by (instance, kind) (rate(nodejs_gc_duration_seconds_sum{a="sum(x)"}[$__rate_interval]))',
      ['nodejs_gc_duration_seconds_sum'],
    ],
    ['a_bytes / on(job, instance) group_left(kind) b_bytes > bool 0.5', ['a_bytes', 'b_bytes']],
    ['max_over_time(x[5m:1m]) offset 1h and y or z unless w', ['w', 'x', 'y', 'z']],
    ['1e6 * rate(c_total[5m]) + 0.5', ['c_total']],
    ['histogram_quantile(0.99, sum by (le) (rate(h_bucket[5m])))', ['h_bucket']],
    ['time() - process_start_time_seconds', ['process_start_time_seconds']],
    ['sum without (stat) (nodejs_eventloop_delay_seconds)', ['nodejs_eventloop_delay_seconds']],
    ['colon:recorded:rule', ['colon:recorded:rule']],
  ])('%s → %j', (expr, names) => {
    expect(metricNamesInPromQL(expr)).toEqual(names);
  });
});

describe('dashboardQueries', () => {
  it('collects every target of every panel, rows included, and substitutes variables', () => {
    const dashboard = {
      panels: [
        {
          id: 1,
          title: 'row',
          type: 'row',
          panels: [{ id: 2, title: 'in row', type: 'timeseries', targets: [{ refId: 'A', expr: 'a' }] }],
        },
        { id: 3, title: 'top', type: 'timeseries', targets: [{ refId: 'A', expr: 'b' }, { refId: 'B' }] },
      ],
    };
    expect(dashboardQueries(dashboard).map((q) => `${q.panelId}${q.refId}:${q.expr}`)).toEqual(['2A:a', '3A:b']);
    expect(substituteGrafanaVariables('rate(x{job=~"$job",i=~"${instance}"}[$__rate_interval])')).toBe(
      'rate(x{job=~".*",i=~".*"}[1m])',
    );
  });
});
