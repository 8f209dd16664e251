// The `.node-options` format (see README.md): one flag per line, `#` comments, `[task]` sections,
// an optional `[heapwise]` settings section, and `@node` lines for the node command line only.
// The parser never stops at the first problem: it returns every one as `file:line: reason`.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const NODE_OPTIONS_FILE_NAME = '.node-options';
/** Prefix of a line whose flag goes on the `node` command line only (V8 flags NODE_OPTIONS refuses). */
export const NODE_ONLY_MARKER = '@node';
/** Section holding heapwise's own settings (`headroom = 0.75`), not a task. */
export const SETTINGS_SECTION = 'heapwise';
/** Share of the memory limit that the budget hands out; the rest is left to the OS, native memory and stacks. */
export const DEFAULT_HEADROOM = 0.75;

/** Flags whose value is a heap size in MB: a positive integer. */
const SIZE_MB_FLAGS = new Set(['--max-old-space-size', '--max-semi-space-size']);
export const HEAP_SIZE_FLAG = '--max-old-space-size';
/** Node 22.21+/24.6+: heap limit as a percentage of the memory limit. */
export const HEAP_PERCENTAGE_FLAG = '--max-old-space-size-percentage';
const SECTION_NAME = /^[A-Za-z0-9][A-Za-z0-9:_.-]*$/;

export interface FlagLine {
  /** Normalised name: leading `--`, dashes not underscores (`--max-old-space-size`). */
  name: string;
  value: string | undefined;
  /** 1-based line number in the file. */
  line: number;
  /** Marked `@node`: only for the `node` command line, never NODE_OPTIONS. */
  nodeOnly: boolean;
}

export interface TaskSection {
  name: string;
  line: number;
  flags: FlagLine[];
}

export interface NodeOptionsConfig {
  file: string;
  /** Lines before any section: they apply to every task. */
  common: FlagLine[];
  sections: Map<string, TaskSection>;
  headroom: number;
}

export interface Problem {
  file: string;
  line: number;
  reason: string;
}

export interface ParseOptions {
  /** Path used in problems and kept in the result. */
  file: string;
  /** Flags NODE_OPTIONS accepts; default: the running Node's `process.allowedNodeEnvironmentFlags`. */
  allowedFlags?: ReadonlySet<string>;
}

export interface ParseResult {
  config: NodeOptionsConfig;
  problems: Problem[];
}

export function formatProblem(problem: Problem): string {
  // Line 0 means the file as a whole (e.g. it cannot be read).
  return problem.line > 0 ? `${problem.file}:${problem.line}: ${problem.reason}` : `${problem.file}: ${problem.reason}`;
}

