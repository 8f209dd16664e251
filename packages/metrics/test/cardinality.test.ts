import { setTimeout as sleep } from 'node:timers/promises';
import { measureHeapSlope } from '@heapwise/lifecycle/testing';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_SERIES, OVERFLOW_LABEL_VALUE, createRegistry } from '../src/index.js';
import { family, goFloat, histogramSamples } from './helpers.js';

describe('series cap and overflow series', () => {
  it('keeps 100k distinct label values to cap + 1 series with exact totals', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'requests_total', help: 'x', labelNames: ['user', 'route'] });
    const increments = 100_000;
    for (let i = 0; i < increments; i++) counter.inc({ user: `user-${i}`, route: '/a' });
    const text = await registry.metrics();
    const samples = family(text, 'requests_total').metrics;
    expect(DEFAULT_MAX_SERIES).toBe(1000);
    expect(samples.length).toBe(DEFAULT_MAX_SERIES + 1);
    expect(samples.reduce((sum, s) => sum + goFloat(s.value), 0)).toBe(increments);
    const overflow = samples.filter((s) => s.labels?.user === OVERFLOW_LABEL_VALUE);
    expect(overflow).toEqual([
      { labels: { user: '__overflow__', route: '__overflow__' }, value: String(increments - 1000) },
    ]);
    expect(family(text, 'heapwise_metrics_overflow_total').metrics).toEqual([
      { labels: { metric: 'requests_total' }, value: String(increments - 1000) },
    ]);
    expect(family(text, 'heapwise_metrics_series').metrics).toEqual([
      { labels: { metric: 'requests_total' }, value: '1000' },
    ]);
    // existing series keep counting after the cap is reached
    counter.inc({ user: 'user-0', route: '/a' }, 5);
    expect(counter.get({ user: 'user-0', route: '/a' })).toBe(6);
    await registry.destroy();
  });

  it('caps histograms per metric (maxSeries) with exact counts and sums', async () => {
    const registry = createRegistry();
    const histogram = registry.histogram({
      name: 'latency_seconds',
      help: 'x',
      labelNames: ['id'],
      buckets: [0.5, 1],
      maxSeries: 50,
    });
    const observations = 10_000;
    for (let i = 0; i < observations; i++) histogram.observe({ id: String(i) }, (i % 4) / 2);
    const samples = histogramSamples(await registry.metrics(), 'latency_seconds');
    const counts = samples.filter((s) => s.name === 'latency_seconds_count');
    expect(counts).toHaveLength(51);
    expect(counts.reduce((sum, s) => sum + s.value, 0)).toBe(observations);
    const sums = samples.filter((s) => s.name === 'latency_seconds_sum');
    expect(sums.reduce((sum, s) => sum + s.value, 0)).toBe((observations / 4) * (0 + 0.5 + 1 + 1.5));
    expect(counts.find((s) => s.labels.id === '__overflow__')!.value).toBe(observations - 50);
    expect(histogram.overflowObservations).toBe(observations - 50);
    await registry.destroy();
  });

  it('routes a label set made only of the overflow value to the overflow series (never a duplicate)', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'o_total', help: 'x', labelNames: ['a'], maxSeries: 1 });
    counter.inc({ a: OVERFLOW_LABEL_VALUE });
    counter.inc({ a: 'x' });
    counter.inc({ a: 'y' });
    const samples = family(await registry.metrics(), 'o_total').metrics;
    expect(samples).toEqual([
      { labels: { a: 'x' }, value: '1' },
      { labels: { a: '__overflow__' }, value: '2' },
    ]);
    await registry.destroy();
  });

  it('stays flat in memory past the cap', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'flat_total', help: 'x', labelNames: ['id'], maxSeries: 100 });
    const slope = await measureHeapSlope((i) => counter.inc({ id: `id-${i}` }), {
      warmup: 200,
      iterations: 100_000,
      samples: 10,
    });
    // a stored series costs hundreds of bytes; past the cap nothing is stored
    console.log(
      `past the cap: ${slope.bytesPerIteration.toFixed(2)} ± ${slope.stdError.toFixed(2)} bytes per new label value`,
    );
    expect(slope.bytesPerIteration).toBeLessThan(8);
    expect(counter.seriesCount).toBe(100);
    await registry.destroy();
  }, 60_000);
});

