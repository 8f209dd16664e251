import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { liveScopeTotals } from '@heapwise/lifecycle';
import { forceGc } from '@heapwise/lifecycle/testing';
import { describe, expect, it } from 'vitest';
import { collectRuntimeMetrics, createRegistry } from '../src/index.js';
import { family, goFloat, histogramSamples, parse } from './helpers.js';

const RUNTIME_FAMILIES = [
  'process_resident_memory_bytes',
  'process_start_time_seconds',
  'nodejs_heap_used_bytes',
  'nodejs_heap_total_bytes',
  'nodejs_heap_size_limit_bytes',
  'nodejs_heap_used_after_major_gc_bytes',
  'nodejs_external_memory_bytes',
  'nodejs_array_buffers_bytes',
  'nodejs_eventloop_delay_seconds',
  'nodejs_eventloop_utilization_ratio',
  'nodejs_gc_duration_seconds',
  'heapwise_lifecycle_live_timers',
  'heapwise_lifecycle_live_listeners',
  'heapwise_lifecycle_open_scopes',
];

describe('collectRuntimeMetrics', () => {
  it('exports memory, heap after the last major GC, GC durations, event-loop delay and lifecycle totals', async () => {
    const registry = createRegistry();
    const runtime = collectRuntimeMetrics(registry, { eventLoopResolutionMs: 10 });
    await forceGc(); // a major GC
    await sleep(100); // GC entries are delivered asynchronously; the delay histogram samples
    const text = await registry.metrics();
    const names = parse(text).map((f) => f.name);
    for (const name of RUNTIME_FAMILIES) expect(names, name).toContain(name);
    const value = (name: string): number => goFloat(family(text, name).metrics[0].value);
    expect(value('process_resident_memory_bytes')).toBeGreaterThan(0);
    const startedS = value('process_start_time_seconds');
    expect(startedS).toBeLessThanOrEqual(Date.now() / 1000);
    expect(startedS).toBeGreaterThan(Date.now() / 1000 - process.uptime() - 5);
    expect(value('nodejs_heap_used_bytes')).toBeGreaterThan(0);
    expect(value('nodejs_heap_size_limit_bytes')).toBeGreaterThan(value('nodejs_heap_used_bytes'));
    const afterGc = value('nodejs_heap_used_after_major_gc_bytes');
    expect(afterGc).toBeGreaterThan(0);
    expect(afterGc).toBeLessThan(value('nodejs_heap_size_limit_bytes'));
    const gcCounts = histogramSamples(text, 'nodejs_gc_duration_seconds').filter(
      (s) => s.name === 'nodejs_gc_duration_seconds_count',
    );
    expect(gcCounts.find((s) => s.labels.kind === 'major')?.value).toBeGreaterThanOrEqual(1);
    const delay = family(text, 'nodejs_eventloop_delay_seconds').metrics;
    expect(delay.map((m) => m.labels!.stat)).toEqual(['min', 'mean', 'p50', 'p90', 'p99', 'max']);
    expect(delay.every((m) => goFloat(m.value) > 0)).toBe(true);
    const utilization = value('nodejs_eventloop_utilization_ratio');
    expect(utilization).toBeGreaterThanOrEqual(0);
    expect(utilization).toBeLessThanOrEqual(1);
    expect(value('heapwise_lifecycle_open_scopes')).toBe(liveScopeTotals().scopes);
    expect(value('heapwise_lifecycle_live_timers')).toBe(liveScopeTotals().timers);
    await runtime.stop();
    await registry.destroy();
  });

  it('stop() unregisters everything it started, is idempotent, and allows collecting again', async () => {
    const registry = createRegistry();
    const scopesBefore = liveScopeTotals().scopes;
    const runtime = collectRuntimeMetrics(registry);
    expect(liveScopeTotals().scopes).toBe(scopesBefore + 1);
    const stopped = runtime.stop();
    expect(runtime.stop()).toBe(stopped);
    await stopped;
    expect(liveScopeTotals().scopes).toBe(scopesBefore);
    const text = await registry.metrics();
    for (const name of RUNTIME_FAMILIES) expect(text).not.toContain(`# TYPE ${name} `);
    const again = collectRuntimeMetrics(registry);
    expect(await registry.metrics()).toContain('# TYPE nodejs_heap_used_bytes gauge');
    await registry.destroy(); // takes the collector with it, and closes its own scope
    expect(liveScopeTotals().scopes).toBe(scopesBefore - 1);
    await again.stop();
  });

  it('takes a prefix and refuses a second collector with the same names on one registry', async () => {
    const registry = createRegistry();
    const runtime = collectRuntimeMetrics(registry, { prefix: 'app_' });
    expect(await registry.metrics()).toContain('# TYPE app_nodejs_heap_used_bytes gauge');
    expect(() => collectRuntimeMetrics(registry, { prefix: 'app_' })).toThrow(/already registered/);
    await runtime.stop();
    await registry.destroy();
  });
});

describe('the container memory limit', () => {
  it("exports the cgroup's limit and usage, and drops the limit when it is lifted", async () => {
    const root = mkdtempSync(join(tmpdir(), 'heapwise-cgroup-'));
    try {
      writeFileSync(join(root, 'memory.max'), '536870912\n');
      writeFileSync(join(root, 'memory.current'), '123456789\n');
      writeFileSync(join(root, 'self'), '0::/\n');
      const registry = createRegistry();
      const runtime = collectRuntimeMetrics(registry, {
        cgroup: { cgroupRoot: root, selfCgroupFile: join(root, 'self'), totalMemBytes: 8 * 1024 ** 3 },
      });
      const text = await registry.metrics();
      expect(goFloat(family(text, 'process_cgroup_memory_limit_bytes').metrics[0].value)).toBe(536870912);
      expect(goFloat(family(text, 'process_cgroup_memory_usage_bytes').metrics[0].value)).toBe(123456789);
      writeFileSync(join(root, 'memory.max'), 'max\n');
      const lifted = await registry.metrics();
      expect(family(lifted, 'process_cgroup_memory_limit_bytes').metrics).toEqual([]);
      await runtime.stop();
      await registry.destroy();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
