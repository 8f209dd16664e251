import { describe, expect, it } from 'vitest';
import { extractHeapFlags, hasHeapFlag } from '../src/init/heap-flags.js';
import { routeTurbo, wrapScript } from '../src/init/wrap-script.js';

describe('extractHeapFlags', () => {
  const cases: [string, string, number[]][] = [
    ['node --max-old-space-size=4096 build.js', 'node build.js', [4096]],
    ['node --max_old_space_size=4096 build.js', 'node build.js', [4096]],
    ['cross-env NODE_OPTIONS=--max-old-space-size=6144 tsc -b', 'tsc -b', [6144]],
    [
      'cross-env NODE_ENV=production NODE_OPTIONS=--max-old-space-size=6144 webpack',
      'cross-env NODE_ENV=production webpack',
      [6144],
    ],
    ['NODE_OPTIONS=--max-old-space-size=8192 next build', 'next build', [8192]],
    ["NODE_OPTIONS='--max-old-space-size=8192' next build", 'next build', [8192]],
    [
      'NODE_OPTIONS="--max-old-space-size=3072 --trace-warnings" vitest run',
      'NODE_OPTIONS="--trace-warnings" vitest run',
      [3072],
    ],
    ['NODE_OPTIONS="$NODE_OPTIONS --max-old-space-size=3072" vitest run', 'vitest run', [3072]],
    ['tsc -b && node --max-old-space-size=2048 scripts/post.js', 'tsc -b && node scripts/post.js', [2048]],
    ['rimraf dist && NODE_OPTIONS=--max-old-space-size=5000 tsc -b', 'rimraf dist && tsc -b', [5000]],
  ];
  it.each(cases)('%s → %s', (script, expected, sizes) => {
    expect(extractHeapFlags(script)).toEqual({ script: expected, sizesMb: sizes });
  });

  it('collects every size in a script, in order', () => {
    const result = extractHeapFlags(
      'node --max-old-space-size=1000 a.js && cross-env NODE_OPTIONS=--max-old-space-size=3000 b',
    );
    expect(result.sizesMb).toEqual([3000, 1000]);
    expect(result.script).toBe('node a.js && b');
  });

  it('leaves a script without heap flags byte for byte, including other NODE_OPTIONS and cross-env', () => {
    for (const script of [
      'tsc -b',
      'cross-env NODE_ENV=test vitest',
      'NODE_OPTIONS=--inspect node x.js',
      '  vite build  ',
    ]) {
      expect(extractHeapFlags(script)).toEqual({ script, sizesMb: [] });
      expect(hasHeapFlag(script)).toBe(false);
    }
  });
});

describe('wrapScript', () => {
  const cases: [string, string, string][] = [
    ['build', 'tsc -b', 'heapwise run build -- tsc -b'],
    ['build', 'rimraf dist && tsc -b', 'heapwise run build -- rimraf dist && heapwise run build -- tsc -b'],
    [
      'test',
      'vitest run || echo failed; echo done',
      'heapwise run test -- vitest run || heapwise run test -- echo failed; heapwise run test -- echo done',
    ],
    ['test', 'NODE_ENV=test vitest run', 'NODE_ENV=test heapwise run test -- vitest run'],
    ['test', 'NODE_OPTIONS="--trace-warnings" vitest', 'NODE_OPTIONS="--trace-warnings" heapwise run test -- vitest'],
    ['dev', 'tsx watch src/main.ts 2>&1 | pino-pretty', 'heapwise run dev -- tsx watch src/main.ts 2>&1 | pino-pretty'],
    ['build', 'node -e "a(); b() && c()"', 'heapwise run build -- node -e "a(); b() && c()"'],
    ['build', "echo 'x && y'", "heapwise run build -- echo 'x && y'"],
    ['build', '(cd web && vite build)', '(cd web && vite build)'],
  ];
  it.each(cases)('%s: %s', (task, script, expected) => {
    expect(wrapScript(task, script)).toBe(expected);
  });

  it('is idempotent: a wrapped script, or one already using heapwise, is left as it is', () => {
    for (const [task, script] of cases.map(([t, s]) => [t, s] as const)) {
      const once = wrapScript(task, script);
      expect(wrapScript(task, once)).toBe(once);
    }
    expect(wrapScript('build', 'npx heapwise run build -- tsc -b')).toBe('npx heapwise run build -- tsc -b');
  });
});

describe('routeTurbo (root scripts)', () => {
  const cases: [string, string][] = [
    ['turbo run build', 'heapwise turbo build'],
    ['turbo run build test --filter=web...', 'heapwise turbo build test --filter=web...'],
    ['turbo build', 'heapwise turbo build'],
    ['npx turbo run typecheck', 'heapwise turbo typecheck'],
    ['FORCE_COLOR=1 turbo run test && echo ok', 'FORCE_COLOR=1 heapwise turbo test && echo ok'],
    ['turbo prune web --docker', 'turbo prune web --docker'],
    ['turbo watch dev', 'turbo watch dev'],
    ['turbo lint', 'turbo lint'],
    ['heapwise turbo build', 'heapwise turbo build'],
  ];
  it.each(cases)('%s → %s', (script, expected) => {
    expect(routeTurbo(script)).toBe(expected);
    expect(routeTurbo(expected)).toBe(expected);
  });
});
