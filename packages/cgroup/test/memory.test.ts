import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCgroupMemoryReader, parseLimitBytes, type CgroupMemoryOptions } from '../src/index.js';

const GIB = 1024 ** 3;
/** What cgroup v1 writes for "no limit" on x86-64: the largest page-aligned signed 64-bit number. */
const V1_UNLIMITED = '9223372036854771712';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/**
 * A fake cgroup tree in a temp dir: `{ 'relative/file': 'content' }` under the root; a value of
 * `null` makes a directory there instead (a file that exists but cannot be read as one). `self` is
 * the /proc/self/cgroup text, or undefined for no such file.
 */
function fixture(files: Record<string, string | null>, self?: string): Required<CgroupMemoryOptions> {
  const dir = mkdtempSync(join(tmpdir(), 'heapwise-cgroup-'));
  dirs.push(dir);
  const root = join(dir, 'fs');
  mkdirSync(root);
  for (const [file, content] of Object.entries(files)) {
    const path = join(root, file);
    if (content === null) {
      mkdirSync(path, { recursive: true });
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
  }
  const selfCgroupFile = join(dir, 'self');
  if (self !== undefined) writeFileSync(selfCgroupFile, self);
  return { cgroupRoot: root, selfCgroupFile, totalMemBytes: 64 * GIB };
}

describe('cgroup v2', () => {
  it('reads memory.max and memory.current of the root when no cgroup membership is given', () => {
    const { cgroupRoot, totalMemBytes } = fixture({ 'memory.max': `${2 * GIB}\n`, 'memory.current': '4096\n' });
    const reader = createCgroupMemoryReader({ cgroupRoot, totalMemBytes });
    expect(reader.version).toBe('cgroup-v2');
    expect(reader.limit()).toEqual({ bytes: 2 * GIB, version: 'cgroup-v2', file: join(cgroupRoot, 'memory.max') });
    expect(reader.usageBytes()).toBe(4096);
  });

  it('a parent binds its children: the smallest limit along the path, and the own memory.current', () => {
    const options = fixture(
      {
        'memory.max': 'max\n',
        'kubepods/memory.max': `${4 * GIB}\n`,
        'kubepods/memory.current': `${3 * GIB}\n`,
        'kubepods/pod1/memory.max': 'max\n',
        'kubepods/pod1/memory.current': `${GIB}\n`,
      },
      '0::/kubepods/pod1\n',
    );
    const reader = createCgroupMemoryReader(options);
    expect(reader.limit()).toEqual({
      bytes: 4 * GIB,
      version: 'cgroup-v2',
      file: join(options.cgroupRoot, 'kubepods', 'memory.max'),
    });
    expect(reader.usageBytes()).toBe(GIB);
  });

  it('a child tighter than its parent binds', () => {
    const options = fixture(
      { 'kubepods/memory.max': `${4 * GIB}`, 'kubepods/pod1/memory.max': `${GIB}` },
      '0::/kubepods/pod1\n',
    );
    expect(createCgroupMemoryReader(options).limit()?.bytes).toBe(GIB);
  });

  it('"max" everywhere is no limit; usage is still read', () => {
    const reader = createCgroupMemoryReader(fixture({ 'memory.max': 'max', 'memory.current': '12345' }, '0::/\n'));
    expect(reader.version).toBe('cgroup-v2');
    expect(reader.limit()).toBeUndefined();
    expect(reader.usageBytes()).toBe(12345);
  });

  it('a limit at least as large as physical memory is no limit', () => {
    const reader = createCgroupMemoryReader(fixture({ 'memory.max': `${128 * GIB}` }, '0::/\n'));
    expect(reader.limit()).toBeUndefined();
  });

  it('inside a cgroup namespace the own path may be missing: the nearest existing ancestor applies', () => {
    const reader = createCgroupMemoryReader(fixture({ 'memory.max': `${3 * GIB}` }, '0::/system.slice/docker-1\n'));
    expect(reader.limit()?.bytes).toBe(3 * GIB);
  });

  it('reads the files again on each call: a limit changed or lifted at run time shows', () => {
    const options = fixture({ 'memory.max': String(GIB), 'memory.current': '1' }, '0::/\n');
    const reader = createCgroupMemoryReader(options);
    expect(reader.limit()?.bytes).toBe(GIB);
    writeFileSync(join(options.cgroupRoot, 'memory.max'), String(2 * GIB));
    writeFileSync(join(options.cgroupRoot, 'memory.current'), '2');
    expect(reader.limit()?.bytes).toBe(2 * GIB);
    expect(reader.usageBytes()).toBe(2);
    writeFileSync(join(options.cgroupRoot, 'memory.max'), 'max\n');
    expect(reader.limit()).toBeUndefined();
  });
});

describe('cgroup v1', () => {
  it('reads memory.limit_in_bytes under the memory controller; its "unlimited" number is no limit', () => {
    const unlimited = fixture(
      { 'memory/memory.limit_in_bytes': V1_UNLIMITED, 'memory/memory.usage_in_bytes': '3826348032' },
      '4:memory:/process_api/abc\n0::/\n',
    );
    const reader = createCgroupMemoryReader(unlimited);
    expect(reader.version).toBe('cgroup-v1');
    expect(reader.limit()).toBeUndefined();
    expect(reader.usageBytes()).toBe(3826348032);
  });

  it("follows the memory controller's path (mounted alone or with others); the tightest level binds", () => {
    for (const line of ['9:memory:/docker/c1', '9:cpu,memory:/docker/c1']) {
      const options = fixture(
        {
          'memory/memory.limit_in_bytes': V1_UNLIMITED,
          'memory/docker/memory.limit_in_bytes': String(8 * GIB),
          'memory/docker/c1/memory.limit_in_bytes': String(2 * GIB),
          'memory/docker/c1/memory.usage_in_bytes': '99',
        },
        `12:pids:/other\n${line}\n1:name=systemd:/init.scope\n`,
      );
      const reader = createCgroupMemoryReader(options);
      expect(reader.limit(), line).toEqual({
        bytes: 2 * GIB,
        version: 'cgroup-v1',
        file: join(options.cgroupRoot, 'memory', 'docker', 'c1', 'memory.limit_in_bytes'),
      });
      expect(reader.usageBytes(), line).toBe(99);
    }
  });

  it('a root that is the memory mount itself works too', () => {
    const { cgroupRoot, totalMemBytes } = fixture({ 'memory.limit_in_bytes': String(3 * GIB) });
    expect(createCgroupMemoryReader({ cgroupRoot, totalMemBytes }).limit()).toMatchObject({
      bytes: 3 * GIB,
      version: 'cgroup-v1',
    });
  });

  it('a readable memory.max means v2: the memory controller is attached to one hierarchy only', () => {
    const reader = createCgroupMemoryReader(
      fixture({ 'memory.max': 'max', 'memory/memory.limit_in_bytes': String(GIB) }, '0::/\n4:memory:/\n'),
    );
    expect(reader.version).toBe('cgroup-v2');
    expect(reader.limit()).toBeUndefined();
  });
});

describe('missing and unreadable files', () => {
  it('no cgroup files (not Linux, or not mounted): no version, no limit, no usage', () => {
    const reader = createCgroupMemoryReader(fixture({}, ''));
    expect(reader.version).toBeUndefined();
    expect(reader.limit()).toBeUndefined();
    expect(reader.usageBytes()).toBeUndefined();
  });

  it('a missing self file: the root of the hierarchy is read', () => {
    const options = fixture({ 'memory.max': String(GIB) }); // no self file written
    expect(createCgroupMemoryReader(options).limit()?.bytes).toBe(GIB);
  });

  it('a level that cannot be read, or holds no number, is skipped; the others still bind', () => {
    const options = fixture(
      {
        'memory.max': `${5 * GIB}`,
        'a/memory.max': null, // a directory: reading it fails
        'a/b/memory.max': 'garbage\n',
      },
      '0::/a/b\n',
    );
    expect(createCgroupMemoryReader(options).limit()?.bytes).toBe(5 * GIB);
  });

  it('a limit without a usage file: the limit is read, usage is undefined', () => {
    const reader = createCgroupMemoryReader(fixture({ 'memory.max': String(GIB) }, '0::/\n'));
    expect(reader.limit()?.bytes).toBe(GIB);
    expect(reader.usageBytes()).toBeUndefined();
  });

  it('files removed after the reader was made (the cgroup is gone): undefined, never a throw', () => {
    const options = fixture({ 'memory.max': String(GIB), 'memory.current': '7' }, '0::/\n');
    const reader = createCgroupMemoryReader(options);
    expect(reader.usageBytes()).toBe(7);
    rmSync(join(options.cgroupRoot, 'memory.max'));
    rmSync(join(options.cgroupRoot, 'memory.current'));
    expect(reader.limit()).toBeUndefined();
    expect(reader.usageBytes()).toBeUndefined();
  });
});

describe('parseLimitBytes', () => {
  it('a number below physical memory is the limit; "max", huge numbers, zero and text are none', () => {
    expect(parseLimitBytes(`${GIB}\n`, 64 * GIB)).toBe(GIB);
    expect(parseLimitBytes('max\n', 64 * GIB)).toBeUndefined();
    expect(parseLimitBytes(V1_UNLIMITED, 64 * GIB)).toBeUndefined();
    expect(parseLimitBytes(String(64 * GIB), 64 * GIB)).toBeUndefined();
    expect(parseLimitBytes('0', 64 * GIB)).toBeUndefined();
    expect(parseLimitBytes('-1', 64 * GIB)).toBeUndefined();
    expect(parseLimitBytes('', 64 * GIB)).toBeUndefined();
  });
});
