import { spawnSync } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { toolMissing } from './tool.js';
import {
  MAX_EXEMPLAR_LABEL_CHARS,
  OPENMETRICS_CONTENT_TYPE,
  createMetricsHandler,
  createRegistry,
  negotiateFormat,
  type Registry,
} from '../src/index.js';

/** What Prometheus 2.42 sends when it scrapes (scrape.go, acceptHeader). */
const PROMETHEUS_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,' +
  'text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

// Debian's python3-prometheus-client: the Prometheus project's parsers for both forms.
const PYTHON = '/usr/bin/python3';
const PARSER = fileURLToPath(new URL('./parse-exposition.py', import.meta.url));
const parserMissing = toolMissing(
  PYTHON,
  ['-c', 'import prometheus_client'],
  'apt-get install python3-prometheus-client',
);

interface ParsedSample {
  name: string;
  labels: Record<string, string>;
  value: number | string;
  exemplar: { labels: Record<string, string>; value: number; timestamp: number | null } | null;
}
interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: ParsedSample[];
}

function parseWithPython(format: 'openmetrics' | 'prometheus', text: string): ParsedFamily[] {
  const result = spawnSync(PYTHON, [PARSER, format], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`the ${format} parser refused the exposition:\n${result.stderr}\n${text}`);
  return JSON.parse(result.stdout) as ParsedFamily[];
}

const T0_MS = 1_700_000_000_250;

function sampleRegistry(): Registry {
  let nowMs = T0_MS;
  const registry = createRegistry({ now: () => (nowMs += 1000) });
  const requests = registry.counter({
    name: 'http_requests_total',
    help: 'Requests, "quoted" help \\ with a backslash.',
    labelNames: ['route', 'status'],
  });
  requests.inc({ route: '/a', status: '200' }, 2, { trace_id: 'abc123' });
  requests.inc({ route: 'quo"te\\new\nline', status: '500' });
  registry.counter({ name: 'legacy_count', help: 'A counter without the _total suffix.' }).inc(3);
  registry.gauge({ name: 'temperature_celsius', help: 'A gauge.' }).set(-4.5);
  const latency = registry.histogram({
    name: 'latency_seconds',
    help: 'A histogram.',
    labelNames: ['route'],
    buckets: [0.1, 1],
  });
  latency.observe({ route: '/a' }, 0.05, { trace_id: 'fast' });
  latency.observe({ route: '/a' }, 0.5, { trace_id: 'slow', span_id: 's1' });
  latency.observe({ route: '/a' }, 7);
  return registry;
}

describe('negotiateFormat', () => {
  it.each([
    [PROMETHEUS_ACCEPT, 'openmetrics'],
    ['application/openmetrics-text', 'openmetrics'],
    ['application/openmetrics-text; version="1.0.0"; charset=utf-8', 'openmetrics'],
    [undefined, 'prometheus'],
    ['', 'prometheus'],
    ['text/plain', 'prometheus'],
    ['text/plain;version=0.0.4', 'prometheus'],
    ['*/*', 'prometheus'],
    ['application/json', 'prometheus'],
    ['application/openmetrics-text;version=2.0.0', 'prometheus'],
    ['application/openmetrics-text;q=0.5,text/plain;q=0.9', 'prometheus'],
    ['text/plain;q=0.5,application/openmetrics-text;q=0.9', 'openmetrics'],
    ['application/openmetrics-text;q=0', 'prometheus'],
    [';;,,=;q=x', 'prometheus'],
  ])('%s → %s', (accept, format) => {
    expect(negotiateFormat(accept)).toBe(format);
  });
});

