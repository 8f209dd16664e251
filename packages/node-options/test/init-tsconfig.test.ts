// The adoption invariant: for every tsconfig in a fixture monorepo, `tsc --showConfig` after
// `heapwise init` equals the output before except for the memory-only keys of
// @heapwise/tsconfig/adopt.json, the changes init reports are exactly those, and
// the program loads the same files (on 7: prints the same diagnostics). Under TypeScript 7 and 5.9.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADOPT_OPTIONS, applyInit, extendAdoptPreset, planInit } from '../src/init/index.js';
import { repoRoot, writeTree } from './init-fixtures.js';
import { tsconfigShapes } from './tsconfig-shapes.js';

const require = createRequire(import.meta.url);
/**
 * `diagnostics`: also compare a full `--noEmit` typecheck. Only on 7 (native, fast): on 5.9 the
 * same program with the same options is compared through --showConfig and --listFilesOnly, which
 * lists every file the program loads (automatic @types included) without checking them.
 */
const compilers = [
  { label: '7', bin: join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc'), diagnostics: true },
  {
    label: '5.9',
    bin: join(dirname(require.resolve('typescript-5.9/package.json')), 'bin', 'tsc'),
    diagnostics: false,
  },
];
const TSC_TIMEOUT_MS = 120_000;

/** Output with the fixture's own folder replaced, so that the two copies compare equal. */
function normalized(out: string, root: string): string {
  return out.split(root).join('<root>');
}

function tsc(bin: string, args: string[], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, timeout: TSC_TIMEOUT_MS, maxBuffer: 8 << 20 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number')
          reject(new Error(`tsc did not run: ${error.message}`, { cause: error }));
        else resolve({ code: error ? Number(error.code) : 0, out: stdout + stderr });
      },
    );
  });
}

function tsconfigFiles(root: string, dir = ''): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : tsconfigFiles(root, path);
    return dir.includes('/') && /^tsconfig.*\.json$/.test(entry.name) ? [path] : [];
  });
}

let before: string;
let after: string;
let optionChanges: readonly string[];
const removals: (() => void)[] = [];

beforeAll(() => {
  const tree = writeTree(tsconfigShapes());
  removals.push(tree.remove);
  before = tree.root;
  after = `${tree.root}-after`;
  cpSync(before, after, { recursive: true });
  removals.push(() => rmSync(after, { recursive: true, force: true }));
  // Installed as after `npm install`: the preset resolves by package name.
  mkdirSync(join(after, 'node_modules', '@heapwise'), { recursive: true });
  symlinkSync(join(repoRoot, 'packages', 'tsconfig'), join(after, 'node_modules', '@heapwise', 'tsconfig'), 'dir');
  const plan = planInit(after, { versionRange: '^0.0.0' });
  applyInit(plan);
  optionChanges = plan.optionChanges;
});

afterAll(() => {
  for (const remove of removals) remove();
});

