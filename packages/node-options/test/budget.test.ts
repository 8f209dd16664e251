import { mkdirSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chooseConcurrency,
  computeBudget,
  cpuConcurrencyCap,
  detectMemoryLimit,
  fitHeap,
  MIN_HEAP_MB,
  parseNodeOptions,
  parseSizeBytes,
  resolveTask,
} from '../src/index.js';
import { cgroupV2Root, cleanEnv, fixtureDir, GIB, PERCENTAGE_UNSUPPORTED, runMain, TEST_PROFILE } from './helpers.js';

describe('budget math', () => {
  it('7 GiB × 0.75 ÷ 4 tasks = 1344 MB each; 4096 is lowered to it, 1024 is kept', () => {
    const budget = computeBudget(7 * GIB, 0.75, 4);
    expect(budget.usableBytes).toBe(5376 * 1024 * 1024);
    expect(budget.perTaskMb).toBe(1344);
    expect(fitHeap(4096, budget)).toEqual({ heapMb: 1344, lowered: true, belowMinimum: false });
    expect(fitHeap(1024, budget)).toEqual({ heapMb: 1024, lowered: false, belowMinimum: false });
    expect(fitHeap(undefined, budget)).toEqual({ heapMb: undefined, lowered: false, belowMinimum: false });
  });

  it('never fits a heap below MIN_HEAP_MB, and says so', () => {
    const budget = computeBudget(1 * GIB, 0.75, 8); // 96 MB each
    expect(fitHeap(2048, budget)).toEqual({ heapMb: MIN_HEAP_MB, lowered: true, belowMinimum: true });
  });

  it('chooses concurrency from the largest heap, capped by CPUs or the user', () => {
    const usable = computeBudget(16 * GIB, 0.75, 1).usableBytes; // 12 GiB
    expect(chooseConcurrency(usable, 4096, 10)).toBe(3);
    expect(chooseConcurrency(usable, 4096, 2)).toBe(2);
    expect(chooseConcurrency(usable, 20_000, 10)).toBe(1);
    expect(chooseConcurrency(usable, undefined, 4)).toBe(4);
    expect(cpuConcurrencyCap(1)).toBe(2);
    expect(cpuConcurrencyCap(2)).toBe(2);
    expect(cpuConcurrencyCap(6)).toBe(6);
    expect(cpuConcurrencyCap(64)).toBe(10);
  });

  it('parses sizes in units of 1024', () => {
    expect(parseSizeBytes('7g')).toBe(7 * GIB);
    expect(parseSizeBytes('7GB')).toBe(7 * GIB);
    expect(parseSizeBytes('7GiB')).toBe(7 * GIB);
    expect(parseSizeBytes('512m')).toBe(512 * 1024 * 1024);
    expect(parseSizeBytes('1073741824')).toBe(GIB);
    expect(parseSizeBytes('lots')).toBeUndefined();
    expect(parseSizeBytes('0')).toBeUndefined();
  });
});

