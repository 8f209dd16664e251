import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { liveScopeTotals } from '@heapwise/lifecycle';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryMonitor, resolveMonitorSettings, type MemoryReading } from '../src/index.js';

const MB = 1024 * 1024;
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapwise-profiles-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fakeMemory(initialMb: number) {
  const state = { heapUsedMb: initialMb };
  const read = (): MemoryReading => ({
    heapUsedBytes: state.heapUsedMb * MB,
    heapTotalBytes: (state.heapUsedMb + 10) * MB,
    rssBytes: (state.heapUsedMb + 50) * MB,
    externalBytes: 0,
    arrayBuffersBytes: 0,
    heapSizeLimitBytes: 1000 * MB,
  });
  return { state, read };
}

interface ProfileNode {
  callFrame: { functionName: string; url: string };
  selfSize: number;
  children: ProfileNode[];
}

/** Self bytes per function name over the whole profile tree. */
function selfBytesByFunction(profile: { head: ProfileNode }): Map<string, number> {
  const totals = new Map<string, number>();
  const visit = (node: ProfileNode) => {
    const name = node.callFrame.functionName || '(anonymous)';
    totals.set(name, (totals.get(name) ?? 0) + node.selfSize);
    node.children.forEach(visit);
  };
  visit(profile.head);
  return totals;
}

const retained: unknown[] = [];
/** The allocation site the profile must name: objects kept alive while it samples. */
function retainForProfile(count: number): void {
  for (let i = 0; i < count; i++) retained.push({ index: i, payload: `entry-${i}-${'x'.repeat(64)}` });
}

