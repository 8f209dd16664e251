// The memory limit and usage of this process's cgroup (the container's, in Docker or Kubernetes),
// for the "RSS near the container limit" alert and for deciding whether a heap snapshot fits.
//
// Written here rather than imported from @heapwise/node-options (which reads the same files to
// plan heap sizes): that package is a CLI with its own dependencies, and a service's metrics
// must not pull it in. The rules are the same: cgroup v2 `memory.max` or v1
// `memory.limit_in_bytes`, the smallest along the process's cgroup and its ancestors (a parent's
// limit binds its children), "max" or a v1 number at least as large as physical memory meaning
// "no limit".
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';
export const DEFAULT_SELF_CGROUP_FILE = '/proc/self/cgroup';

export interface CgroupMemoryOptions {
  /** Mount point of the cgroup hierarchy (fixtures in tests). Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
  /** The process's cgroup membership. Default `/proc/self/cgroup` (only with the default root). */
  selfCgroupFile?: string;
  /** Physical memory (default os.totalmem()): a v1 "limit" at least this large is no limit. */
  totalMemBytes?: number;
}

export interface CgroupMemoryReader {
  readonly version: 'cgroup-v2' | 'cgroup-v1' | undefined;
  /** The binding limit in bytes, or undefined when there is none. */
  limitBytes(): number | undefined;
  /** What the cgroup uses now (page cache included: what its OOM killer counts), or undefined. */
  usageBytes(): number | undefined;
}

function readNumber(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function exists(file: string): boolean {
  try {
    readFileSync(file);
    return true;
  } catch {
    return false;
  }
}

/** `/a/b` → [`/a/b`, `/a`, ``]. */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const result: string[] = [];
  for (let length = parts.length; length >= 0; length -= 1) result.push(parts.slice(0, length).join('/'));
  return result;
}

function selfCgroups(file: string | undefined): { v2: string; v1Memory: string } {
  const self = { v2: '', v1Memory: '' };
  let text = '';
  try {
    if (file !== undefined) text = readFileSync(file, 'utf8');
  } catch {
    // no /proc (not Linux): no cgroup
  }
  for (const line of text.split('\n')) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    if (controllers === '') self.v2 = path;
    else if (controllers?.split(',').includes('memory')) self.v1Memory = path;
  }
  return self;
}

/**
 * Finds the files once; `limitBytes()`/`usageBytes()` read them on every call (a few
 * microseconds each), so a limit changed at run time (`docker update`) shows on the next scrape.
 */
export function createCgroupMemoryReader(options: CgroupMemoryOptions = {}): CgroupMemoryReader {
  const root = options.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
  const selfFile = options.selfCgroupFile ?? (options.cgroupRoot === undefined ? DEFAULT_SELF_CGROUP_FILE : undefined);
  const physicalBytes = options.totalMemBytes ?? totalmem();
  const self = selfCgroups(selfFile);

  // Inside a cgroup namespace the process's path may not exist under the root: the existing
  // directories nearest to it are the ones that apply.
  const v2Dirs = ancestors(self.v2).map((dir) => join(root, dir));
  const v1Dirs = ancestors(self.v1Memory).flatMap((dir) => [join(root, 'memory', dir), join(root, dir)]);
  const v2Limits = v2Dirs.map((dir) => join(dir, 'memory.max')).filter(exists);
  const v1Limits = v1Dirs.map((dir) => join(dir, 'memory.limit_in_bytes')).filter(exists);
  const version = v2Limits.length > 0 ? 'cgroup-v2' : v1Limits.length > 0 ? 'cgroup-v1' : undefined;
  const limitFiles = version === 'cgroup-v2' ? v2Limits : v1Limits;
  const usageFile =
    version === 'cgroup-v2'
      ? v2Dirs.map((dir) => join(dir, 'memory.current')).find(exists)
      : version === 'cgroup-v1'
        ? v1Dirs.map((dir) => join(dir, 'memory.usage_in_bytes')).find(exists)
        : undefined;

  return {
    version,
    limitBytes() {
      let smallest: number | undefined;
      for (const file of limitFiles) {
        const bytes = readNumber(file); // v2 "max" is not a number: no limit at that level
        if (bytes !== undefined && bytes > 0 && bytes < physicalBytes && (smallest === undefined || bytes < smallest)) {
          smallest = bytes;
        }
      }
      return smallest;
    },
    usageBytes() {
      return usageFile === undefined ? undefined : readNumber(usageFile);
    },
  };
}
