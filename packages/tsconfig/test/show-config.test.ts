// `tsc --showConfig` on a fixture extending each preset, under TypeScript 7, 6.0 and 5.9:
// the preset resolves by package name and carries exactly the flags the README promises.
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compilers,
  runTsc,
  createFixtureRoot,
  showConfig,
  testTimeoutMs,
  tsconfigExtending,
  type FixtureRoot,
} from './fixture.js';

/** Editor-only flags every base carries (they act in tsserver only). */
const editorFlags = [
  'disableReferencedProjectLoad',
  'disableSourceOfProjectReferenceRedirect',
  'disableSolutionSearching',
];

interface PresetCase {
  readonly name: string;
  readonly extends: string | readonly string[];
  /** compilerOptions that must appear with these values. */
  readonly expected: Record<string, unknown>;
  /** compilerOptions that must be absent. */
  readonly absent: readonly string[];
  /** Paths (relative to the fixture) that rootDir/outDir/tsBuildInfoFile must resolve to. */
  readonly paths?: Record<string, string>;
  /**
   * Flags TypeScript 7 accepts (no TS5023) but leaves out of --showConfig output, as it
   * does for other console-only options such as `pretty`.
   */
  readonly hiddenBy7?: readonly string[];
}

const baseExpected = {
  skipLibCheck: true,
  types: ['node'],
  forceConsistentCasingInFileNames: true,
  strict: true,
  module: 'nodenext',
  ...Object.fromEntries(editorFlags.map((flag) => [flag, true])),
};

const watchOnly = ['assumeChangesOnlyAffectDirectDependencies', 'preserveWatchOutput'];

const libraryPaths = { rootDir: 'src', outDir: 'dist', tsBuildInfoFile: 'dist/tsconfig.tsbuildinfo' };

const cases: readonly PresetCase[] = [
  {
    name: 'base',
    extends: '@heapwise/tsconfig/base.json',
    expected: { ...baseExpected, target: 'es2022', lib: ['es2023'] },
    absent: [...watchOnly, 'composite'],
  },
  {
    name: 'node22',
    extends: '@heapwise/tsconfig/node22.json',
    expected: { ...baseExpected, target: 'es2022' },
    absent: [...watchOnly, 'composite'],
  },
  {
    name: 'node24',
    extends: '@heapwise/tsconfig/node24.json',
    expected: { ...baseExpected, target: 'es2024' },
    absent: [...watchOnly, 'composite'],
  },
  {
    name: 'library',
    extends: '@heapwise/tsconfig/library.json',
    expected: {
      ...baseExpected,
      composite: true,
      declaration: true,
      declarationMap: true,
      incremental: true,
      sourceMap: true,
    },
    absent: watchOnly,
    paths: libraryPaths,
  },
  {
    name: 'service',
    extends: '@heapwise/tsconfig/service.json',
    expected: { ...baseExpected, composite: true, incremental: true, sourceMap: true },
    absent: watchOnly,
    paths: libraryPaths,
  },
  {
    name: 'test',
    extends: '@heapwise/tsconfig/test.json',
    expected: { ...baseExpected, noEmit: true },
    absent: [...watchOnly, 'composite'],
    paths: { rootDir: '.' },
  },
  {
    // The adoption overlay: memory-only editor flags, nothing that changes what compiles or where output goes.
    name: 'adopt',
    extends: '@heapwise/tsconfig/adopt.json',
    expected: { disableReferencedProjectLoad: true, disableSolutionSearching: true },
    absent: [
      ...watchOnly,
      'disableSourceOfProjectReferenceRedirect',
      'skipLibCheck',
      'types',
      'strict',
      'module',
      'moduleResolution',
      'target',
      'lib',
      'composite',
      'incremental',
      'declaration',
      'rootDir',
      'outDir',
      'tsBuildInfoFile',
      'noEmit',
      'forceConsistentCasingInFileNames',
    ],
  },
  {
    name: 'library + watch',
    extends: ['@heapwise/tsconfig/library.json', '@heapwise/tsconfig/watch.json'],
    expected: {
      ...baseExpected,
      composite: true,
      assumeChangesOnlyAffectDirectDependencies: true,
      preserveWatchOutput: true,
    },
    absent: [],
    // Its own build-info file, so a later build with library.json does not trust watch state.
    paths: { ...libraryPaths, tsBuildInfoFile: 'dist/tsconfig.watch.tsbuildinfo' },
    hiddenBy7: ['preserveWatchOutput'],
  },
  {
    // The documented order for Node 24: the kind of project first, the Node base last.
    name: 'library + node24',
    extends: ['@heapwise/tsconfig/library.json', '@heapwise/tsconfig/node24.json'],
    expected: { ...baseExpected, composite: true, declaration: true, target: 'es2024' },
    absent: watchOnly,
    paths: libraryPaths,
  },
  {
    name: 'service + node22',
    extends: ['@heapwise/tsconfig/service.json', '@heapwise/tsconfig/node22.json'],
    expected: { ...baseExpected, composite: true, target: 'es2022' },
    absent: watchOnly,
    paths: libraryPaths,
  },
];

