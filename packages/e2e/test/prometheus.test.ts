// A real Prometheus (Debian's package) scraping a real example-api over loopback: the
// OpenMetrics form is negotiated and parsed, the shipped rules load and evaluate, the dashboard's
// queries run, and nothing went wrong in any scrape.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  dashboardQueries,
  metricNamesInPromQL,
  parsePrometheusText,
  startBulkServer,
  substituteGrafanaVariables,
  type BulkServer,
} from '@heapwise/testkit';
import { DROP_REASONS } from '@heapwise/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_CAPTURED_BYTES, cleanEnv, makeTempDir, repoRoot } from './helpers.js';

const PROMETHEUS = 'prometheus';
const JOB = 'example-api';
const SERVICE_MAIN = join(repoRoot, 'services', 'example-api', 'dist', 'main.js');
const OBSERVABILITY = join(repoRoot, 'packages', 'metrics', 'observability');
const START_TIMEOUT_MS = 30_000;
/** Up to this long for scrapes and rule evaluations (1 s apart) to show what the test drove. */
const SETTLE_TIMEOUT_MS = 30_000;

const prometheusMissing = (() => {
  const probe = spawnSync(PROMETHEUS, ['--version'], { encoding: 'utf8' });
  if (probe.error === undefined && probe.status === 0) return false;
  const reason = `${PROMETHEUS} --version failed (${probe.error?.message ?? probe.stderr}); apt-get install prometheus`;
  if (process.env.CI === 'true') throw new Error(`${reason}: required in CI`);
  console.warn(`skipping the Prometheus end-to-end test: ${reason}`);
  return true;
})();

interface Child {
  process: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

function start(command: string, args: string[], env: NodeJS.ProcessEnv): Child {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < MAX_CAPTURED_BYTES) output += chunk.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

async function stop(child: Child | undefined): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => child.process.kill('SIGKILL'), 10_000);
  await child.exited;
  clearTimeout(timer);
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Checks again every 200 ms until `check` holds (or throws); for set-up, where expect.poll is not available. */
async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let bulk: BulkServer;
let service: Child | undefined;
let serviceUrl: string;
let prometheus: Child | undefined;
let prometheusUrl: string;
const temp = makeTempDir('prometheus');

async function api<T>(path: string): Promise<T> {
  const response = await fetch(`${prometheusUrl}${path}`, { signal: AbortSignal.timeout(10_000) });
  const body = (await response.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${path}: ${response.status} ${body.error ?? JSON.stringify(body)}`);
  return body.data;
}

interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

function query(expr: string): Promise<VectorSample[]> {
  return api<{ resultType: string; result: VectorSample[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`).then(
    (data) => data.result,
  );
}

