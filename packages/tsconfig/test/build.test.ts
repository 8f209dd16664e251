// A fixture library and a fixture service that extend the presets by package name build
// with a real `tsc -b` under TypeScript 7, 6.0 and 5.9, and emit where ${configDir} says.
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compilers,
  createFixtureRoot,
  presetPackageDir,
  runTsc,
  testTimeoutMs,
  tsconfigExtending,
  type FixtureRoot,
} from './fixture.js';

interface Flavour {
  readonly name: string;
  readonly library: string | readonly string[];
  readonly service: string | readonly string[];
  readonly test: string | readonly string[];
  /** Source that only type-checks with this flavour's `lib`. */
  readonly libraryExtra: string;
}

const flavours: readonly Flavour[] = [
  {
    name: 'node20',
    library: '@heapwise/tsconfig/library.json',
    service: '@heapwise/tsconfig/service.json',
    test: '@heapwise/tsconfig/test.json',
    libraryExtra: 'export const last = [3, 1, 2].toSorted().at(-1);\n', // es2023
  },
  {
    name: 'node24',
    library: ['@heapwise/tsconfig/library.json', '@heapwise/tsconfig/node24.json'],
    service: ['@heapwise/tsconfig/service.json', '@heapwise/tsconfig/node24.json'],
    test: ['@heapwise/tsconfig/test.json', '@heapwise/tsconfig/node24.json'],
    libraryExtra: 'export const grouped = Object.groupBy([1, 2, 3], (n) => (n % 2 ? "odd" : "even"));\n', // es2024
  },
];

function writeMonorepo(root: FixtureRoot, dir: string, flavour: Flavour): string {
  root.write({
    [`${dir}/lib/package.json`]: JSON.stringify({
      name: '@fx/lib',
      type: 'module',
      exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } },
    }),
    [`${dir}/lib/tsconfig.json`]: tsconfigExtending(flavour.library),
    [`${dir}/lib/tsconfig.test.json`]: tsconfigExtending(flavour.test),
    [`${dir}/lib/src/greet.ts`]: 'export function greet(name: string): string {\n  return `hello ${name}`;\n}\n',
    [`${dir}/lib/src/extra.ts`]: flavour.libraryExtra,
    [`${dir}/lib/src/index.ts`]: "export * from './greet.js';\nexport * from './extra.js';\n",
    // Excluded from the build by library.json, type-checked by test.json.
    [`${dir}/lib/src/greet.test.ts`]:
      "import { greet } from './greet.js';\nexport const greeting: string = greet('test');\n",
    [`${dir}/lib/test/index.test.ts`]:
      "import { greet } from '../src/index.js';\nexport const checked: string = greet('x');\n",
    [`${dir}/service/package.json`]: JSON.stringify({ name: '@fx/service', type: 'module' }),
    [`${dir}/service/tsconfig.json`]: tsconfigExtending(flavour.service, { references: [{ path: '../lib' }] }),
    [`${dir}/service/src/main.ts`]: [
      "import { createServer } from 'node:http';",
      "import { greet } from '@fx/lib';",
      'export const server = createServer((_request, response) => response.end(greet("service")));',
      '',
    ].join('\n'),
  });
  const projectDir = join(root.dir, dir);
  mkdirSync(join(projectDir, 'node_modules', '@fx'), { recursive: true });
  symlinkSync(join(projectDir, 'lib'), join(projectDir, 'node_modules', '@fx', 'lib'), 'dir');
  return projectDir;
}

let root: FixtureRoot;
beforeAll(() => {
  root = createFixtureRoot('build');
});
afterAll(() => root.remove());

describe.each(compilers)('TypeScript $label', (compiler) => {
  describe.concurrent.each(flavours)('$name library + service', (flavour) => {
    it('tsc -b builds both and emits into each project', { timeout: testTimeoutMs }, async () => {
      const projectDir = writeMonorepo(root, `${flavour.name}-${compiler.label}`, flavour);
      const result = await runTsc(compiler, ['-b'], join(projectDir, 'service'));
      expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(0);

      expect(readdirSync(join(projectDir, 'lib/dist')).sort()).toEqual(
        [
          'extra.d.ts',
          'extra.d.ts.map',
          'extra.js',
          'extra.js.map',
          'greet.d.ts',
          'greet.d.ts.map',
          'greet.js',
          'greet.js.map',
          'index.d.ts',
          'index.d.ts.map',
          'index.js',
          'index.js.map',
          'tsconfig.tsbuildinfo',
        ].sort(),
      );
      for (const file of ['main.js', 'main.js.map', 'main.d.ts', 'tsconfig.tsbuildinfo']) {
        expect(existsSync(join(projectDir, 'service/dist', file)), file).toBe(true);
      }
      // ${configDir}: nothing lands next to the presets themselves.
      expect(existsSync(join(presetPackageDir, 'dist'))).toBe(false);
      expect(existsSync(join(presetPackageDir, 'src'))).toBe(false);
    });

    it('test.json type-checks src and test without emitting', { timeout: testTimeoutMs }, async () => {
      const projectDir = writeMonorepo(root, `${flavour.name}-${compiler.label}-test`, flavour);
      const result = await runTsc(compiler, ['-p', 'tsconfig.test.json'], join(projectDir, 'lib'));
      expect(result.exitCode, `${result.stdout}${result.stderr}`).toBe(0);
      expect(existsSync(join(projectDir, 'lib/dist'))).toBe(false);
    });
  });
});