describe('OpenMetrics 1.0 text', () => {
  it('follows the naming rules: counter families without _total, _total and _created samples, # EOF', async () => {
    const registry = sampleRegistry();
    const text = await registry.metrics('openmetrics');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.match(/^# EOF$/gm)).toHaveLength(1);
    expect(text).toContain('# TYPE http_requests counter\n# HELP http_requests Requests, \\"quoted\\" help \\\\ with');
    // the injected clock advances 1 s per reading: the series was created, then the exemplar taken
    expect(text).toContain('http_requests_total{route="/a",status="200"} 2 # {trace_id="abc123"} 2 1700000002.25\n');
    expect(text).toContain('http_requests_created{route="/a",status="200"} 1700000001.25\n');
    expect(text).toContain('# TYPE legacy_count counter\n');
    expect(text).toContain('legacy_count_total 3\n');
    expect(text).toContain('latency_seconds_created{route="/a"} ');
    expect(text).toContain('# TYPE heapwise_metrics_overflow counter\n');
    await registry.destroy();
  });

  it.skipIf(parserMissing)('parses with the Prometheus Python client, values and exemplars intact', async () => {
    const registry = sampleRegistry();
    const families = parseWithPython('openmetrics', await registry.metrics('openmetrics'));
    const byName = new Map(families.map((f) => [f.name, f]));
    const requests = byName.get('http_requests')!;
    expect(requests.type).toBe('counter');
    expect(requests.help).toBe('Requests, "quoted" help \\ with a backslash.');
    const total = requests.samples.find((s) => s.name === 'http_requests_total' && s.labels.route === '/a')!;
    expect(total.value).toBe(2);
    expect(total.exemplar?.labels).toEqual({ trace_id: 'abc123' });
    expect(total.exemplar?.value).toBe(2);
    expect(typeof total.exemplar?.timestamp).toBe('number');
    const hostile = requests.samples.find((s) => s.name === 'http_requests_total' && s.labels.status === '500')!;
    expect(hostile.labels.route).toBe('quo"te\\new\nline');
    expect(requests.samples.filter((s) => s.name === 'http_requests_created')).toHaveLength(2);
    expect(byName.get('legacy_count')!.samples[0]).toMatchObject({ name: 'legacy_count_total', value: 3 });
    expect(byName.get('temperature_celsius')!.samples[0].value).toBe(-4.5);

    const latency = byName.get('latency_seconds')!;
    expect(latency.type).toBe('histogram');
    const bucket = (le: string) =>
      latency.samples.find((s) => s.name === 'latency_seconds_bucket' && s.labels.le === le)!;
    expect(bucket('0.1')).toMatchObject({ value: 1, exemplar: { labels: { trace_id: 'fast' }, value: 0.05 } });
    expect(bucket('1')).toMatchObject({
      value: 2,
      exemplar: { labels: { trace_id: 'slow', span_id: 's1' }, value: 0.5 },
    });
    expect(bucket('+Inf')).toMatchObject({ value: 3, exemplar: null });
    expect(latency.samples.find((s) => s.name === 'latency_seconds_sum')!.value).toBe(7.55);
    // the registry's own families parse too
    expect(byName.get('heapwise_metrics_overflow')!.type).toBe('counter');
    await registry.destroy();
  });

  it.skipIf(parserMissing)(
    'and the 0.0.4 form of the same registry parses to the same values, without exemplars',
    async () => {
      const registry = sampleRegistry();
      const text = await registry.metrics();
      expect(text).not.toContain('# EOF');
      expect(text).not.toContain('trace_id');
      expect(text).not.toContain('_created');
      const families = parseWithPython('prometheus', text);
      const byName = new Map(families.map((f) => [f.name, f]));
      // the Python client names counter families without _total in both forms
      expect(byName.get('http_requests')!.samples.find((s) => s.labels.route === '/a')!.value).toBe(2);
      expect(byName.get('legacy_count')!.samples[0].value).toBe(3);
      const latency = byName.get('latency_seconds')!;
      expect(latency.samples.find((s) => s.name === 'latency_seconds_count')!.value).toBe(3);
      await registry.destroy();
    },
  );
});

describe('exemplars are bounded', () => {
  it(`keeps the latest per series, drops (and counts) one over ${MAX_EXEMPLAR_LABEL_CHARS} characters`, async () => {
    const registry = createRegistry({ now: () => 1_000_000 });
    const counter = registry.counter({ name: 'ex_total', help: 'x', labelNames: ['a'] });
    for (let i = 0; i < 1000; i++) counter.inc({ a: 'x' }, 1, { trace_id: `t${i}` });
    counter.inc({ a: 'x' }, 1, { trace_id: 'y'.repeat(MAX_EXEMPLAR_LABEL_CHARS) }); // 8 + 128 > 128: dropped
    counter.inc({ a: 'x' }, 1, { t: 'é'.repeat(MAX_EXEMPLAR_LABEL_CHARS - 1) }); // exactly 128 code points: kept
    counter.labels({ a: 'x' }).inc(1, { trace_id: 'z'.repeat(200) });
    const text = await registry.metrics('openmetrics');
    expect(text).toContain(`ex_total{a="x"} 1003 # {t="${'é'.repeat(MAX_EXEMPLAR_LABEL_CHARS - 1)}"} 1 1000\n`);
    expect(text.match(/ # \{/g)).toHaveLength(1);
    expect(text).toContain('heapwise_metrics_exemplars_dropped_total 2\n');
    expect(() => counter.inc({ a: 'x' }, 1, { 'bad-name': 'v' })).toThrow(/invalid exemplar label name/);
    expect(() => counter.inc({ a: 'x' }, 1, { id: 5 as unknown as string })).toThrow(/must be a string/);
    await registry.destroy();
  });

  it('a histogram keeps at most one per bucket', async () => {
    const registry = createRegistry({ now: () => 2_000_000 });
    const histogram = registry.histogram({ name: 'h_seconds', help: 'x', buckets: [1, 2] });
    const bound = histogram.labels({});
    for (let i = 0; i < 500; i++) bound.observe(i % 4, { id: String(i) }); // 0, 1 | 2 | 3 (+Inf)
    const text = await registry.metrics('openmetrics');
    expect(text.match(/ # \{/g)).toHaveLength(3);
    expect(text).toContain('h_seconds_bucket{le="1"} 250 # {id="497"} 1 2000\n');
    expect(text).toContain('h_seconds_bucket{le="+Inf"} 500 # {id="499"} 3 2000\n');
    await registry.destroy();
  });
});

describe('registration', () => {
  it('refuses names that would collide in OpenMetrics only', () => {
    const registry = createRegistry();
    registry.counter({ name: 'jobs_total', help: 'x' });
    expect(() => registry.gauge({ name: 'jobs', help: 'x' })).toThrow(/already written by jobs_total/);
    expect(() => registry.gauge({ name: 'jobs_created', help: 'x' })).toThrow(/already written/);
    registry.histogram({ name: 'wait_seconds', help: 'x' });
    expect(() => registry.gauge({ name: 'wait_seconds_created', help: 'x' })).toThrow(/already written/);
    expect(() => registry.gauge({ name: 'heapwise_metrics_overflow', help: 'x' })).toThrow(/reserved/);
  });

  it('a reset restarts _created', async () => {
    let nowMs = 5000;
    const registry = createRegistry({ now: () => nowMs });
    const counter = registry.counter({ name: 'r_total', help: 'x', labelNames: ['a'] });
    counter.inc({ a: '1' });
    expect(await registry.metrics('openmetrics')).toContain('r_created{a="1"} 5\n');
    registry.reset();
    nowMs = 9000;
    counter.inc({ a: '1' });
    expect(await registry.metrics('openmetrics')).toContain('r_created{a="1"} 9\n');
    await registry.destroy();
  });
});

describe('the HTTP handler negotiates', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  function get(port: number, accept?: string): Promise<{ type: string; vary: string; body: string }> {
    return new Promise((resolve, reject) => {
      const headers = accept === undefined ? {} : { accept };
      const req = request({ host: '127.0.0.1', port, path: '/metrics', headers, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () =>
          resolve({ type: String(res.headers['content-type']), vary: String(res.headers.vary), body }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  }

  it("OpenMetrics for Prometheus's Accept header, 0.0.4 for none", async () => {
    const registry = sampleRegistry();
    const server = createServer(createMetricsHandler(registry));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const openMetrics = await get(port, PROMETHEUS_ACCEPT);
    expect(openMetrics.type).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(openMetrics.vary).toBe('Accept');
    expect(openMetrics.body.endsWith('# EOF\n')).toBe(true);
    const plain = await get(port);
    expect(plain.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.body).not.toContain('# EOF');
    await registry.destroy();
  });
});
