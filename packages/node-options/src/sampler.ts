// Peak memory of a process tree, sampled while it runs.
//
// On Linux each process's proportional set size (PSS, `/proc/PID/smaps_rollup`) is summed over the
// tree. PSS divides a shared page among the processes mapping it, so the node binary's pages, shared
// by every Node process, are counted once in the sum instead of once per process as RSS would: the
// sum is close to what the kernel charges the tree's cgroup. Elsewhere RSS from `ps` stands in.
//
// Cost: reading smaps_rollup makes the kernel walk the process's page tables (milliseconds of system
// time for a Node process of a few hundred MB), charged to us while the task competes for the same
// cores. So each sample reads `/proc/PID/statm` (a counter, microseconds) and re-reads a process's
// PSS only when its RSS moved by a quarter since the last PSS read, or that read is old
// (needsPssRead); in between its PSS is the last one plus the change in RSS. Growth is mostly the
// task's own heap, private pages that PSS counts in full, so the figure stays exact where it matters
// and errs high otherwise.
// The interval grows with the task's age (sampleDelayMs), so a 2-second task gets ~100 samples and a
// 20-minute one about one a second. Nothing is allocated per sample once the tree is known: each
// process's /proc files stay open and are re-read at offset 0 into one buffer, parsed in place; only
// a process seen for the first time costs its path strings and fds.
import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Short: a task's peak can last a few tens of milliseconds (a short task allocates, then exits). Each
 * sample costs a few /proc counter reads, so the short interval costs little.
 */
export const MIN_SAMPLE_DELAY_MS = 20;
export const MAX_SAMPLE_DELAY_MS = 1000;
/** The delay is this fraction of the time since sampling started, between the bounds above. */
export const SAMPLE_DELAY_FRACTION = 0.02;
/** Processes followed in one tree; beyond that the deepest are not counted. */
export const MAX_TREE_PROCESSES = 1024;
/** Points kept of the memory timeline (for `heapwise report`); halved by merging pairs when full. */
export const MAX_TIMELINE_POINTS = 128;
/** Where /proc is missing, `ps` is run at most this often. */
export const MIN_PS_DELAY_MS = 500;

/** A process's PSS is re-read once its RSS moved by this fraction since the last read… */
export const PSS_REREAD_FRACTION = 0.25;
/** …or when the last read is this old (sharing with other processes changes slowly). */
export const PSS_REFRESH_MS = 10_000;

const PROC_READ_BUFFER_BYTES = 16 * 1024;
const KIB = 1024;

/** Whether a process's PSS must be read again, or its last PSS plus the change in RSS will do. */
export function needsPssRead(
  rssBytes: number,
  lastPssRead: { rssBytes: number; atMs: number },
  nowMs: number,
): boolean {
  return (
    lastPssRead.atMs < 0 ||
    Math.abs(rssBytes - lastPssRead.rssBytes) > lastPssRead.rssBytes * PSS_REREAD_FRACTION ||
    nowMs - lastPssRead.atMs >= PSS_REFRESH_MS
  );
}

/**
 * Delay before the next sample, from how long sampling has been going on: the fraction of the elapsed
 * time, rounded down to MIN_SAMPLE_DELAY_MS × a power of two (so the timer changes its delay only a
 * few times and is otherwise re-armed as it is), within the bounds.
 */
export function sampleDelayMs(elapsedMs: number): number {
  let delayMs = MIN_SAMPLE_DELAY_MS;
  while (delayMs * 2 <= elapsedMs * SAMPLE_DELAY_FRACTION && delayMs * 2 < MAX_SAMPLE_DELAY_MS) delayMs *= 2;
  return delayMs * 2 >= MAX_SAMPLE_DELAY_MS && elapsedMs * SAMPLE_DELAY_FRACTION >= MAX_SAMPLE_DELAY_MS
    ? MAX_SAMPLE_DELAY_MS
    : delayMs;
}

