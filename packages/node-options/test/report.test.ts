import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { peaksOf, readLedgerFile } from '../src/ledger.js';
import { memoryOverTime, renderReport } from '../src/report.js';
import type { RunRecords, TaskRecord } from '../src/run-records.js';
import { MAX_RUN_FILES } from '../src/run-records.js';
import { binPath, cgroupV2Root, cleanEnv, fixtureDir, GIB, packageDir, runCli } from './helpers.js';

const MIB = 1024 * 1024;
const TIMED_TASK = join(packageDir, 'test', 'fixtures', 'timed-task.mjs');

interface SvgRect {
  '@_class'?: string;
  '@_data-key'?: string;
  '@_data-peak-bytes'?: string;
  '@_data-estimate-bytes'?: string;
  '@_data-start-ms'?: string;
  '@_data-end-ms'?: string;
}

/** Parses strictly (the validator rejects what is not well-formed XML) and returns the task bars. */
function taskBars(svg: string): SvgRect[] {
  expect(XMLValidator.validate(svg)).toBe(true);
  const parsed = new XMLParser({ ignoreAttributes: false, isArray: (name) => name === 'rect' }).parse(svg) as {
    svg: { rect: SvgRect[]; '@_xmlns': string };
  };
  expect(parsed.svg['@_xmlns']).toBe('http://www.w3.org/2000/svg');
  return parsed.svg.rect.filter((rect) => rect['@_class'] === 'task');
}

const task = (key: string, startMs: number, endMs: number, peakMib: number, estimateMib: number): TaskRecord => ({
  type: 'task',
  key,
  arrivalMs: startMs - 100,
  startMs,
  endMs,
  estimateBytes: estimateMib * MIB,
  learned: true,
  peakBytes: peakMib * MIB,
  exitCode: 0,
  timeline: [
    [0, (peakMib / 2) * MIB],
    [(endMs - startMs) / 2, peakMib * MIB],
  ],
});

describe('report rendering', () => {
  it('sums the memory of the tasks running at each moment', () => {
    const points = memoryOverTime([task('a#build', 0, 1000, 100, 150), task('b#build', 500, 1500, 300, 350)]);
    const at = (timeMs: number) => points.find((point) => point.timeMs === timeMs);
    expect(at(0)).toMatchObject({ usedBytes: 50 * MIB, reservedBytes: 150 * MIB, running: 1 });
    expect(at(500)).toMatchObject({ usedBytes: 100 * MIB + 150 * MIB, reservedBytes: 500 * MIB, running: 2 });
    expect(at(1000)).toMatchObject({ usedBytes: 300 * MIB, running: 1 });
    expect(at(1500)).toMatchObject({ usedBytes: 0, running: 0 });
  });

  it('escapes task names and draws one bar per task with its peak and estimate', () => {
    const records: RunRecords = {
      start: { type: 'start', runId: 'r', startMs: 0, poolBytes: GIB, concurrency: 2, tasks: ['build'] },
      tasks: [task('<evil>&"pkg"#build', 0, 1000, 100, 80), task('b#build', 200, 900, 50, 64)],
      end: { type: 'end', endMs: 1200, exitCode: 0 },
    };
    const { svg, table } = renderReport(records);
    const bars = taskBars(svg);
    expect(bars.map((bar) => bar['@_data-key'])).toEqual(['<evil>&"pkg"#build', 'b#build']);
    expect(bars.map((bar) => Number(bar['@_data-peak-bytes']))).toEqual([100 * MIB, 50 * MIB]);
    expect(table.split('\n')[0]).toMatch(/^task\s+waited\s+ran\s+peak\s+estimate\s+peak\/est$/);
    expect(table).toContain('<evil>&"pkg"#build   0.1 s  1.0 s  100 MiB    80 MiB      1.25');
    expect(table).toContain('pool 1 GiB; peak of the summed memory 150 MiB');
  });
});