describe('series keys', () => {
  it('never collide, whatever the label values contain', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'k_total', help: 'x', labelNames: ['a', 'b'] });
    counter.inc({ a: 'x,b:y' });
    counter.inc({ a: 'x', b: 'y' });
    counter.inc({ a: 'x,b=y' });
    counter.inc({ a: 'x', b: '' });
    counter.inc({ a: '', b: 'x' });
    counter.inc({ a: 'x\u0000', b: 'y' });
    counter.inc({ a: 'x', b: '\u0000y' });
    counter.inc({ a: 'x|', b: 'y' });
    counter.inc({ a: 'x', b: '|y' });
    const samples = family(await registry.metrics(), 'k_total').metrics;
    expect(samples).toHaveLength(9);
    expect(samples.every((s) => s.value === '1')).toBe(true);
    expect(counter.get({ a: 'x,b:y' })).toBe(1);
    expect(counter.get({ a: 'x', b: 'y' })).toBe(1);
    await registry.destroy();
  });

  it('treats numbers and their string form as the same label value', () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'n_total', help: 'x', labelNames: ['code'] });
    counter.inc({ code: 200 });
    counter.inc({ code: '200' });
    expect(counter.seriesCount).toBe(1);
    expect(counter.get({ code: 200 })).toBe(2);
  });
});

describe('pre-bound children', () => {
  it('count into the same series as inc(labels), and survive reset()', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'bound_total', help: 'x', labelNames: ['route'] });
    const gauge = registry.gauge({ name: 'bound_gauge', help: 'x', labelNames: ['route'] });
    const histogram = registry.histogram({ name: 'bound_seconds', help: 'x', labelNames: ['route'], buckets: [1] });
    const child = counter.labels({ route: '/a' });
    child.inc();
    child.inc(2);
    counter.inc({ route: '/a' });
    expect(counter.get({ route: '/a' })).toBe(4);
    gauge.labels({ route: '/a' }).set(5);
    gauge.labels({ route: '/a' }).dec(2);
    expect(gauge.get({ route: '/a' })).toBe(3);
    histogram.labels({ route: '/a' }).observe(0.5);
    registry.reset();
    expect(counter.get({ route: '/a' })).toBe(0);
    child.inc();
    expect(counter.get({ route: '/a' })).toBe(1);
    expect(counter.seriesCount).toBe(1);
    await registry.destroy();
  });
});

describe('idle expiry', () => {
  it('drops series idle for a whole sweep period and frees room under the cap', async () => {
    const registry = createRegistry();
    const counter = registry.counter({
      name: 'idle_total',
      help: 'x',
      labelNames: ['id'],
      maxSeries: 2,
      idleExpiryMs: 60_000,
    });
    const child = counter.labels({ id: 'a' });
    child.inc();
    counter.inc({ id: 'b' });
    counter.inc({ id: 'c' }); // over the cap
    expect(counter.overflowObservations).toBe(1);
    counter.sweep(); // everything was touched: marks only
    counter.inc({ id: 'b' });
    expect(counter.sweep()).toBe(1); // a was idle for a whole period
    expect(counter.seriesCount).toBe(1);
    expect(counter.expiredSeries).toBe(1);
    counter.inc({ id: 'd' }); // room again under the cap
    expect(counter.get({ id: 'd' })).toBe(1);
    child.inc(); // the bound child re-resolves: its series is back (cap 2 now full: b, d → overflow)
    const text = await registry.metrics();
    expect(family(text, 'heapwise_metrics_expired_series_total').metrics[0].value).toBe('1');
    expect(counter.overflowObservations).toBe(2);
    await registry.destroy();
  });

  it('runs the sweep on its own timer, and destroy() stops it', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'timer_total', help: 'x', labelNames: ['id'], idleExpiryMs: 1000 });
    counter.inc({ id: 'a' });
    const deadline = Date.now() + 8000;
    while (counter.seriesCount > 0 && Date.now() < deadline) await sleep(100);
    expect(counter.seriesCount).toBe(0);
    await registry.destroy();
  }, 15_000);
});
