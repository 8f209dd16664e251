import { describe, expect, it } from 'vitest';
import { PROMETHEUS_CONTENT_TYPE, createRegistry, formatValue } from '../src/index.js';
import { family, goFloat, parse } from './helpers.js';

const HOSTILE_VALUES = [
  'plain',
  'quote"d',
  'back\\slash',
  'trailing\\',
  '\\"',
  '\\n (a backslash and an n)',
  'new\nline',
  '\nleading newline',
  'com,ma',
  'pi|pe',
  'x="y",z="w"',
  '}{',
  'unicode ünïcødé 日本語 🚀',
  'tab\there',
  'carriage\rreturn',
  ' spaced ',
  '=',
  '',
];

describe('Prometheus text exposition', () => {
  it('uses the 0.0.4 content type', () => {
    const registry = createRegistry();
    expect(registry.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(PROMETHEUS_CONTENT_TYPE).toBe(registry.contentType);
  });

  it('round-trips hostile label values through an independent parser', async () => {
    const registry = createRegistry();
    const counter = registry.counter({
      name: 'hostile_total',
      help: 'Hostile label values.',
      labelNames: ['path', 'other'],
    });
    HOSTILE_VALUES.forEach((value, i) =>
      counter.inc({ path: value, other: HOSTILE_VALUES[HOSTILE_VALUES.length - 1 - i] }, i + 1),
    );
    const text = await registry.metrics();
    const parsed = family(text, 'hostile_total');
    expect(parsed.type).toBe('COUNTER');
    expect(parsed.metrics).toHaveLength(HOSTILE_VALUES.length);
    HOSTILE_VALUES.forEach((value, i) => {
      const match = parsed.metrics.filter((m) => m.labels?.path === value);
      expect(match, JSON.stringify(value)).toHaveLength(1);
      expect(match[0].labels!.other).toBe(HOSTILE_VALUES[HOSTILE_VALUES.length - 1 - i]);
      expect(goFloat(match[0].value)).toBe(i + 1);
    });
    await registry.destroy();
  });

  it('escapes label values backslash first, then quote and newline', async () => {
    const registry = createRegistry();
    registry.gauge({ name: 'escaped', help: 'x', labelNames: ['v'] }).set({ v: 'a\\"b\nc' }, 1);
    expect(await registry.metrics()).toContain('escaped{v="a\\\\\\"b\\nc"} 1\n');
    await registry.destroy();
  });

  it('escapes HELP (backslash and newline) and round-trips it', async () => {
    const registry = createRegistry();
    const help = 'Help with a \\ backslash,\na newline, "quotes" and ünïcødé';
    registry.counter({ name: 'help_total', help });
    const text = await registry.metrics();
    expect(text).toContain('# HELP help_total Help with a \\\\ backslash,\\na newline, "quotes" and ünïcødé\n');
    expect(family(text, 'help_total').help).toBe(help);
    await registry.destroy();
  });

  it('round-trips values in Go float syntax', async () => {
    const values = [0, 1, -1, 0.1, 1 / 3, 1e21, 1e-7, 2 ** 53, -2.5e-300, Number.MAX_VALUE, Infinity, -Infinity, NaN];
    const registry = createRegistry();
    const gauge = registry.gauge({ name: 'values', help: 'Values.', labelNames: ['i'] });
    values.forEach((v, i) => gauge.set({ i: String(i) }, v));
    const text = await registry.metrics();
    expect(text).toContain('values{i="10"} +Inf\n');
    expect(text).toContain('values{i="11"} -Inf\n');
    expect(text).toContain('values{i="12"} NaN\n');
    for (const sample of family(text, 'values').metrics) {
      expect(Object.is(goFloat(sample.value), values[Number(sample.labels!.i)])).toBe(true);
    }
    expect([formatValue(Infinity), formatValue(-Infinity), formatValue(NaN), formatValue(-0)]).toEqual([
      '+Inf',
      '-Inf',
      'NaN',
      '0',
    ]);
    await registry.destroy();
  });

  it('writes one HELP and one TYPE per family, whatever the number of series', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'a_total', help: 'a', labelNames: ['k'] });
    const histogram = registry.histogram({ name: 'b_seconds', help: 'b', labelNames: ['k'], buckets: [1] });
    registry.gauge({ name: 'c', help: 'c' }).set(3);
    for (let i = 0; i < 20; i++) {
      counter.inc({ k: `v${i}` });
      histogram.observe({ k: `v${i}` }, i);
    }
    const text = await registry.metrics();
    for (const name of ['a_total', 'b_seconds', 'c']) {
      expect(text.split('\n').filter((l) => l.startsWith(`# HELP ${name} `))).toHaveLength(1);
      expect(text.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `))).toHaveLength(1);
    }
    const names = parse(text).map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    await registry.destroy();
  });

  it('rejects invalid metric and label names', () => {
    const registry = createRegistry();
    for (const name of ['', '1abc', 'a-b', 'a b', 'ü', 'a{b}']) {
      expect(() => registry.counter({ name, help: 'x' }), name).toThrow(/invalid metric name/);
    }
    for (const label of ['', '1a', 'a-b', 'a:b', 'ü']) {
      expect(() => registry.counter({ name: 'ok_total', help: 'x', labelNames: [label] }), label).toThrow(
        /invalid label name/,
      );
    }
    expect(() => registry.counter({ name: 'ok_total', help: 'x', labelNames: ['__name'] })).toThrow(/reserved/);
    expect(() => registry.counter({ name: 'ok_total', help: 'x', labelNames: ['a', 'a'] })).toThrow(/duplicate/);
    expect(() => registry.histogram({ name: 'ok_seconds', help: 'x', labelNames: ['le'] })).toThrow(/reserved/);
    expect(() => registry.counter({ name: 'ok_total', help: 42 as unknown as string })).toThrow(/help/);
  });

  it('rejects a second family that would write the same sample names', () => {
    const registry = createRegistry();
    registry.histogram({ name: 'latency', help: 'x' });
    expect(() => registry.counter({ name: 'latency', help: 'x' })).toThrow(/already registered/);
    expect(() => registry.counter({ name: 'latency_count', help: 'x' })).toThrow(/already written by latency/);
    expect(() => registry.gauge({ name: 'heapwise_metrics_series', help: 'x' })).toThrow(/already written/);
    registry.remove('latency');
    expect(() => registry.counter({ name: 'latency_count', help: 'x' })).not.toThrow();
  });

  it('rejects unknown labels, negative increments and bad buckets', () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'c_total', help: 'x', labelNames: ['a'] });
    expect(() => counter.inc({ a: 'x', b: 'y' } as never)).toThrow(/unknown label "b"/);
    expect(() => counter.inc({ a: 'x' }, -1)).toThrow(/non-negative/);
    expect(() => counter.inc(NaN)).toThrow(/non-negative/);
    expect(() => counter.labels({ a: 'x' }).inc(-1)).toThrow(/non-negative/);
    const gauge = registry.gauge({ name: 'g', help: 'x', labelNames: ['a'] });
    expect(() => (gauge.set as unknown as (labels: object) => void)({ a: 'x' })).toThrow(/must be a number/);
    expect(() => registry.histogram({ name: 'h0', help: 'x' }).observe('1' as unknown as number)).toThrow(
      /labels object or a number/,
    );
    expect(() => counter.inc('5' as unknown as number)).toThrow(/labels object or a number/);
    expect(() => gauge.set(null as unknown as number)).toThrow(/labels object or a number/);
    expect(() => registry.histogram({ name: 'h1', help: 'x', buckets: [1, 1] })).toThrow(/strictly increasing/);
    expect(() => registry.histogram({ name: 'h2', help: 'x', buckets: [2, 1] })).toThrow(/strictly increasing/);
    expect(() => registry.histogram({ name: 'h3', help: 'x', buckets: [NaN] })).toThrow(/finite/);
    expect(() =>
      registry.histogram({ name: 'h4', help: 'x', buckets: Array.from({ length: 65 }, (_, i) => i) }),
    ).toThrow(/at most 64/);
    expect(() => registry.counter({ name: 'm_total', help: 'x', maxSeries: 0 })).toThrow(/maxSeries/);
    expect(() => registry.counter({ name: 'm_total', help: 'x', idleExpiryMs: 10 })).toThrow(/idleExpiryMs/);
  });

  it('treats a missing label and an empty one alike (Prometheus does)', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'e_total', help: 'x', labelNames: ['a', 'b'] });
    counter.inc({ a: 'x' });
    counter.inc({ a: 'x', b: '' });
    counter.inc({ a: 'x', b: undefined });
    expect(family(await registry.metrics(), 'e_total').metrics).toEqual([{ labels: { a: 'x', b: '' }, value: '3' }]);
    await registry.destroy();
  });

  it('yields to the event loop while scraping 10k series', async () => {
    const registry = createRegistry({ defaultMaxSeries: 20_000 });
    const counter = registry.counter({ name: 'many_total', help: 'x', labelNames: ['id'] });
    for (let i = 0; i < 10_000; i++) counter.inc({ id: String(i) });
    let turns = 0;
    let done = false;
    const spin = (): void => {
      if (done) return;
      turns++;
      setImmediate(spin);
    };
    setImmediate(spin);
    const text = await registry.metrics();
    done = true;
    // 10 000 samples at 1000 per chunk: the loop gets a turn between chunks
    expect(turns).toBeGreaterThanOrEqual(9);
    expect(family(text, 'many_total').metrics).toHaveLength(10_000);
    await registry.destroy();
  });

  it('returns an empty exposition and ignores updates after destroy(), which is idempotent', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'd_total', help: 'x' });
    const bound = registry.counter({ name: 'b_total', help: 'x', labelNames: ['a'] }).labels({ a: '1' });
    const first = registry.destroy();
    expect(registry.destroy()).toBe(first);
    await first;
    counter.inc();
    bound.inc();
    expect(await registry.metrics()).toBe('');
    expect(() => registry.counter({ name: 'later_total', help: 'x' })).toThrow(/destroyed/);
    expect(() => registry.reset()).not.toThrow();
  });
});
