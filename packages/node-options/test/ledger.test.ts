import { spawn } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ESTIMATE_MARGIN, ESTIMATE_WINDOW, estimateFromPeaks } from '../src/estimate.js';
import { LockTimeoutError, withFileLock } from '../src/file-lock.js';
import {
  addPeak,
  emptyLedger,
  MAX_LEDGER_TASKS,
  MAX_PEAKS_PER_TASK,
  peaksOf,
  PRUNE_AFTER_MS,
  readLedgerFile,
  recordPeak,
  type PeakRecord,
} from '../src/ledger.js';
import { cgroupV2Root, cleanEnv, fixtureDir, GIB, packageDir, runCli } from './helpers.js';

const MIB = 1024 * 1024;
const peak = (bytes: number, atMs = 0): PeakRecord => ({ bytes, atMs, durationMs: 1000, exitCode: 0 });

describe('estimate rule', () => {
  it('is the largest recent peak plus the margin, rounded up to a MiB; none before a first run', () => {
    expect(estimateFromPeaks([])).toBeUndefined();
    expect(estimateFromPeaks([100 * MIB, 400 * MIB, 200 * MIB])).toBe(Math.ceil(400 * (1 + ESTIMATE_MARGIN)) * MIB);
    expect(estimateFromPeaks([100 * MIB + 1]) as number).toBeGreaterThan(100 * MIB * (1 + ESTIMATE_MARGIN));
  });

  it('follows a task whose peak grows, and forgets a one-off after the window', () => {
    const peaks: number[] = [];
    let previous = 0;
    for (let run = 1; run <= 8; run += 1) {
      peaks.push(run * 100 * MIB);
      const estimate = estimateFromPeaks(peaks) as number;
      expect(estimate).toBeGreaterThanOrEqual(run * 100 * MIB);
      expect(estimate).toBeGreaterThan(previous);
      previous = estimate;
    }
    const withOneOff = [900 * MIB, ...Array<number>(ESTIMATE_WINDOW).fill(100 * MIB)];
    expect(estimateFromPeaks(withOneOff)).toBe(125 * MIB);
    expect(estimateFromPeaks(withOneOff.slice(0, ESTIMATE_WINDOW))).toBe(1125 * MIB);
  });
});

describe('ledger bounds', () => {
  it(`keeps the last ${MAX_PEAKS_PER_TASK} peaks of a task`, () => {
    let ledger = emptyLedger();
    for (let run = 0; run < MAX_PEAKS_PER_TASK + 7; run += 1) ledger = addPeak(ledger, 'a#build', peak(run), run);
    expect(peaksOf(ledger, 'a#build')).toEqual(Array.from({ length: MAX_PEAKS_PER_TASK }, (_, index) => index + 7));
  });

  it('prunes tasks unseen for PRUNE_AFTER_MS, and the least recently seen beyond MAX_LEDGER_TASKS', () => {
    let ledger = addPeak(emptyLedger(), 'old#build', peak(1), 0);
    ledger = addPeak(ledger, 'new#build', peak(2), PRUNE_AFTER_MS + 1);
    expect(Object.keys(ledger.tasks)).toEqual(['new#build']);

    for (let index = 0; index < MAX_LEDGER_TASKS + 4; index += 1)
      ledger.tasks[`p${index}#build`] = { peaks: [peak(index)], lastSeenMs: PRUNE_AFTER_MS + 2 + index };
    ledger = addPeak(ledger, `p${MAX_LEDGER_TASKS + 4}#build`, peak(1), PRUNE_AFTER_MS + 2 + MAX_LEDGER_TASKS + 4);
    expect(Object.keys(ledger.tasks)).toHaveLength(MAX_LEDGER_TASKS);
    expect(ledger.tasks['new#build']).toBeUndefined();
    expect(ledger.tasks['p0#build']).toBeUndefined();
    expect(ledger.tasks[`p${MAX_LEDGER_TASKS + 4}#build`]).toBeDefined();
  });
});

