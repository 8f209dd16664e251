// Differential test of init's script rewriting: every corpus script runs under `sh` with stub
// programs on PATH (they record their name, arguments and NODE_OPTIONS), once as written and once as
// init rewrote it, through the real `heapwise` CLI. The same commands must run with the same
// arguments, in the same order, with the same exit code and output; only NODE_OPTIONS/GOMEMLIMIT
// may differ, and then only by heapwise's flags: every other flag the script gave a command is
// still there, and a command whose heap size moved into .node-options still gets a heap size.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rewriteRootScript, rewriteTaskScript } from '../src/init/index.js';
import { parseTurboRunArgs } from '../src/turbo-args.js';
import { binPath, cleanEnv, packageDir, repoRoot } from './helpers.js';
import { cases, realWorld, type CorpusEntry } from './scripts/corpus.js';

// cross-env's `exports` expose neither its package.json nor its bin: it is installed at the root.
const crossEnvDir = join(repoRoot, 'node_modules', 'cross-env', 'dist', 'bin');
const SCRIPT_TIMEOUT_MS = 60_000;

/** Programs the corpus runs; each stub records itself and exits 0 (git prints a fake revision). */
const STUBS = [
  'node',
  'tsc',
  'tsc-alias',
  'vitest',
  'turbo',
  'next',
  'jest',
  'eslint',
  'rimraf',
  'prisma',
  'playwright',
  'jsr',
  'npm',
  'pnpm',
  'electron-vite',
  'tsx',
  'nodemon',
  'babel-node',
  'ts-node',
  'react-app-rewired',
  'ng',
  'vite',
  'git',
  'cat',
  'tee',
  'akfun',
];

let dir: string;
let stubDir: string;
let logFile: string;

function write(path: string, text: string, executable = false): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  if (executable) chmodSync(path, 0o755);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'heapwise-script-diff-'));
  stubDir = join(dir, 'stubs');
  logFile = join(dir, 'log');
  const record =
    `{ printf 'CMD %s\\n' "$(basename "$0")"; for a in "$@"; do printf 'ARG %s\\n' "$a"; done; ` +
    `printf 'NODE_OPTIONS %s\\n' "$NODE_OPTIONS"; } >> "$STUB_LOG"`;
  for (const name of STUBS) {
    // cat and tee read their input to the end before recording, so both sides of a pipe record in order.
    const before = name === 'cat' || name === 'tee' ? 'input=$(command -p cat 2>/dev/null)\n' : '';
    const after = name === 'git' ? `\nprintf 'deadbeef\\n'` : '';
    write(join(stubDir, name), `#!/bin/sh\n${before}${record}${after}\nexit 0\n`, true);
  }
  // Launchers that run their arguments, as the real ones do (only what they run is recorded).
  write(join(stubDir, 'npx'), `#!/bin/sh\nexec "$@"\n`, true);
  write(
    join(stubDir, 'dotenv'),
    `#!/bin/sh\nwhile [ $# -gt 0 ] && [ "$1" != "--" ]; do shift; done\nshift\nexec "$@"\n`,
    true,
  );
  // The real cross-env and heapwise, with the real Node (the stub \`node\` is first on PATH).
  for (const name of ['cross-env', 'cross-env-shell'])
    write(
      join(stubDir, name),
      `#!/bin/sh\nexec "${process.execPath}" "${join(crossEnvDir, `${name}.js`)}" "$@"\n`,
      true,
    );
  write(join(stubDir, 'heapwise'), `#!/bin/sh\nexec "${process.execPath}" "${binPath}" "$@"\n`, true);
  // A workspace for heapwise run/turbo to read.
  write(join(dir, 'ws', 'package.json'), JSON.stringify({ name: 'ws', private: true, workspaces: [] }));
  write(join(dir, 'ws', 'turbo.json'), JSON.stringify({ tasks: { build: {}, dev: { persistent: true } } }));
  write(
    join(dir, 'ws', '.node-options'),
    '[build]\n--max-old-space-size=4096\n[typecheck]\n--max-old-space-size=3072\n' +
      '[test]\n--max-old-space-size=2048\n--expose-gc\n[dev]\n--max-old-space-size=2048\n',
  );
  mkdirSync(join(dir, 'ws', 'dist'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly commands: { name: string; args: string[]; nodeOptions: string }[];
}

let runCounter = 0;
function runScript(script: string): Promise<Run> {
  const log = `${logFile}.${(runCounter += 1)}`;
  writeFileSync(log, '');
  const env = cleanEnv({
    PATH: `${stubDir}:/usr/bin:/bin`,
    STUB_LOG: log,
    HEAPWISE_CONCURRENCY: undefined,
    CI: 'true',
  });
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', script], { cwd: join(dir, 'ws'), env, timeout: SCRIPT_TIMEOUT_MS }, (error, stdout) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`sh did not run: ${error.message}`, { cause: error }));
        return;
      }
      const commands: Run['commands'] = [];
      for (const line of readFileSync(log, 'utf8').split('\n')) {
        if (line.startsWith('CMD ')) commands.push({ name: line.slice(4), args: [], nodeOptions: '' });
        else if (line.startsWith('ARG ')) commands[commands.length - 1]?.args.push(line.slice(4));
        else if (line.startsWith('NODE_OPTIONS ')) {
          const last = commands[commands.length - 1];
          if (last) last.nodeOptions = line.slice('NODE_OPTIONS '.length);
        }
      }
      resolve({ code: error ? Number(error.code) : 0, stdout, commands });
    });
  });
}

