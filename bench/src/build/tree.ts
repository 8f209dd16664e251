// Sampling a whole process tree (turbo, npm, the heapwise wrappers, tsc, node --test) on Linux:
// summed PSS and summed RSS, how many task commands run at once, turbo's --concurrency, and the
// memory of each `heapwise run` wrapper.
//
// PSS (proportional set size, /proc/PID/smaps_rollup) divides each shared page among the processes
// that map it, so the node binary's pages, shared by every Node process in the tree, count once in
// the sum; summed RSS counts them once per process. PSS is close to what the kernel charges the
// tree's cgroup; RSS is what most tools (and `ps`) show. Both are reported, PSS first.
import { readFileSync } from 'node:fs';
import { childrenOf, commandLine, readProcessMemory } from '@heapwise/node-options';

/** What a process is, from its command line. Pure, so the tests of the bench can pin it down. */
export type ProcessKind = 'task-command' | 'heapwise-run' | 'turbo' | 'other';

export function classify(argv: readonly string[]): ProcessKind {
  const [first, second, third] = argv;
  if (first === undefined) return 'other';
  // A task's own command: `node …/bin/tsc` (TypeScript 5.9, or 7's launcher on Node 20), the native
  // compiler itself, or `node --test`.
  if (second !== undefined && /[/\\]\.?bin[/\\]tsc$/.test(second)) return 'task-command';
  if (/[/\\]tsgo(\.exe)?$/.test(first) || /[/\\]tsc$/.test(first)) return 'task-command';
  if (second === '--test') return 'task-command';
  if (second !== undefined && /heapwise(\.js)?$/.test(second) && third === 'run') return 'heapwise-run';
  // turbo's native binary (not its Node launcher, whose argv[0] is node).
  if (/[/\\]turbo$/.test(first) && argv.includes('run')) return 'turbo';
  return 'other';
}

/** `--concurrency N` from turbo's command line, if present. */
export function turboConcurrency(argv: readonly string[]): number | undefined {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index];
    if (arg === '--concurrency') return Number(argv[index + 1]);
    if (arg.startsWith('--concurrency=')) return Number(arg.slice('--concurrency='.length));
  }
  return undefined;
}

export interface TreeSample {
  pssBytes: number;
  rssBytes: number;
  privateBytes: number;
  /** Task commands running now, not counting one whose parent is a task command too (TS 7's native child). */
  runningTasks: number;
}

export interface TreePeaks {
  peakPssBytes: number;
  peakRssBytes: number;
  peakPrivateBytes: number;
  maxRunningTasks: number;
  /** turbo's --concurrency as its command line said; undefined when no turbo process was seen. */
  turboConcurrency: number | undefined;
  /** Largest private and PSS figure of each `heapwise run` wrapper seen, sampled while its command ran. */
  wrapperPrivateBytes: number[];
  wrapperPssBytes: number[];
  samples: number;
}

/** Samples the tree below `rootPid` every `intervalMs` until stop(). */
export function sampleTree(rootPid: number, intervalMs: number): { stop(): TreePeaks } {
  const kinds = new Map<number, ProcessKind>();
  const argvOf = new Map<number, string[]>();
  const wrapperPeaks = new Map<number, { privateBytes: number; pssBytes: number }>();
  const peaks: TreePeaks = {
    peakPssBytes: 0,
    peakRssBytes: 0,
    peakPrivateBytes: 0,
    maxRunningTasks: 0,
    turboConcurrency: undefined,
    wrapperPrivateBytes: [],
    wrapperPssBytes: [],
    samples: 0,
  };
  const kindOf = (pid: number): ProcessKind => {
    let kind = kinds.get(pid);
    if (kind === undefined) {
      const argv = commandLine(pid);
      kind = classify(argv);
      // A process seen before its exec (node still starting `npm`) is asked again next time.
      if (argv.length > 0) {
        kinds.set(pid, kind);
        argvOf.set(pid, argv);
      }
    }
    return kind;
  };
  const sample = (): void => {
    const total = { pssBytes: 0, rssBytes: 0, privateBytes: 0, runningTasks: 0 };
    const queue: { pid: number; parentKind: ProcessKind }[] = [{ pid: rootPid, parentKind: 'other' }];
    const seen = new Set<number>();
    while (queue.length > 0) {
      const { pid, parentKind } = queue.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const memory = readProcessMemory(pid);
      if (memory === undefined) continue;
      total.pssBytes += memory.pssBytes;
      total.rssBytes += memory.rssBytes;
      total.privateBytes += memory.privateBytes;
      const kind = kindOf(pid);
      const children = childrenOf(pid);
      if (kind === 'task-command' && parentKind !== 'task-command') total.runningTasks += 1;
      if (kind === 'turbo') peaks.turboConcurrency ??= turboConcurrency(argvOf.get(pid) ?? []);
      // A wrapper counts once its command runs (it has a child): the memory it holds for a task's life.
      if (kind === 'heapwise-run' && children.length > 0) {
        const before = wrapperPeaks.get(pid) ?? { privateBytes: 0, pssBytes: 0 };
        wrapperPeaks.set(pid, {
          privateBytes: Math.max(before.privateBytes, memory.privateBytes),
          pssBytes: Math.max(before.pssBytes, memory.pssBytes),
        });
      }
      for (const child of children) queue.push({ pid: child, parentKind: kind });
    }
    peaks.samples += 1;
    peaks.peakPssBytes = Math.max(peaks.peakPssBytes, total.pssBytes);
    peaks.peakRssBytes = Math.max(peaks.peakRssBytes, total.rssBytes);
    peaks.peakPrivateBytes = Math.max(peaks.peakPrivateBytes, total.privateBytes);
    peaks.maxRunningTasks = Math.max(peaks.maxRunningTasks, total.runningTasks);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      peaks.wrapperPrivateBytes = [...wrapperPeaks.values()].map((peak) => peak.privateBytes);
      peaks.wrapperPssBytes = [...wrapperPeaks.values()].map((peak) => peak.pssBytes);
      return peaks;
    },
  };
}

/** CPU seconds of this process's reaped descendants (cutime + cstime), threads included. */
export function reapedChildrenCpuSeconds(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17, in clock ticks (100 Hz).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}
