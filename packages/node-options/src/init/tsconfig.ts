// Makes an existing tsconfig.json extend @heapwise/tsconfig/adopt.json: a
// preset that carries only options which change the memory and speed of the
// editor, never what compiles or where output goes. The full presets
// (library.json, service.json) set rootDir, include, composite, types and
// strict: layered under a project that was written without them, they change
// what it type-checks, so they are for new packages only.
//
// The preset goes first in `extends`, so every option the project or its own
// bases set still wins; the only effective change is an adopt option that
// nothing in the project's chain sets. `predictOptionChanges` computes that
// statically (following the chain the way tsc does), and the tests compare it
// with `tsc --showConfig` before and after on TypeScript 7 and 5.9.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { isPresetSpecifier, MAX_EXTENDS_DEPTH, PRESET_PACKAGE } from '../tsconfig-check.js';
import { InitError } from './errors.js';
import { insertIntoArray, parseObject, replaceValueText, setProperty, stripBom } from './jsonc.js';

export { PRESET_PACKAGE };
export const ADOPT_PRESET = `${PRESET_PACKAGE}/adopt.json`;
/**
 * The compilerOptions of adopt.json (test/init-tsconfig.test.ts keeps the two
 * equal): init reports these, and only these, as effective changes.
 */
export const ADOPT_OPTIONS: Readonly<Record<string, unknown>> = {
  disableReferencedProjectLoad: true,
  disableSolutionSearching: true,
};

function isPreset(value: unknown): boolean {
  return typeof value === 'string' && isPresetSpecifier(value);
}

/**
 * The new text of a tsconfig.json: `extends` gains adopt.json first (a string
 * becomes `[adopt, theirs]` on one line; an array gets it in front, in its own
 * layout; a new `extends` goes after `$schema`). The same text when it
 * already extends any heapwise preset.
 */
export function extendAdoptPreset(relativePath: string, text: string): string {
  const config = parseObject(relativePath, text, true);
  const current = config.extends;
  if (current === undefined) {
    return setProperty(text, ['extends'], ADOPT_PRESET, (properties) => properties.indexOf('$schema') + 1);
  }
  if (typeof current === 'string') {
    if (isPreset(current)) return text;
    return replaceValueText(text, ['extends'], `[${JSON.stringify(ADOPT_PRESET)}, ${JSON.stringify(current)}]`);
  }
  if (Array.isArray(current) && current.every((entry) => typeof entry === 'string')) {
    if (current.some(isPreset)) return text;
    return current.length === 0
      ? replaceValueText(text, ['extends'], `[${JSON.stringify(ADOPT_PRESET)}]`)
      : insertIntoArray(text, ['extends'], ADOPT_PRESET, 'first');
  }
  throw new InitError(`${relativePath}: "extends" must be a string or an array of strings. Nothing was changed.`);
}

export interface OptionChange {
  readonly option: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface ChainResolution {
  /** compilerOptions set anywhere in the chain, merged as tsc merges them (later wins). */
  readonly compilerOptions: Record<string, unknown>;
  /** Specifiers that could not be found (their options are unknown). */
  readonly unresolved: readonly string[];
  /** Files of the chain, the tsconfig itself first. */
  readonly files: readonly string[];
}

function asFile(candidate: string): string | undefined {
  for (const path of [candidate, `${candidate}.json`, join(candidate, 'tsconfig.json')]) {
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return undefined;
}

/** tsc's lookup of an `extends` specifier: a path, or a package (its `exports`, else the file path). */
export function resolveExtends(spec: string, fromDir: string): string | undefined {
  if (spec.startsWith('.') || isAbsolute(spec)) return asFile(resolve(fromDir, spec));
  try {
    // Package `exports` (tsc ≥ 5.0 honours them for extends), from the extending file's folder. A bare
    // package name resolves to its JavaScript entry here, which is not what tsc reads: walk instead.
    const found = realpathSync(createRequire(join(fromDir, 'noop.js')).resolve(spec));
    if (found.endsWith('.json')) return found;
  } catch {
    // No exports match or no package.json: fall back to the plain node_modules walk below.
  }
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const found = asFile(join(dir, 'node_modules', spec));
    if (found) return found;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Follows `extends` from `file` and merges compilerOptions in tsc's order (bases first, the file last). */
export function resolveChain(file: string): ChainResolution {
  const unresolved: string[] = [];
  const files: string[] = [];
  const visit = (path: string, depth: number, seen: ReadonlySet<string>): Record<string, unknown> => {
    if (depth > MAX_EXTENDS_DEPTH || seen.has(path)) return {};
    files.push(path);
    let config: { extends?: unknown; compilerOptions?: Record<string, unknown> } | undefined;
    try {
      config = parseJsonc(stripBom(readFileSync(path, 'utf8'))) as typeof config;
    } catch {
      return {};
    }
    const specs =
      typeof config?.extends === 'string' ? [config.extends] : Array.isArray(config?.extends) ? config.extends : [];
    let merged: Record<string, unknown> = {};
    for (const spec of specs) {
      if (typeof spec !== 'string') continue;
      const next = resolveExtends(spec, dirname(path));
      if (next === undefined) unresolved.push(spec);
      else merged = { ...merged, ...visit(next, depth + 1, new Set([...seen, path])) };
    }
    return { ...merged, ...(config?.compilerOptions ?? {}) };
  };
  const compilerOptions = visit(file, 0, new Set());
  return { compilerOptions, unresolved, files };
}

/**
 * What `tsc --showConfig` will show differently once the tsconfig extends
 * adopt.json first: each adopt option the chain does not already set.
 */
export function predictOptionChanges(chain: ChainResolution): OptionChange[] {
  return Object.entries(ADOPT_OPTIONS)
    .filter(([option]) => !Object.hasOwn(chain.compilerOptions, option))
    .map(([option, after]) => ({ option, before: undefined, after }));
}

/** One line per tsconfig for init's output: every effective option that changes, and nothing else. */
export function describeOptionChanges(
  relativePath: string,
  changes: readonly OptionChange[],
  unresolved: readonly string[],
): string {
  const list =
    changes.length === 0
      ? 'no effective option changes'
      : changes
          .map(
            (change) =>
              `${change.option}: ${JSON.stringify(change.before) ?? '(unset)'} → ${JSON.stringify(change.after)}`,
          )
          .join(', ');
  const caveat =
    unresolved.length === 0
      ? ''
      : ` (extends ${unresolved.map((spec) => `'${spec}'`).join(', ')} not installed: an option it sets still wins)`;
  return `${relativePath}: ${list}; files, include, exclude and every other compiler option unchanged${caveat}`;
}
