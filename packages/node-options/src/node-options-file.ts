// The `.node-options` file (see README.md): one flag per line, `#` comments, `[task]` sections, an
// optional `[heapwise]` settings section, `@node` lines for the node command line only and `@tsc` lines
// for TypeScript 7's tsc command line only.
//
// This is the one reader of the format. `parseDocument` keeps every line with its number, raw text and
// terminator, so that `render(parseDocument(text)) === text` and the edits below (set or raise a flag
// in a section, add a section) change only the bytes they must: comments and layout survive. Runtime
// resolution reads the same document through `parseNodeOptions`, which validates it and never stops at
// the first problem: every one comes back as `file:line: reason`.
import { readFileSync } from 'node:fs';
import { findFileUp } from './find-up.js';

export const NODE_OPTIONS_FILE_NAME = '.node-options';
/** Prefix of a line whose flag goes on the `node` command line only (V8 flags NODE_OPTIONS refuses). */
export const NODE_ONLY_MARKER = '@node';
/**
 * Prefix of a line whose flag goes on TypeScript 7's `tsc` command line only: its thread flags, which
 * then replace the threads heapwise would choose for the task.
 */
export const TSC_ONLY_MARKER = '@tsc';
/** TypeScript 7's thread flags: what `@tsc` lines may set (5.9 and 6.0 reject them). */
export const TSC_THREAD_FLAGS: readonly string[] = ['--checkers', '--builders', '--singleThreaded'];
/** Section holding heapwise's own settings (`headroom = 0.75`), not a task. */
export const SETTINGS_SECTION = 'heapwise';
/** Share of the memory limit that the budget hands out; the rest is left to the OS, native memory and stacks. */
export const DEFAULT_HEADROOM = 0.75;

export const HEAP_SIZE_FLAG = '--max-old-space-size';
/** Node 22.21+/24.6+: heap limit as a percentage of the memory limit. */
export const HEAP_PERCENTAGE_FLAG = '--max-old-space-size-percentage';
/** Both set the old-space limit: in a task's flags the later one replaces the earlier, whichever it is. */
export const HEAP_FLAGS: ReadonlySet<string> = new Set([HEAP_SIZE_FLAG, HEAP_PERCENTAGE_FLAG]);
/** Flags whose value is a heap size in MB: a positive integer. */
const SIZE_MB_FLAGS = new Set([HEAP_SIZE_FLAG, '--max-semi-space-size']);
/**
 * `[task]`, or `[package#task]` (turbo's own spelling of one package's task) for a request that only
 * that package's task makes: `[@acme/web#build]`.
 */
