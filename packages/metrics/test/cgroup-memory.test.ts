import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCgroupMemoryReader } from '../src/cgroup-memory.js';

const GB = 1024 ** 3;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fixture cgroup tree: { 'relative/file': 'content' }, plus the self file. */
function fixture(files: Record<string, string>, self: string): { cgroupRoot: string; selfCgroupFile: string } {
  const root = mkdtempSync(join(tmpdir(), 'heapwise-cgroup-'));
  dirs.push(root);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, 'fs', file)), { recursive: true });
    writeFileSync(join(root, 'fs', file), content);
  }
  writeFileSync(join(root, 'self'), self);
  return { cgroupRoot: join(root, 'fs'), selfCgroupFile: join(root, 'self') };
}

describe('cgroup memory', () => {
  it('v2: the smallest limit along the path, and the own memory.current', () => {
    const reader = createCgroupMemoryReader({
      ...fixture(
        {
          'memory.max': 'max',
          'kubepods/memory.max': `${4 * GB}\n`,
          'kubepods/pod1/memory.max': 'max\n',
          'kubepods/pod1/memory.current': `${GB}\n`,
        },
        '0::/kubepods/pod1\n',
      ),
      totalMemBytes: 16 * GB,
    });
    expect(reader.version).toBe('cgroup-v2');
    expect(reader.limitBytes()).toBe(4 * GB);
    expect(reader.usageBytes()).toBe(GB);
  });

  it('v2 with "max" everywhere: no limit, usage still read', () => {
    const reader = createCgroupMemoryReader({
      ...fixture({ 'memory.max': 'max', 'memory.current': '12345' }, '0::/\n'),
      totalMemBytes: 16 * GB,
    });
    expect(reader.limitBytes()).toBeUndefined();
    expect(reader.usageBytes()).toBe(12345);
  });

  it('v1: limit_in_bytes under the memory controller; the unlimited sentinel is no limit', () => {
    const unlimited = fixture(
      { 'memory/memory.limit_in_bytes': '9223372036854771712', 'memory/memory.usage_in_bytes': '3826348032' },
      '4:memory:/process_api/abc\n0::/\n',
    );
    const reader = createCgroupMemoryReader({ ...unlimited, totalMemBytes: 24 * GB });
    expect(reader.version).toBe('cgroup-v1');
    expect(reader.limitBytes()).toBeUndefined();
    expect(reader.usageBytes()).toBe(3826348032);
    const limited = fixture(
      { 'memory/docker/c1/memory.limit_in_bytes': String(2 * GB), 'memory/docker/c1/memory.usage_in_bytes': '99' },
      '9:memory:/docker/c1\n',
    );
    expect(createCgroupMemoryReader({ ...limited, totalMemBytes: 24 * GB }).limitBytes()).toBe(2 * GB);
  });

  it('reads the limit again on each call (a limit changed at run time)', () => {
    const files = fixture({ 'memory.max': String(GB) }, '0::/\n');
    const reader = createCgroupMemoryReader({ ...files, totalMemBytes: 16 * GB });
    expect(reader.limitBytes()).toBe(GB);
    writeFileSync(join(files.cgroupRoot, 'memory.max'), String(2 * GB));
    expect(reader.limitBytes()).toBe(2 * GB);
  });

  it('no cgroup files (not Linux, or not mounted): nothing', () => {
    const reader = createCgroupMemoryReader({ ...fixture({}, ''), totalMemBytes: 16 * GB });
    expect(reader.version).toBeUndefined();
    expect(reader.limitBytes()).toBeUndefined();
    expect(reader.usageBytes()).toBeUndefined();
  });
});