const TURBO_SUBCOMMANDS = new Set(['prune', 'watch', 'ls', 'gen', 'login', 'link']);
const HEAP = /^--max[-_]old[-_]space[-_]size=\d+$/;
const NODE_LIKE = new Set(['node', 'tsx', 'ts-node', 'babel-node']);

/** `heapwise run` starts a `node` command with this preload first (the V8 heap after its last major GC). */
const V8_HEAP_PRELOAD_ARGS = ['--require', join(packageDir, 'preload', 'v8-heap.cjs')];

/**
 * What must be equal: names and arguments, with the heap flag gone from Node's own options and the
 * preload that `heapwise run` puts first on a node command line (run.test.ts checks that it does), and for
 * turbo the `run` of its short form (`turbo lint` is `turbo run lint`) and the --concurrency that
 * `heapwise turbo` chooses (checked apart: never above the script's own).
 */
function comparable(run: Run): { name: string; args: string[] }[] {
  return run.commands.map(({ name, args }) => {
    let kept = NODE_LIKE.has(name) ? args.filter((arg) => !HEAP.test(arg)) : args;
    if (name === 'node' && kept[0] === V8_HEAP_PRELOAD_ARGS[0] && kept[1] === V8_HEAP_PRELOAD_ARGS[1])
      kept = kept.slice(2);
    if (name === 'turbo' && !TURBO_SUBCOMMANDS.has(kept[0] ?? '')) {
      // Tasks and options in turbo's own reading (options may come before or after the tasks).
      const parsed = parseTurboRunArgs(kept[0] === 'run' ? kept.slice(1) : kept);
      kept = [...parsed.tasks, '|', ...parsed.rest];
    }
    return { name, args: kept };
  });
}

function concurrencyOf(run: Run): number | undefined {
  const args = run.commands.find((command) => command.name === 'turbo')?.args ?? [];
  const at = args.indexOf('--concurrency');
  const value = at >= 0 ? args[at + 1] : args.find((arg) => arg.startsWith('--concurrency='))?.slice(14);
  return value === undefined ? undefined : Number(value);
}

function rewrite(entry: CorpusEntry) {
  if (!entry.root) return rewriteTaskScript(entry.task, entry.script);
  const task = ['build', 'typecheck', 'test', 'dev'].includes(entry.task) ? entry.task : undefined;
  return rewriteRootScript(entry.script, task);
}

const corpus = [
  ...realWorld.map((entry) => ({ ...entry, kind: 'real' })),
  ...cases.map((entry) => ({ ...entry, kind: 'case' })),
];

describe('init script rewriting', () => {
  it('has at least 40 real-world scripts', () => {
    expect(realWorld.length).toBeGreaterThanOrEqual(40);
  });

  it.each(corpus)(
    '$kind [$task] $script',
    async (entry) => {
      const result = rewrite(entry);
      if (entry.outcome === 'left') {
        expect(result.leftAlone, result.script).toEqual(expect.any(String));
        expect(result.script).toBe(entry.script);
        return;
      }
      expect(result.leftAlone).toBeUndefined();
      if (entry.outcome === 'unchanged') expect(result.script).toBe(entry.script);
      else expect(result.script).not.toBe(entry.script);
      // Idempotent: a second init changes nothing.
      const again = rewrite({ ...entry, script: result.script });
      expect(again.leftAlone).toBeUndefined();
      expect(again.script).toBe(result.script);

      const [before, after] = await Promise.all([runScript(entry.script), runScript(result.script)]);
      expect(comparable(after), result.script).toEqual(comparable(before));
      const ownConcurrency = concurrencyOf(before);
      if (ownConcurrency !== undefined) expect(concurrencyOf(after)).toBeLessThanOrEqual(ownConcurrency);
      expect(after.code).toBe(before.code);
      expect(after.stdout).toBe(before.stdout);
      for (const [index, command] of before.commands.entries()) {
        const flagsBefore = command.nodeOptions.split(/\s+/).filter((flag) => flag !== '');
        const flagsAfter = (after.commands[index]?.nodeOptions ?? '').split(/\s+/);
        // Every flag the script gave survives; a heap size that moved out still arrives, from .node-options.
        for (const flag of flagsBefore.filter((flag) => !HEAP.test(flag)))
          expect(flagsAfter, command.name).toContain(flag);
        const hadHeap =
          flagsBefore.some((flag) => HEAP.test(flag)) ||
          (NODE_LIKE.has(command.name) && command.args.some((arg) => HEAP.test(arg)));
        if (hadHeap)
          expect(
            flagsAfter.some((flag) => HEAP.test(flag)),
            `${command.name}: ${flagsAfter.join(' ')}`,
          ).toBe(true);
      }
    },
    SCRIPT_TIMEOUT_MS * 2,
  );
});