beforeAll(async () => {
  if (prometheusMissing) return;
  bulk = await startBulkServer();
  // The built service, as its `start` script runs it; the test profile's NODE_OPTIONS give --expose-gc.
  service = start(process.execPath, [SERVICE_MAIN], {
    ...cleanEnv(),
    PORT: '0',
    HOST: '127.0.0.1',
    ELASTICSEARCH_URL: bulk.url,
    ADMIN_TOKEN: '',
  });
  serviceUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`example-api did not start:\n${service!.output()}`)),
      START_TIMEOUT_MS,
    );
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(service!.output());
      if (match) {
        clearTimeout(timer);
        service!.process.stdout!.off('data', check);
        resolve(match[1]);
      }
    };
    service!.process.stdout!.on('data', check);
    void service!.exited.then((code) => reject(new Error(`example-api exited ${code}:\n${service!.output()}`)));
  });

  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  const config = [
    'global:',
    '  scrape_interval: 1s',
    '  scrape_timeout: 1s',
    '  evaluation_interval: 1s',
    'rule_files:',
    `  - ${JSON.stringify(join(OBSERVABILITY, 'prometheus', 'heapwise-rules.yml'))}`,
    'scrape_configs:',
    `  - job_name: ${JOB}`,
    '    static_configs:',
    `      - targets: [${JSON.stringify(new URL(serviceUrl).host)}]`,
    '',
  ].join('\n');
  writeFileSync(join(temp.dir, 'prometheus.yml'), config);
  prometheus = start(
    PROMETHEUS,
    [
      `--config.file=${join(temp.dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(temp.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--enable-feature=exemplar-storage',
      '--log.level=warn',
    ],
    cleanEnv(),
  );
  await until(
    async () => {
      if (prometheus!.process.exitCode !== null) throw new Error(`prometheus exited:\n${prometheus!.output()}`);
      return (
        (await fetch(`${prometheusUrl}/-/ready`).then(
          (r) => r.status,
          () => 0,
        )) === 200
      );
    },
    START_TIMEOUT_MS,
    'Prometheus to be ready',
  );

  // Traffic: work routes (some traced), unknown paths, a forced major GC (the live-set gauge
  // appears at the first major GC) and a manual cleanup (loopback, no token: allowed).
  for (let i = 0; i < 30; i++) {
    const traceId = (i + 1).toString(16).padStart(32, '0');
    await fetch(`${serviceUrl}/api/items?n=5`, { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await fetch(`${serviceUrl}/missing-${i}`);
  }
  expect((await fetch(`${serviceUrl}/api/monitoring/memory?gc=1`)).status).toBe(200);
  const cleanup = await fetch(`${serviceUrl}/api/monitoring/memory`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'cleanup' }),
  });
  expect(cleanup.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await stop(prometheus);
  await stop(service);
  await bulk?.close();
  temp.remove();
}, 30_000);

// Each test polls Prometheus for up to SETTLE_TIMEOUT_MS, so its own timeout must be longer than that.
describe.skipIf(prometheusMissing)(
  'a real Prometheus scraping example-api',
  { timeout: SETTLE_TIMEOUT_MS + 10_000 },
  () => {
    it('sees the target up, scraped without errors', async () => {
      await expect
        .poll(async () => (await query(`up{job="${JOB}"}`)).map((s) => s.value[1]), { timeout: SETTLE_TIMEOUT_MS })
        .toEqual(['1']);
      const targets = await api<{
        activeTargets: { labels: Record<string, string>; health: string; lastError: string }[];
      }>('/api/v1/targets');
      expect(targets.activeTargets).toHaveLength(1);
      expect(targets.activeTargets[0]).toMatchObject({ health: 'up', lastError: '' });
      // scrape health as Prometheus records it: no sample was refused
      const refused = await query(
        `scrape_samples_scraped{job="${JOB}"} - scrape_samples_post_metric_relabeling{job="${JOB}"}`,
      );
      expect(refused.map((s) => s.value[1])).toEqual(['0']);
    });

    it('scrapes the OpenMetrics form: _created series and exemplars exist only there', async () => {
      await expect
        .poll(async () => (await query(`http_requests_created{job="${JOB}",route="/api/items"}`)).length, {
          timeout: SETTLE_TIMEOUT_MS,
        })
        .toBeGreaterThan(0);
      const nowS = Date.now() / 1000;
      const exemplars = await api<
        { seriesLabels: Record<string, string>; exemplars: { labels: Record<string, string> }[] }[]
      >(
        `/api/v1/query_exemplars?query=${encodeURIComponent(`http_request_duration_seconds_bucket{job="${JOB}"}`)}` +
          `&start=${nowS - 600}&end=${nowS + 60}`,
      );
      const traceIds = exemplars.flatMap((series) => series.exemplars.map((e) => e.labels.trace_id));
      expect(traceIds.length).toBeGreaterThan(0);
      expect(traceIds.every((id) => /^0{30}[0-9a-f]{2}$/.test(id ?? ''))).toBe(true);
    });

    it('stores the live heap, the shipper and the overflow series', async () => {
      await expect
        .poll(async () => (await query(`nodejs_heap_used_after_major_gc_bytes{job="${JOB}"}`)).length, {
          timeout: SETTLE_TIMEOUT_MS,
        })
        .toBe(1);
      const dropReasons = (await query(`log_shipper_dropped_total{job="${JOB}"}`)).map((s) => s.metric.reason).sort();
      expect(dropReasons).toEqual([...DROP_REASONS].sort());
      await expect
        .poll(
          async () =>
            Number((await query(`log_shipper_records_total{job="${JOB}",outcome="shipped"}`))[0]?.value[1] ?? 0),
          {
            timeout: SETTLE_TIMEOUT_MS,
          },
        )
        .toBeGreaterThan(0);
      expect((await query(`log_shipper_buffer_capacity_records{job="${JOB}"}`)).length).toBe(1);
      const overflow = await query(`heapwise_metrics_overflow_total{job="${JOB}"}`);
      expect(overflow.map((s) => s.metric.metric)).toContain('http_requests_total');
      // unknown paths share one route label: no overflow, thirty 404s in one series
      expect(overflow.every((s) => s.value[1] === '0')).toBe(true);
      const unmatched = await query(`http_requests_total{job="${JOB}",route="unmatched"}`);
      expect(unmatched.map((s) => Number(s.value[1]))).toEqual([30]);
    });

    it('loads the shipped rules, evaluates them without errors, and records from real series', async () => {
      await expect
        .poll(async () => (await query(`instance:nodejs_heap_used_after_major_gc:ratio_limit{job="${JOB}"}`)).length, {
          timeout: SETTLE_TIMEOUT_MS,
        })
        .toBe(1);
      const ratio = Number(
        (await query(`instance:nodejs_heap_used_after_major_gc:ratio_limit{job="${JOB}"}`))[0].value[1],
      );
      expect(ratio).toBeGreaterThan(0);
      expect(ratio).toBeLessThan(1);
      const rules = await api<{
        groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[];
      }>('/api/v1/rules');
      expect(rules.groups.map((g) => g.name).sort()).toEqual(['heapwise-node.alerts', 'heapwise-node.recording']);
      const unhealthy = rules.groups.flatMap((g) => g.rules).filter((r) => r.health !== 'ok');
      expect(unhealthy).toEqual([]);
      const firing = await api<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts');
      expect(firing.alerts.filter((a) => a.state === 'firing')).toEqual([]);
    });

    it('runs every dashboard query, which reads only metrics the service exposes', async () => {
      const dashboardPath = join(OBSERVABILITY, 'grafana', 'heapwise-node.json');
      const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as Parameters<typeof dashboardQueries>[0];
      const exposed = new Set<string>();
      const withSamples = new Set<string>();
      const scrape = await (await fetch(`${serviceUrl}/metrics`)).text();
      for (const family of parsePrometheusText(scrape)) {
        exposed.add(family.name);
        if (family.metrics.length > 0) withSamples.add(family.name);
        if (family.type === 'HISTOGRAM') {
          for (const suffix of ['_bucket', '_sum', '_count']) exposed.add(family.name + suffix);
        }
      }
      // This machine's cgroup may set no memory limit; the gauge then has no sample, by design.
      const absentWithoutLimit = withSamples.has('process_cgroup_memory_limit_bytes')
        ? []
        : ['process_cgroup_memory_limit_bytes'];
      // increase() over the counter that appeared with the cleanup needs two of its samples
      await expect
        .poll(
          async () =>
            Number(
              (await query(`count_over_time(heapwise_memory_monitor_cleanups_total{job="${JOB}"}[1m])`))[0]?.value[1] ??
                0,
            ),
          { timeout: SETTLE_TIMEOUT_MS },
        )
        .toBeGreaterThanOrEqual(2);
      const queries = dashboardQueries(dashboard);
      const missing = new Set(queries.flatMap((q) => metricNamesInPromQL(q.expr)).filter((name) => !exposed.has(name)));
      expect([...missing]).toEqual([]);
      const empty: string[] = [];
      for (const q of queries) {
        const expr = substituteGrafanaVariables(q.expr.replaceAll('$job', JOB), '1m');
        const result = await query(expr); // throws on a query Prometheus cannot parse or run
        if (result.length === 0) empty.push(`${q.panelTitle} ${q.refId}: ${q.expr}`);
      }
      // only the container-limit query may be empty (no limit here); everything else has data
      expect(empty.filter((line) => !absentWithoutLimit.some((name) => line.includes(name)))).toEqual([]);
    }, 60_000);
  },
);