const SECTION_NAME = /^(?:(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*#)?[A-Za-z0-9][A-Za-z0-9:_.-]*$/;
/** The section a package's own request for a task lives in. */
export function packageSectionName(packageName: string, task: string): string {
  return `${packageName}#${task}`;
}
/** A section name read back: `[package#task]` names both, `[task]` the task alone (packageName undefined). */
export function splitSectionName(name: string): { packageName: string | undefined; task: string } {
  // Neither a package name nor a task name holds `#` (SECTION_NAME).
  const hash = name.indexOf('#');
  return hash === -1
    ? { packageName: undefined, task: name }
    : { packageName: name.slice(0, hash), task: name.slice(hash + 1) };
}

// ---------------------------------------------------------------------------------------------------
// The document: every line, as written

interface LineBase {
  /** 1-based line number. */
  line: number;
  /** The line's text without its terminator. */
  raw: string;
  /** `\n`, `\r\n`, or '' for the last line. */
  eol: string;
  /**
   * The section the line is in: null before any header (common lines), the name otherwise; '' after a
   * malformed header, whose lines belong to no task.
   */
  section: string | null;
}

export interface BlankLine extends LineBase {
  kind: 'blank';
}
export interface CommentLine extends LineBase {
  kind: 'comment';
}
export interface SectionLine extends LineBase {
  kind: 'section';
  /** The header's own name (equal to `section`). */
  name: string;
}
export interface FlagSourceLine extends LineBase {
  kind: 'flag';
  /** Normalised: leading `--`, dashes not underscores (`--max-old-space-size`). */
  name: string;
  value: string | undefined;
  nodeOnly: boolean;
  /** Marked `@tsc`: only for TypeScript 7's tsc command line. */
  tscOnly?: true;
  /** Where the name ends in `raw` (a bare flag's value is inserted there). */
  nameEnd: number;
  /** Where the value is in `raw` (`=value` or `name value`), for edits that keep the rest of the line. */
  valueStart: number | undefined;
  valueEnd: number | undefined;
}
export interface SettingLine extends LineBase {
  kind: 'setting';
  key: string;
  value: string;
}
/** A line the format cannot read: a malformed header, two flags, something that is not a flag. */
export interface InvalidLine extends LineBase {
  kind: 'invalid';
  reason: string;
}

export type DocumentLine = BlankLine | CommentLine | SectionLine | FlagSourceLine | SettingLine | InvalidLine;

export interface NodeOptionsDocument {
  readonly lines: readonly DocumentLine[];
  /** The terminator that new lines get: the file's first one, else `\n`. */
  readonly eol: string;
}

/**
 * Where a line's content ends: `#` starts a comment at the start of a line or after whitespace, so
 * values may contain `#`.
 */
function contentEnd(raw: string): number {
  const index = raw.search(/(^|\s)#/);
  return index === -1 ? raw.length : index;
}

export function normaliseFlagName(name: string): string {
  return name.startsWith('--') ? `--${name.slice(2).replaceAll('_', '-')}` : name;
}

function classify(raw: string, base: Omit<LineBase, 'raw'>, inSettings: boolean): DocumentLine {
  const line = { ...base, raw };
  const end = contentEnd(raw);
  const content = raw.slice(0, end).trim();
  if (content === '') return raw.trim() === '' ? { ...line, kind: 'blank' } : { ...line, kind: 'comment' };

  if (content.startsWith('[')) {
    const header = /^\[([^\]]*)\]$/.exec(content);
    const name = header?.[1]?.trim() ?? '';
    if (!header || !SECTION_NAME.test(name)) {
      return {
        ...line,
        kind: 'invalid',
        reason: `malformed section header '${content}' (expected [task], e.g. [build])`,
      };
    }
    return { ...line, kind: 'section', name };
  }

  if (inSettings) {
    const setting = /^([a-z-]+)\s*=\s*(\S+)$/.exec(content);
    if (!setting)
      return { ...line, kind: 'invalid', reason: `expected 'key = value' in [${SETTINGS_SECTION}], got '${content}'` };
    return { ...line, kind: 'setting', key: setting[1], value: setting[2] };
  }

  // Tokens with their offsets in `raw`, so that an edit can replace exactly the value.
  const tokens = [...raw.slice(0, end).matchAll(/\S+/g)].map((match) => ({ text: match[0], start: match.index }));
  let nodeOnly = false;
  let tscOnly = false;
  if (tokens[0]?.text === NODE_ONLY_MARKER) {
    nodeOnly = true;
    tokens.shift();
  } else if (tokens[0]?.text === TSC_ONLY_MARKER) {
    tscOnly = true;
    tokens.shift();
  }
  const marked = tscOnly ? { tscOnly: true as const } : {};
  const first = tokens[0];
  const rest = first === undefined ? '' : raw.slice(first.start, end).trim();
  if (!first || !first.text.startsWith('--') || first.text === '--') {
    return {
      ...line,
      kind: 'invalid',
      reason: `expected a flag starting with --, a [section] or a comment, got '${content}'`,
    };
  }
  const second = tokens[1];
  if (tokens.length > 2 || (second !== undefined && (first.text.includes('=') || second.text.startsWith('-')))) {
    return { ...line, kind: 'invalid', reason: `one flag per line, got '${rest}'` };
  }
  const equals = first.text.indexOf('=');
  if (equals !== -1) {
    return {
      ...line,
      kind: 'flag',
      name: normaliseFlagName(first.text.slice(0, equals)),
      value: first.text.slice(equals + 1),
      nodeOnly,
      ...marked,
      nameEnd: first.start + equals,
      valueStart: first.start + equals + 1,
      valueEnd: first.start + first.text.length,
    };
  }
  return {
    ...line,
    kind: 'flag',
    name: normaliseFlagName(first.text),
    value: second?.text,
    nodeOnly,
    ...marked,
    nameEnd: first.start + first.text.length,
    valueStart: second?.start,
    valueEnd: second === undefined ? undefined : second.start + second.text.length,
  };
}

/** Every line of a `.node-options` text, classified; never throws (unreadable lines are `invalid`). */
export function parseDocument(text: string): NodeOptionsDocument {
  const parts = text.split(/(\r?\n)/);
  const lines: DocumentLine[] = [];
  let section: string | null = null;
  for (let index = 0; index < parts.length; index += 2) {
    const raw = parts[index];
    const eol = parts[index + 1] ?? '';
    const parsed = classify(raw, { line: lines.length + 1, eol, section }, section === SETTINGS_SECTION);
    if (parsed.kind === 'section') section = parsed.name;
    else if (parsed.kind === 'invalid' && parsed.raw.trim().startsWith('[')) section = '';
    lines.push(parsed.kind === 'section' ? { ...parsed, section } : parsed);
  }
  return { lines, eol: /\r?\n/.exec(text)?.[0] ?? '\n' };
}

/** The text of a document: byte for byte what it was parsed from, plus any edits. */
export function renderDocument(document: NodeOptionsDocument): string {
  return document.lines.map((line) => line.raw + line.eol).join('');
}

// ---------------------------------------------------------------------------------------------------
// Validation and the resolved configuration

export interface FlagLine {
  /** Normalised name: leading `--`, dashes not underscores (`--max-old-space-size`). */
  name: string;
  value: string | undefined;
  /** 1-based line number in the file. */
  line: number;
  /** Marked `@node`: only for the `node` command line, never NODE_OPTIONS. */
  nodeOnly: boolean;
  /** Marked `@tsc`: only for TypeScript 7's tsc command line, never NODE_OPTIONS. */
  tscOnly?: true;
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
  /** `[heapwise] ledger = path`: where the ledger lives, relative to this file's directory. */
  ledger?: string;
}

export interface Problem {
  file: string;
  line: number;
  reason: string;
}

export interface ParseOptions {
  /** Path used in problems and kept in the result. */
  file: string;
  /**
   * Flags NODE_OPTIONS accepts; default: the running Node's `process.allowedNodeEnvironmentFlags`.
   * `null` skips this check (an edit of the file does not depend on which Node runs it).
   */
  allowedFlags?: ReadonlySet<string> | null;
}

export interface ParseResult {
  config: NodeOptionsConfig;
  problems: Problem[];
  document: NodeOptionsDocument;
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

/** `--name` or `--name=value` as NODE_OPTIONS and the node command line take it. */
export function formatFlag(flag: Pick<FlagLine, 'name' | 'value'>): string {
  return flag.value === undefined ? flag.name : `${flag.name}=${flag.value}`;
}

function describeValue(value: string | undefined): string {
  return value === undefined ? 'nothing' : `'${value}'`;
}

/** What is wrong with an `@tsc` line: only the thread flags, counts as positive integers. */
function checkTscFlag(flag: Pick<FlagLine, 'name' | 'value'>): string | undefined {
  if (!TSC_THREAD_FLAGS.includes(flag.name))
    return (
      `'${TSC_ONLY_MARKER}' lines take TypeScript 7's thread flags ` +
      `(${TSC_THREAD_FLAGS.join(', ')}), got ${flag.name}`
    );
  if (flag.name === '--singleThreaded')
    return flag.value === undefined || flag.value === 'true' ? undefined : `--singleThreaded takes no value`;
  return flag.value !== undefined && /^[1-9]\d*$/.test(flag.value)
    ? undefined
    : `${flag.name} expects a positive integer, got ${describeValue(flag.value)}`;
}

function checkValue(flag: Pick<FlagLine, 'name' | 'value' | 'tscOnly'>): string | undefined {
  if (flag.tscOnly) return checkTscFlag(flag);
  if (SIZE_MB_FLAGS.has(flag.name) && (flag.value === undefined || !/^[1-9]\d*$/.test(flag.value))) {
    return `${flag.name} expects a positive integer of MB, got ${describeValue(flag.value)}`;
  }
  if (flag.name === HEAP_PERCENTAGE_FLAG) {
    const percent = Number(flag.value);
    if (flag.value === undefined || !Number.isFinite(percent) || percent <= 0 || percent > 100) {
      return `${flag.name} expects a percentage in (0, 100], got ${describeValue(flag.value)}`;
    }
  }
  return undefined;
}

/**
 * The settings `[heapwise]` knows, each with its reader: a value, or a problem. A new setting is one
 * entry here and one field in NodeOptionsConfig.
 */
const SETTINGS: Readonly<Record<string, (value: string) => { value: number | string } | { problem: string }>> = {
  headroom: (value) => {
    const fraction = Number(value);
    return Number.isFinite(fraction) && fraction > 0 && fraction <= 1
      ? { value: fraction }
      : { problem: `headroom must be a fraction in (0, 1], got '${value}'` };
  },
  // Where the task ledger lives (a path relative to this file), e.g. to commit it or cache it in CI.
  ledger: (value) => (value.endsWith('/') ? { problem: `ledger must name a file, got '${value}'` } : { value }),
};

/** Validates a document and resolves it into flags per task; problems come in line order. */
export function configFromDocument(document: NodeOptionsDocument, options: ParseOptions): ParseResult {
  const { file } = options;
  const allowed = options.allowedFlags === undefined ? process.allowedNodeEnvironmentFlags : options.allowedFlags;
  const problems: Problem[] = [];
  const common: FlagLine[] = [];
  const sections = new Map<string, TaskSection>();
  const settingLines = new Map<string, number>();
  let headroom = DEFAULT_HEADROOM;
  let ledger: string | undefined;
  let settingsHeader: number | undefined;

  for (const entry of document.lines) {
    const problem = (reason: string): void => {
      problems.push({ file, line: entry.line, reason });
    };
    switch (entry.kind) {
      case 'invalid':
        problem(entry.reason);
        break;
      case 'section': {
        const first = entry.name === SETTINGS_SECTION ? settingsHeader : sections.get(entry.name)?.line;
        if (first !== undefined) problem(`duplicate section [${entry.name}] (first at line ${first})`);
        else if (entry.name === SETTINGS_SECTION) settingsHeader = entry.line;
        else sections.set(entry.name, { name: entry.name, line: entry.line, flags: [] });
        break;
      }
      case 'setting': {
        const read = SETTINGS[entry.key];
        if (read === undefined) {
          problem(
            `unknown setting '${entry.key}' in [${SETTINGS_SECTION}] (known: ${Object.keys(SETTINGS).join(', ')})`,
          );
          break;
        }
        const result = read(entry.value);
        if ('problem' in result) problem(result.problem);
        else if (settingLines.has(entry.key))
          problem(`${entry.key} set twice (first at line ${settingLines.get(entry.key)})`);
        else {
          settingLines.set(entry.key, entry.line);
          if (entry.key === 'headroom') headroom = result.value as number;
          else if (entry.key === 'ledger') ledger = result.value as string;
        }
        break;
      }
      case 'flag': {
        if (allowed !== null && !entry.nodeOnly && !entry.tscOnly && !allowed.has(entry.name)) {
          problem(
            `${entry.name} is not allowed in NODE_OPTIONS on Node ${process.version} ` +
              `(mark the line '${NODE_ONLY_MARKER} ${entry.name}' to pass it on the node command line only)`,
          );
        }
        const valueProblem = checkValue(entry);
        if (valueProblem) problem(valueProblem);
        const flag: FlagLine = { name: entry.name, value: entry.value, line: entry.line, nodeOnly: entry.nodeOnly };
        if (entry.tscOnly) flag.tscOnly = true;
        // Lines after a malformed header belong to no known task: skipped, not misfiled.
        if (entry.section === null) common.push(flag);
        else sections.get(entry.section)?.flags.push(flag);
        break;
      }
      default:
        break;
    }
  }
  const config: NodeOptionsConfig = { file, common, sections, headroom };
  if (ledger !== undefined) config.ledger = ledger;
  return { config, problems, document };
}

export function parseNodeOptions(text: string, options: ParseOptions): ParseResult {
  return configFromDocument(parseDocument(text), options);
}

/** Reads and parses a file; throws ConfigError (every problem) when it has any. */
export function loadNodeOptions(
  file: string,
  options: Omit<ParseOptions, 'file'> & { displayPath?: string } = {},
): NodeOptionsConfig {
  const shown = options.displayPath ?? file;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([{ file: shown, line: 0, reason: `cannot read: ${(error as Error).message}` }]);
  }
  const { config, problems } = parseNodeOptions(text, { ...options, file: shown });
  if (problems.length > 0) throw new ConfigError(problems);
  return { ...config, file };
}

/** Walks up from `startDir` to the first `.node-options`. */
export function findNodeOptionsFile(startDir: string): string | undefined {
  return findFileUp(startDir, [NODE_OPTIONS_FILE_NAME]);
}

function sameFlag(a: FlagLine, b: FlagLine): boolean {
  if (Boolean(a.tscOnly) !== Boolean(b.tscOnly)) return false;
  // `--singleThreaded` and a thread count say opposite things: a later one replaces the earlier.
  if (a.tscOnly && (a.name === '--singleThreaded') !== (b.name === '--singleThreaded')) return true;
  return a.name === b.name || (HEAP_FLAGS.has(a.name) && HEAP_FLAGS.has(b.name));
}

/**
 * A task's flags: the common lines, then its section, then (with `packageName`) the package's own
 * `[package#task]` section; a later flag of the same name replaces an earlier one.
 */
export function taskFlags(config: NodeOptionsConfig, task: string, packageName?: string): FlagLine[] {
  const merged: FlagLine[] = [];
  const own =
    packageName === undefined ? [] : (config.sections.get(packageSectionName(packageName, task))?.flags ?? []);
  for (const flag of [...config.common, ...(config.sections.get(task)?.flags ?? []), ...own]) {
    for (let index = merged.length - 1; index >= 0; index -= 1)
      if (sameFlag(merged[index], flag)) merged.splice(index, 1);
    merged.push(flag);
  }
  return merged;
}

/** The packages with their own `[package#task]` section for `task`, in file order. */
export function packagesWithOwnSection(config: NodeOptionsConfig, task: string): string[] {
  return [...config.sections.keys()].flatMap((name) => {
    const section = splitSectionName(name);
    return section.packageName !== undefined && section.task === task ? [section.packageName] : [];
  });
}

/** The heap flag that decides a task's heap (`--max-old-space-size` or its percentage form), if any. */
export function taskHeapFlag(config: NodeOptionsConfig, task: string, packageName?: string): FlagLine | undefined {
  return taskFlags(config, task, packageName).find(
    (flag) => !flag.nodeOnly && !flag.tscOnly && HEAP_FLAGS.has(flag.name),
  );
}

/**
 * The section a flag of `config` was written in (`package#task` or `task`), or null for the common
 * lines. `taskFlags` returns the parsed flags themselves, so the flag is found by identity.
 */
export function flagSection(config: NodeOptionsConfig, flag: FlagLine): string | null {
  for (const [name, section] of config.sections) if (section.flags.includes(flag)) return name;
  return null;
}

// ---------------------------------------------------------------------------------------------------
// Edits: each returns a new document; the lines it does not touch keep their bytes

type Draft = { raw: string; eol: string }[];

function draftOf(document: NodeOptionsDocument): Draft {
  return document.lines.map(({ raw, eol }) => ({ raw, eol }));
}

function fromDraft(draft: Draft): NodeOptionsDocument {
  return parseDocument(draft.map(({ raw, eol }) => raw + eol).join(''));
}

/**
 * Inserts lines before index `at`, each with the document's terminator (and one for the line before,
 * if it had none).
 */
function insertLines(draft: Draft, at: number, lines: readonly string[], eol: string): void {
  const previous = draft[at - 1];
  if (previous && previous.eol === '') previous.eol = eol;
  const isLast = at >= draft.length;
  draft.splice(at, 0, ...lines.map((raw, index) => ({ raw, eol: isLast && index === lines.length - 1 ? '' : eol })));
}

/** Content lines of a section (null: the common lines) and where its header is. */
function sectionLines(document: NodeOptionsDocument, section: string | null) {
  const header =
    section === null ? undefined : document.lines.find((line) => line.kind === 'section' && line.name === section);
  const flags = document.lines.filter(
    (line): line is FlagSourceLine => line.kind === 'flag' && line.section === section,
  );
  return { header, flags };
}

function withValue(line: FlagSourceLine, value: string): string {
  if (line.valueStart !== undefined && line.valueEnd !== undefined) {
    return line.raw.slice(0, line.valueStart) + value + line.raw.slice(line.valueEnd);
  }
  return `${line.raw.slice(0, line.nameEnd)}=${value}${line.raw.slice(line.nameEnd)}`;
}

/**
 * Sets `name` to `value` in `section` (null: the common lines). The flag's last line there is edited
 * in place, in its own spelling (`--flag value` stays two words, a trailing comment stays); without
 * one, `--name=value` goes right below the section's header, and a missing section is added at the end.
 */
export function setFlag(
  document: NodeOptionsDocument,
  section: string | null,
  name: string,
  value: string,
): NodeOptionsDocument {
  const draft = draftOf(document);
  const { header, flags } = sectionLines(document, section);
  const existing = flags.filter((line) => line.name === name && !line.nodeOnly && !line.tscOnly).at(-1);
  if (existing) {
    const index = existing.line - 1;
    draft[index].raw = withValue(existing, value);
    return fromDraft(draft);
  }
  const line = `${name}=${value}`;
  if (section === null) {
    // After the last common flag, else before the first section (and the blank lines above it).
    const lastCommon = flags.at(-1);
    let at = lastCommon ? lastCommon.line : document.lines.findIndex((entry) => entry.kind === 'section');
    if (at === -1) at = document.lines.length;
    while (!lastCommon && at > 0 && document.lines[at - 1]?.kind === 'blank') at -= 1;
    insertLines(draft, at, [line], document.eol);
    return fromDraft(draft);
  }
  if (header) {
    insertLines(draft, header.line, [line], document.eol);
    return fromDraft(draft);
  }
  return addSection(document, section, [line]);
}

/**
 * Appends `[name]` with `lines` at the end, after one blank line; the file keeps (or gets) exactly one
 * final newline. Refuses a section that exists already.
 */
export function addSection(document: NodeOptionsDocument, name: string, lines: readonly string[]): NodeOptionsDocument {
  if (!SECTION_NAME.test(name)) throw new Error(`not a section name: '${name}'`);
  if (document.lines.some((line) => line.kind === 'section' && line.name === name)) {
    throw new Error(`section [${name}] exists already`);
  }
  const draft = draftOf(document);
  while (draft.length > 0 && (draft.at(-1) as Draft[number]).raw.trim() === '') draft.pop();
  const separator = draft.length > 0 ? [''] : [];
  insertLines(draft, draft.length, [...separator, `[${name}]`, ...lines, ''], document.eol);
  return fromDraft(draft);
}

export interface RaiseResult {
  document: NodeOptionsDocument;
  /** Whether the text changed. */
  changed: boolean;
  /** Why a raise was not made, for the caller to report (e.g. the heap is a percentage). */
  skipped?: string;
}

/**
 * Makes task `section`'s requested heap at least `minimumMb`: the size that applies to it (its own or
 * the common lines') is compared, never lowered; a section's own `--max-old-space-size` line is edited
 * in place, whichever spelling it uses. A heap given as a percentage is left alone with a reason.
 */
export function raiseHeapRequest(document: NodeOptionsDocument, section: string, minimumMb: number): RaiseResult {
  const { config } = configFromDocument(document, { file: NODE_OPTIONS_FILE_NAME, allowedFlags: null });
  const current = taskHeapFlag(config, section);
  if (current?.name === HEAP_PERCENTAGE_FLAG) {
    return {
      document,
      changed: false,
      skipped:
        `[${section}] sets its heap as ${formatFlag(current)} (line ${current.line}); left as it is, ` +
        `not raised to ${minimumMb} MB`,
    };
  }
  if (current !== undefined && Number(current.value) >= minimumMb) return { document, changed: false };
  const next = setFlag(document, section, HEAP_SIZE_FLAG, String(minimumMb));
  return { document: next, changed: true };
}