describe('heap profile on the first critical reading', () => {
  it('writes a .heapprofile naming the allocation site, once per episode of critical', async () => {
    const dir = tempDir();
    const memory = fakeMemory(100);
    const monitor = createMemoryMonitor({
      readMemory: memory.read,
      env: {},
      autoStart: false,
      gc: false,
      heapProfile: { dir, durationMs: 300, samplingIntervalBytes: 1024 },
    });
    try {
      memory.state.heapUsedMb = 900; // critical (85 % of 1000 MB)
      await monitor.check();
      retainForProfile(20_000); // while it samples
      await expect.poll(() => monitor.report().diagnostics.length, { timeout: 10_000 }).toBe(1);
      const [record] = monitor.report().diagnostics;
      expect(record).toMatchObject({ kind: 'profile', trigger: 'critical' });
      expect(record.file!.startsWith(dir)).toBe(true);
      expect(record.file!.endsWith('.heapprofile')).toBe(true);
      const profile = JSON.parse(readFileSync(record.file!, 'utf8')) as { head: ProfileNode; samples: unknown[] };
      expect(profile.samples.length).toBeGreaterThan(0);
      const bytes = selfBytesByFunction(profile);
      expect(bytes.get('retainForProfile') ?? 0).toBeGreaterThan(100_000);

      // still critical: no second profile; back to ok, then critical again: a second one
      await monitor.check();
      memory.state.heapUsedMb = 100;
      await monitor.check();
      expect(monitor.report().diagnostics).toHaveLength(1);
      memory.state.heapUsedMb = 900;
      await monitor.check();
      await expect.poll(() => monitor.report().diagnostics.length, { timeout: 10_000 }).toBe(2);
    } finally {
      retained.length = 0;
      await monitor.stop();
    }
  });

  it('keeps at most maxFiles profiles, deleting the oldest', async () => {
    const dir = tempDir();
    const monitor = createMemoryMonitor({
      readMemory: fakeMemory(100).read,
      env: {},
      autoStart: false,
      heapProfile: { dir, durationMs: 20, maxFiles: 2 },
    });
    const files: string[] = [];
    for (let i = 0; i < 4; i++) {
      const [record] = await monitor.captureHeapProfile();
      files.push(record.file!);
      await new Promise((resolve) => setTimeout(resolve, 5)); // distinct timestamps in the names
    }
    expect(readdirSync(dir).sort()).toEqual(
      files
        .slice(2)
        .map((file) => file.slice(dir.length + 1))
        .sort(),
    );
    expect(existsSync(files[0])).toBe(false);
    await monitor.stop();
  });

  it('shares one capture between concurrent requests', async () => {
    const monitor = createMemoryMonitor({
      readMemory: fakeMemory(100).read,
      env: {},
      autoStart: false,
      heapProfile: { dir: tempDir(), durationMs: 50 },
    });
    const [a, b] = await Promise.all([monitor.captureHeapProfile(), monitor.captureHeapProfile()]);
    expect(a).toEqual(b);
    expect(monitor.report().diagnostics).toHaveLength(1);
    await monitor.stop();
  });

  it('writes a heap snapshot only when free memory is at least twice the heap used', async () => {
    const dir = tempDir();
    let freeBytes = 0;
    const monitor = createMemoryMonitor({
      readMemory: fakeMemory(100).read,
      env: {},
      autoStart: false,
      heapProfile: { dir, durationMs: 10, snapshot: true, freeMemoryBytes: () => freeBytes },
    });
    const starved = await monitor.captureHeapProfile();
    expect(starved.map((r) => r.kind)).toEqual(['profile', 'snapshot']);
    expect(starved[1].file).toBeUndefined();
    expect(starved[1].skipped).toMatch(/free memory 0 MB is below 2 × the heap used/);
    freeBytes = 64 * 1024 * MB;
    const roomy = await monitor.captureHeapProfile();
    expect(roomy[1].file).toMatch(/\.heapsnapshot$/);
    expect(roomy[1].bytes).toBeGreaterThan(1000);
    expect(readFileSync(roomy[1].file!, 'utf8').startsWith('{"snapshot":')).toBe(true);
    await monitor.stop();
  }, 60_000);

  it('is off unless configured, and stop() ends a running capture without leaving a timer', async () => {
    const off = createMemoryMonitor({ readMemory: fakeMemory(100).read, env: {}, autoStart: false });
    await expect(off.captureHeapProfile()).rejects.toThrow(/heap profiles are off/);
    await off.stop();

    const before = liveScopeTotals();
    const monitor = createMemoryMonitor({
      readMemory: fakeMemory(100).read,
      env: {},
      autoStart: false,
      heapProfile: { dir: tempDir(), durationMs: 60_000 },
    });
    const capture = monitor.captureHeapProfile();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await monitor.stop(); // does not wait the minute out
    const records = await capture;
    expect(records[0].kind).toBe('profile');
    expect(liveScopeTotals()).toEqual(before);
    await expect(monitor.captureHeapProfile()).rejects.toThrow(/stopped/);
  });

  it('refuses nonsensical settings', () => {
    const create = (heapProfile: object) => () =>
      createMemoryMonitor({
        readMemory: fakeMemory(100).read,
        env: {},
        autoStart: false,
        heapProfile: heapProfile as never,
      });
    expect(create({ dir: '' })).toThrow(/dir/);
    expect(create({ dir: '/tmp/x', durationMs: 600_000 })).toThrow(/durationMs/);
    expect(create({ dir: '/tmp/x', maxFiles: 0 })).toThrow(/maxFiles/);
  });
});

describe('resolveMonitorSettings', () => {
  it('takes options over env over defaults, and names what is wrong', () => {
    const limit = 1000 * MB;
    expect(resolveMonitorSettings({}, {}, limit)).toMatchObject({
      checkIntervalMs: 10_000,
      cleanupCooldownMs: 60_000,
      thresholds: { warningMb: 700, criticalMb: 850 },
    });
    const env = { MEMORY_CHECK_INTERVAL: '500', MEMORY_WARNING_THRESHOLD: '300', MEMORY_CRITICAL_THRESHOLD: '400' };
    expect(resolveMonitorSettings({}, env, limit)).toMatchObject({
      checkIntervalMs: 500,
      thresholds: { warningMb: 300, criticalMb: 400 },
    });
    expect(resolveMonitorSettings({ warningThresholdMb: 350, checkIntervalMs: 200 }, env, limit)).toMatchObject({
      checkIntervalMs: 200,
      thresholds: { warningMb: 350, criticalMb: 400 },
    });
    expect(() => resolveMonitorSettings({}, { CLEANUP_COOLDOWN: 'soon' }, limit)).toThrow(
      /CLEANUP_COOLDOWN must be a number, got "soon"/,
    );
    expect(() => resolveMonitorSettings({ checkIntervalMs: 10 }, {}, limit)).toThrow(/interval/);
    expect(() => resolveMonitorSettings({}, { MEMORY_CRITICAL_THRESHOLD: '2000' }, limit)).toThrow(/must not exceed/);
  });
});
