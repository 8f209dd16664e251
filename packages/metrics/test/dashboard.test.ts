// The Grafana dashboard: import-ready structure, every query parses (promtool), and every metric
// it reads is one this package's registry exposes. The log shipper's metrics come from the
// service that exports them; packages/e2e checks the whole dashboard against a running
// example-api and a real Prometheus.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  dashboardQueries,
  metricNamesInPromQL,
  parsePrometheusText,
  substituteGrafanaVariables,
} from '@heapwise/testkit';
import { describe, expect, it } from 'vitest';
import { collectRuntimeMetrics, createMemoryMonitor, createRegistry } from '../src/index.js';
import { toolMissing } from './tool.js';

const DASHBOARD_FILE = fileURLToPath(new URL('../observability/grafana/heapwise-node.json', import.meta.url));
const promtoolMissing = toolMissing('promtool', ['--version'], 'apt-get install prometheus');

interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
}

const dashboard = JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; datasource?: { uid: string } }[] };
};

describe('the Grafana dashboard', () => {
  it('is import-ready: a uid, the data source as a variable, nothing bound to one server', () => {
    expect(dashboard.uid).toBe('heapwise-node');
    const variables = new Map(dashboard.templating.list.map((v) => [v.name, v]));
    expect(variables.get('datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(variables.get('job')?.datasource?.uid).toBe('${datasource}');
    expect(variables.get('instance')?.datasource?.uid).toBe('${datasource}');
    const uids = [...JSON.stringify(dashboard).matchAll(/"uid":\s*"([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(uids)).toEqual(new Set(['heapwise-node', '${datasource}']));
  });

  it('has panels with unique ids that do not overlap on the 24-column grid', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cells = new Set<string>();
    for (const panel of dashboard.panels) {
      const { x, y, w, h } = panel.gridPos;
      expect(x + w, panel.title).toBeLessThanOrEqual(24);
      for (let col = x; col < x + w; col++) {
        for (let row = y; row < y + h; row++) {
          const cell = `${col},${row}`;
          expect(cells.has(cell), `${panel.title} overlaps at ${cell}`).toBe(false);
          cells.add(cell);
        }
      }
      if (panel.type === 'row') continue;
      expect(panel.datasource?.uid, panel.title).toBe('${datasource}');
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      const refIds = panel.targets!.map((t) => t.refId);
      expect(new Set(refIds).size, panel.title).toBe(refIds.length);
      for (const target of panel.targets!) {
        expect(target.datasource?.uid).toBe('${datasource}');
        // every selector is narrowed to the chosen job and instance
        for (const selector of target.expr.matchAll(/[a-z_:]+\{([^}]*)\}/g)) {
          expect(selector[1], target.expr).toContain('job=~"$job",instance=~"$instance"');
        }
      }
    }
    const titles = dashboard.panels.map((p) => p.title);
    for (const wanted of [
      'Heap vs limit',
      'Live heap after GC and its slope',
      'RSS vs container limit',
      'GC time',
      'Event loop',
      'Log shipping',
      'Log drops and retries',
      'Overflow series in use',
    ]) {
      expect(titles).toContain(wanted);
    }
  });

  it('reads only metrics that runtime metrics and a memory monitor expose (log shipper aside)', async () => {
    const registry = createRegistry();
    const runtime = collectRuntimeMetrics(registry, {
      // a cgroup with a limit, so that its gauge is exposed here too
      cgroup: { cgroupRoot: fixtureCgroup(), selfCgroupFile: join(fixtureCgroupRoot!, 'self') },
    });
    registry.counter({ name: 'labelled_total', help: 'x', labelNames: ['a'] }); // self families per metric
    const monitor = createMemoryMonitor({ registry, autoStart: false, env: {} });
    try {
      const exposed = new Set<string>();
      for (const family of parsePrometheusText(await registry.metrics())) {
        exposed.add(family.name);
        if (family.type === 'HISTOGRAM')
          for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(family.name + suffix);
      }
      const read = new Set(dashboardQueries(dashboard).flatMap((q) => metricNamesInPromQL(q.expr)));
      const missing = [...read].filter((name) => !name.startsWith('log_shipper_') && !exposed.has(name));
      expect(missing).toEqual([]);
      expect([...read].filter((name) => name.startsWith('log_shipper_')).length).toBeGreaterThan(0);
    } finally {
      await monitor.stop();
      await runtime.stop();
      await registry.destroy();
      rmSync(fixtureCgroupRoot!, { recursive: true, force: true });
    }
  });

  it.skipIf(promtoolMissing)('has queries that parse (promtool check rules)', () => {
    const queries = dashboardQueries(dashboard);
    expect(queries.length).toBeGreaterThan(10);
    const dir = mkdtempSync(join(tmpdir(), 'heapwise-dashboard-'));
    try {
      const rules = queries
        .map(
          (q, i) =>
            `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(substituteGrafanaVariables(q.expr))}`,
        )
        .join('\n');
      writeFileSync(join(dir, 'queries.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules}\n`);
      const result = spawnSync('promtool', ['check', 'rules', join(dir, 'queries.yml')], { encoding: 'utf8' });
      expect(result.status, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toContain(`SUCCESS: ${queries.length} rules found`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

let fixtureCgroupRoot: string | undefined;
function fixtureCgroup(): string {
  fixtureCgroupRoot = mkdtempSync(join(tmpdir(), 'heapwise-cgroup-'));
  writeFileSync(join(fixtureCgroupRoot, 'memory.max'), String(512 * 1024 * 1024));
  writeFileSync(join(fixtureCgroupRoot, 'memory.current'), '1');
  writeFileSync(join(fixtureCgroupRoot, 'self'), '0::/\n');
  return fixtureCgroupRoot;
}
