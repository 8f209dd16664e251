import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_DIFF_CELLS, unifiedDiff } from '../src/init/diff.js';

/** GNU diff -u as the oracle, minus its timestamped header lines. */
function gnuDiff(before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'heapwise-diff-'));
  try {
    writeFileSync(join(dir, 'a'), before);
    writeFileSync(join(dir, 'b'), after);
    try {
      execFileSync('diff', ['-u', 'a', 'b'], { cwd: dir, encoding: 'utf8' });
      return '';
    } catch (error) {
      return (error as { stdout: string }).stdout.split('\n').slice(2).join('\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const hunks = (diff: string) => diff.split('\n').slice(2).join('\n');
const lines = (count: number, label = 'line') => Array.from({ length: count }, (_, i) => `${label} ${i + 1}`);

describe('unifiedDiff', () => {
  it('matches diff -u on edits spread over a file (separate and merged hunks)', () => {
    const before = lines(40);
    const after = [...before];
    after[2] = 'changed 3';
    after.splice(10, 1);
    after.splice(14, 0, 'inserted after 15', 'and another');
    after[35] = 'changed near the end';
    const a = `${before.join('\n')}\n`;
    const b = `${after.join('\n')}\n`;
    const ours = unifiedDiff('file.txt', a, b);
    expect(ours.split('\n').slice(0, 2)).toEqual(['--- a/file.txt', '+++ b/file.txt']);
    expect(hunks(ours)).toBe(gnuDiff(a, b));
  });

  it('shows a created file against /dev/null', () => {
    expect(unifiedDiff('.node-options', null, '[build]\n--max-old-space-size=4096\n')).toBe(
      '--- /dev/null\n+++ b/.node-options\n@@ -0,0 +1,2 @@\n+[build]\n+--max-old-space-size=4096\n',
    );
  });

  it('is empty when nothing differs', () => {
    expect(unifiedDiff('x', 'same\n', 'same\n')).toBe('');
  });

  it(`past MAX_DIFF_CELLS (${MAX_DIFF_CELLS}) shows the differing middle as removed then added, validly`, () => {
    const before = `head\n${lines(30, 'old').join('\n')}\ntail\n`;
    const after = `head\n${lines(30, 'new').join('\n')}\n${lines(3, 'old').join('\n')}\ntail\n`;
    // 30 × 33 cells: over a cap of 100, under the default.
    const capped = unifiedDiff('f', before, after, 100);
    const body = capped
      .split('\n')
      .filter((line) => /^[-+ ]/.test(line) && !line.startsWith('---') && !line.startsWith('+++'));
    expect(body.filter((line) => line.startsWith('-'))).toHaveLength(30);
    expect(body.filter((line) => line.startsWith('+'))).toHaveLength(33);
    // Applying it gives the new file: the old side and new side of the hunk.
    expect(body.filter((l) => !l.startsWith('+')).map((l) => l.slice(1))).toEqual(before.trimEnd().split('\n'));
    expect(body.filter((l) => !l.startsWith('-')).map((l) => l.slice(1))).toEqual(after.trimEnd().split('\n'));
    // Under the cap the common lines are found: old 1–3 are kept, only the 30 new lines are added.
    const minimal = unifiedDiff('f', before, after);
    expect(minimal.split('\n').filter((line) => line.startsWith('+') && !line.startsWith('+++'))).toHaveLength(30);
    expect(hunks(minimal)).toBe(gnuDiff(before, after));
  });
});
