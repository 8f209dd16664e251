// The profiles `heapwise init` writes into a new `.node-options`. This is the
// one place the default sizes live: the repository's own `.node-options`
// is checked against it by test/init-profiles.test.ts.
import {
  addSection,
  configFromDocument,
  formatProblem,
  HEAP_SIZE_FLAG,
  packageSectionName,
  parseDocument,
  raiseHeapRequest,
  renderDocument,
} from '../node-options-file.js';
import { InitError } from './errors.js';

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
  let document = parseDocument(`${HEADER.join('\n')}\n`);
  for (const task of INIT_TASKS) {
    const profile = profiles[task];
    document = addSection(document, task, [`${HEAP_SIZE_FLAG}=${profile.maxOldSpaceSizeMb}`, ...profile.flags]);
  }
  return renderDocument(document);
}

export interface RaisedNodeOptions {
  readonly text: string;
  /** Raises that were not made, and why. */
  readonly notes: readonly string[];
}

/**
 * Raises the requested heap of each task in an existing `.node-options` to at least `sizes[task]`
 * through the one `.node-options` editor: the line that sets it is edited in place (in either
 * spelling, `--max-old-space-size=N` or `--max-old-space-size N`), a section without one gets one
 * below its header, a missing section is appended. Sizes are never lowered. A file the format cannot
 * read is refused, naming its first problem, so that an edit never changes what it means.
 */
export function raiseRequestedSizes(
  relativePath: string,
  text: string,
  sizes: ReadonlyMap<InitTask, number>,
): RaisedNodeOptions {
  let document = parseDocument(text);
  const [problem] = configFromDocument(document, { file: relativePath, allowedFlags: null }).problems;
  if (problem) {
    throw new InitError(`${formatProblem(problem)}; fix it and run heapwise init again. Nothing was changed.`);
  }
  const notes: string[] = [];
  for (const [task, sizeMb] of sizes) {
    const raised = raiseHeapRequest(document, task, sizeMb);
    document = raised.document;
    if (raised.skipped !== undefined) notes.push(`${relativePath}: ${raised.skipped}`);
  }
  return { text: renderDocument(document), notes };
}

/** One package's own request for a task, larger than the task's: it gets a `[package#task]` section. */
export interface PackageRequest {
  readonly packageName: string;
  readonly task: InitTask;
  readonly sizeMb: number;
}

/**
 * Writes each package's own request as `[package#task]` (raised, never lowered, when the section is
 * there already), when it is larger than what `[task]` requests in `text`. One package's 8192 MB vite
 * build so stays that package's request instead of becoming every build task's, which would make
 * `heapwise turbo` run the whole build one task at a time.
 */
export function addPackageRequests(
  relativePath: string,
  text: string,
  requests: readonly PackageRequest[],
): RaisedNodeOptions {
  let document = parseDocument(text);
  const notes: string[] = [];
  for (const request of requests) {
    const config = configFromDocument(document, { file: relativePath, allowedFlags: null }).config;
    const taskRequest = config.sections.get(request.task)?.flags.find((flag) => flag.name === HEAP_SIZE_FLAG)?.value;
    if (taskRequest !== undefined && Number(taskRequest) >= request.sizeMb) continue;
    const section = packageSectionName(request.packageName, request.task);
    if (config.sections.has(section)) {
      const raised = raiseHeapRequest(document, section, request.sizeMb);
      document = raised.document;
      if (raised.skipped !== undefined) notes.push(`${relativePath}: ${raised.skipped}`);
    } else {
      document = addSection(document, section, [`${HEAP_SIZE_FLAG}=${request.sizeMb}`]);
    }
  }
  return { text: renderDocument(document), notes };
}