let root: FixtureRoot;
beforeAll(() => {
  root = createFixtureRoot('show-config');
  const project = (dir: string, presets: string | readonly string[]): void => {
    root.write({
      [`${dir}/tsconfig.json`]: tsconfigExtending(presets),
      [`${dir}/src/index.ts`]: 'export const answer: number = 42;\n',
      [`${dir}/test/index.test.ts`]: 'export {};\n',
    });
  };
  cases.forEach((preset, index) => project(`p${index}`, preset.extends));
  // The pitfall the README warns about: a kind preset listed after the Node base brings
  // the Node 20 base (which it extends) back over it.
  project('wrong-order', ['@heapwise/tsconfig/node24.json', '@heapwise/tsconfig/library.json']);
  // Why TypeScript 7's runtime knobs stay out of the presets.
  root.write({
    'ts7-knobs/tsconfig.json': tsconfigExtending('@heapwise/tsconfig/base.json', {
      compilerOptions: { checkers: 2, singleThreaded: true },
    }),
    'ts7-knobs/src/index.ts': 'export const answer: number = 42;\n',
  });
});
afterAll(() => root.remove());

describe.each(compilers)('TypeScript $label --showConfig', (compiler) => {
  describe.concurrent('presets', () => {
    cases.forEach((preset, index) => {
      it(`${preset.name} resolves with its flags`, { timeout: testTimeoutMs }, async () => {
        const projectDir = join(root.dir, `p${index}`);
        const shown = await showConfig(compiler, projectDir);
        for (const [flag, value] of Object.entries(preset.expected)) {
          if (compiler.major === 7 && preset.hiddenBy7?.includes(flag)) {
            expect(shown.compilerOptions, flag).not.toHaveProperty(flag);
          } else {
            expect(shown.compilerOptions[flag], flag).toEqual(value);
          }
        }
        for (const flag of preset.absent) {
          expect(shown.compilerOptions, flag).not.toHaveProperty(flag);
        }
        if (preset.absent.includes('assumeChangesOnlyAffectDirectDependencies')) {
          // Not anywhere in the resolved config: the build presets must never assume it.
          expect(JSON.stringify(shown)).not.toContain('assumeChangesOnlyAffectDirectDependencies');
        }
        // ${configDir} makes the paths land in the consuming project, not in node_modules.
        for (const [flag, relativePath] of Object.entries(preset.paths ?? {})) {
          expect(resolve(projectDir, String(shown.compilerOptions[flag])), flag).toBe(
            resolve(projectDir, relativePath),
          );
        }
      });
    });

    it('node24 before library loses to the Node 20 base inside library.json', { timeout: testTimeoutMs }, async () => {
      const shown = await showConfig(compiler, join(root.dir, 'wrong-order'));
      expect(shown.compilerOptions['composite']).toBe(true);
      expect(shown.compilerOptions['target']).toBe('es2022');
      expect(shown.compilerOptions['lib']).toEqual(['es2023']);
    });

    it('checkers and singleThreaded are accepted by 7 only', { timeout: testTimeoutMs }, async () => {
      const result = await runTsc(compiler, ['--showConfig', '-p', '.'], join(root.dir, 'ts7-knobs'));
      const output = `${result.stdout}${result.stderr}`;
      if (compiler.major === 7) {
        expect(result.exitCode, output).toBe(0);
      } else {
        expect(result.exitCode).not.toBe(0);
        expect(output).toContain("error TS5025: Unknown compiler option 'checkers'.");
        expect(output).toContain("error TS5023: Unknown compiler option 'singleThreaded'.");
      }
    });
  });
});
