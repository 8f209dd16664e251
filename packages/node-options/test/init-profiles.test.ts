import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InitError } from '../src/init/errors.js';
import { DEFAULT_PROFILES, INIT_TASKS, raiseRequestedSizes, renderNodeOptions } from '../src/init/profiles.js';
import { formatFlag, parseNodeOptions, taskHeapFlag } from '../src/node-options-file.js';
import { repoRoot } from './init-fixtures.js';

/** Each section's own flags as written (`--name=value`), read by the one `.node-options` parser. */
function flagsBySection(text: string): Record<string, string[]> {
  const { config, problems } = parseNodeOptions(text, { file: '.node-options', allowedFlags: null });
  expect(problems).toEqual([]);
  return Object.fromEntries([...config.sections].map(([name, section]) => [name, section.flags.map(formatFlag)]));
}

const requested = (text: string, task: string) =>
  taskHeapFlag(parseNodeOptions(text, { file: '.node-options' }).config, task)?.value;

describe('DEFAULT_PROFILES', () => {
  it("are the repository's own .node-options profiles (one source for the numbers)", () => {
    const repo = flagsBySection(readFileSync(join(repoRoot, '.node-options'), 'utf8'));
    for (const task of INIT_TASKS) {
      const profile = DEFAULT_PROFILES[task];
      expect(repo[task], task).toEqual([`--max-old-space-size=${profile.maxOldSpaceSizeMb}`, ...profile.flags]);
    }
  });

  it('render to a .node-options with one section per task', () => {
    const text = renderNodeOptions(DEFAULT_PROFILES);
    const sections = flagsBySection(text);
    expect(Object.keys(sections)).toEqual([...INIT_TASKS]);
    expect(sections.test).toContain('--expose-gc');
    expect(requested(text, 'build')).toBe(String(DEFAULT_PROFILES.build.maxOldSpaceSizeMb));
  });
});

describe('raiseRequestedSizes', () => {
  const existing =
    '# team settings\n--enable-source-maps\n\n' +
    '[build] # the big one\n--max-old-space-size=2048\n--stack-size=2000\n\n' +
    '[test]\n--expose-gc\n';

  it('raises a lower size in place, adds one to a section without it, appends a missing section', () => {
    const { text: next, notes } = raiseRequestedSizes(
      '.node-options',
      existing,
      new Map([
        ['build', 6000],
        ['test', 3000],
        ['dev', 2500],
      ]),
    );
    expect(next).toBe(
      '# team settings\n--enable-source-maps\n\n' +
        '[build] # the big one\n--max-old-space-size=6000\n--stack-size=2000\n\n' +
        '[test]\n--max-old-space-size=3000\n--expose-gc\n\n' +
        '[dev]\n--max-old-space-size=2500\n',
    );
    expect(notes).toEqual([]);
  });

  it('edits the space-separated form in place: the raised size is the one that applies', () => {
    const spaced = '[build]\n# big graph\n--max-old-space-size 4096   # measured in May\n--expose-gc\n';
    const { text } = raiseRequestedSizes('.node-options', spaced, new Map([['build', 6000]]));
    expect(text).toBe('[build]\n# big graph\n--max-old-space-size 6000   # measured in May\n--expose-gc\n');
    expect(requested(text, 'build')).toBe('6000');
    // 4096 already covers 3000: nothing to do.
    expect(raiseRequestedSizes('.node-options', spaced, new Map([['build', 3000]])).text).toBe(spaced);
  });

  it('compares with the size that applies, common lines included, and keeps CRLF line ends', () => {
    const crlf = '--max-old-space-size=8192\r\n[build]\r\n--expose-gc\r\n';
    expect(raiseRequestedSizes('.node-options', crlf, new Map([['build', 6000]])).text).toBe(crlf);
    expect(raiseRequestedSizes('.node-options', crlf, new Map([['build', 9000]])).text).toBe(
      '--max-old-space-size=8192\r\n[build]\r\n--max-old-space-size=9000\r\n--expose-gc\r\n',
    );
  });

  it('leaves a percentage heap alone and says so', () => {
    const percent = '[build]\n--max-old-space-size-percentage=50\n';
    const { text, notes } = raiseRequestedSizes('.node-options', percent, new Map([['build', 6000]]));
    expect(text).toBe(percent);
    expect(notes).toEqual([
      '.node-options: [build] sets its heap as --max-old-space-size-percentage=50 (line 2); left as it is, ' +
        'not raised to 6000 MB',
    ]);
  });

  it('refuses a file it cannot read, naming file and line, rather than guess', () => {
    expect(() =>
      raiseRequestedSizes('.node-options', '[build\n--max-old-space-size=1\n', new Map([['build', 6000]])),
    ).toThrow(InitError);
    expect(() =>
      raiseRequestedSizes('.node-options', '[build]\n--max-old-space-size=4gb\n', new Map([['build', 6000]])),
    ).toThrow(/^\.node-options:2: --max-old-space-size expects a positive integer of MB, got '4gb'; fix it/);
  });

  it('never lowers a size and leaves the text alone when nothing is higher', () => {
    expect(raiseRequestedSizes('.node-options', existing, new Map([['build', 1024]])).text).toBe(existing);
    expect(raiseRequestedSizes('.node-options', existing, new Map()).text).toBe(existing);
  });
});