/** A fixed-size memory timeline: when full, neighbouring points merge (time of the first, larger bytes). */
export class Timeline {
  private readonly times = new Float64Array(MAX_TIMELINE_POINTS);
  private readonly values = new Float64Array(MAX_TIMELINE_POINTS);
  private count = 0;
  private stride = 1;
  private pending = 0;

  add(timeMs: number, bytes: number): void {
    // With stride s, only one point in s is stored, merged with the s − 1 before it.
    if (this.pending > 0 && this.count > 0) {
      const last = this.count - 1;
      if (bytes > this.values[last]) this.values[last] = bytes;
      this.pending -= 1;
      return;
    }
    if (this.count === MAX_TIMELINE_POINTS) this.halve();
    this.times[this.count] = timeMs;
    this.values[this.count] = bytes;
    this.count += 1;
    this.pending = this.stride - 1;
  }

  private halve(): void {
    const half = MAX_TIMELINE_POINTS / 2;
    for (let index = 0; index < half; index += 1) {
      this.times[index] = this.times[2 * index];
      this.values[index] = Math.max(this.values[2 * index], this.values[2 * index + 1]);
    }
    this.count = half;
    this.stride *= 2;
  }

  /** [timeMs, bytes] pairs, oldest first. */
  points(): [number, number][] {
    const result: [number, number][] = [];
    for (let index = 0; index < this.count; index += 1) result.push([this.times[index], this.values[index]]);
    return result;
  }
}

interface TrackedProcess {
  rollupFd: number;
  statmFd: number;
  childrenFd: number;
  generation: number;
  /** At the last smaps_rollup read; atMs −1 before the first. */
  rssBytes: number;
  pssBytes: number;
  atMs: number;
}

function openOrMinusOne(path: string): number {
  try {
    return openSync(path, 'r');
  } catch {
    return -1;
  }
}

const PSS_KEY = [0x50, 0x73, 0x73, 0x3a]; // "Pss:"

let pageBytes: number | undefined;
/**
 * The kernel's page size, which statm counts in: this process's RSS in bytes (libuv asks the kernel)
 * over its statm pages, rounded to a power of two (4 KiB on x86-64, 4–64 KiB on arm64).
 */
function pageSizeBytes(): number {
  if (pageBytes !== undefined) return pageBytes;
  const fd = openOrMinusOne('/proc/self/statm');
  const buffer = Buffer.alloc(256);
  let pages = 0;
  if (fd !== -1) {
    pages = Number(buffer.toString('latin1', 0, readSync(fd, buffer, 0, buffer.length, 0)).split(' ')[1]);
    closeSync(fd);
  }
  const ratio = process.memoryUsage.rss() / pages;
  pageBytes = Number.isFinite(ratio) && ratio > 0 ? 2 ** Math.round(Math.log2(ratio)) : 4096;
  return pageBytes;
}

/**
 * Sums the PSS of a process tree through /proc. `sample()` returns bytes (0 once the tree is gone).
 * `close()` closes every file it holds; it is idempotent.
 */
export class ProcTreeSampler {
  private readonly buffer = Buffer.allocUnsafe(PROC_READ_BUFFER_BYTES);
  private readonly stack = new Int32Array(MAX_TREE_PROCESSES);
  private readonly tracked = new Map<number, TrackedProcess>();
  private readonly pageBytes = pageSizeBytes();
  private generation = 0;
  /** smaps_rollup reads so far: the expensive part, counted for the tests and the bench. */
  pssReads = 0;

  constructor(private readonly rootPid: number) {}

  /** Whether this machine has the files this sampler reads. */
  static available(pid: number = process.pid): boolean {
    const fd = openOrMinusOne(`/proc/${pid}/smaps_rollup`);
    if (fd === -1) return false;
    closeSync(fd);
    return true;
  }

  /** The tree's PSS in bytes; `nowMs` decides when a PSS is old (needsPssRead). */
  sample(nowMs: number = Date.now()): number {
    this.generation += 1;
    let total = 0;
    let depth = 0;
    let visited = 0;
    this.stack[depth++] = this.rootPid;
    while (depth > 0 && visited < MAX_TREE_PROCESSES) {
      const pid = this.stack[--depth];
      visited += 1;
      const process = this.track(pid);
      process.generation = this.generation;
      total += this.pssBytes(process, nowMs);
      depth = this.pushChildren(process.childrenFd, depth);
    }
    if (this.tracked.size > visited) this.forgetExited();
    return total;
  }

