// doctor's adoption checks: a root script calling turbo past heapwise, cross-env replacing what
// `heapwise run` set, and a full preset layered over a package's own base. After `heapwise init`
// on the same repository each finding is gone.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyInit, planInit } from '../src/init/index.js';
import { fixtureDir, repoRoot, runMain } from './helpers.js';

const json = (value: unknown) => JSON.stringify(value, null, 2);

/** Set up by hand, wrongly (`adopted`), or not yet adopted at all. */
function repository(adopted: boolean): string {
  const root = fixtureDir({
    'package.json': json({
      name: 'r',
      private: true,
      workspaces: ['packages/*'],
      scripts: {
        build: `${adopted ? 'heapwise turbo' : 'turbo run'} build`,
        ci: 'turbo run lint test --continue',
        prune: 'turbo prune a',
      },
    }),
    'turbo.json': json({ tasks: { build: {}, test: {}, lint: {} } }),
    '.node-options': '[build]\n--max-old-space-size=2048\n[test]\n--max-old-space-size=1024\n',
    'tsconfig.base.json': json({ compilerOptions: { strict: false, module: 'commonjs' } }),
    'packages/a/package.json': json({
      name: 'a',
      scripts: { test: `${adopted ? 'heapwise run test -- ' : ''}cross-env NODE_OPTIONS=--inspect vitest run` },
    }),
    'packages/a/tsconfig.json': json({
      extends: adopted ? ['@heapwise/tsconfig/library.json', '../../tsconfig.base.json'] : '../../tsconfig.base.json',
    }),
    'packages/b/package.json': json({ name: 'b', scripts: { build: 'tsc -b' } }),
    'packages/b/tsconfig.json': json({ extends: '@heapwise/tsconfig/library.json' }),
  });
  mkdirSync(join(root, 'node_modules', '@heapwise'), { recursive: true });
  symlinkSync(join(repoRoot, 'packages', 'tsconfig'), join(root, 'node_modules', '@heapwise', 'tsconfig'), 'dir');
  symlinkSync(join(repoRoot, 'node_modules', '@tsconfig'), join(root, 'node_modules', '@tsconfig'), 'dir');
  return root;
}

interface DoctorJson {
  checks: { check: string; status: string; message: string }[];
}

async function findings(root: string): Promise<DoctorJson['checks']> {
  const result = await runMain(['doctor', '--json', '--memory', '16g', '--concurrency', '2'], { cwd: root, cpus: 2 });
  return (JSON.parse(result.stdout) as DoctorJson).checks.filter(
    (check) => check.check === 'scripts' || check.check === 'tsconfig',
  );
}

describe('heapwise doctor: adoption checks', () => {
  it('finds each on a repository set up by hand', async () => {
    const root = repository(true);
    const before = await findings(root);
    const messages = before.map((check) => `${check.status} ${check.message}`);
    expect(messages).toContain(
      'problem package.json script "ci" runs turbo without heapwise: ' +
        'its tasks size their heaps as if each ran alone (use: heapwise turbo lint test --continue)',
    );
    expect(messages).toContain(
      'problem packages/a/package.json script "test": cross-env NODE_OPTIONS=--inspect replaces ' +
        "the NODE_OPTIONS heapwise run sets (the heap is lost); write 'NODE_OPTIONS=$NODE_OPTIONS …' " +
        'in single quotes, or move the flags to .node-options',
    );
    expect(messages).toContainEqual(
      expect.stringMatching(
        new RegExp(
          String.raw`^warn packages/a/tsconfig\.json extends @heapwise/tsconfig/library\.json over its own base: ` +
            String.raw`the preset adds .*composite.*rootDir.*types`,
        ),
      ),
    );
    // A preset alone (a package written for it), and `turbo prune`, are fine.
    expect(messages.join('\n')).not.toMatch(/packages\/b\/tsconfig|"prune"/);
  });

  it('finds none after heapwise init on the repository before adoption', async () => {
    const root = repository(false);
    applyInit(planInit(root, { versionRange: '^1.2.3' }));
    const after = await findings(root);
    expect(after.filter((check) => check.status !== 'ok')).toEqual([]);
  });
});
