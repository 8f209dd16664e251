// doctor's checks of what adoption can get wrong, where `heapwise init` left something or a later edit
// undid it: a root script calling turbo past `heapwise turbo` (its tasks size their heaps as if each
// ran alone), `cross-env NODE_OPTIONS=…` replacing the flags `heapwise run` set (the heap and
// --expose-gc are lost), and a tsconfig that layers a full preset over its own base (the preset's
// rootDir, include, composite, types and strict then change what it type-checks).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { crossEnvReplacingNodeOptions, rewriteRootScript } from '../init/shell-script.js';
import { ADOPT_OPTIONS, resolveChain, resolveExtends } from '../init/tsconfig.js';
import { isPresetSpecifier } from '../tsconfig-check.js';
import type { DoctorFacts, Finding } from './checks.js';

/** The presets that set structure; `adopt.json` and `watch.json` are overlays and never change meaning this way. */
const OVERLAY_PRESETS: ReadonlySet<string> = new Set([
  '@heapwise/tsconfig/adopt.json',
  '@heapwise/tsconfig/watch.json',
]);

function readScripts(file: string): Record<string, string> {
  try {
    const manifest = JSON.parse(readFileSync(file, 'utf8').replace(/^\uFEFF/, '')) as { scripts?: unknown };
    const scripts = (manifest.scripts ?? {}) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(scripts).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
  } catch {
    return {}; // a broken package.json is npm's to report
  }
}

/** Root scripts that run `turbo run` (or `turbo <task>`) without going through `heapwise turbo`. */
export function checkTurboScripts({ workspace }: DoctorFacts): Finding[] {
  if (!workspace) return [];
  const scripts = readScripts(join(workspace.root, 'package.json'));
  const findings: Finding[] = [];
  for (const [name, script] of Object.entries(scripts)) {
    if (!/\bturbo\b/.test(script)) continue; // cheap filter before loading the shell parser
    const routed = rewriteRootScript(script, undefined);
    if (routed.leftAlone === undefined && routed.routedTurbo) {
      findings.push({
        check: 'scripts',
        status: 'problem',
        message:
          `package.json script "${name}" runs turbo without heapwise: ` +
          `its tasks size their heaps as if each ran alone (use: ${routed.script})`,
      });
    }
  }
  return findings;
}

/** Scripts where `cross-env NODE_OPTIONS=…` replaces what `heapwise run` set. */
export function checkCrossEnv({ workspace }: DoctorFacts): Finding[] {
  if (!workspace) return [];
  const findings: Finding[] = [];
  const manifests = [{ path: '.', dir: workspace.root }, ...workspace.packages];
  for (const { path, dir } of manifests) {
    for (const [name, script] of Object.entries(readScripts(join(dir, 'package.json')))) {
      if (!script.includes('cross-env') || !script.includes('heapwise')) continue;
      for (const word of crossEnvReplacingNodeOptions(script)) {
        findings.push({
          check: 'scripts',
          status: 'problem',
          message:
            `${path}/package.json script "${name}": cross-env ${word} replaces the NODE_OPTIONS heapwise ` +
            `run sets (the heap is lost); write 'NODE_OPTIONS=$NODE_OPTIONS …' in single quotes, ` +
            'or move the flags to .node-options',
        });
      }
    }
  }
  return findings;
}

/**
 * A workspace tsconfig.json that extends a full preset together with its own base: the options the
 * preset sets and the project's own chain does not are what changed the meaning of its typecheck.
 */
export function checkTsconfigMeaning({ workspace }: DoctorFacts): Finding[] {
  if (!workspace) return [];
  const findings: Finding[] = [];
  for (const { path, dir } of workspace.packages) {
    const file = join(dir, 'tsconfig.json');
    if (!existsSync(file)) continue;
    let config: { extends?: unknown; compilerOptions?: Record<string, unknown>; include?: unknown } | undefined;
    try {
      config = parseJsonc(readFileSync(file, 'utf8')) as typeof config;
    } catch {
      continue;
    }
    const specs = (Array.isArray(config?.extends) ? config.extends : [config?.extends]).filter(
      (spec): spec is string => typeof spec === 'string',
    );
    const presets = specs.filter((spec) => isPresetSpecifier(spec) && !OVERLAY_PRESETS.has(spec));
    const own = specs.filter((spec) => !isPresetSpecifier(spec));
    if (presets.length === 0 || own.length === 0) continue;
    // What the project sets without the preset: its own options and its own bases'.
    const ownOptions: Record<string, unknown> = { ...(config?.compilerOptions ?? {}) };
    for (const spec of own) {
      const base = resolveExtends(spec, dirname(file));
      if (base !== undefined) Object.assign(ownOptions, resolveChain(base).compilerOptions);
    }
    const added = new Set<string>();
    for (const spec of presets) {
      const preset = resolveExtends(spec, dirname(file));
      if (preset === undefined) continue;
      for (const key of Object.keys(resolveChain(preset).compilerOptions)) {
        if (!(key in ownOptions) && !(key in ADOPT_OPTIONS)) added.add(key);
      }
    }
    if (added.size === 0) continue;
    findings.push({
      check: 'tsconfig',
      status: 'warn',
      message:
        `${path}/tsconfig.json extends ${presets.join(', ')} over its own base: ` +
        `the preset adds ${[...added].sort().join(', ')}, which may change what it type-checks; ` +
        'an existing package should extend @heapwise/tsconfig/adopt.json instead',
    });
  }
  return findings;
}
