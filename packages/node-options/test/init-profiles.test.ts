import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PROFILES,
  INIT_TASKS,
  raiseRequestedSizes,
  readRequestedSizes,
  renderNodeOptions,
} from '../src/init/profiles.js';
import { repoRoot } from './init-fixtures.js';

/** Flags per `[section]` of a .node-options text, ignoring comments, blank and `key = value` lines. */
function flagsBySection(text: string): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) section = header[1];
    else if (line.startsWith('-')) (sections[section] ??= []).push(line);
  }
  return sections;
}

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
    expect(readRequestedSizes(text).get('build')?.sizeMb).toBe(DEFAULT_PROFILES.build.maxOldSpaceSizeMb);
  });
});

describe('raiseRequestedSizes', () => {
  const existing =
    '# team settings\n--enable-source-maps\n\n[build] # the big one\n--max-old-space-size=2048\n--stack-size=2000\n\n[test]\n--expose-gc\n';

  it('raises a lower size in place, adds one to a section without it, appends a missing section', () => {
    const next = raiseRequestedSizes(
      existing,
      new Map([
        ['build', 6000],
        ['test', 3000],
        ['dev', 2500],
      ]),
    );
    expect(next).toBe(
      '# team settings\n--enable-source-maps\n\n[build] # the big one\n--max-old-space-size=6000\n--stack-size=2000\n\n[test]\n--max-old-space-size=3000\n--expose-gc\n\n[dev]\n--max-old-space-size=2500\n',
    );
  });

  it('never lowers a size and leaves the text alone when nothing is higher', () => {
    expect(raiseRequestedSizes(existing, new Map([['build', 1024]]))).toBe(existing);
    expect(raiseRequestedSizes(existing, new Map())).toBe(existing);
  });
});
