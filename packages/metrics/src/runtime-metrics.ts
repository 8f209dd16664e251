// Process and V8 runtime metrics, read on scrape where possible; stop() undoes everything.
import {
  PerformanceObserver,
  constants,
  monitorEventLoopDelay,
  performance,
  type EventLoopUtilization,
} from 'node:perf_hooks';
import * as v8 from 'node:v8';
import { createCgroupMemoryReader, type CgroupMemoryOptions } from '@heapwise/cgroup';
import { createScope, liveScopeTotals } from './lifecycle-adapter.js';
import type { AnyMetric, Registry } from './registry.js';

/** Sampling resolution of the event-loop delay histogram (perf_hooks default is 10 ms). */
export const DEFAULT_EVENT_LOOP_RESOLUTION_MS = 20;

/** GC pauses: sub-millisecond scavenges up to multi-second full GCs of large heaps. */
export const GC_DURATION_BUCKETS_SECONDS: readonly number[] = [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

export interface RuntimeMetricsOptions {
  /** Prefix for every metric name (default none). */
  prefix?: string;
  /** Event-loop delay sampling resolution in ms (default 20). */
  eventLoopResolutionMs?: number;
  /** Where the cgroup files are (fixtures in tests); default the process's own cgroup. */
  cgroup?: CgroupMemoryOptions;
}

export interface RuntimeMetricsHandle {
  /** Disconnects the GC observer, disables the delay histogram, unregisters the metrics. Idempotent. */
  stop(): Promise<void>;
  /** Same as stop(). */
  destroy(): Promise<void>;
}

const GC_KINDS: ReadonlyMap<number, string> = new Map([
  [constants.NODE_PERFORMANCE_GC_MINOR, 'minor'],
  [constants.NODE_PERFORMANCE_GC_MAJOR, 'major'],
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL, 'incremental'],
  [constants.NODE_PERFORMANCE_GC_WEAKCB, 'weakcb'],
]);

const NS_PER_SECOND = 1e9;

/**
 * Registers runtime metrics on `registry`. Memory figures, event-loop delay and utilization and
 * lifecycle totals are read when scraped; GC durations and the heap used after the last major GC
 * come from a PerformanceObserver on `gc` entries. Delay percentiles and utilization describe the
 * window since the previous scrape (the histogram is reset on each scrape).
 */
