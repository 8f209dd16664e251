import { describe, expect, it } from 'vitest';
import { ancestorPaths, parseSelfCgroup } from '../src/index.js';

describe('parseSelfCgroup', () => {
  it('v2: the line without controllers', () => {
    expect(parseSelfCgroup('0::/kubepods/pod1\n')).toEqual({ v2: '/kubepods/pod1', v1Memory: undefined });
  });

  it("v1: the memory controller's line, alone or mounted with others; other controllers are ignored", () => {
    const text = '12:pids:/a\n4:memory:/docker/c1\n1:name=systemd:/init.scope\n0::/\n';
    expect(parseSelfCgroup(text)).toEqual({ v2: '/', v1Memory: '/docker/c1' });
    expect(parseSelfCgroup('3:cpu,memory:/x\n').v1Memory).toBe('/x');
    expect(parseSelfCgroup('3:memoryx:/x\n').v1Memory).toBeUndefined();
  });

  it('a path containing ":" is kept whole; lines that are not cgroup lines are skipped', () => {
    expect(parseSelfCgroup('garbage\n0::/a:b\n\n')).toEqual({ v2: '/a:b', v1Memory: undefined });
    expect(parseSelfCgroup('')).toEqual({ v2: undefined, v1Memory: undefined });
  });
});

describe('ancestorPaths', () => {
  it('the cgroup first, then each parent up to the root', () => {
    expect(ancestorPaths('/a/b/c')).toEqual(['a/b/c', 'a/b', 'a', '']);
    expect(ancestorPaths('/')).toEqual(['']);
    expect(ancestorPaths('')).toEqual(['']);
  });
});
