import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  MAX_SAMPLE_DELAY_MS,
  MAX_TIMELINE_POINTS,
  MIN_SAMPLE_DELAY_MS,
  needsPssRead,
  PeakSampler,
  PSS_REFRESH_MS,
  ProcTreeSampler,
  psTreeRssBytes,
  sampleDelayMs,
  Timeline,
} from '../src/sampler.js';
import { waitFor } from './helpers.js';

const MIB = 1024 * 1024;
const hasProc = ProcTreeSampler.available();

describe('when a PSS is read', () => {
  it('reads it first, then only when RSS moved by a quarter or the last read is old', () => {
    const last = { rssBytes: 100 * MIB, atMs: 1000 };
    expect(needsPssRead(100 * MIB, { rssBytes: 0, atMs: -1 }, 0)).toBe(true);
    expect(needsPssRead(120 * MIB, last, 1100)).toBe(false);
    expect(needsPssRead(80 * MIB, last, 1100)).toBe(false);
    expect(needsPssRead(126 * MIB, last, 1100)).toBe(true);
    expect(needsPssRead(74 * MIB, last, 1100)).toBe(true);
    expect(needsPssRead(100 * MIB, last, 1000 + PSS_REFRESH_MS)).toBe(true);
  });
});

describe('sampling interval', () => {
  it('is short at first (a 2-second task is caught) and long later (a 20-minute one costs little)', () => {
    expect(sampleDelayMs(0)).toBe(MIN_SAMPLE_DELAY_MS);
    let previous = 0;
    let samplesIn2s = 0;
    for (let elapsedMs = 0; elapsedMs < 2000; elapsedMs += sampleDelayMs(elapsedMs)) samplesIn2s += 1;
    expect(samplesIn2s).toBeGreaterThanOrEqual(20);
    let samplesIn20min = 0;
    for (let elapsedMs = 0; elapsedMs < 20 * 60_000; elapsedMs += sampleDelayMs(elapsedMs)) {
      const delayMs = sampleDelayMs(elapsedMs);
      expect(delayMs).toBeGreaterThanOrEqual(previous);
      previous = delayMs;
      samplesIn20min += 1;
    }
    expect(sampleDelayMs(20 * 60_000)).toBe(MAX_SAMPLE_DELAY_MS);
    // one a second once the task is old, plus the quicker samples of its first minute
    expect(samplesIn20min).toBeLessThan(20 * 60 + 300);
  });

  it('keeps a bounded timeline whose maximum is the peak', () => {
    const timeline = new Timeline();
    for (let index = 0; index < 10_000; index += 1) timeline.add(index, index === 7777 ? 1e9 : index);
    const points = timeline.points();
    expect(points.length).toBeLessThanOrEqual(MAX_TIMELINE_POINTS);
    expect(Math.max(...points.map(([, bytes]) => bytes))).toBe(1e9);
    expect(points[0]?.[0]).toBe(0);
  });
});

/** A child that grows by `stepMib` each time it reads a line, and prints its total after each step. */
function growMemory(stepMib: number): ReturnType<typeof spawn> {
  const script =
    'const kept = []; const grow = () => { ' +
    `kept.push(Buffer.alloc(${stepMib} * 1048576, 1)); console.log(kept.length * ${stepMib}); };` +
    "grow(); process.stdin.on('data', grow);";
  return spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
}

function holdMemory(mib: number): ReturnType<typeof spawn> {
  // Touches every page so that it is resident, then waits to be killed.
  return spawn(
    process.execPath,
    ['-e', `const b = Buffer.alloc(${mib} * 1048576, 1); console.log('ready'); setInterval(() => b[0]++, 1000);`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
}

describe.skipIf(!hasProc)('process tree memory on Linux', () => {
  it('sums the PSS of the whole tree, this process included, and drops when a child exits', async () => {
    const sampler = new ProcTreeSampler(process.pid);
    const before = sampler.sample();
    const child = holdMemory(200);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => out, 'ready');
    const during = sampler.sample();
    expect(during - before).toBeGreaterThan(190 * MIB);
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(sampler.sample()).toBeLessThan(during - 150 * MIB);
    sampler.close();
    sampler.close();
  });

  it('reads smaps_rollup only when a process grew by a quarter, and its estimate stays with the real PSS', async () => {
    const sampler = new ProcTreeSampler(process.pid);
    const child = growMemory(20);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => out, '20\n');
    let samples = 0;
    // 20 → 200 MiB in steps of 20, sampled five times per step: the estimate in between reads is the
    // last PSS plus the growth of RSS, which for freshly written private pages is exact.
    for (let mib = 40; mib <= 200; mib += 20) {
      child.stdin?.write('\n');
      await waitFor(() => out, `\n${mib}\n`);
      for (let sample = 0; sample < 5; sample += 1) sampler.sample(1000);
      samples += 5;
      const estimate = sampler.sample(1000);
      samples += 1;
      const fresh = new ProcTreeSampler(process.pid);
      const real = fresh.sample(1000);
      fresh.close();
      expect(Math.abs(estimate - real)).toBeLessThan(Math.max(4 * MIB, real * 0.05));
    }
    // Steady: no reads at all until the last one is PSS_REFRESH_MS old.
    const readsBefore = sampler.pssReads;
    for (let sample = 0; sample < 20; sample += 1) sampler.sample(1000);
    expect(sampler.pssReads).toBe(readsBefore);
    sampler.sample(1000 + PSS_REFRESH_MS);
    expect(sampler.pssReads).toBeGreaterThan(readsBefore);
    // Each process of the tree is read when first seen; the child again only at +25 % steps
    // (40, 60, 80, 100, 140, 180 MiB of heap on top of Node's own), far fewer than the samples.
    expect(readsBefore).toBeLessThan(samples / 3);
    child.kill('SIGKILL');
    sampler.close();
  });

  it('PeakSampler catches a short-lived peak and stops cleanly', async () => {
    const sampler = new PeakSampler(process.pid);
    sampler.start();
    const child = holdMemory(150);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => out, 'ready');
    await new Promise((resolve) => setTimeout(resolve, 3 * MIN_SAMPLE_DELAY_MS));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    const summary = sampler.stop();
    expect(summary.metric).toBe('pss');
    expect(summary.peakBytes).toBeGreaterThan(150 * MIB);
    expect(summary.samples).toBeGreaterThan(1);
    expect(sampler.stop().samples).toBe(summary.samples);
  });
});

describe('portable fallback', () => {
  it('sums RSS of the tree from ps', async () => {
    const child = holdMemory(100);
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(() => out, 'ready');
    const rss = await psTreeRssBytes(process.pid);
    child.kill('SIGKILL');
    expect(rss).toBeGreaterThan(100 * MIB);
  });
});
