// The profiles `heapwise init` writes into a new `.node-options`. This is the
// one place the default sizes live: the repository's own `.node-options`
// is checked against it by test/init-profiles.test.ts.

export const INIT_TASKS = ['build', 'typecheck', 'test', 'dev'] as const;
export type InitTask = (typeof INIT_TASKS)[number];

export interface Profile {
  /** Requested V8 old-space size in MB; `heapwise run` fits it to the machine. */
  readonly maxOldSpaceSizeMb: number;
  /** Further Node flags for the task (each must be accepted in NODE_OPTIONS). */
  readonly flags: readonly string[];
}

/**
 * build: tsc -b of a large graph is the hungriest task; typecheck (noEmit)
 * keeps less; test and dev get `--expose-gc` so leak assertions can force a
 * collection.
 */
export const DEFAULT_PROFILES: Readonly<Record<InitTask, Profile>> = {
  build: { maxOldSpaceSizeMb: 4096, flags: [] },
  typecheck: { maxOldSpaceSizeMb: 3072, flags: [] },
  test: { maxOldSpaceSizeMb: 2048, flags: ['--expose-gc'] },
  dev: { maxOldSpaceSizeMb: 2048, flags: ['--expose-gc'] },
};

const HEADER = [
  '# Per-task Node flags for `heapwise run <task>`: the one source of truth.',
  '# Lines before any [section] apply to every task; a section adds to them.',
  '# A --max-old-space-size is a request: heapwise fits it to the memory really available.',
];

/** Renders a complete `.node-options` from profiles (defaults with any raised sizes). */
export function renderNodeOptions(profiles: Readonly<Record<InitTask, Profile>>): string {
  const lines = [...HEADER];
  for (const task of INIT_TASKS) {
    const profile = profiles[task];
    lines.push('', `[${task}]`, `--max-old-space-size=${profile.maxOldSpaceSizeMb}`, ...profile.flags);
  }
  return `${lines.join('\n')}\n`;
}

/** `--max-old-space-size` per `[task]` section of an existing `.node-options` (last one wins, as at run time). */
export function readRequestedSizes(text: string): Map<string, { sizeMb: number; line: number }> {
  const sizes = new Map<string, { sizeMb: number; line: number }>();
  let section = '';
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/#.*/, '').trim();
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1]) section = header[1].trim();
    const size = /^--max[-_]old[-_]space[-_]size=(\d+)$/.exec(line);
    if (size?.[1]) sizes.set(section, { sizeMb: Number(size[1]), line: index });
  });
  return sizes;
}

/**
 * Raises the `--max-old-space-size` of each task in an existing `.node-options`
 * to at least `sizes[task]`, editing only the lines involved; a task without a
 * section gets one appended. Lower values are never lowered.
 */
export function raiseRequestedSizes(text: string, sizes: ReadonlyMap<InitTask, number>): string {
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const existing = readRequestedSizes(text);
  const insertions: { after: number; line: string }[] = [];
  const appended: string[] = [];
  for (const [task, sizeMb] of sizes) {
    const current = existing.get(task);
    if (current) {
      if (current.sizeMb < sizeMb) lines[current.line] = `--max-old-space-size=${sizeMb}`;
      continue;
    }
    const sectionLine = lines.findIndex((line) => line.replace(/#.*/, '').trim() === `[${task}]`);
    if (sectionLine >= 0) insertions.push({ after: sectionLine, line: `--max-old-space-size=${sizeMb}` });
    else appended.push('', `[${task}]`, `--max-old-space-size=${sizeMb}`);
  }
  // Bottom-up, so that earlier line numbers stay valid.
  for (const { after, line } of insertions.sort((a, b) => b.after - a.after)) lines.splice(after + 1, 0, line);
  if (appended.length === 0) return lines.join(eol);
  // Keep exactly one final newline after the appended sections.
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return [...lines, ...appended, ''].join(eol);
}
