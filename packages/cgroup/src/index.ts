export {
  createCgroupMemoryReader,
  parseLimitBytes,
  DEFAULT_CGROUP_ROOT,
  DEFAULT_SELF_CGROUP_FILE,
  type CgroupMemoryLimit,
  type CgroupMemoryOptions,
  type CgroupMemoryReader,
  type CgroupVersion,
} from './memory.js';
export { ancestorPaths, parseSelfCgroup, type SelfCgroupPaths } from './self-cgroup.js';