describe('ledger file', () => {
  it('keeps a file that is not a ledger aside instead of overwriting it silently', () => {
    const dir = fixtureDir({ 'ledger.json': '{ "this is": "not a ledger" }' });
    const file = join(dir, 'ledger.json');
    const problem = recordPeak(file, 'a#build', peak(5 * MIB), 1);
    expect(problem).toMatch(/is not a heapwise ledger: not a version 1 ledger/);
    expect(readFileSync(`${file}.unreadable`, 'utf8')).toBe('{ "this is": "not a ledger" }');
    expect(peaksOf(readLedgerFile(file).ledger, 'a#build')).toEqual([5 * MIB]);
  });

  it('breaks a lock left by a dead process, and times out on a live, fresh one', () => {
    const dir = fixtureDir({});
    const file = join(dir, 'ledger.json');
    // PID 2^22 + 1 is above Linux's pid_max: no such process.
    writeFileSync(`${file}.lock`, `${2 ** 22 + 1} 12345\n`);
    expect(recordPeak(file, 'a#build', peak(1), 1)).toBeUndefined();
    expect(existsSync(`${file}.lock`)).toBe(false);

    writeFileSync(`${file}.lock`, `${process.pid} \n`);
    let nowMs = 0;
    expect(() =>
      withFileLock(`${file}.lock`, () => 1, {
        timeoutMs: 100,
        now: () => nowMs,
        sleepSync: (ms) => {
          nowMs += ms;
        },
      }),
    ).toThrow(LockTimeoutError);
    // …unless it is older than the stale limit: a frozen owner.
    utimesSync(`${file}.lock`, new Date(0), new Date(0));
    expect(withFileLock(`${file}.lock`, () => 'ran')).toBe('ran');
  });

  it('survives 8 concurrent writers with no lost or corrupt entries', async () => {
    const dir = fixtureDir({});
    const file = join(dir, 'ledger.json');
    const ledgerModule = pathToFileURL(join(packageDir, 'dist', 'ledger.js')).href;
    const writers = 8;
    const script = `
      const { recordPeak } = await import(${JSON.stringify(ledgerModule)});
      const [file, writer] = process.argv.slice(1);
      for (let run = 0; run < ${MAX_PEAKS_PER_TASK}; run += 1)
        recordPeak(file, 'w' + writer + '#build', { bytes: run, atMs: Date.now(), durationMs: 1, exitCode: 0 });
    `;
    const codes = await Promise.all(
      Array.from(
        { length: writers },
        (_, writer) =>
          new Promise<number | null>((resolve) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', script, file, String(writer)], {
              stdio: 'inherit',
            });
            child.on('close', resolve);
          }),
      ),
    );
    expect(codes).toEqual(Array<number>(writers).fill(0));
    const { ledger, problem } = readLedgerFile(file);
    expect(problem).toBeUndefined();
    for (let writer = 0; writer < writers; writer += 1)
      expect(peaksOf(ledger, `w${writer}#build`)).toEqual(Array.from({ length: MAX_PEAKS_PER_TASK }, (_, run) => run));
    expect(existsSync(`${file}.lock`)).toBe(false);
  });
});

describe("a node command's V8 heap after its last major GC", () => {
  it('is recorded beside the tree peak for node, and not for other commands', async () => {
    const cwd = fixtureDir({
      '.node-options': '[build]\n--expose-gc\n',
      'package.json': JSON.stringify({ name: '@x/heap' }),
    });
    const ledgerFile = join(cwd, 'ledger.json');
    const env = cleanEnv({ HEAPWISE_LEDGER: ledgerFile, HEAPWISE_CGROUP_ROOT: cgroupV2Root(16 * GIB) });
    // 40 MiB kept alive across a full GC, then released: the figure is the live heap at the last major
    // GC. (A GC's entry reaches the preload on a later turn of the event loop, hence the timer.)
    const script =
      'let kept = Array.from({ length: 40 }, () => new Array(131072).fill(1.5)); gc(); ' +
      'setTimeout(() => { kept = undefined; }, 100);';
    const node = await runCli(['run', 'build', '--', process.execPath, '-e', script], { cwd, env });
    expect(node.code, node.stderr).toBe(0);
    const shell = await runCli(['run', 'build', '--', 'sh', '-c', 'exit 0'], { cwd, env });
    expect(shell.code, shell.stderr).toBe(0);
    const peaks = readLedgerFile(ledgerFile).ledger.tasks['@x/heap#build']?.peaks ?? [];
    expect(peaks).toHaveLength(2);
    const [fromNode, fromShell] = peaks;
    // 40 arrays of 131072 doubles: 40 MiB, plus Node's own few MiB.
    expect(fromNode?.v8HeapBytes).toBeGreaterThan(40 * MIB);
    expect(fromNode?.v8HeapBytes).toBeLessThan(fromNode?.bytes ?? 0);
    expect(fromShell?.v8HeapBytes).toBeUndefined();
  });
});