/** A configuration error: every problem found, one `file:line: reason` per line of the message. */
export class ConfigError extends Error {
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export function normaliseFlagName(name: string): string {
  const bare = name.replace(/^--?/, '');
  return name.startsWith('--') ? `--${bare.replaceAll('_', '-')}` : name;
}

/** `--name` or `--name=value` as NODE_OPTIONS and the node command line take it. */
export function formatFlag(flag: Pick<FlagLine, 'name' | 'value'>): string {
  return flag.value === undefined ? flag.name : `${flag.name}=${flag.value}`;
}

function stripComment(raw: string): string {
  // `#` starts a comment at the start of a line or after whitespace, so values may still contain `#`.
  const index = raw.search(/(^|\s)#/);
  return (index === -1 ? raw : raw.slice(0, index)).trim();
}

function checkValue(flag: FlagLine): string | undefined {
  if (SIZE_MB_FLAGS.has(flag.name)) {
    if (flag.value === undefined || !/^[1-9]\d*$/.test(flag.value)) {
      return `${flag.name} expects a positive integer of MB, got ${flag.value === undefined ? 'nothing' : `'${flag.value}'`}`;
    }
  }
  if (flag.name === HEAP_PERCENTAGE_FLAG) {
    const percent = Number(flag.value);
    if (flag.value === undefined || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
      return `${flag.name} expects a percentage in (0, 100], got ${flag.value === undefined ? 'nothing' : `'${flag.value}'`}`;
    }
  }
  return undefined;
}

export function parseNodeOptions(text: string, options: ParseOptions): ParseResult {
  const file = options.file;
  const allowed = options.allowedFlags ?? process.allowedNodeEnvironmentFlags;
  const problems: Problem[] = [];
  const common: FlagLine[] = [];
  const sections = new Map<string, TaskSection>();
  let headroom = DEFAULT_HEADROOM;
  let headroomLine: number | undefined;
  let current: TaskSection | undefined;
  let inSettings = false;
  let settingsLine: number | undefined;

  const lines = text.split(/\r?\n/);
  lines.forEach((raw, index) => {
    const line = index + 1;
    const problem = (reason: string): void => {
      problems.push({ file, line, reason });
    };
    const content = stripComment(raw);
    if (content === '') return;

    if (content.startsWith('[')) {
      const header = /^\[([^\]]*)\]$/.exec(content);
      const name = header?.[1]?.trim() ?? '';
      if (!header || !SECTION_NAME.test(name)) {
        problem(`malformed section header '${content}' (expected [task], e.g. [build])`);
        // Lines up to the next valid header belong to no known task: skip them, do not misfile them.
        current = { name: '', line, flags: [] };
        inSettings = false;
        return;
      }
      if (name === SETTINGS_SECTION) {
        if (settingsLine !== undefined) problem(`duplicate section [${name}] (first at line ${settingsLine})`);
        settingsLine ??= line;
        inSettings = true;
        current = undefined;
        return;
      }
      inSettings = false;
      const previous = sections.get(name);
      if (previous) {
        problem(`duplicate section [${name}] (first at line ${previous.line})`);
        current = previous;
        return;
      }
      current = { name, line, flags: [] };
      sections.set(name, current);
      return;
    }

    if (inSettings) {
      const setting = /^([a-z-]+)\s*=\s*(\S+)$/.exec(content);
      if (!setting) return problem(`expected 'key = value' in [${SETTINGS_SECTION}], got '${content}'`);
      const [, key, value] = setting as unknown as [string, string, string];
      if (key !== 'headroom') return problem(`unknown setting '${key}' in [${SETTINGS_SECTION}] (known: headroom)`);
      const fraction = Number(value);
      if (!Number.isFinite(fraction) || fraction <= 0 || fraction > 1) {
        return problem(`headroom must be a fraction in (0, 1], got '${value}'`);
      }
      if (headroomLine !== undefined) return problem(`headroom set twice (first at line ${headroomLine})`);
      headroom = fraction;
      headroomLine = line;
      return;
    }

    let rest = content;
    let nodeOnly = false;
    if (
      rest === NODE_ONLY_MARKER ||
      rest.startsWith(`${NODE_ONLY_MARKER} `) ||
      rest.startsWith(`${NODE_ONLY_MARKER}\t`)
    ) {
      nodeOnly = true;
      rest = rest.slice(NODE_ONLY_MARKER.length).trim();
    }
    const tokens = rest.split(/\s+/).filter(Boolean);
    const first = tokens[0] ?? '';
    if (!first.startsWith('--') || first === '--') {
      return problem(`expected a flag starting with --, a [section] or a comment, got '${content}'`);
    }
    if (tokens.length > 2 || (tokens.length === 2 && (first.includes('=') || tokens[1]!.startsWith('-')))) {
      return problem(`one flag per line, got '${rest}'`);
    }
    const equals = first.indexOf('=');
    const flag: FlagLine = {
      name: normaliseFlagName(equals === -1 ? first : first.slice(0, equals)),
      value: equals === -1 ? tokens[1] : first.slice(equals + 1),
      line,
      nodeOnly,
    };
    if (!nodeOnly && !allowed.has(flag.name)) {
      problem(
        `${flag.name} is not allowed in NODE_OPTIONS on Node ${process.version} ` +
          `(mark the line '${NODE_ONLY_MARKER} ${flag.name}' to pass it on the node command line only)`,
      );
    }
    const valueProblem = checkValue(flag);
    if (valueProblem) problem(valueProblem);
    (current ? current.flags : common).push(flag);
  });

  return { config: { file, common, sections, headroom }, problems };
}

/** Reads and parses a file; throws ConfigError (every problem) when it has any. */
export function loadNodeOptions(
  file: string,
  options: Omit<ParseOptions, 'file'> & { displayPath?: string } = {},
): NodeOptionsConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      { file: options.displayPath ?? file, line: 0, reason: `cannot read: ${(error as Error).message}` },
    ]);
  }
  const { config, problems } = parseNodeOptions(text, { ...options, file: options.displayPath ?? file });
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, file };
}

/** Walks up from `startDir` to the first `.node-options`. */
export function findNodeOptionsFile(startDir: string): string | undefined {
  for (let dir = startDir; ; dir = dirname(dir)) {
    const candidate = join(dir, NODE_OPTIONS_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}
