import { describe, expect, it } from 'vitest';
import { median, mulberry32, parsePrometheusText } from '../src/index.js';

describe('mulberry32', () => {
  it('repeats for the same seed and differs for another', () => {
    const draw = (seed: number) => Array.from({ length: 5 }, mulberry32(seed));
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('keeps the sequence that recorded fixtures and seeded failures were made with', () => {
    // Pinned first outputs for seed 1 (× 2^32): a change to the arithmetic changes every generated
    // monorepo and every seeded fail-items run, so it must show here first.
    const random = mulberry32(1);
    expect([random(), random(), random()].map((x) => x * 4294967296)).toEqual([2693262067, 11749833, 2265367787]);
  });

  it('stays in [0, 1) and spreads evenly', () => {
    const random = mulberry32(7);
    const bins = [0, 0, 0, 0];
    let outside = 0;
    for (let i = 0; i < 40_000; i += 1) {
      const x = random();
      if (x < 0 || x >= 1) outside += 1;
      else bins[Math.floor(x * 4)] += 1;
    }
    expect(outside).toBe(0);
    for (const count of bins) expect(Math.abs(count - 10_000)).toBeLessThan(400);
  });
});

describe('median', () => {
  it('takes the middle of an odd count and the mean of the two middles of an even one', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([5])).toBe(5);
  });

  it('does not reorder its input, and is NaN for nothing', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
    expect(median([])).toBeNaN();
  });
});

describe('parsePrometheusText', () => {
  it('reads families with their type, help, labels, buckets and quantiles', () => {
    const families = parsePrometheusText(
      [
        '# HELP req_total Requests.',
        '# TYPE req_total counter',
        'req_total{route="/a"} 3',
        '# TYPE lat histogram',
        'lat_bucket{le="1"} 1',
        'lat_bucket{le="+Inf"} 2',
        'lat_sum 3',
        'lat_count 2',
        '# TYPE q summary',
        'q{quantile="0.5"} 1',
        'q_sum 1',
        'q_count 1',
        'bare 4',
        '',
      ].join('\n'),
    );
    expect(families.map((f) => [f.name, f.type, f.help])).toEqual([
      ['req_total', 'COUNTER', 'Requests.'],
      ['lat', 'HISTOGRAM', ''],
      ['q', 'SUMMARY', ''],
      ['bare', 'UNTYPED', ''],
    ]);
    expect(families[0].metrics).toEqual([{ labels: { route: '/a' }, value: '3' }]);
    expect(families[1].metrics).toEqual([{ buckets: { '1': '1', '+Inf': '2' }, sum: '3', count: '2' }]);
    expect(families[2].metrics).toEqual([{ quantiles: { '0.5': '1' }, sum: '1', count: '1' }]);
  });
});
