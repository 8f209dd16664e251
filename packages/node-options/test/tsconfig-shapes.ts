// A monorepo with the tsconfig shapes that real repositories have and that a
// preset layered under them would break: a Next.js app without src/, a
// tooling package including ".", a base with incremental: false, a jest
// package relying on automatic @types, src and test tsconfigs side by side,
// and a package importing a sibling's source. Written for these tests.
import type { Files } from './init-fixtures.js';

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export function tsconfigShapes(): Files {
  return {
    'package.json': json({
      name: 'shapes',
      private: true,
      workspaces: ['apps/*', 'packages/*'],
      scripts: { build: 'turbo run build', typecheck: 'turbo run typecheck' },
    }),
    'turbo.json': json({ tasks: { build: { dependsOn: ['^build'] }, typecheck: {} } }),
    'tsconfig.base.json': json({
      compilerOptions: { strict: true, module: 'nodenext', target: 'es2022', skipLibCheck: false, declaration: true },
    }),
    // A repository base that turns incremental off (composite would then be refused: TS6379).
    'tsconfig.legacy.json':
      "{\n  // the repo's own base\n" +
      '  "compilerOptions": { "incremental": false, "declaration": true, "module": "commonjs", ' +
      '"target": "es2019", "outDir": "dist", "strict": false },\n}\n',

    // Next.js app without src/: bundler resolution, jsx preserve, noEmit, a path alias.
    'apps/web/package.json': json({
      name: 'web',
      private: true,
      scripts: { build: 'next build', dev: 'next dev', typecheck: 'tsc --noEmit' },
    }),
    'apps/web/tsconfig.json': `{
  "$schema": "https://json.schemastore.org/tsconfig",
  "compilerOptions": {
    "target": "ES2017",
    "lib": ["dom", "esnext"],
    "allowJs": true,
    "strict": false,
    "noEmit": true,
    "esModuleInterop": true,
    "module": "esnext",
    "moduleResolution": "bundler",
    "resolveJsonModule": true,
    "isolatedModules": true,
    "jsx": "preserve",
    "incremental": true,
    "plugins": [{ "name": "next" }],
    "paths": { "@/*": ["./*"] }
  },
  "include": ["next-env.d.ts", "**/*.ts", "**/*.tsx"],
  "exclude": ["node_modules"]
}
`,
    'apps/web/next-env.d.ts': 'declare namespace JSX { interface IntrinsicElements { [name: string]: unknown } }\n',
    'apps/web/app/page.tsx':
      "import { greet } from '@/lib/greet';\nexport default function Page() {\n" +
      "  return <main>{greet('web')}</main>;\n}\n",
    'apps/web/lib/greet.ts': 'export const greet = (name: string) => `hello ${name}`;\n',

    // Tooling package: everything in the folder, no src/.
    'packages/tooling/package.json': json({ name: 'tooling', private: true, scripts: { typecheck: 'tsc -p .' } }),
    'packages/tooling/tsconfig.json':
      '{ "extends": "../../tsconfig.base.json", "compilerOptions": { "noEmit": true }, "include": ["."] }\n',
    'packages/tooling/eslint.config.ts': 'export const rules: Record<string, string> = { semi: "error" };\n',
    'packages/tooling/util.ts': 'export function twice(n: number): number {\n  return n * 2;\n}\n',

    // A base with incremental: false.
    'packages/legacy/package.json': json({ name: 'legacy', version: '1.0.0', scripts: { build: 'tsc -p .' } }),
    'packages/legacy/tsconfig.json': '{\n  "extends": "../../tsconfig.legacy.json",\n  "include": ["lib"]\n}\n',
    'packages/legacy/lib/index.ts': 'export function legacy(x) {\n  return x;\n}\n',

    // jest with automatic @types (no `types` anywhere), src and test side by side.
    'packages/jesty/package.json': json({
      name: 'jesty',
      version: '1.0.0',
      scripts: { build: 'tsc -p .', test: 'jest', typecheck: 'tsc -p tsconfig.test.json' },
    }),
    'packages/jesty/tsconfig.json': json({
      compilerOptions: { strict: true, module: 'commonjs', target: 'es2019', outDir: 'dist', rootDir: 'src' },
      include: ['src'],
    }),
    'packages/jesty/tsconfig.test.json': json({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '.' },
      include: ['src', 'test'],
    }),
    'packages/jesty/src/sum.ts': 'export const sum = (a: number, b: number): number => a + b;\n',
    'packages/jesty/test/sum.test.ts':
      "import { sum } from '../src/sum';\ndescribe('sum', () => {\n  it('adds', () => {\n" +
      '    expect(sum(1, 2)).toBe(3);\n  });\n});\n',
    'node_modules/@types/jest/package.json': json({
      name: '@types/jest',
      version: '0.0.0-fixture',
      types: 'index.d.ts',
    }),
    'node_modules/@types/jest/index.d.ts':
      'declare function describe(name: string, body: () => void): void;\n' +
      'declare function it(name: string, body: () => void): void;\n' +
      'declare function expect(value: unknown): { toBe(expected: unknown): void };\n',

    // Solution-style tsconfig with tsconfig.src.json and tsconfig.test.json in one folder.
    'packages/split/package.json': json({ name: 'split', version: '1.0.0', scripts: { build: 'tsc -b' } }),
    'packages/split/tsconfig.json': json({
      files: [],
      references: [{ path: './tsconfig.src.json' }, { path: './tsconfig.test.json' }],
    }),
    'packages/split/tsconfig.src.json': json({
      extends: '../../tsconfig.base.json',
      compilerOptions: { composite: true, rootDir: 'src', outDir: 'dist' },
      include: ['src'],
    }),
    'packages/split/tsconfig.test.json': json({
      extends: '../../tsconfig.base.json',
      compilerOptions: { composite: true, rootDir: '.', outDir: 'dist-test' },
      include: ['test'],
      references: [{ path: './tsconfig.src.json' }],
    }),
    'packages/split/src/index.ts': 'export const split = (s: string): string[] => s.split(",");\n',
    'packages/split/test/index.test.ts':
      "import { split } from '../src/index.js';\nexport const parts: string[] = split('a,b');\n",

    // Imports a sibling's source by relative path (a rootDir of src/ would refuse it: TS6059).
    'packages/consumer/package.json': json({ name: 'consumer', version: '1.0.0', scripts: { build: 'tsc' } }),
    'packages/consumer/tsconfig.json':
      '{\n  "extends": ["../../tsconfig.base.json"],\n  "compilerOptions": { "outDir": "out" },\n' +
      '  "include": ["src"]\n}\n',
    'packages/consumer/src/index.ts':
      "import { twice } from '../../tooling/util.js';\nexport const four: number = twice(2);\n",
  };
}
