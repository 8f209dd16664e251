import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { childrenOf, commandLine, readProcessMemory } from '../src/process-tree.js';
import { formatMiB } from '../src/size.js';

describe('formatMiB', () => {
  it('prints MiB with the given decimals, n/a for a missing figure', () => {
    expect(formatMiB(52428800)).toBe('50.0 MiB');
    expect(formatMiB(1.5 * 1048576, 0)).toBe('2 MiB');
    expect(formatMiB(undefined)).toBe('n/a');
    expect(formatMiB(Number.NaN)).toBe('n/a');
  });
});

describe.skipIf(!existsSync('/proc/self/smaps_rollup'))('one process from /proc', () => {
  it("reads this process's memory and command line, and a child it started", async () => {
    const memory = readProcessMemory(process.pid);
    expect(memory?.rssBytes).toBeGreaterThan(memory?.pssBytes ?? Infinity);
    expect(memory?.pssBytes).toBeGreaterThan(memory?.privateBytes ?? Infinity);
    expect(memory?.privateBytes).toBeGreaterThan(0);
    expect(commandLine(process.pid)[0]).toBe(process.argv[0]);

    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    expect(childrenOf(process.pid)).toContain(child.pid);
    expect(commandLine(child.pid!).at(-1)).toBe('30');
    child.kill('SIGKILL');
    await exited;
    expect(childrenOf(process.pid)).not.toContain(child.pid);
    expect(readProcessMemory(child.pid!)).toBeUndefined();
    expect(commandLine(child.pid!)).toEqual([]);
  });
});
