// The hazard that keeps assumeChangesOnlyAffectDirectDependencies out of the build presets:
// after an API change, an incremental build with watch.json leaves a stale .d.ts wherever the
// changed type is reached through an `export *` barrel; library.json rebuilds it correctly.
// Observed on TypeScript 7, 6.0 and 5.9 alike, in the same project and across a reference.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compilers,
  createFixtureRoot,
  runTsc,
  testTimeoutMs,
  tsconfigExtending,
  type Compiler,
  type FixtureRoot,
} from './fixture.js';

const buildPreset = '@heapwise/tsconfig/library.json';
const watchPresets = ['@heapwise/tsconfig/library.json', '@heapwise/tsconfig/watch.json'];

const modelBefore = 'export const defaults = { id: 1 };\n';
/** The API change: a new field on an exported value whose type dependents inline. */
const modelAfter = "export const defaults = { id: 1, name: 'x' };\n";

/**
 * Package `a` exports `defaults` only through the barrel `index.ts`; `a/src/user.ts` (same
 * project) and package `b` (a project reference, importing `@fx/a`) copy it, so their .d.ts
 * inline its type and depend on model.ts only through the barrel.
 */
function writeTwoPackages(root: FixtureRoot, dir: string, presets: string | readonly string[]): string {
  root.write({
    [`${dir}/a/package.json`]: JSON.stringify({
      name: '@fx/a',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    }),
    [`${dir}/a/tsconfig.json`]: tsconfigExtending(presets),
    [`${dir}/a/src/model.ts`]: modelBefore,
    [`${dir}/a/src/index.ts`]: "export * from './model.js';\n",
    [`${dir}/a/src/user.ts`]: "import { defaults } from './index.js';\nexport const local = { ...defaults };\n",
    [`${dir}/b/package.json`]: JSON.stringify({ name: '@fx/b', type: 'module' }),
    [`${dir}/b/tsconfig.json`]: tsconfigExtending(presets, { references: [{ path: '../a' }] }),
    [`${dir}/b/src/index.ts`]: "import { defaults } from '@fx/a';\nexport const copy = { ...defaults };\n",
  });
  const projectDir = join(root.dir, dir);
  // b resolves @fx/a by name, as a sibling workspace package would.
  mkdirSync(join(projectDir, 'node_modules', '@fx'), { recursive: true });
  symlinkSync(join(projectDir, 'a'), join(projectDir, 'node_modules', '@fx', 'a'), 'dir');
  return projectDir;
}

async function build(compiler: Compiler, projectDir: string, extraArgs: readonly string[] = []): Promise<void> {
  const result = await runTsc(compiler, ['-b', ...extraArgs], join(projectDir, 'b'));
  expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(0);
}

/** Builds, applies the API change, builds again incrementally; returns both dependents' .d.ts. */
async function changeApiAndRebuild(
  compiler: Compiler,
  projectDir: string,
): Promise<{ sameProject: string; acrossReference: string }> {
  await build(compiler, projectDir);
  writeFileSync(join(projectDir, 'a/src/model.ts'), modelAfter);
  await build(compiler, projectDir);
  return {
    sameProject: readFileSync(join(projectDir, 'a/dist/user.d.ts'), 'utf8'),
    acrossReference: readFileSync(join(projectDir, 'b/dist/index.d.ts'), 'utf8'),
  };
}

/**
 * The layout the README recommends: tsconfig.json extends library.json, tsconfig.watch.json
 * layers watch.json over it (references repeated, since `extends` does not carry them).
 */
function writeWithWatchConfigs(root: FixtureRoot, dir: string): string {
  const projectDir = writeTwoPackages(root, dir, buildPreset);
  root.write({
    [`${dir}/a/tsconfig.watch.json`]: tsconfigExtending(['./tsconfig.json', '@heapwise/tsconfig/watch.json']),
    [`${dir}/b/tsconfig.watch.json`]: tsconfigExtending(['./tsconfig.json', '@heapwise/tsconfig/watch.json'], {
      references: [{ path: '../a/tsconfig.watch.json' }],
    }),
  });
  return projectDir;
}

let root: FixtureRoot;
beforeAll(() => {
  root = createFixtureRoot('stale-output');
});
afterAll(() => root.remove());

describe.each(compilers)('TypeScript $label incremental tsc -b after an API change', (compiler) => {
  describe.concurrent('through an export * barrel', () => {
    it('library.json re-emits every dependent declaration', { timeout: testTimeoutMs }, async () => {
      const projectDir = writeTwoPackages(root, `build-${compiler.label}`, buildPreset);
      const emitted = await changeApiAndRebuild(compiler, projectDir);
      expect(emitted.sameProject).toMatch(/name: string/);
      expect(emitted.acrossReference).toMatch(/name: string/);
    });

    it('library.json + watch.json leaves both dependent declarations stale', { timeout: testTimeoutMs }, async () => {
      const projectDir = writeTwoPackages(root, `watch-${compiler.label}`, watchPresets);
      const emitted = await changeApiAndRebuild(compiler, projectDir);
      // The new field is missing: the declaration still says { id: number }.
      expect(emitted.sameProject).toMatch(/id: number/);
      expect(emitted.sameProject).not.toMatch(/name: string/);
      expect(emitted.acrossReference).toMatch(/id: number/);
      expect(emitted.acrossReference).not.toMatch(/name: string/);
      // Only the incremental path is wrong: a forced full build with the same presets is right.
      await build(compiler, projectDir, ['--force']);
      expect(readFileSync(join(projectDir, 'b/dist/index.d.ts'), 'utf8')).toMatch(/name: string/);
      expect(readFileSync(join(projectDir, 'a/dist/user.d.ts'), 'utf8')).toMatch(/name: string/);
    });

    it(
      'a later library.json build in the same tree repairs what the watch build left stale',
      { timeout: testTimeoutMs },
      async () => {
        const projectDir = writeWithWatchConfigs(root, `repair-${compiler.label}`);
        await build(compiler, projectDir, ['tsconfig.watch.json']);
        writeFileSync(join(projectDir, 'a/src/model.ts'), modelAfter);
        await build(compiler, projectDir, ['tsconfig.watch.json']);
        expect(readFileSync(join(projectDir, 'b/dist/index.d.ts'), 'utf8')).not.toMatch(/name: string/);
        // watch.json keeps its own .tsbuildinfo: had it shared library.json's, this build
        // would report both projects up to date and keep the stale declarations.
        await build(compiler, projectDir);
        expect(readFileSync(join(projectDir, 'a/dist/user.d.ts'), 'utf8')).toMatch(/name: string/);
        expect(readFileSync(join(projectDir, 'b/dist/index.d.ts'), 'utf8')).toMatch(/name: string/);
      },
    );
  });
});
