import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  argsSetThreads,
  chooseTscThreads,
  TSC_DEFAULT_CHECKERS,
  tscThreadArgs,
  tsconfigSetsThreads,
  typescriptMajor,
} from '../src/tsc-threads.js';
import { fixtureDir, repoRoot } from './helpers.js';

const GIB = 1024 ** 3;

describe('TypeScript 7 thread rule', () => {
  it('one CPU for the task: single-threaded', () => {
    expect(chooseTscThreads({ cpus: 2, concurrency: 2, memoryShareBytes: 4 * GIB, build: true })).toEqual({
      checkers: 1,
      builders: 1,
      singleThreaded: true,
    });
    expect(tscThreadArgs(chooseTscThreads({ cpus: 1, concurrency: 1, memoryShareBytes: GIB, build: false }))).toEqual([
      '--singleThreaded',
    ]);
  });

  it('checkers follow the CPUs, at most the default and what the memory share allows; builders take the rest', () => {
    expect(chooseTscThreads({ cpus: 2, concurrency: 1, memoryShareBytes: 4 * GIB, build: false })).toEqual({
      checkers: 2,
      builders: null,
      singleThreaded: false,
    });
    expect(chooseTscThreads({ cpus: 16, concurrency: 2, memoryShareBytes: 8 * GIB, build: true })).toEqual({
      checkers: TSC_DEFAULT_CHECKERS,
      builders: 2,
      singleThreaded: false,
    });
    const tight = chooseTscThreads({ cpus: 16, concurrency: 2, memoryShareBytes: 0.5 * GIB, build: true });
    expect(tight).toEqual({ checkers: 2, builders: 4, singleThreaded: false });
    expect(tscThreadArgs(tight)).toEqual(['--checkers', '2', '--builders', '4']);
  });

  it('sees thread flags already on the command line or in the project tsconfig', async () => {
    expect(argsSetThreads(['-b', '--checkers', '2'])).toBe(true);
    expect(argsSetThreads(['-b', '--singleThreaded'])).toBe(true);
    expect(argsSetThreads(['-b', '--builders=3'])).toBe(true);
    expect(argsSetThreads(['-b', '--verbose'])).toBe(false);
    const dir = fixtureDir({
      'tsconfig.json': '{ // comment\n "compilerOptions": { "checkers": 2, } }',
      'sub/tsconfig.build.json': '{ "compilerOptions": { "strict": true } }',
    });
    expect(await tsconfigSetsThreads(['-b'], dir)).toBe(true);
    expect(await tsconfigSetsThreads(['-p', 'sub/tsconfig.build.json'], dir)).toBe(false);
    expect(await tsconfigSetsThreads(['-b', 'sub/tsconfig.build.json'], dir)).toBe(false);
  });

  it('finds the TypeScript version of the tsc on PATH: 7 for the root typescript, 5 for the 5.9 alias', () => {
    const bin = join(repoRoot, 'node_modules', '.bin');
    expect(typescriptMajor('tsc', { PATH: bin }, repoRoot)).toBe(7);
    const old = fixtureDir({});
    mkdirSync(join(old, 'bin'));
    symlinkSync(join(repoRoot, 'node_modules', 'typescript-5.9', 'bin', 'tsc'), join(old, 'bin', 'tsc'));
    expect(typescriptMajor('tsc', { PATH: join(old, 'bin') }, old)).toBe(5);
    expect(typescriptMajor('vitest', { PATH: bin }, repoRoot)).toBeUndefined();
    expect(typescriptMajor('tsc', { PATH: '' }, old)).toBeUndefined();
  });
});
