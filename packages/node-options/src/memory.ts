// How much memory this process may really use: the smaller of physical memory and the cgroup limit.
// Containers report the host's memory through os.totalmem(), so the cgroup files are the truth there.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';
export const DEFAULT_SELF_CGROUP_FILE = '/proc/self/cgroup';

/** Where the limit came from: a cgroup v2 or v1 file, physical memory, or the caller (`--memory`). */
export type MemorySource = 'cgroup-v2' | 'cgroup-v1' | 'physical' | 'option';

export interface MemoryLimit {
  bytes: number;
  source: MemorySource;
  /** The file read, `os.totalmem()`, or the option as given: for humans. */
  detail: string;
}

export interface DetectMemoryOptions {
  /** Mount point of the cgroup hierarchy (fixtures in tests). Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
  /**
   * The process's `/proc/self/cgroup`, used to find its own cgroup below the root. Read by default
   * only when `cgroupRoot` is the default: a fixture root has no such file.
   */
  selfCgroupFile?: string;
  /** Physical memory; default `os.totalmem()`. */
  totalMemBytes?: number;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** `/a/b/c` → [`/a/b/c`, `/a/b`, `/a`, ``]: a parent's limit binds its children too. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const result: string[] = [];
  for (let length = parts.length; length >= 0; length -= 1) result.push(parts.slice(0, length).join('/'));
  return result;
}

interface SelfCgroups {
  v2: string | undefined;
  v1Memory: string | undefined;
}

function readSelfCgroups(file: string | undefined): SelfCgroups {
  const text = file === undefined ? undefined : readText(file);
  const self: SelfCgroups = { v2: undefined, v1Memory: undefined };
  for (const line of text?.split('\n') ?? []) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers === '') self.v2 = path;
    else if (controllers?.split(',').includes('memory')) self.v1Memory = path;
  }
  return self;
}

interface Candidate {
  bytes: number;
  source: MemorySource;
  file: string;
}

function smallestLimit(files: string[], source: MemorySource): Candidate | undefined {
  let best: Candidate | undefined;
  for (const file of new Set(files)) {
    const text = readText(file);
    // v2 writes `max` for "no limit"; v1 writes a huge number, filtered against physical memory below.
    if (text === undefined || text === 'max' || !/^\d+$/.test(text)) continue;
    const bytes = Number(text);
    if (bytes > 0 && (!best || bytes < best.bytes)) best = { bytes, source, file };
  }
  return best;
}

/** The memory limit: cgroup v2 `memory.max`, cgroup v1 `memory.limit_in_bytes`, else physical memory. */
export function detectMemoryLimit(options: DetectMemoryOptions = {}): MemoryLimit {
  const root = options.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
  const physicalBytes = options.totalMemBytes ?? totalmem();
  const selfFile = options.selfCgroupFile ?? (options.cgroupRoot === undefined ? DEFAULT_SELF_CGROUP_FILE : undefined);
  const self = readSelfCgroups(selfFile);

  const v2Files = [...ancestors(self.v2 ?? ''), ''].map((dir) => join(root, dir, 'memory.max'));
  // v1 mounts the memory controller at <root>/memory; a root that *is* that mount works too.
  const v1Files = [...ancestors(self.v1Memory ?? ''), ''].flatMap((dir) => [
    join(root, 'memory', dir, 'memory.limit_in_bytes'),
    join(root, dir, 'memory.limit_in_bytes'),
  ]);
  const candidates = [smallestLimit(v2Files, 'cgroup-v2'), smallestLimit(v1Files, 'cgroup-v1')]
    .filter((candidate): candidate is Candidate => candidate !== undefined && candidate.bytes < physicalBytes)
    .sort((a, b) => a.bytes - b.bytes);
  const limit = candidates[0];
  if (limit) return { bytes: limit.bytes, source: limit.source, detail: limit.file };
  return { bytes: physicalBytes, source: 'physical', detail: 'os.totalmem()' };
}
