// Does a tsconfig.json extend the heapwise presets? Follows `extends` chains (strings or arrays,
// relative paths and package names) the way tsc resolves them, without loading TypeScript.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { findUp } from './find-up.js';

export const PRESET_PACKAGE = '@heapwise/tsconfig';
/** Guards against cycles and absurd chains. */
export const MAX_EXTENDS_DEPTH = 16;

export interface ExtendsCheck {
  ok: boolean;
  /** The files and specifiers walked, first to last. */
  chain: string[];
  reason: string;
}

function readExtends(file: string): string[] {
  const config = parseJsonc(readFileSync(file, 'utf8')) as { extends?: unknown } | undefined;
  const field = config?.extends;
  if (typeof field === 'string') return [field];
  return Array.isArray(field) ? field.filter((entry): entry is string => typeof entry === 'string') : [];
}

function asFile(candidate: string): string | undefined {
  for (const path of [candidate, `${candidate}.json`, join(candidate, 'tsconfig.json')]) {
    if (existsSync(path) && statSync(path).isFile()) return path;
  }
  return undefined;
}

function resolveSpecifier(spec: string, fromDir: string): string | undefined {
  if (spec.startsWith('.') || isAbsolute(spec)) return asFile(resolve(fromDir, spec));
  return findUp(fromDir, (dir) => asFile(join(dir, 'node_modules', spec)));
}

/** `@heapwise/tsconfig` or one of its files (`@heapwise/tsconfig/library.json`). */
export function isPresetSpecifier(spec: string): boolean {
  return spec === PRESET_PACKAGE || spec.startsWith(`${PRESET_PACKAGE}/`);
}

export function checkExtendsPresets(tsconfigFile: string): ExtendsCheck {
  const chain: string[] = [];
  const seen = new Set<string>();
  const visit = (file: string, depth: number): boolean => {
    if (depth > MAX_EXTENDS_DEPTH || seen.has(file)) return false;
    seen.add(file);
    chain.push(file);
    let specs: string[];
    try {
      specs = readExtends(file);
    } catch {
      return false;
    }
    for (const spec of specs) {
      chain.push(spec);
      if (isPresetSpecifier(spec)) return true;
      const next = resolveSpecifier(spec, dirname(file));
      if (next !== undefined && visit(next, depth + 1)) return true;
    }
    return false;
  };
  const ok = visit(tsconfigFile, 0);
  return {
    ok,
    chain,
    reason: ok
      ? `extends ${PRESET_PACKAGE}`
      : `does not extend ${PRESET_PACKAGE} (chain: ${chain.join(' → ') || 'none'})`,
  };
}
