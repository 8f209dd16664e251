// Reading one process and its children from /proc (Linux), for measurements that look at a process
// tree now and then: `npm run bench:build`'s tree sampler and its wrapper probe. `heapwise run`'s own
// sampler (sampler.ts) reads the same files through kept-open descriptors instead, because it runs
// for every task and must not allocate per sample.
import { readFileSync, readdirSync } from 'node:fs';

const KIB = 1024;

export interface ProcessMemory {
  rssBytes: number;
  /** Proportional set size: each shared page divided among the processes that map it. */
  pssBytes: number;
  /** Private_Clean + Private_Dirty: pages only this process maps. */
  privateBytes: number;
}

/**
 * One process's memory from /proc/PID/smaps_rollup; from statm (RSS for all three figures) where
 * smaps_rollup is unreadable; undefined once the process is gone.
 */
export function readProcessMemory(pid: number): ProcessMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return rssOnly(pid);
  }
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return match ? Number(match[1]) * KIB : 0;
  };
  return {
    rssBytes: field('Rss'),
    pssBytes: field('Pss'),
    privateBytes: field('Private_Clean') + field('Private_Dirty'),
  };
}

function rssOnly(pid: number): ProcessMemory | undefined {
  try {
    // statm counts pages; /proc/PID/status says the same in kB, so no page size is needed.
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const resident = match ? Number(match[1]) * KIB : 0;
    return { rssBytes: resident, pssBytes: resident, privateBytes: resident };
  } catch {
    return undefined;
  }
}

/** Direct children of `pid`, from every thread's /proc children list. */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text !== '') for (const child of text.split(' ')) children.push(Number(child));
    } catch {
      // the thread or process exited meanwhile
    }
  }
  return children;
}

/** A process's argv; empty once it is gone (or before its exec). */
export function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}
