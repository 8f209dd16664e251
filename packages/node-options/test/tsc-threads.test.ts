import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  argsSetThreads,
  chooseTscThreads,
  TSC_DEFAULT_CHECKERS,
  tscThreadArgs,
  tsconfigSetsThreads,
  typescriptMajor,
} from '../src/tsc-threads.js';
import { cgroupV2Root, cleanEnv, fixtureDir, GIB, repoRoot, runCli } from './helpers.js';

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

// A stand-in tsc inside a package named typescript at `version`: prints the arguments it was given.
function fakeTypescript(
  version: string,
  nodeOptions = '[build]\n--max-old-space-size=1024\n',
): { cwd: string; env: NodeJS.ProcessEnv } {
  const cwd = fixtureDir({
    '.node-options': nodeOptions,
    'package.json': JSON.stringify({ name: '@acme/web' }),
    'node_modules/typescript/package.json': JSON.stringify({ name: 'typescript', version }),
    'node_modules/typescript/bin/tsc': '#!/usr/bin/env node\nconsole.log(JSON.stringify(process.argv.slice(2)));\n',
    'tsconfig.json': '{}',
  });
  chmodSync(join(cwd, 'node_modules', 'typescript', 'bin', 'tsc'), 0o755);
  mkdirSync(join(cwd, 'node_modules', '.bin'));
  symlinkSync(join('..', 'typescript', 'bin', 'tsc'), join(cwd, 'node_modules', '.bin', 'tsc'));
  const env = cleanEnv({
    PATH: `${join(cwd, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}`,
    HEAPWISE_CGROUP_ROOT: cgroupV2Root(16 * GIB),
    HEAPWISE_CONCURRENCY: '1',
  });
  return { cwd, env };
}

async function tscArgs(version: string, args: string[], concurrency = '1', nodeOptions?: string): Promise<string[]> {
  const { cwd, env } = fakeTypescript(version, nodeOptions);
  const result = await runCli(['run', 'build', '--', 'tsc', ...args], {
    cwd,
    env: { ...env, HEAPWISE_CONCURRENCY: concurrency },
  });
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as string[];
}

describe('heapwise run with tsc', () => {
  const cpus = availableParallelism();
  // 16 GiB × 0.75 ÷ tasks at once
  const expected = (concurrency: number, build: boolean): string[] =>
    tscThreadArgs(chooseTscThreads({ cpus, concurrency, memoryShareBytes: (12 * GIB) / concurrency, build }));

  it("adds thread flags to TypeScript 7's tsc from the task's share", async () => {
    expect(await tscArgs('7.0.2', ['-b'])).toEqual(['-b', ...expected(1, true)]);
    expect(await tscArgs('7.0.2', ['--noEmit'], '8')).toEqual(['--noEmit', '--singleThreaded']);
  });

  it('leaves them alone when the command line or the tsconfig says, and for TypeScript 5.9 and 6.0', async () => {
    expect(await tscArgs('7.0.2', ['-b', '--checkers', '3'])).toEqual(['-b', '--checkers', '3']);
    expect(await tscArgs('7.0.2', ['-b', '--singleThreaded'])).toEqual(['-b', '--singleThreaded']);
    expect(await tscArgs('5.9.3', ['-b'])).toEqual(['-b']);
    expect(await tscArgs('6.0.2', ['--noEmit'], '8')).toEqual(['--noEmit']);
    const { cwd, env } = fakeTypescript('7.0.2');
    writeFileSync(join(cwd, 'tsconfig.json'), '{ "compilerOptions": { "singleThreaded": false } }');
    const result = await runCli(['run', 'build', '--', 'tsc', '-b'], { cwd, env });
    expect(JSON.parse(result.stdout)).toEqual(['-b']);
  });

  it("takes the task's @tsc lines instead of its own rule, after the command line and tsconfig", async () => {
    const file = '[build]\n--max-old-space-size=1024\n@tsc --checkers 2\n@tsc --builders 1\n';
    expect(await tscArgs('7.0.2', ['-b'], '1', file)).toEqual(['-b', '--checkers', '2', '--builders', '1']);
    expect(await tscArgs('7.0.2', ['-b', '--singleThreaded'], '1', file)).toEqual(['-b', '--singleThreaded']);
    // TypeScript 5.9 and 6.0 reject the flags (and are single-threaded anyway): nothing is passed.
    expect(await tscArgs('5.9.3', ['-b'], '1', file)).toEqual(['-b']);
    // A package's own section replaces the task's: --singleThreaded against a thread count.
    const own = `${file}[@acme/web#build]\n@tsc --singleThreaded\n`;
    expect(await tscArgs('7.0.2', ['-b'], '8', own)).toEqual(['-b', '--singleThreaded']);
    // Other commands of the task do not get them, and NODE_OPTIONS never does.
    const { cwd, env } = fakeTypescript('7.0.2', file);
    const node = await runCli(
      ['run', 'build', '--', process.execPath, '-p', 'process.argv.length + " " + process.env.NODE_OPTIONS'],
      {
        cwd,
        env,
      },
    );
    expect(node.stdout.trim()).toBe('1 --max-old-space-size=1024');
  });

  it('heapwise print says which threads the @tsc lines chose', async () => {
    const { cwd, env } = fakeTypescript('7.0.2', '[build]\n@tsc --checkers 3\n');
    const printed = await runCli(['print', 'build', '--format', 'json'], { cwd, env });
    expect(printed.code).toBe(0);
    const json = JSON.parse(printed.stdout) as { tsc: unknown; nodeOptions: string };
    expect(json.tsc).toEqual({
      checkers: 3,
      builders: null,
      singleThreaded: false,
      flags: ['--checkers', '3'],
      source: 'node-options',
    });
    expect(json.nodeOptions).not.toContain('checkers');
    const rule = await runCli(['print', 'build', '--format', 'json'], { ...fakeTypescript('7.0.2'), env });
    expect((JSON.parse(rule.stdout) as { tsc: { source: string } }).tsc.source).toBe('heapwise');
  });
});

describe('@tsc lines in .node-options', () => {
  it('take only the thread flags, with positive counts, and are refused otherwise (file:line, exit 2)', async () => {
    const { cwd, env } = fakeTypescript(
      '7.0.2',
      '[build]\n@tsc --max-old-space-size=512\n@tsc --checkers\n@tsc --builders 0\n@tsc --singleThreaded=2\n',
    );
    const result = await runCli(['run', 'build', '--', 'tsc', '-b'], { cwd, env });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      ".node-options:2: '@tsc' lines take TypeScript 7's thread flags (--checkers, --builders, --singleThreaded), " +
        'got --max-old-space-size',
    );
    expect(result.stderr).toContain('.node-options:3: --checkers expects a positive integer, got nothing');
    expect(result.stderr).toContain(".node-options:4: --builders expects a positive integer, got '0'");
    expect(result.stderr).toContain('.node-options:5: --singleThreaded takes no value');
  });
});