describe('heapwise init keeps every tsconfig meaning the same', () => {
  it('edits every package tsconfig.json and reports its effective changes', () => {
    const edited = tsconfigFiles(after).filter((path) =>
      readFileSync(join(after, path), 'utf8').includes('adopt.json'),
    );
    expect(edited.sort()).toEqual([
      'apps/web/tsconfig.json',
      'packages/consumer/tsconfig.json',
      'packages/jesty/tsconfig.json',
      'packages/legacy/tsconfig.json',
      'packages/split/tsconfig.json',
      'packages/tooling/tsconfig.json',
    ]);
    // tsconfig.test.json extends the edited tsconfig.json: its changes are listed too.
    expect(optionChanges.map((line) => line.split(':')[0]).sort()).toEqual(
      [...edited, 'packages/jesty/tsconfig.test.json'].sort(),
    );
  });

  for (const compiler of compilers) {
    it(`TypeScript ${compiler.label}: --showConfig differs only by the adopt keys, same typecheck output`, async () => {
      const files = tsconfigFiles(before);
      expect(files.length).toBeGreaterThanOrEqual(8);
      for (const file of files) {
        const cwd = dirname(file);
        const name = relative(cwd, file);
        const check = compiler.diagnostics ? ['--noEmit', '--pretty', 'false', '--listFiles'] : ['--listFilesOnly'];
        const [shownBefore, shownAfter, checkBefore, checkAfter] = await Promise.all([
          tsc(compiler.bin, ['--showConfig', '-p', name], join(before, cwd)),
          tsc(compiler.bin, ['--showConfig', '-p', name], join(after, cwd)),
          tsc(compiler.bin, ['-p', name, ...check], join(before, cwd)),
          tsc(compiler.bin, ['-p', name, ...check], join(after, cwd)),
        ]);
        expect(shownBefore.code, `${file}: ${shownBefore.out}`).toBe(0);
        expect(shownAfter.code, `${file}: ${shownAfter.out}`).toBe(0);
        const configBefore = JSON.parse(normalized(shownBefore.out, before)) as {
          compilerOptions?: Record<string, unknown>;
        };
        const configAfter = JSON.parse(normalized(shownAfter.out, after)) as {
          compilerOptions?: Record<string, unknown>;
        };
        const added = Object.fromEntries(
          Object.entries(configAfter.compilerOptions ?? {}).filter(
            ([key]) => !(key in (configBefore.compilerOptions ?? {})),
          ),
        );
        // Everything but the added adopt keys is identical: files, include, exclude, every option and its value.
        const withoutAdded = { ...configAfter, compilerOptions: { ...configAfter.compilerOptions } };
        for (const key of Object.keys(added)) delete withoutAdded.compilerOptions[key];
        expect(withoutAdded, file).toEqual(configBefore);
        for (const [key, value] of Object.entries(added)) expect(ADOPT_OPTIONS[key], `${file}: ${key}`).toEqual(value);
        // What init printed for this file lists exactly the keys that changed.
        const line = optionChanges.find((entry) => entry.startsWith(`${file}:`));
        const reported = line ? Object.keys(ADOPT_OPTIONS).filter((key) => line.includes(`${key}:`)) : [];
        expect(reported.sort(), `${file}: ${line}`).toEqual(Object.keys(added).sort());
        // The same program (every file it loads), and on 7 the same diagnostics.
        expect({ code: checkAfter.code, out: normalized(checkAfter.out, after) }, file).toEqual({
          code: checkBefore.code,
          out: normalized(checkBefore.out, before),
        });
      }
    }, 300_000);
  }
});

describe('the adopt edit', () => {
  it('carries exactly the options of packages/tsconfig/adopt.json', () => {
    const preset = JSON.parse(readFileSync(join(repoRoot, 'packages', 'tsconfig', 'adopt.json'), 'utf8')) as {
      compilerOptions: Record<string, unknown>;
      extends?: unknown;
      include?: unknown;
    };
    expect(preset.compilerOptions).toEqual(ADOPT_OPTIONS);
    expect(preset.extends).toBeUndefined();
    expect(preset.include).toBeUndefined();
  });

  it('goes after $schema, keeps a one-line extends array on one line, and is idempotent', () => {
    expect(extendAdoptPreset('a', '{\n  "$schema": "x",\n  "compilerOptions": {}\n}\n')).toBe(
      '{\n  "$schema": "x",\n  "extends": "@heapwise/tsconfig/adopt.json",\n  "compilerOptions": {}\n}\n',
    );
    expect(extendAdoptPreset('a', '{ "extends": ["./a.json", "./b.json"], "include": ["src"] }')).toBe(
      '{ "extends": ["@heapwise/tsconfig/adopt.json", "./a.json", "./b.json"], "include": ["src"] }',
    );
    expect(extendAdoptPreset('a', '{\n  "extends": [\n    "./a.json"\n  ]\n}\n')).toBe(
      '{\n  "extends": [\n    "@heapwise/tsconfig/adopt.json",\n    "./a.json"\n  ]\n}\n',
    );
    expect(extendAdoptPreset('a', '{ "extends": "./a.json" }')).toBe(
      '{ "extends": ["@heapwise/tsconfig/adopt.json", "./a.json"] }',
    );
    const once = extendAdoptPreset('a', '{ "extends": "./a.json" }');
    expect(extendAdoptPreset('a', once)).toBe(once);
    // A project that already extends a full preset is left alone.
    expect(extendAdoptPreset('a', '{ "extends": "@heapwise/tsconfig/library.json" }')).toBe(
      '{ "extends": "@heapwise/tsconfig/library.json" }',
    );
  });
});
