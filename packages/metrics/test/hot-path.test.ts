import * as v8 from 'node:v8';
import { describe, expect, it } from 'vitest';
import { createRegistry } from '../src/index.js';

/**
 * Heap bytes per call over a synchronous loop that starts right after a forced GC: nothing else
 * runs in between, so used_heap_size grows only by what the calls allocate (100k calls of even a
 * 16-byte allocation would be 1.6 MB, well under a young-generation space, so no GC interferes).
 * The minimum of three rounds drops one-off JIT code allocations.
 */
function bytesPerCall(fn: () => void, calls = 100_000): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') throw new Error('needs --expose-gc (run through npm test)');
  for (let i = 0; i < calls; i++) fn(); // warm up: optimise before measuring
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    gc();
    const before = v8.getHeapStatistics().used_heap_size;
    for (let i = 0; i < calls; i++) fn();
    const after = v8.getHeapStatistics().used_heap_size;
    best = Math.min(best, (after - before) / calls);
  }
  return best;
}

describe('hot paths', () => {
  it('allocate nothing per call for an existing series', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'hot_total', help: 'x', labelNames: ['method', 'route'] });
    const gauge = registry.gauge({ name: 'hot_gauge', help: 'x', labelNames: ['method', 'route'] });
    const histogram = registry.histogram({ name: 'hot_seconds', help: 'x', labelNames: ['method', 'route'] });
    const labels = { method: 'GET', route: '/users/:id' };
    const boundCounter = counter.labels(labels);
    const boundHistogram = histogram.labels(labels);
    const cases: Record<string, () => void> = {
      'counter.inc(labels)': () => counter.inc(labels),
      'counter.inc(labels, 2.5)': () => counter.inc(labels, 2.5),
      'bound counter inc()': () => boundCounter.inc(),
      'gauge.set(labels, v)': () => gauge.set(labels, 1.5),
      'histogram.observe(labels, v)': () => histogram.observe(labels, 0.3),
      'bound histogram observe(v)': () => boundHistogram.observe(0.3),
    };
    for (const [name, fn] of Object.entries(cases)) {
      // one heap number (16 bytes) per call would show as 16; half of that is the line
      expect(bytesPerCall(fn), name).toBeLessThan(8);
    }
    // the measurement does see allocations: a fresh labels object per call, or a numeric label
    // value (String() of it), is at least one 16-byte object
    expect(bytesPerCall(() => counter.inc({ method: 'GET', route: '/users/:id' }))).toBeGreaterThanOrEqual(16);
    expect(bytesPerCall(() => counter.inc({ method: 'GET', route: 200 }))).toBeGreaterThanOrEqual(16);
    await registry.destroy();
  }, 60_000);
});
