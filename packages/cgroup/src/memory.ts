// The memory limit and usage of this process's cgroup: what the kernel enforces in a container
// (Docker, Kubernetes, a systemd slice), where os.totalmem() still reports the host's memory.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { ancestorPaths, parseSelfCgroup, type SelfCgroupPaths } from './self-cgroup.js';

export const DEFAULT_CGROUP_ROOT = '/sys/fs/cgroup';
export const DEFAULT_SELF_CGROUP_FILE = '/proc/self/cgroup';

export type CgroupVersion = 'cgroup-v2' | 'cgroup-v1';

export interface CgroupMemoryOptions {
  /** Mount point of the cgroup hierarchy (a fixture tree in tests). Default `/sys/fs/cgroup`. */
  cgroupRoot?: string;
  /**
   * The process's cgroup membership. Default `/proc/self/cgroup`, but only with the default root: a
   * fixture root has no such file, and without one the root's own files are read.
   */
  selfCgroupFile?: string;
  /** Physical memory; default `os.totalmem()`. A limit at least this large is no limit. */
  totalMemBytes?: number;
}

export interface CgroupMemoryLimit {
  bytes: number;
  version: CgroupVersion;
  /** The file the binding limit was read from: for humans. */
  file: string;
}

export interface CgroupMemoryReader {
  /** The hierarchy the memory files were found in, or undefined when there are none (not Linux). */
  readonly version: CgroupVersion | undefined;
  /** The binding limit, the smallest along the cgroup and its ancestors; undefined when none binds. */
  limit(): CgroupMemoryLimit | undefined;
  /** What the cgroup uses now, page cache included (what its OOM killer counts); undefined without one. */
  usageBytes(): number | undefined;
}

interface VersionFiles {
  version: CgroupVersion;
  /** Nearest cgroup first. */
  limitFiles: string[];
  usageFiles: string[];
}

/** Where each hierarchy would keep the memory files of the cgroup `self` and its ancestors. */
function candidateFiles(root: string, self: SelfCgroupPaths): VersionFiles[] {
  const v2Dirs = ancestorPaths(self.v2 ?? '').map((dir) => join(root, dir));
  // v1 mounts the memory controller at <root>/memory; a root that is that mount itself works too.
  const v1Dirs = ancestorPaths(self.v1Memory ?? '').flatMap((dir) => [join(root, 'memory', dir), join(root, dir)]);
  return [
    {
      version: 'cgroup-v2',
      limitFiles: v2Dirs.map((dir) => join(dir, 'memory.max')),
      usageFiles: v2Dirs.map((dir) => join(dir, 'memory.current')),
    },
    {
      version: 'cgroup-v1',
      limitFiles: v1Dirs.map((dir) => join(dir, 'memory.limit_in_bytes')),
      usageFiles: v1Dirs.map((dir) => join(dir, 'memory.usage_in_bytes')),
    },
  ];
}

/**
 * The bytes a limit file's text means, or undefined for no limit: v2 writes `max`, v1 writes a huge
 * number (9223372036854771712 on x86-64), and any limit at least as large as physical memory cannot bind.
 */
export function parseLimitBytes(text: string, physicalBytes: number): number | undefined {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const bytes = Number(trimmed);
  return bytes > 0 && bytes < physicalBytes ? bytes : undefined;
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined; // missing, unreadable, or a directory: not a file this reader can use
  }
}

function readNumber(file: string): number | undefined {
  const text = readText(file)?.trim();
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * Finds the files once; `limit()` and `usageBytes()` read them again on every call (one small read
 * per level of the path), so a limit changed at run time (`docker update`) shows on the next call.
 *
 * A memory controller is attached to one hierarchy: v2 when any `memory.max` along the path can be
 * read, else v1. Inside a cgroup namespace the process's own path may not exist under the root; the
 * existing directories nearest to it are the ones that apply.
 */
export function createCgroupMemoryReader(options: CgroupMemoryOptions = {}): CgroupMemoryReader {
  const root = options.cgroupRoot ?? DEFAULT_CGROUP_ROOT;
  const selfFile = options.selfCgroupFile ?? (options.cgroupRoot === undefined ? DEFAULT_SELF_CGROUP_FILE : undefined);
  const physicalBytes = options.totalMemBytes ?? totalmem();
  const self = parseSelfCgroup((selfFile === undefined ? undefined : readText(selfFile)) ?? '');

  const isReadable = (file: string) => readText(file) !== undefined;
  const found = candidateFiles(root, self)
    .map((files) => ({ ...files, limitFiles: files.limitFiles.filter(isReadable) }))
    .find((files) => files.limitFiles.length > 0);
  const version = found?.version;
  const limitFiles = found?.limitFiles ?? [];
  const usageFile = found?.usageFiles.find(isReadable);

  return {
    version,
    limit() {
      if (version === undefined) return undefined;
      let binding: CgroupMemoryLimit | undefined;
      for (const file of limitFiles) {
        const text = readText(file);
        const bytes = text === undefined ? undefined : parseLimitBytes(text, physicalBytes);
        if (bytes !== undefined && (binding === undefined || bytes < binding.bytes)) binding = { bytes, version, file };
      }
      return binding;
    },
    usageBytes() {
      return usageFile === undefined ? undefined : readNumber(usageFile);
    },
  };
}