export function collectRuntimeMetrics(registry: Registry, options: RuntimeMetricsOptions = {}): RuntimeMetricsHandle {
  const prefix = options.prefix ?? '';
  const resolutionMs = options.eventLoopResolutionMs ?? DEFAULT_EVENT_LOOP_RESOLUTION_MS;
  if (!Number.isInteger(resolutionMs) || resolutionMs < 1) {
    throw new RangeError(`eventLoopResolutionMs must be a positive integer, got ${resolutionMs}`);
  }
  const registered: AnyMetric[] = [];
  const gauge = (name: string, help: string): ReturnType<Registry['gauge']> => {
    const metric = registry.gauge({ name: prefix + name, help });
    registered.push(metric);
    return metric;
  };

  const rss = gauge('process_resident_memory_bytes', 'Resident set size in bytes.');
  const startTime = gauge(
    'process_start_time_seconds',
    'Start time of the process since the Unix epoch, in seconds (tells a restart from a change in behaviour).',
  );
  const heapUsed = gauge('nodejs_heap_used_bytes', 'V8 heap used in bytes (process.memoryUsage().heapUsed).');
  const heapTotal = gauge('nodejs_heap_total_bytes', 'V8 heap allocated in bytes (process.memoryUsage().heapTotal).');
  const heapLimit = gauge(
    'nodejs_heap_size_limit_bytes',
    'V8 heap size limit in bytes (--max-old-space-size and V8 defaults).',
  );
  const heapAfterGc = gauge(
    'nodejs_heap_used_after_major_gc_bytes',
    'V8 heap used in bytes right after the last major (mark-compact) GC: the live set, the clearest leak signal. ' +
      'Absent until the first major GC.',
  );
  const external = gauge(
    'nodejs_external_memory_bytes',
    'Memory of C++ objects bound to JavaScript objects, in bytes.',
  );
  const arrayBuffers = gauge(
    'nodejs_array_buffers_bytes',
    'Memory of ArrayBuffers and SharedArrayBuffers (Buffers included), in bytes.',
  );
  const cgroupLimit = gauge(
    'process_cgroup_memory_limit_bytes',
    "Memory limit of the process's cgroup (its container) in bytes: cgroup v2 memory.max or " +
      'v1 memory.limit_in_bytes, the smallest along the cgroup path. Absent when there is no limit.',
  );
  const cgroupUsage = gauge(
    'process_cgroup_memory_usage_bytes',
    "Memory the process's cgroup uses in bytes, page cache included (what its OOM killer counts): " +
      'v2 memory.current or v1 memory.usage_in_bytes. Absent without a cgroup.',
  );
  const cgroup = createCgroupMemoryReader(options.cgroup);
  const delay = registry.gauge({
    name: `${prefix}nodejs_eventloop_delay_seconds`,
    help: 'Event-loop delay since the previous scrape, by statistic (min, mean, p50, p90, p99, max).',
    labelNames: ['stat'],
  });
  registered.push(delay);
  const utilization = gauge(
    'nodejs_eventloop_utilization_ratio',
    'Event-loop utilization (0..1) since the previous scrape.',
  );
  const gcDuration = registry.histogram({
    name: `${prefix}nodejs_gc_duration_seconds`,
    help: 'Garbage collection pauses by kind (minor, major, incremental, weakcb).',
    labelNames: ['kind'],
    buckets: GC_DURATION_BUCKETS_SECONDS,
  });
  registered.push(gcDuration);
  const liveTimers = gauge('heapwise_lifecycle_live_timers', 'Timers owned by open @heapwise/lifecycle scopes.');
  const liveListeners = gauge(
    'heapwise_lifecycle_live_listeners',
    'Listeners owned by open @heapwise/lifecycle scopes.',
  );
  const liveScopes = gauge('heapwise_lifecycle_open_scopes', 'Open @heapwise/lifecycle scopes.');

  const scope = createScope('heapwise-runtime-metrics');
  const loopDelay = scope.adopt(
    monitorEventLoopDelay({ resolution: resolutionMs }),
    (h) => h.disable(),
    'event-loop delay histogram',
  );
  loopDelay.enable();

  const gcObserver = scope.adopt(
    new PerformanceObserver((list) => {
      let sawMajor = false;
      for (const entry of list.getEntries()) {
        const kindCode = (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1;
        const kind = GC_KINDS.get(kindCode) ?? 'other';
        gcDuration.observe({ kind }, entry.duration / 1000);
        if (kind === 'major') sawMajor = true;
      }
      // Read once per batch, right after the entries arrive: the cheapest figure close to the
      // live set (allocations between the GC and this callback are included).
      if (sawMajor) heapAfterGc.set(v8.getHeapStatistics().used_heap_size);
    }),
    (observer) => observer.disconnect(),
    'gc observer',
  );
  gcObserver.observe({ entryTypes: ['gc'] });

  let lastUtilization: EventLoopUtilization = performance.eventLoopUtilization();
  heapLimit.set(v8.getHeapStatistics().heap_size_limit);
  startTime.set(Math.round(performance.timeOrigin) / 1000);

  const removeCollector = registry.addCollector(() => {
    const memory = process.memoryUsage();
    rss.set(memory.rss);
    heapUsed.set(memory.heapUsed);
    heapTotal.set(memory.heapTotal);
    external.set(memory.external);
    arrayBuffers.set(memory.arrayBuffers);
    // reset() rather than a stale value when the limit or the cgroup is gone
    const limitBytes = cgroup.limit()?.bytes;
    if (limitBytes === undefined) cgroupLimit.reset();
    else cgroupLimit.set(limitBytes);
    const usageBytes = cgroup.usageBytes();
    if (usageBytes === undefined) cgroupUsage.reset();
    else cgroupUsage.set(usageBytes);
    if (loopDelay.count > 0) {
      delay.set({ stat: 'min' }, loopDelay.min / NS_PER_SECOND);
      delay.set({ stat: 'mean' }, loopDelay.mean / NS_PER_SECOND);
      delay.set({ stat: 'p50' }, loopDelay.percentile(50) / NS_PER_SECOND);
      delay.set({ stat: 'p90' }, loopDelay.percentile(90) / NS_PER_SECOND);
      delay.set({ stat: 'p99' }, loopDelay.percentile(99) / NS_PER_SECOND);
      delay.set({ stat: 'max' }, loopDelay.max / NS_PER_SECOND);
      loopDelay.reset();
    }
    const now = performance.eventLoopUtilization();
    utilization.set(performance.eventLoopUtilization(now, lastUtilization).utilization);
    lastUtilization = now;
    const totals = liveScopeTotals();
    liveTimers.set(totals.timers);
    liveListeners.set(totals.listeners);
    liveScopes.set(totals.scopes);
  });

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      removeCollector();
      removeFromRegistry();
      for (const metric of registered) registry.remove(metric.name);
      await scope.close();
    })();
    return stopping;
  };
  // A destroyed registry takes its collectors with it.
  const removeFromRegistry = registry.onDestroy(stop);
  return { stop, destroy: stop };
}
