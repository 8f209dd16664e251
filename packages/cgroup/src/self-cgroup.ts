// Which cgroup this process is in, from the text of /proc/self/cgroup. Pure: no file is read here.
//
// Each line is `hierarchy-id:controllers:path`. cgroup v2 has one line with no controllers (`0::/a/b`);
// cgroup v1 has a line per hierarchy, and the memory controller's (`4:memory:/a/b`, or mounted together
// with others: `4:cpu,memory:/a/b`) is the one whose files hold the memory limit.

export interface SelfCgroupPaths {
  /** The path in the v2 (unified) hierarchy, or undefined when there is no such line. */
  v2: string | undefined;
  /** The path in the v1 hierarchy that has the memory controller, or undefined. */
  v1Memory: string | undefined;
}

export function parseSelfCgroup(text: string): SelfCgroupPaths {
  const paths: SelfCgroupPaths = { v2: undefined, v1Memory: undefined };
  for (const line of text.split('\n')) {
    // The path may itself contain ':', so only the first two separate fields.
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (controllers === undefined || path === undefined) continue;
    if (controllers === '') paths.v2 = path;
    else if (controllers.split(',').includes('memory')) paths.v1Memory = path;
  }
  return paths;
}

/** `/a/b` → [`a/b`, `a`, ``]: the cgroup and every ancestor up to the root, nearest first. */
export function ancestorPaths(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  const result: string[] = [];
  for (let length = parts.length; length >= 0; length -= 1) result.push(parts.slice(0, length).join('/'));
  return result;
}
