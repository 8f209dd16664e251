// An `extends` to a preset that does not exist fails loudly, naming the missing file,
// under TypeScript 7, 6.0 and 5.9, with `tsc -b` and `tsc -p`.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilers, createFixtureRoot, runTsc, testTimeoutMs, tsconfigExtending, type FixtureRoot } from './fixture.js';

const missingPreset = '@heapwise/tsconfig/librari.json';

let root: FixtureRoot;
beforeAll(() => {
  root = createFixtureRoot('missing');
  root.write({
    'typo/tsconfig.json': tsconfigExtending(missingPreset),
    'typo/src/index.ts': 'export const one = 1;\n',
    'typo-in-list/tsconfig.json': tsconfigExtending([
      '@heapwise/tsconfig/node24.json',
      '@heapwise/tsconfig/node26.json',
    ]),
    'typo-in-list/src/index.ts': 'export const one = 1;\n',
  });
});
afterAll(() => root.remove());

describe.each(compilers)('TypeScript $label', (compiler) => {
  describe.concurrent('extends a preset that does not exist', () => {
    it('tsc -b exits non-zero with TS6053 naming the file', { timeout: testTimeoutMs }, async () => {
      const result = await runTsc(compiler, ['-b'], join(root.dir, 'typo'));
      expect(result.exitCode).not.toBe(0);
      expect(`${result.stdout}${result.stderr}`).toContain(`error TS6053: File '${missingPreset}' not found.`);
    });

    it('names the missing entry of an extends list', { timeout: testTimeoutMs }, async () => {
      const result = await runTsc(compiler, ['-p', '.'], join(root.dir, 'typo-in-list'));
      expect(result.exitCode).not.toBe(0);
      const output = `${result.stdout}${result.stderr}`;
      expect(output).toContain("File '@heapwise/tsconfig/node26.json' not found.");
      expect(output).not.toContain('node24.json');
    });
  });
});
