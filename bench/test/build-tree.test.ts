// The build bench's reading of process command lines and of turbo's summary.
import { describe, expect, it } from 'vitest';
import { parseTurboSummary } from '../src/build/run.js';
import { classify, turboConcurrency } from '../src/build/tree.js';

describe('classify', () => {
  it('counts tsc (5.9, or 7 on its launcher and natively) and node --test as task commands', () => {
    expect(classify(['node', '/w/node_modules/.bin/tsc', '-b'])).toBe('task-command');
    expect(classify(['/w/node_modules/@typescript/typescript-linux-x64/lib/tsc', '-b'])).toBe('task-command');
    expect(classify(['node', '--test', 'test/index.test.mjs'])).toBe('task-command');
  });

  it('tells the heapwise wrapper and turbo apart from the shells and npm around them', () => {
    expect(classify(['node', '/w/node_modules/.bin/heapwise', 'run', 'build', '--', 'tsc', '-b'])).toBe('heapwise-run');
    expect(classify(['node', '/w/node_modules/.bin/heapwise', 'turbo', 'build'])).toBe('other');
    expect(classify(['sh', '-c', 'heapwise run build -- tsc -b'])).toBe('other');
    expect(classify(['/w/node_modules/turbo-linux-64/bin/turbo', 'run', 'build', '--concurrency', '2'])).toBe('turbo');
    expect(classify(['node', '/w/node_modules/.bin/turbo', 'run', 'build'])).toBe('other');
    expect(classify([])).toBe('other');
  });
});

describe('turboConcurrency', () => {
  it('reads --concurrency N and --concurrency=N, and nothing when absent', () => {
    expect(turboConcurrency(['turbo', 'run', 'build', '--concurrency', '3'])).toBe(3);
    expect(turboConcurrency(['turbo', 'run', 'build', '--concurrency=4'])).toBe(4);
    expect(turboConcurrency(['turbo', 'run', 'build'])).toBeUndefined();
  });
});

describe('parseTurboSummary', () => {
  it("reads turbo's closing line, colours and all", () => {
    expect(parseTurboSummary('\n \u001b[1mTasks:\u001b[0m    22 successful, 24 total\nCached: 0\n')).toEqual({
      successful: 22,
      total: 24,
    });
    expect(parseTurboSummary('turbo crashed')).toBeUndefined();
  });
});
