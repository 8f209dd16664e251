import { mulberry32 } from '@heapwise/testkit';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUCKETS, createRegistry } from '../src/index.js';
import { family, goFloat, histogramSamples } from './helpers.js';

describe('histogram exposition', () => {
  it('keeps the invariants: cumulative buckets, le="+Inf" == _count, exact _sum and per-bucket counts', async () => {
    const registry = createRegistry();
    const buckets = [0.01, 0.1, 0.5, 1, 5];
    const histogram = registry.histogram({ name: 'work_seconds', help: 'x', labelNames: ['route', 'method'], buckets });
    const random = mulberry32(42);
    const observed = new Map<string, number[]>();
    for (let i = 0; i < 5000; i++) {
      const route = `/r${Math.floor(random() * 7)}`;
      const method = random() < 0.5 ? 'GET' : 'POST';
      const value = random() < 0.05 ? 10 + random() * 100 : random() * 2;
      histogram.observe({ route, method }, value);
      const key = JSON.stringify([route, method]);
      observed.set(key, [...(observed.get(key) ?? []), value]);
    }
    const samples = histogramSamples(await registry.metrics(), 'work_seconds');
    const leOrder = [...buckets.map(String), '+Inf'];
    let series = 0;
    for (const [key, values] of observed) {
      const [route, method] = JSON.parse(key) as [string, string];
      const mine = samples.filter((s) => s.labels.route === route && s.labels.method === method);
      const bucketSamples = mine.filter((s) => s.name === 'work_seconds_bucket');
      expect(bucketSamples.map((s) => s.labels.le)).toEqual(leOrder);
      for (let i = 0; i < bucketSamples.length; i++) {
        const le = goFloat(bucketSamples[i].labels.le);
        expect(bucketSamples[i].value).toBe(values.filter((v) => v <= le).length);
        if (i > 0) expect(bucketSamples[i].value).toBeGreaterThanOrEqual(bucketSamples[i - 1].value);
      }
      const count = mine.find((s) => s.name === 'work_seconds_count')!.value;
      const sum = mine.find((s) => s.name === 'work_seconds_sum')!.value;
      expect(bucketSamples.at(-1)!.value).toBe(count);
      expect(count).toBe(values.length);
      expect(sum).toBeCloseTo(
        values.reduce((a, b) => a + b, 0),
        6,
      );
      series++;
    }
    expect(series).toBe(14);
    await registry.destroy();
  });

  it('parses as a histogram family when unlabelled, with default buckets', async () => {
    const registry = createRegistry();
    const histogram = registry.histogram({ name: 'plain_seconds', help: 'Plain.' });
    histogram.observe(0.003);
    histogram.observe(0.2);
    histogram.observe(20);
    const parsed = family(await registry.metrics(), 'plain_seconds');
    expect(parsed.type).toBe('HISTOGRAM');
    const metric = parsed.metrics[0];
    // (object keys: integer-like ones come first, so compare as sets)
    expect(new Set(Object.keys(metric.buckets!))).toEqual(new Set([...DEFAULT_BUCKETS.map(String), '+Inf']));
    expect(metric.buckets!['0.005']).toBe('1');
    expect(metric.buckets!['0.25']).toBe('2');
    expect(metric.buckets!['10']).toBe('2');
    expect(metric.buckets!['+Inf']).toBe('3');
    expect(metric.count).toBe('3');
    expect(goFloat(metric.sum)).toBeCloseTo(20.203, 9);
    await registry.destroy();
  });

  it('counts a value equal to a bound in that bucket, and NaN only in +Inf', async () => {
    const registry = createRegistry();
    const histogram = registry.histogram({ name: 'edge', help: 'x', buckets: [1, 2] });
    histogram.observe(1);
    histogram.observe(-5);
    histogram.observe(Infinity);
    histogram.observe(NaN);
    const text = await registry.metrics();
    expect(text).toContain('edge_bucket{le="1"} 2\n');
    expect(text).toContain('edge_bucket{le="2"} 2\n');
    expect(text).toContain('edge_bucket{le="+Inf"} 4\n');
    expect(text).toContain('edge_sum NaN\n');
    expect(text).toContain('edge_count 4\n');
    await registry.destroy();
  });

  it('writes 0 for unlabelled counters and histograms before any update, nothing for unset gauges', async () => {
    const registry = createRegistry();
    registry.histogram({ name: 'never', help: 'x', buckets: [1] });
    registry.counter({ name: 'never_counted_total', help: 'x' });
    registry.gauge({ name: 'never_set', help: 'x' });
    const text = await registry.metrics();
    expect(text).toContain(
      '# TYPE never histogram\nnever_bucket{le="1"} 0\nnever_bucket{le="+Inf"} 0\nnever_sum 0\nnever_count 0\n',
    );
    expect(text).toContain('# TYPE never_counted_total counter\nnever_counted_total 0\n');
    // a gauge that was never set has no value to report: HELP and TYPE only
    expect(text).toContain('# TYPE never_set gauge\n# HELP');
    await registry.destroy();
  });

  it('times with startTimer() and bound startTimer()', async () => {
    const registry = createRegistry();
    const histogram = registry.histogram({ name: 'timed_seconds', help: 'x', labelNames: ['op'] });
    const end = histogram.startTimer({ op: 'a' });
    const seconds = end();
    expect(seconds).toBeGreaterThanOrEqual(0);
    histogram.labels({ op: 'b' }).startTimer()();
    const samples = histogramSamples(await registry.metrics(), 'timed_seconds');
    expect(samples.filter((s) => s.name === 'timed_seconds_count').map((s) => [s.labels.op, s.value])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    await registry.destroy();
  });
});