// A stand-in turbo that runs two tasks' scripts at once as turbo's `npm run` would: npm's variables
// set, everything else inherited. Each task holds its memory for at least 300 ms: the second to start
// would otherwise end at once, and the bars' figures are what this test checks, not the sampler's
// reach (sampler.test.ts).
const FAKE_TURBO = `#!/usr/bin/env node
const { spawn } = require('node:child_process');
const [bin, timed, log] = process.argv.slice(process.argv.indexOf('--') + 1);
const runs = ['a', 'b'].map((name) => new Promise((resolve) => {
  const peer = name === 'a' ? 'b' : 'a';
  const holdMib = name === 'a' ? '64' : '16';
  const task = [process.execPath, timed, log, name, peer, '20000', holdMib, '300'];
  const child = spawn(process.execPath, [bin, 'run', 'build', '--', ...task], {
    stdio: 'inherit',
    env: { ...process.env, npm_package_name: '@x/' + name, npm_lifecycle_event: 'build' },
  });
  child.on('exit', resolve);
}));
Promise.all(runs).then((codes) => process.exit(codes.every((code) => code === 0) ? 0 : 1));
`;

describe('heapwise turbo → heapwise report', () => {
  it('writes a valid SVG whose bars match the ledger, and prints its path; old runs are pruned', async () => {
    const cwd = fixtureDir({ '.node-options': '[build]\n--max-old-space-size=1024\n', 'bin/turbo': FAKE_TURBO });
    chmodSync(join(cwd, 'bin', 'turbo'), 0o755);
    const env = cleanEnv({
      PATH: `${join(cwd, 'bin')}${delimiter}${process.env.PATH ?? ''}`,
      HEAPWISE_CGROUP_ROOT: cgroupV2Root(16 * GIB),
    });
    const log = join(cwd, 'log.jsonl');
    const cacheDir = join(cwd, 'node_modules', '.cache', 'heapwise');
    for (let run = 0; run < MAX_RUN_FILES + 1; run += 1) {
      const turbo = await runCli(['turbo', 'build', '--', binPath, TIMED_TASK, log], { cwd, env });
      expect(turbo.code, turbo.stderr).toBe(0);
      expect(turbo.stderr).toContain(
        'heapwise: report node_modules/.cache/heapwise/report.svg (the table: heapwise report)',
      );
    }
    const report = await runCli(['report'], { cwd, env });
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/^task +waited +ran +peak +estimate +peak\/est\n@x\/(a|b)#build /);
    expect(report.stdout.trim().split('\n').at(-1)).toBe('report: node_modules/.cache/heapwise/report.svg');

    const bars = taskBars(readFileSync(join(cacheDir, 'report.svg'), 'utf8'));
    const { ledger } = readLedgerFile(join(cacheDir, 'ledger.json'));
    expect(bars.map((bar) => bar['@_data-key']).sort()).toEqual(['@x/a#build', '@x/b#build']);
    for (const bar of bars) {
      const key = bar['@_data-key'] as string;
      const peaks = peaksOf(ledger, key);
      expect(peaks).toHaveLength(MAX_RUN_FILES + 1);
      expect(Number(bar['@_data-peak-bytes'])).toBe(peaks.at(-1));
      expect(Number(bar['@_data-estimate-bytes'])).toBeGreaterThan(Number(peaks.at(-2)));
      expect(Number(bar['@_data-start-ms'])).toBeLessThan(Number(bar['@_data-end-ms']));
    }
    // a holds 64 MiB more than b: its bar says so
    const peakOf = (key: string) => Number(bars.find((bar) => bar['@_data-key'] === key)?.['@_data-peak-bytes']);
    expect(peakOf('@x/a#build') - peakOf('@x/b#build')).toBeGreaterThan(40 * MIB);
    expect(existsSync(join(cacheDir, 'runs'))).toBe(true);
    const { readdirSync } = await import('node:fs');
    expect(readdirSync(join(cacheDir, 'runs'))).toHaveLength(MAX_RUN_FILES);
  });

  it('says so when there is no run to draw', async () => {
    const cwd = fixtureDir({ '.node-options': '[build]\n' });
    const result = await runCli(['report'], { cwd, env: cleanEnv() });
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toBe(
      'heapwise: no heapwise turbo run with tasks recorded in node_modules/.cache/heapwise ' +
        '(run heapwise turbo <task> first)\n',
    );
  });
});
