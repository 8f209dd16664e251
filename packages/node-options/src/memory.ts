// How much memory this process may really use: the smaller of physical memory and the cgroup limit.
// Containers report the host's memory through os.totalmem(), so the cgroup files are the truth there;
// @heapwise/cgroup reads them (the metrics package reads the same limit through it).
import { totalmem } from 'node:os';
import { createCgroupMemoryReader, type CgroupMemoryOptions, type CgroupVersion } from '@heapwise/cgroup';

export { DEFAULT_CGROUP_ROOT, DEFAULT_SELF_CGROUP_FILE } from '@heapwise/cgroup';

/** Where the limit came from: a cgroup v2 or v1 file, physical memory, or the caller (`--memory`). */
export type MemorySource = CgroupVersion | 'physical' | 'option';

export interface MemoryLimit {
  bytes: number;
  source: MemorySource;
  /** The file read, `os.totalmem()`, or the option as given: for humans. */
  detail: string;
}

/** `cgroupRoot` (fixtures in tests), `selfCgroupFile`, `totalMemBytes`: see @heapwise/cgroup. */
export type DetectMemoryOptions = CgroupMemoryOptions;

/** The memory limit: cgroup v2 `memory.max`, cgroup v1 `memory.limit_in_bytes`, else physical memory. */
export function detectMemoryLimit(options: DetectMemoryOptions = {}): MemoryLimit {
  const physicalBytes = options.totalMemBytes ?? totalmem();
  const limit = createCgroupMemoryReader({ ...options, totalMemBytes: physicalBytes }).limit();
  if (limit) return { bytes: limit.bytes, source: limit.version, detail: limit.file };
  return { bytes: physicalBytes, source: 'physical', detail: 'os.totalmem()' };
}