describe('heapwise print', () => {
  const acceptsPercentage = process.allowedNodeEnvironmentFlags.has('--max-old-space-size-percentage');

  it('validates the percentage flag against this Node: accepted exactly where Node accepts it', async () => {
    const cwd = fixtureDir({ '.node-options': '[svc]\n--max-old-space-size-percentage=50\n' });
    const result = await runMain(['print', 'svc', '--memory', '8g', '--format', 'json'], { cwd });
    if (acceptsPercentage) {
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({
        requestedHeapMb: 4096,
        nodeOptions: '--max-old-space-size=4096',
      });
    } else {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^\.node-options:2: --max-old-space-size-percentage is not allowed in NODE_OPTIONS on Node v\d+\./,
      );
    }
  });

  it('print --percentage is refused, naming the versions, where this Node lacks the flag', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const result = await runMain(['print', 'test', '--memory', '8g', '--format', 'json', '--percentage'], { cwd });
    if (acceptsPercentage) {
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ heapPercentage: 25 }); // 2048 MB of 8 GiB
    } else {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(PERCENTAGE_UNSUPPORTED);
    }
  });

  it('--memory 7g --concurrency 4 --format json shows the fitted heap and the contract fields', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const result = await runMain(['print', 'build', '--memory', '7g', '--concurrency', '4', '--format', 'json'], {
      cwd,
    });
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(printed).toMatchObject({
      task: 'build',
      nodeOptions: '--enable-source-maps --max-old-space-size=1344',
      heapMb: 1344,
      requestedHeapMb: 4096,
      goMemLimit: '1344MiB',
      memoryLimitBytes: 7 * GIB,
      memorySource: 'option',
      concurrency: 4,
    });
    expect(result.stderr).toContain('heapwise: [build] requested heap 4096 MB lowered to 1344 MB to fit');
  });

  it('keeps a request that fits, with no note, in env and shell formats', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const env = await runMain(['print', 'test', '--memory', '16g', '--concurrency', '2'], { cwd });
    expect(env.code).toBe(0);
    expect(env.stdout).toBe(
      'NODE_OPTIONS=--enable-source-maps --expose-gc --max-old-space-size=2048\nGOMEMLIMIT=2048MiB\n',
    );
    expect(env.stderr).toBe('');
    const shell = await runMain(['print', 'test', '--memory', '16g', '--format', 'shell'], { cwd });
    expect(shell.stdout).toBe(
      "export NODE_OPTIONS='--enable-source-maps --expose-gc --max-old-space-size=2048'\nexport GOMEMLIMIT='2048MiB'\n",
    );
  });

  it('divides by HEAPWISE_CONCURRENCY for a persistent task, as run does; an admitted task gets the pool', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const persistent = await runMain(['print', 'build', '--memory', '8g', '--format', 'json'], {
      cwd,
      env: cleanEnv({ HEAPWISE_CONCURRENCY: '3', HEAPWISE_PERSISTENT: 'build' }),
    });
    const printed = JSON.parse(persistent.stdout) as { heapMb: number; concurrency: number };
    expect(printed).toMatchObject({ concurrency: 3, heapMb: 2048 }); // 8 GiB × 0.75 ÷ 3
    const admitted = await runMain(['print', 'build', '--memory', '8g', '--format', 'json'], {
      cwd,
      env: cleanEnv({ HEAPWISE_CONCURRENCY: '3' }),
    });
    expect(JSON.parse(admitted.stdout)).toMatchObject({ concurrency: 1, heapMb: 4096 }); // ≤ 6 GiB usable
  });

  describe('a package with its own [package#task] section', () => {
    const PROFILE =
      '--enable-source-maps\n[build]\n--max-old-space-size=2048\n--trace-deprecation\n\n' +
      '[@acme/ui#build]\n--max-old-space-size=6144\n--trace-warnings\n\n' +
      '[@acme/ui#lint]\n--max-old-space-size=3072\n';

    it('<package#task> adds that section to [task], as run does in the package; <task> names it', async () => {
      const cwd = fixtureDir({ '.node-options': PROFILE });
      const own = await runMain(['print', '@acme/ui#build', '--memory', '16g'], { cwd });
      expect(own.code).toBe(0);
      expect(own.stdout).toBe(
        'NODE_OPTIONS=--enable-source-maps --trace-deprecation --trace-warnings --max-old-space-size=6144\n' +
          'GOMEMLIMIT=6144MiB\n',
      );
      expect(own.stderr).toBe('');
      const other = await runMain(['print', '@acme/web#build', '--memory', '16g'], { cwd });
      expect(other.stdout).toBe(
        'NODE_OPTIONS=--enable-source-maps --trace-deprecation --max-old-space-size=2048\nGOMEMLIMIT=2048MiB\n',
      );
      expect(other.stderr).toBe('');
      const task = await runMain(['print', 'build', '--memory', '16g'], { cwd });
      expect(task.stdout).toBe(other.stdout);
      expect(task.stderr).toBe(
        'heapwise: packages with their own [package#build] section: @acme/ui (6144 MB); ' +
          'heapwise print <package>#build prints one\n',
      );
    });

    it('--format json: the package printed, and every package section of the task under the same plan', async () => {
      const cwd = fixtureDir({ '.node-options': PROFILE });
      const args = ['--memory', '8g', '--concurrency', '2', '--format', 'json'];
      const task = await runMain(['print', 'build', ...args], { cwd });
      expect(JSON.parse(task.stdout)).toMatchObject({
        task: 'build',
        package: null,
        heapMb: 2048,
        packages: [
          {
            package: '@acme/ui',
            section: '@acme/ui#build',
            requestedHeapMb: 6144,
            heapMb: 3072, // 8 GiB × 0.75 ÷ 2
            lowered: true,
            nodeOptions: '--enable-source-maps --trace-deprecation --trace-warnings --max-old-space-size=3072',
            goMemLimit: '3072MiB',
          },
        ],
      });
      const own = await runMain(['print', '@acme/ui#build', ...args], { cwd });
      expect(JSON.parse(own.stdout)).toMatchObject({ task: 'build', package: '@acme/ui', requestedHeapMb: 6144 });
      expect(own.stderr).toBe(
        'heapwise: [@acme/ui#build] requested heap 6144 MB lowered to 3072 MB to fit: ' +
          '8 GiB (--memory 8g) × 0.75 headroom ÷ 2 tasks at once = 3072 MB per task\n',
      );
      // A task only one package's section names is still a known task there, and nowhere else.
      const lint = JSON.parse((await runMain(['print', '@acme/ui#lint', ...args], { cwd })).stdout);
      expect(lint).toMatchObject({ knownTask: true, requestedHeapMb: 3072, notes: [] });
      const otherLint = JSON.parse((await runMain(['print', 'lint', ...args], { cwd })).stdout);
      expect(otherLint).toMatchObject({ knownTask: false, requestedHeapMb: null, packages: [{ package: '@acme/ui' }] });
    });

    it('a lowered or too-small heap is reported under the section its number came from', () => {
      const { config, problems } = parseNodeOptions(
        '--max-old-space-size=1024\n' +
          '[build]\n--max-old-space-size=2048\n\n' +
          '[@acme/web#build]\n--max-old-space-size=6144\n\n' +
          '[@acme/docs#build]\n--trace-warnings\n\n' +
          '[@acme/api#test]\n--max-old-space-size=4096\n',
        { file: '/repo/.node-options' },
      );
      expect(problems).toEqual([]);
      const plan = (task: string, packageName: string | undefined, memoryGib: number, concurrency: number) =>
        resolveTask(config, task, {
          memory: { bytes: memoryGib * GIB, source: 'option', detail: `--memory ${memoryGib}g` },
          concurrency,
          packageName,
        }).notes;

      // 4 GiB × 0.75 ÷ 2 = 1536 MB each
      expect(plan('build', '@acme/web', 4, 2)).toEqual([
        '[@acme/web#build] requested heap 6144 MB lowered to 1536 MB to fit: ' +
          '4 GiB (--memory 4g) × 0.75 headroom ÷ 2 tasks at once = 1536 MB per task',
      ]);
      // Its own section sets no heap: the number is [build]'s.
      expect(plan('build', '@acme/docs', 4, 2)).toEqual([
        '[build] requested heap 2048 MB lowered to 1536 MB to fit: ' +
          '4 GiB (--memory 4g) × 0.75 headroom ÷ 2 tasks at once = 1536 MB per task',
      ]);
      // No [lint] section: the number is the common lines' (named by file and line, as no section holds it).
      expect(plan('lint', undefined, 1, 2)[1]).toBe(
        '/repo/.node-options:1 requested heap 1024 MB lowered to 384 MB to fit: ' +
          '1 GiB (--memory 1g) × 0.75 headroom ÷ 2 tasks at once = 384 MB per task',
      );
      // 1 GiB × 0.75 ÷ 8 = 96 MB each: below the minimum
      expect(plan('test', '@acme/api', 1, 8)).toEqual([
        '[@acme/api#test] needs 4096 MB but its share is only 1 GiB (--memory 1g) × 0.75 headroom ÷ 8 tasks ' +
          `at once = 96 MB per task, below the ${MIN_HEAP_MB} MB minimum: using ${MIN_HEAP_MB} MB; ` +
          'run fewer tasks at once or give it more memory',
      ]);
    });

    it('refuses a target with an empty package or task', async () => {
      const cwd = fixtureDir({ '.node-options': PROFILE });
      for (const target of ['#build', '@acme/ui#']) {
        const result = await runMain(['print', target], { cwd });
        expect(result.code).toBe(2);
        expect(result.stderr).toContain(`print: expected <task> or <package#task>, got '${target}'`);
      }
    });
  });

  it('uses the headroom from [heapwise]', async () => {
    const cwd = fixtureDir({ '.node-options': `${TEST_PROFILE}[heapwise]\nheadroom = 0.5\n` });
    const result = await runMain(['print', 'build', '--memory', '4g', '--format', 'json'], { cwd });
    expect(JSON.parse(result.stdout)).toMatchObject({ heapMb: 2048, requestedHeapMb: 4096, goMemLimit: '2048MiB' });
  });
});

