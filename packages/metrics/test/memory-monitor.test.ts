import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_CHECK_INTERVAL_MS,
  DEFAULT_CLEANUP_COOLDOWN_MS,
  createMemoryMonitor,
  createRegistry,
  type CleanupLevel,
  type MemoryReading,
} from '../src/index.js';
import { family } from './helpers.js';

const MB = 1024 * 1024;

/** A memory reader the test drives: heap used in MB, a 1000 MB heap limit. */
function fakeMemory(initialMb = 100) {
  const state = { heapUsedMb: initialMb };
  const read = (): MemoryReading => ({
    heapUsedBytes: state.heapUsedMb * MB,
    heapTotalBytes: (state.heapUsedMb + 10) * MB,
    rssBytes: (state.heapUsedMb + 50) * MB,
    externalBytes: MB,
    arrayBuffersBytes: MB,
    heapSizeLimitBytes: 1000 * MB,
  });
  return { state, read };
}

function fakeClock(startMs = 1_000_000) {
  const clock = { nowMs: startMs };
  return { clock, now: () => clock.nowMs };
}

describe('memory monitor', () => {
  it('defaults thresholds to fractions of the heap limit, interval and cooldown to the documented values', async () => {
    const memory = fakeMemory();
    const monitor = createMemoryMonitor({ readMemory: memory.read, env: {}, autoStart: false });
    const report = monitor.report();
    expect(report.thresholds).toEqual({ warningMb: 700, criticalMb: 850 });
    expect(report.checkIntervalMs).toBe(DEFAULT_CHECK_INTERVAL_MS);
    expect(DEFAULT_CHECK_INTERVAL_MS).toBe(10_000);
    expect(report.cleanupCooldownMs).toBe(DEFAULT_CLEANUP_COOLDOWN_MS);
    expect(report.status).toBe('ok');
    expect(report.memory.heapSizeLimitBytes).toBe(1000 * MB);
    await monitor.stop();
  });

  it('reads MEMORY_CHECK_INTERVAL, MEMORY_WARNING_THRESHOLD, MEMORY_CRITICAL_THRESHOLD, CLEANUP_COOLDOWN', async () => {
    const memory = fakeMemory();
    const monitor = createMemoryMonitor({
      readMemory: memory.read,
      autoStart: false,
      env: {
        MEMORY_CHECK_INTERVAL: '5000',
        MEMORY_WARNING_THRESHOLD: '300',
        MEMORY_CRITICAL_THRESHOLD: '400',
        CLEANUP_COOLDOWN: '1234',
      },
    });
    const report = monitor.report();
    expect(report.thresholds).toEqual({ warningMb: 300, criticalMb: 400 });
    expect(report.checkIntervalMs).toBe(5000);
    expect(report.cleanupCooldownMs).toBe(1234);
    await monitor.stop();
  });

  it('rejects bad thresholds with a clear error, at creation and in updateThresholds()', async () => {
    const memory = fakeMemory();
    const create = (extra: object) => () =>
      createMemoryMonitor({ readMemory: memory.read, env: {}, autoStart: false, ...extra });
    expect(create({ warningThresholdMb: 500, criticalThresholdMb: 400 })).toThrow(
      /warning threshold \(500 MB\) must be below the critical threshold \(400 MB\)/,
    );
    expect(create({ warningThresholdMb: 400, criticalThresholdMb: 400 })).toThrow(/must be below/);
    expect(create({ warningThresholdMb: -1, criticalThresholdMb: 400 })).toThrow(/warningMb must be a positive number/);
    expect(create({ warningThresholdMb: 0, criticalThresholdMb: 400 })).toThrow(/positive/);
    expect(create({ warningThresholdMb: 100, criticalThresholdMb: NaN })).toThrow(
      /criticalMb must be a positive number/,
    );
    expect(create({ env: { MEMORY_WARNING_THRESHOLD: 'lots' } })).toThrow(
      /MEMORY_WARNING_THRESHOLD must be a number, got "lots"/,
    );
    expect(create({ checkIntervalMs: 5 })).toThrow(/interval/);
    expect(create({ cleanupCooldownMs: -1 })).toThrow(/cooldown/);

    const monitor = createMemoryMonitor({
      readMemory: memory.read,
      env: {},
      autoStart: false,
      warningThresholdMb: 200,
      criticalThresholdMb: 300,
    });
    expect(() => monitor.updateThresholds({ warningMb: 300 })).toThrow(/must be below/);
    expect(() => monitor.updateThresholds({ criticalMb: Infinity })).toThrow(/positive number/);
    expect(() => monitor.updateThresholds({ warningMb: '100' as unknown as number })).toThrow(/positive number/);
    expect(monitor.report().thresholds).toEqual({ warningMb: 200, criticalMb: 300 }); // unchanged
    monitor.updateThresholds({ criticalMb: 900 });
    expect(monitor.report().thresholds).toEqual({ warningMb: 200, criticalMb: 900 });
    await monitor.stop();
  });

  it('refuses thresholds that make no sense against the heap size limit (1000 MB here)', async () => {
    const memory = fakeMemory();
    const create = (extra: object) => () =>
      createMemoryMonitor({ readMemory: memory.read, env: {}, autoStart: false, ...extra });
    // permanently critical: any heap is above 1e-300 MB
    expect(create({ warningThresholdMb: 1e-301, criticalThresholdMb: 1e-300 })).toThrow(
      /warning threshold \(1e-301 MB\) must be at least 10 % of the heap size limit \(100\.0 of 1000 MB\)/,
    );
    // protection off: a heap can never reach 1 TB with a 1000 MB limit
    expect(create({ warningThresholdMb: 500, criticalThresholdMb: 1048576 })).toThrow(
      /critical threshold \(1048576 MB\) must not exceed the heap size limit \(1000 MB\)/,
    );
    expect(create({ env: { MEMORY_WARNING_THRESHOLD: '50', MEMORY_CRITICAL_THRESHOLD: '900' } })).toThrow(/10 %/);
    const monitor = createMemoryMonitor({ readMemory: memory.read, env: {}, autoStart: false });
    expect(() => monitor.updateThresholds({ warningMb: 1e-300 })).toThrow(/at least 10 %/);
    expect(() => monitor.updateThresholds({ criticalMb: 1048576 })).toThrow(/must not exceed/);
    monitor.updateThresholds({ warningMb: 100, criticalMb: 1000 }); // both bounds are inclusive
    expect(monitor.report().thresholds).toEqual({ warningMb: 100, criticalMb: 1000 });
    await monitor.stop();
  });

  it('runs moderate cleanups at warning, aggressive ones (forced GC) at critical, honouring the cooldown', async () => {
    const memory = fakeMemory(100);
    const { clock, now } = fakeClock();
    const calls: CleanupLevel[] = [];
    let gcCalls = 0;
    const statuses: string[] = [];
    const monitor = createMemoryMonitor({
      readMemory: memory.read,
      now,
      env: {},
      autoStart: false,
      warningThresholdMb: 500,
      criticalThresholdMb: 800,
      cleanupCooldownMs: 30_000,
      gc: () => {
        gcCalls++;
      },
      onStatusChange: (status) => statuses.push(status),
      cleanupActions: {
        cache: (level) => {
          calls.push(level);
          memory.state.heapUsedMb -= 50; // the cache held 50 MB
        },
      },
    });
    expect(await monitor.check()).toBe('ok');
    expect(calls).toEqual([]);

    memory.state.heapUsedMb = 600;
    expect(await monitor.check()).toBe('warning');
    expect(calls).toEqual(['moderate']);
    const first = monitor.report().recentCleanups[0];
    expect(first).toMatchObject({
      level: 'moderate',
      trigger: 'warning',
      freedBytes: 50 * MB,
      gcForced: false,
      atMs: clock.nowMs,
    });
    expect(first.actions).toEqual([{ name: 'cache', ok: true }]);

    memory.state.heapUsedMb = 600;
    clock.nowMs += 29_999; // inside the cooldown: no second cleanup
    expect(await monitor.check()).toBe('warning');
    expect(calls).toEqual(['moderate']);

    memory.state.heapUsedMb = 900; // escalation to critical does not wait for the cooldown
    expect(await monitor.check()).toBe('critical');
    expect(calls).toEqual(['moderate', 'aggressive']);
    expect(gcCalls).toBe(1);

    memory.state.heapUsedMb = 900;
    clock.nowMs += 10_000; // critical again, inside the cooldown of the aggressive cleanup
    expect(await monitor.check()).toBe('critical');
    expect(calls).toEqual(['moderate', 'aggressive']);

    clock.nowMs += 30_000; // cooldown over
    expect(await monitor.check()).toBe('critical');
    expect(calls).toEqual(['moderate', 'aggressive', 'aggressive']);

    memory.state.heapUsedMb = 100;
    expect(await monitor.check()).toBe('ok');
    expect(statuses).toEqual(['warning', 'critical', 'ok']);
    const report = monitor.report();
    expect(report.checks).toBe(7);
    expect(report.recentCleanups.map((c) => c.level)).toEqual(['moderate', 'aggressive', 'aggressive']);
    expect(report.recentCleanups.every((c) => c.freedBytes === 50 * MB)).toBe(true);
    await monitor.stop();
  });

  it('keeps a bounded cleanup history, records failing and hanging actions without stopping the others', async () => {
    const memory = fakeMemory();
    const ran: string[] = [];
    const monitor = createMemoryMonitor({
      readMemory: memory.read,
      env: {},
      autoStart: false,
      gc: false,
      maxCleanupHistory: 3,
      cleanupActionTimeoutMs: 50,
    });
    monitor.registerCleanup('throws', () => {
      throw new Error('boom');
    });
    monitor.registerCleanup('hangs', () => new Promise(() => undefined));
    const remove = monitor.registerCleanup('works', () => {
      ran.push('works');
    });
    const record = await monitor.cleanup('aggressive');
    expect(record.actions).toEqual([
      { name: 'throws', ok: false, error: 'boom' },
      { name: 'hangs', ok: false, error: 'timed out after 50 ms' },
      { name: 'works', ok: true },
    ]);
    expect(record.gcForced).toBe(false);
    remove();
    for (let i = 0; i < 4; i++) await monitor.cleanup('moderate');
    const report = monitor.report();
    expect(report.recentCleanups).toHaveLength(3);
    expect(report.evictedCleanups).toBe(2);
    expect(ran).toEqual(['works']);
    await expect(monitor.cleanup('extreme' as CleanupLevel)).rejects.toThrow(/moderate.*aggressive/);
    await monitor.stop();
    await expect(monitor.cleanup('moderate')).rejects.toThrow(/stopped/);
  });

  it('checks on its own every checkIntervalMs, exports its status, and stop() ends it (idempotent)', async () => {
    const memory = fakeMemory(600);
    const registry = createRegistry();
    let cleanups = 0;
    const monitor = createMemoryMonitor({
      readMemory: memory.read,
      env: { MEMORY_CHECK_INTERVAL: '100' },
      warningThresholdMb: 500,
      criticalThresholdMb: 800,
      cleanupCooldownMs: 0,
      gc: false,
      registry,
      cleanupActions: { count: () => void cleanups++ },
    });
    const deadline = Date.now() + 5000;
    while (monitor.report().checks < 3 && Date.now() < deadline) await sleep(50);
    expect(monitor.report().checks).toBeGreaterThanOrEqual(3);
    expect(cleanups).toBeGreaterThanOrEqual(3);
    const text = await registry.metrics();
    expect(family(text, 'heapwise_memory_monitor_status').metrics[0].value).toBe('1');
    expect(Number(family(text, 'heapwise_memory_monitor_cleanups_total').metrics[0].value)).toBeGreaterThanOrEqual(3);
    const stopped = monitor.stop();
    expect(monitor.destroy()).toBe(stopped);
    await stopped;
    const checks = monitor.report().checks;
    await sleep(350);
    expect(monitor.report().checks).toBe(checks);
    expect(await registry.metrics()).not.toContain('heapwise_memory_monitor_status');
    await registry.destroy();
  });

  it('reads real process memory by default', async () => {
    const monitor = createMemoryMonitor({ env: {}, autoStart: false });
    await monitor.check();
    const { memory, thresholds } = monitor.report();
    expect(memory.heapUsedBytes).toBeGreaterThan(0);
    expect(memory.rssBytes).toBeGreaterThan(memory.heapUsedBytes / 2);
    expect(thresholds.warningMb).toBe(Math.round((memory.heapSizeLimitBytes / MB) * 0.7));
    await monitor.stop();
  });
});
