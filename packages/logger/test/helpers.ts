import * as fs from 'node:fs';
import { expect } from 'vitest';
import type { BulkServer } from '@heapwise/testkit';
import type { ElasticsearchShipper, ElasticsearchShipperOptions, ShipperStats } from '../src/index.js';
import type { SpoolFs } from '../src/shipper/spool/disk-spool.js';

/**
 * Small delays so the fault matrix runs in seconds; the logic is the same as with the defaults.
 * Three requests in flight, more than the default, so every fault is met with concurrent requests.
 */
export const FAST: ElasticsearchShipperOptions = {
  flushIntervalMs: 20,
  minBackoffMs: 20,
  maxBackoffMs: 200,
  requestTimeoutMs: 1_000,
  maxConcurrentRequests: 3,
};

/** A clock the test moves: real time plus `advance(ms)`, injected as the shipper's `now`. */
export function movableClock(frozen = false): { now: () => number; advance(ms: number): void } {
  const base = Date.now();
  let offsetMs = 0;
  return {
    now: () => (frozen ? base : Date.now()) + offsetMs,
    advance(ms) {
      offsetMs += ms;
    },
  };
}

export function droppedTotal(stats: ShipperStats): number {
  return Object.values(stats.dropped).reduce((sum, count) => sum + count, 0);
}

/** `produced + recovered = shipped + buffered + spooled + dropped.*` (recovered and spooled are 0 without a spool). */
export function identityHolds(stats: ShipperStats): boolean {
  return stats.produced + stats.recovered === stats.shipped + stats.buffered + stats.spooled + droppedTotal(stats);
}

/**
 * Checks the accounting identity and the item cap on every event-loop turn while a test runs
 * (and at each call of `check()`), so "at every instant" is tested, not just at the end.
 */
export function watchAccounting(shipper: ElasticsearchShipper, maxBufferedItems: number) {
  const violations: string[] = [];
  let samples = 0;
  const check = (): ShipperStats => {
    const stats = shipper.stats();
    samples++;
    if (!identityHolds(stats)) violations.push(`identity broken: ${JSON.stringify(stats)}`);
    if (stats.buffered > maxBufferedItems) violations.push(`buffered ${stats.buffered} > ${maxBufferedItems}`);
    return stats;
  };
  const timer = setInterval(check, 1);
  return {
    check,
    stop(): { samples: number } {
      clearInterval(timer);
      check();
      expect(violations.slice(0, 3)).toEqual([]);
      return { samples };
    },
  };
}

/** Resolves when `condition()` holds (checked every 5 ms), rejects with `describe()` after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  timeoutMs: number,
  describe: () => unknown = () => '',
): Promise<void> {
  const startedAt = Date.now();
  while (!condition()) {
    if (Date.now() - startedAt > timeoutMs)
      throw new Error(`waitUntil: not reached within ${timeoutMs} ms: ${JSON.stringify(describe())}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function line(seq: number, extra = ''): string {
  return `{"seq":${seq},"msg":"record ${seq}"${extra}}\n`;
}

/** Sequence numbers the server stored, and whether any arrived twice. */
export function storedSequences(server: BulkServer): { seqs: number[]; unique: number } {
  const seqs = server.sources().map((source) => (JSON.parse(source) as { seq: number }).seq);
  return { seqs, unique: new Set(seqs).size };
}

export function expectNoDuplicates(server: BulkServer): void {
  expect(server.duplicateIds()).toEqual([]);
  expect(server.counters.duplicates).toBe(0);
  if (server.sources().some((source) => source === '')) return; // storeSources: false
  const { seqs, unique } = storedSequences(server);
  expect(unique).toBe(seqs.length);
}

/**
 * The spool's file system with writes that fail with `code` (ENOSPC, EIO…) once `failWrites()` is
 * called: a full or failing disk at the moment a test chooses.
 */
export function writesFailingWith(code: string): { fs: SpoolFs; failWrites: () => void } {
  let failing = false;
  const fail = (): never => {
    throw Object.assign(new Error(`${code}: injected`), { code });
  };
  const failingFs: SpoolFs = {
    ...fs,
    writeSync: ((...args: Parameters<typeof fs.writeSync>) => {
      if (failing) fail();
      return (fs.writeSync as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync,
    writevSync: (...args: Parameters<typeof fs.writevSync>) => {
      if (failing) fail();
      return (fs.writevSync as (...a: unknown[]) => number)(...args);
    },
  };
  return { fs: failingFs, failWrites: () => (failing = true) };
}