  close(): void {
    for (const process of this.tracked.values()) this.closeTracked(process);
    this.tracked.clear();
  }

  private track(pid: number): TrackedProcess {
    let process = this.tracked.get(pid);
    if (process === undefined) {
      process = {
        rollupFd: openOrMinusOne(`/proc/${pid}/smaps_rollup`),
        statmFd: openOrMinusOne(`/proc/${pid}/statm`),
        // Children of the main thread: Node, Go and shells start their children from it.
        childrenFd: openOrMinusOne(`/proc/${pid}/task/${pid}/children`),
        generation: 0,
        rssBytes: 0,
        pssBytes: 0,
        atMs: -1,
      };
      this.tracked.set(pid, process);
    }
    return process;
  }

  /** The process's PSS: read when needsPssRead says so, else the last one moved by the change in RSS. */
  private pssBytes(process: TrackedProcess, nowMs: number): number {
    const rssBytes = this.readRssPages(process.statmFd) * this.pageBytes;
    if (needsPssRead(rssBytes, process, nowMs)) {
      this.pssReads += 1;
      process.pssBytes = this.readPssKib(process.rollupFd) * KIB;
      process.rssBytes = rssBytes;
      process.atMs = nowMs;
      return process.pssBytes;
    }
    return Math.max(0, process.pssBytes + rssBytes - process.rssBytes);
  }

  private read(fd: number): number {
    if (fd === -1) return 0;
    try {
      return readSync(fd, this.buffer, 0, PROC_READ_BUFFER_BYTES, 0);
    } catch {
      return 0; // the process exited: ESRCH
    }
  }

  /** statm's second field: resident pages. */
  private readRssPages(fd: number): number {
    const length = this.read(fd);
    const buffer = this.buffer;
    let index = 0;
    while (index < length && buffer[index] !== 0x20) index += 1;
    let value = 0;
    for (index += 1; index < length; index += 1) {
      const byte = buffer[index];
      if (byte < 0x30 || byte > 0x39) break;
      value = value * 10 + byte - 0x30;
    }
    return value;
  }

  private readPssKib(fd: number): number {
    const length = this.read(fd);
    const buffer = this.buffer;
    for (let index = 0; index + 4 < length; index += 1) {
      const atLineStart = index === 0 || buffer[index - 1] === 0x0a;
      if (
        !atLineStart ||
        buffer[index] !== PSS_KEY[0] ||
        buffer[index + 1] !== PSS_KEY[1] ||
        buffer[index + 2] !== PSS_KEY[2] ||
        buffer[index + 3] !== PSS_KEY[3]
      )
        continue;
      let value = 0;
      for (let cursor = index + 4; cursor < length; cursor += 1) {
        const byte = buffer[cursor];
        if (byte >= 0x30 && byte <= 0x39) value = value * 10 + byte - 0x30;
        else if (byte !== 0x20) break;
      }
      return value;
    }
    return 0;
  }

  private pushChildren(fd: number, depth: number): number {
    const length = this.read(fd);
    let value = 0;
    let inNumber = false;
    for (let index = 0; index <= length; index += 1) {
      const byte = index < length ? this.buffer[index] : 0x20;
      if (byte >= 0x30 && byte <= 0x39) {
        value = value * 10 + byte - 0x30;
        inNumber = true;
      } else if (inNumber) {
        if (depth < MAX_TREE_PROCESSES) this.stack[depth++] = value;
        value = 0;
        inNumber = false;
      }
    }
    return depth;
  }

  private forgetExited(): void {
    for (const [pid, process] of this.tracked) {
      if (process.generation === this.generation) continue;
      this.closeTracked(process);
      this.tracked.delete(pid);
    }
  }