describe('memory limit detection', () => {
  // The cgroup rules themselves (ancestors, v1's "unlimited", missing files) are @heapwise/cgroup's
  // tests; these check what the CLI makes of its answer.
  const physical = 64 * GIB;

  it('a cgroup v2 or v1 limit: its bytes, the version as the source, the file as the detail', () => {
    expect(detectMemoryLimit({ cgroupRoot: cgroupV2Root(2 * GIB), totalMemBytes: physical })).toEqual({
      bytes: 2 * GIB,
      source: 'cgroup-v2',
      detail: expect.stringMatching(/memory\.max$/),
    });
    const v1 = fixtureDir({ 'memory/memory.limit_in_bytes': `${3 * GIB}\n` });
    expect(detectMemoryLimit({ cgroupRoot: v1, totalMemBytes: physical })).toEqual({
      bytes: 3 * GIB,
      source: 'cgroup-v1',
      detail: join(v1, 'memory', 'memory.limit_in_bytes'),
    });
  });

  it('no binding limit ("max", v1\'s "unlimited", more than physical memory, no cgroup): physical memory', () => {
    const roots = [
      cgroupV2Root('max'),
      fixtureDir({ 'memory/memory.limit_in_bytes': '9223372036854771712\n' }),
      cgroupV2Root(128 * GIB),
      fixtureDir({}),
    ];
    for (const cgroupRoot of roots) {
      expect(detectMemoryLimit({ cgroupRoot, totalMemBytes: physical }), cgroupRoot).toEqual({
        bytes: physical,
        source: 'physical',
        detail: 'os.totalmem()',
      });
    }
  });

  it('the CLI reports the source: v2, v1 and "max" fixture roots via HEAPWISE_CGROUP_ROOT', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const v1 = fixtureDir({});
    mkdirSync(join(v1, 'memory'));
    writeFileSync(join(v1, 'memory', 'memory.limit_in_bytes'), `${2 * GIB}`);
    const cases: [string, number, string][] = [
      [cgroupV2Root(6 * GIB), 6 * GIB, 'cgroup-v2'],
      [v1, 2 * GIB, 'cgroup-v1'],
      [cgroupV2Root('max'), totalmem(), 'physical'],
    ];
    for (const [root, bytes, source] of cases) {
      const result = await runMain(['print', 'build', '--format', 'json'], {
        cwd,
        env: cleanEnv({ HEAPWISE_CGROUP_ROOT: root }),
      });
      expect(result.code).toBe(0);
      const printed = JSON.parse(result.stdout) as { memoryLimitBytes: number; memorySource: string; heapMb: number };
      expect(printed.memoryLimitBytes).toBe(bytes);
      expect(printed.memorySource).toBe(source);
      expect(printed.heapMb).toBe(Math.min(4096, Math.floor((bytes * 0.75) / 1048576)));
    }
  });
});