  private closeTracked(process: TrackedProcess): void {
    for (const fd of [process.rollupFd, process.statmFd, process.childrenFd]) {
      if (fd === -1) continue;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    process.rollupFd = -1;
    process.statmFd = -1;
    process.childrenFd = -1;
  }
}

/** RSS of a process tree from `ps` (macOS, BSDs): the portable fallback, in bytes. */
export function psTreeRssBytes(rootPid: number): Promise<number> {
  return new Promise((resolve) => {
    execFile('ps', ['-A', '-o', 'pid=,ppid=,rss='], { encoding: 'utf8' }, (error, stdout) => {
      if (error) return resolve(0);
      const children = new Map<number, number[]>();
      const rss = new Map<number, number>();
      for (const line of stdout.split('\n')) {
        const [pid, ppid, kib] = line.trim().split(/\s+/).map(Number);
        if (pid === undefined || ppid === undefined || kib === undefined || Number.isNaN(kib)) continue;
        rss.set(pid, kib * KIB);
        children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      }
      let total = 0;
      const queue = [rootPid];
      const seen = new Set<number>();
      while (queue.length > 0) {
        const pid = queue.pop() as number;
        if (seen.has(pid)) continue;
        seen.add(pid);
        total += rss.get(pid) ?? 0;
        queue.push(...(children.get(pid) ?? []));
      }
      resolve(total);
    });
  });
}

export interface PeakSummary {
  peakBytes: number;
  samples: number;
  /** What was measured: `pss` (Linux) or `rss` (ps). */
  metric: 'pss' | 'rss';
  /** smaps_rollup reads among the samples (0 with ps). */
  pssReads: number;
  /** [ms since start, bytes] */
  timeline: [number, number][];
}

export interface PeakSamplerOptions {
  now?: () => number;
  /** Force the `ps` fallback (tests). */
  usePs?: boolean;
}

/**
 * Samples the tree under `rootPid` (heapwise's own process, so the wrapper counts too) on an unref'd
 * timer until stop(). stop() takes a last sample and is idempotent.
 */
export class PeakSampler {
  private readonly now: () => number;
  private readonly startMs: number;
  private readonly proc: ProcTreeSampler | undefined;
  private readonly timeline = new Timeline();
  private timer: NodeJS.Timeout | undefined;
  private timerDelayMs = 0;
  private peakBytes = 0;
  private samples = 0;
  private stopped = false;
  private readonly tick = (): void => {
    if (this.stopped) return;
    if (this.proc) {
      this.record(this.proc.sample(this.now()));
      this.schedule();
    } else {
      void psTreeRssBytes(this.rootPid).then((bytes) => {
        if (this.stopped) return;
        this.record(bytes);
        this.schedule();
      });
    }
  };

  constructor(
    private readonly rootPid: number,
    options: PeakSamplerOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.startMs = this.now();
    this.proc = options.usePs !== true && ProcTreeSampler.available(rootPid) ? new ProcTreeSampler(rootPid) : undefined;
  }

  start(): void {
    this.tick();
  }

  stop(): PeakSummary {
    if (!this.stopped) {
      this.stopped = true;
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      if (this.proc) {
        this.record(this.proc.sample(this.now()));
        this.proc.close();
      }
    }
    return {
      peakBytes: this.peakBytes,
      samples: this.samples,
      metric: this.proc ? 'pss' : 'rss',
      pssReads: this.proc?.pssReads ?? 0,
      timeline: this.timeline.points(),
    };
  }

  private record(bytes: number): void {
    this.samples += 1;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
    this.timeline.add(this.now() - this.startMs, bytes);
  }

  private schedule(): void {
    const elapsedMs = this.now() - this.startMs;
    const delayMs = this.proc ? sampleDelayMs(elapsedMs) : Math.max(MIN_PS_DELAY_MS, sampleDelayMs(elapsedMs));
    // Re-arming the same timer allocates nothing; a new one is made only when the delay steps up.
    if (this.timer !== undefined && delayMs === this.timerDelayMs) {
      this.timer.refresh();
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(this.tick, delayMs);
    this.timer.unref();
    this.timerDelayMs = delayMs;
  }
}
