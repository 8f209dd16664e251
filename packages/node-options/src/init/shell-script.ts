// Rewrites a package script so that its commands run under `heapwise run <task>`, and the root's
// `turbo run <task>` calls so that they go through `heapwise turbo`, without changing what the script
// does. The script is parsed by a real POSIX shell parser (mvdan/sh, the parser behind shfmt, as
// the `mvdan-sh` package) because npm runs scripts with `sh`: quoting (`FOO=a\ b`), command
// substitution (`$(git rev-parse HEAD)`), redirections (`<&3`), builtins (`cd`, `export`), compound
// commands (`if`, `{ …; }`) and several lines all decide where a command starts, and a regex gets
// each of them wrong somewhere.
//
// The rule: init either keeps a script's meaning exactly or leaves it untouched and says why.
// Edits are insertions in front of a command word (`heapwise run build -- `), and deletions or
// replacements of whole words that carry a heap size; everything else keeps its bytes.
//
// Why not wrap the whole script (`heapwise run build -- sh -c '…'`): it is not portable (Windows
// npm runs cmd.exe), it re-quotes the user's text, and it would make heapwise's own Node process run
// every builtin's environment; wrapping each external command keeps the script readable and runs
// the same commands with the same arguments.
import { createRequire } from 'node:module';
import { HEAP_SIZE_FLAG, normaliseFlagName } from '../node-options-file.js';

export interface ScriptRewrite {
  /** The new script; the same text when nothing changed or the script was left alone. */
  readonly script: string;
  /** Heap sizes (MB) taken out of the script, in order; empty when left alone. */
  readonly sizesMb: readonly number[];
  /** Why the script was left untouched, when it was. */
  readonly leftAlone?: string;
}

// ---- the parser's tree, as far as this file reads it -------------------------------------------

interface Position {
  Offset(): number;
}
interface ShNode {
  Pos(): Position;
  End(): Position;
}
interface Lit extends ShNode {
  Value: string;
}
interface SglQuoted extends ShNode {
  Value: string;
  Dollar: boolean;
}
interface DblQuoted extends ShNode {
  Parts: ShNode[];
  Dollar: boolean;
}
interface ParamExp extends ShNode {
  Short: boolean;
  Param: Lit;
  Index: unknown;
  Exp: unknown;
  Repl: unknown;
  Slice: unknown;
  Length: boolean;
  Width: boolean;
  Excl: boolean;
}
interface Word extends ShNode {
  Parts: ShNode[];
}
interface Assign extends ShNode {
  Name: Lit | null;
  Value: Word | null;
  Append: boolean;
  Naked: boolean;
  Array: unknown;
  Index: unknown;
}
interface CallExpr extends ShNode {
  Assigns: Assign[];
  Args: Word[];
}
interface Syntax {
  NewParser(...options: unknown[]): { Parse(src: string, name: string): ShNode };
  Variant(lang: unknown): unknown;
  LangPOSIX: unknown;
  NodeType(node: ShNode): string;
  Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
}

let syntaxModule: Syntax | undefined;
/** Loaded on first use: 1.5 MB of JavaScript that only init and doctor's script checks need. */
function shellSyntax(): Syntax {
  syntaxModule ??= (createRequire(import.meta.url)('mvdan-sh') as { syntax: Syntax }).syntax;
  return syntaxModule;
}

function parseScript(script: string): ShNode | string {
  const syntax = shellSyntax();
  try {
    return syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(script, '');
  } catch (error) {
    const message = (error as { message?: unknown } | undefined)?.message;
    return typeof message === 'string' ? message : 'not valid POSIX sh';
  }
}

// ---- words ---------------------------------------------------------------------------------------

/** `\x` outside quotes is x; backslash-newline disappears. */
function unescapeBare(raw: string): string {
  return raw.replace(/\\\n/g, '').replace(/\\(.)/gs, '$1');
}

/** Inside double quotes a backslash escapes only $ ` " \ and newline. */
function unescapeDouble(raw: string): string {
  return raw.replace(/\\\n/g, '').replace(/\\([$`"\\])/g, '$1');
}

/** The value a word has after quote removal, or undefined when it expands anything ($x, $(…), globs aside). */
export function literalValue(word: Word | null | undefined): string | undefined {
  if (!word) return undefined;
  const syntax = shellSyntax();
  let value = '';
  for (const part of word.Parts) {
    const type = syntax.NodeType(part);
    if (type === 'Lit') value += unescapeBare((part as Lit).Value);
    else if (type === 'SglQuoted' && !(part as SglQuoted).Dollar) value += (part as SglQuoted).Value;
    else if (type === 'DblQuoted' && !(part as DblQuoted).Dollar) {
      for (const inner of (part as DblQuoted).Parts) {
        if (syntax.NodeType(inner) !== 'Lit') return undefined;
        value += unescapeDouble((inner as Lit).Value);
      }
    } else return undefined;
  }
  return value;
}

const NODE_OPTIONS_REFERENCE = '\u0000NODE_OPTIONS\u0000';

/**
 * An assignment value made of literal text and plain `$NODE_OPTIONS` / `${NODE_OPTIONS}`
 * references (each returned as NODE_OPTIONS_REFERENCE), or undefined when it expands anything else.
 */
function valueWithNodeOptionsReferences(word: Word | null): string | undefined {
  if (!word) return '';
  const syntax = shellSyntax();
  const isReference = (node: ShNode) => {
    if (syntax.NodeType(node) !== 'ParamExp') return false;
    const param = node as ParamExp;
    return (
      param.Param.Value === 'NODE_OPTIONS' &&
      !param.Index &&
      !param.Exp &&
      !param.Repl &&
      !param.Slice &&
      !param.Length &&
      !param.Width &&
      !param.Excl
    );
  };
  let value = '';
  for (const part of word.Parts) {
    const type = syntax.NodeType(part);
    if (isReference(part)) value += NODE_OPTIONS_REFERENCE;
    else if (type === 'DblQuoted' && !(part as DblQuoted).Dollar) {
      for (const inner of (part as DblQuoted).Parts) {
        if (isReference(inner)) value += NODE_OPTIONS_REFERENCE;
        else if (syntax.NodeType(inner) === 'Lit') value += unescapeDouble((inner as Lit).Value);
        else return undefined;
      }
    } else {
      const literal = literalValue({ Parts: [part] } as Word);
      if (literal === undefined) return undefined;
      value += literal;
    }
  }
  return value;
}

// ---- heap flags ----------------------------------------------------------------------------------

/** `--max-old-space-size=N` in any spelling V8 accepts (dashes or underscores). */
const HEAP_FLAG_PATTERN = /--max[-_]old[-_]space[-_]size[= ]\s*\S*/;

/** Whether a text mentions a heap size at all (the safety net: such a script is never half-rewritten). */
export function mentionsHeapFlag(text: string): boolean {
  return HEAP_FLAG_PATTERN.test(text);
}

/** The largest heap init writes: 1 TiB of old space. Anything above is a typo or a unit mix-up. */
export const MAX_HEAP_REQUEST_MB = 1024 * 1024;

/** The size of one `--max-old-space-size=N` token, undefined when the token is something else. */
function heapSizeOf(token: string): number | 'invalid' | undefined {
  const match = /^(--[\w-]+)=(.*)$/.exec(token);
  if (!match || normaliseFlagName(match[1] ?? '') !== HEAP_SIZE_FLAG) return undefined;
  const text = match[2] ?? '';
  return /^[1-9]\d{0,9}$/.test(text) && Number(text) <= MAX_HEAP_REQUEST_MB ? Number(text) : 'invalid';
}

/**
 * NODE_OPTIONS flags that act the same in heapwise's own Node process as in the command's, so an
 * assignment carrying them may stay in front of `heapwise`. Anything else (`--inspect`, `--require`,
 * `--import`, `--cpu-prof`…) would also run in heapwise's process: such a script is left alone.
 */
const INERT_FLAGS: ReadonlySet<string> = new Set([
  '--no-deprecation',
  '--no-warnings',
  '--trace-warnings',
  '--trace-deprecation',
  '--throw-deprecation',
  '--pending-deprecation',
  '--trace-uncaught',
  '--enable-source-maps',
  '--expose-gc',
  '--max-semi-space-size',
  '--stack-trace-limit',
  '--unhandled-rejections',
  '--experimental-vm-modules',
  '--experimental-specifier-resolution',
  '--openssl-legacy-provider',
  '--use-openssl-ca',
  '--use-system-ca',
  '--dns-result-order',
  '--disable-warning',
  '--max-http-header-size',
  '--no-experimental-fetch',
  '--experimental-json-modules',
]);

function flagName(token: string): string {
  return normaliseFlagName(token.replace(/=.*$/s, ''));
}

interface SplitOptions {
  readonly sizesMb: number[];
  /** The other flags, in order (NODE_OPTIONS_REFERENCE included where the value referenced it). */
  readonly rest: string[];
  readonly invalid?: string;
}

function splitNodeOptionsValue(value: string): SplitOptions {
  const sizesMb: number[] = [];
  const rest: string[] = [];
  const tokens = value.split(/\s+/).filter((token) => token !== '');
  for (let index = 0; index < tokens.length; index += 1) {
    let token = tokens[index] ?? '';
    // `--max-old-space-size 4096` (space-separated) is one flag too.
    if (flagName(token) === HEAP_SIZE_FLAG && !token.includes('=') && tokens[index + 1] !== undefined) {
      token = `${token}=${tokens[index + 1] ?? ''}`;
      index += 1;
    }
    const size = heapSizeOf(token);
    if (size === 'invalid') return { sizesMb, rest, invalid: token };
    if (size === undefined) rest.push(token);
    else sizesMb.push(size);
  }
  return { sizesMb, rest };
}

// ---- commands ------------------------------------------------------------------------------------

/**
 * Shell builtins and keywords: they run inside the shell, never as a Node program, so they are
 * never wrapped (`heapwise run -- cd dist` would fail: there is no `cd` program). `exec` and
 * `command` are handled apart; `eval`, `.` and `source` run shell code init cannot see into.
 */
const BUILTINS: ReadonlySet<string> = new Set([
  ':',
  '[',
  'alias',
  'bg',
  'break',
  'cd',
  'continue',
  'echo',
  'exit',
  'export',
  'false',
  'fg',
  'getopts',
  'hash',
  'jobs',
  'kill',
  'local',
  'printf',
  'pwd',
  'read',
  'readonly',
  'return',
  'set',
  'shift',
  'test',
  'times',
  'trap',
  'true',
  'type',
  'ulimit',
  'umask',
  'unalias',
  'unset',
  'wait',
]);
const OPAQUE_BUILTINS: ReadonlySet<string> = new Set(['eval', '.', 'source']);

/** Programs that take Node's own options before the script: a heap flag there is Node's. */
const NODE_LAUNCHERS: ReadonlySet<string> = new Set(['node', 'tsx', 'ts-node', 'ts-node-esm', 'babel-node']);
/** Node options that take the next word as their value (`node -r dotenv/config x.js`). */
const NODE_OPTIONS_WITH_VALUE: ReadonlySet<string> = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '-C',
  '--conditions',
  '--env-file',
  '--title',
  '--input-type',
  '--tsconfig',
]);

function isWrapped(name: string, args: readonly Word[]): boolean {
  if (name === 'heapwise') return true;
  const next = literalValue(args[1]);
  const after = literalValue(args[2]);
  return (
    (name === 'npx' && next === 'heapwise') ||
    ((name === 'pnpm' || name === 'npm') && next === 'exec' && (after === 'heapwise' || after === '--'))
  );
}

interface Edit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** Byte offsets of the parser → edits on the UTF-8 bytes of the script. */
function applyEdits(script: string, edits: readonly Edit[]): string {
  let bytes = Buffer.from(script, 'utf8');
  for (const edit of [...edits].sort((a, b) => b.start - a.start || b.end - a.end)) {
    bytes = Buffer.concat([bytes.subarray(0, edit.start), Buffer.from(edit.text, 'utf8'), bytes.subarray(edit.end)]);
  }
  return bytes.toString('utf8');
}

/** Deletes a word and the blanks after it (`cross-env ` in `cross-env tsc`). */
function deleteWord(script: Buffer, node: ShNode): Edit {
  let end = node.End().Offset();
  while (end < script.length && (script[end] === 0x20 || script[end] === 0x09)) end += 1;
  return { start: node.Pos().Offset(), end, text: '' };
}

/** Deletes a word and the blanks before it (`--max-old-space-size=N` in `node --max-old-space-size=N x`). */
function deleteArgument(script: Buffer, node: ShNode): Edit {
  let start = node.Pos().Offset();
  while (start > 0 && (script[start - 1] === 0x20 || script[start - 1] === 0x09)) start -= 1;
  return { start, end: node.End().Offset(), text: '' };
}

function singleQuoted(text: string): string | undefined {
  return text.includes("'") ? undefined : `'${text}'`;
}

class LeaveAlone extends Error {}

interface CommandContext {
  readonly bytes: Buffer;
  readonly edits: Edit[];
  readonly sizesMb: number[];
}

/** `NODE_OPTIONS=… cmd`: the heap size comes out; what remains must be safe in heapwise's own process. */
function rewriteNodeOptionsAssignment(context: CommandContext, assign: Assign): void {
  const value = valueWithNodeOptionsReferences(assign.Value);
  if (value === undefined) {
    if (mentionsHeapFlag(context.bytes.subarray(assign.Pos().Offset(), assign.End().Offset()).toString())) {
      throw new LeaveAlone('its NODE_OPTIONS= value is computed by the shell; the heap size in it cannot be moved');
    }
    throw new LeaveAlone('its NODE_OPTIONS= value is computed by the shell, and heapwise would also start with it');
  }
  const split = splitNodeOptionsValue(value);
  if (split.invalid)
    throw new LeaveAlone(`NODE_OPTIONS has '${split.invalid}', which is not a heap size init can move`);
  const flags = split.rest.filter((token) => token !== NODE_OPTIONS_REFERENCE);
  const unsafe = flags.filter((token) => !INERT_FLAGS.has(flagName(token)));
  if (unsafe.length > 0) {
    throw new LeaveAlone(
      `NODE_OPTIONS sets ${unsafe.join(' ')}, which would also act in heapwise's own Node process; ` +
        `move it after \`heapwise run … --\` by hand (e.g. with cross-env)`,
    );
  }
  context.sizesMb.push(...split.sizesMb);
  if (split.sizesMb.length === 0) return;
  if (flags.length === 0) {
    // Nothing left but the inherited value: the assignment goes (heapwise appends to the caller's NODE_OPTIONS).
    context.edits.push(deleteWord(context.bytes, assign));
    return;
  }
  const rewritten = split.rest.map((token) => (token === NODE_OPTIONS_REFERENCE ? '$NODE_OPTIONS' : token)).join(' ');
  context.edits.push({ start: assign.Pos().Offset(), end: assign.End().Offset(), text: `NODE_OPTIONS="${rewritten}"` });
}

/**
 * `cross-env A=1 NODE_OPTIONS=… cmd`: cross-env *replaces* NODE_OPTIONS, which would drop heapwise's
 * flags. The heap size comes out, and the rest becomes `'NODE_OPTIONS=$NODE_OPTIONS <rest>'`:
 * cross-env expands `$NAME` itself, so the command gets heapwise's flags followed by the script's.
 * Returns the index of the first argument that is not a cross-env assignment.
 */
function rewriteCrossEnv(context: CommandContext, args: readonly Word[], shell: boolean): void {
  let index = 1;
  let kept = 0;
  for (; index < args.length; index += 1) {
    const word = args[index];
    const text = literalValue(word);
    const name = /^(\w+)=/.exec(text ?? '')?.[1];
    if (text === undefined) {
      const raw = context.bytes.subarray(word.Pos().Offset(), word.End().Offset()).toString();
      if (/^["']?NODE_OPTIONS=/.test(raw)) {
        throw new LeaveAlone('its cross-env NODE_OPTIONS= value is computed by the shell');
      }
      if (/^["']?\w+=/.test(raw)) {
        kept += 1;
        continue;
      }
      break;
    }
    if (name === undefined) break;
    if (name !== 'NODE_OPTIONS') {
      kept += 1;
      continue;
    }
    const split = splitNodeOptionsValue(text.slice('NODE_OPTIONS='.length).replace(/\$\{?NODE_OPTIONS\}?/g, ' '));
    if (split.invalid)
      throw new LeaveAlone(`NODE_OPTIONS has '${split.invalid}', which is not a heap size init can move`);
    context.sizesMb.push(...split.sizesMb);
    if (split.rest.length === 0) {
      context.edits.push(deleteWord(context.bytes, word));
      continue;
    }
    const replacement = singleQuoted(`NODE_OPTIONS=$NODE_OPTIONS ${split.rest.join(' ')}`);
    if (replacement === undefined) throw new LeaveAlone("its cross-env NODE_OPTIONS= value contains a ' quote");
    context.edits.push({ start: word.Pos().Offset(), end: word.End().Offset(), text: replacement });
    kept += 1;
  }
  if (index >= args.length) throw new LeaveAlone('cross-env without a command');
  // Only assignments of NODE_OPTIONS that were nothing but a heap size: `cross-env` itself goes.
  if (kept === 0 && !shell) context.edits.push(deleteWord(context.bytes, args[0]));
}

function rewriteCommand(context: CommandContext, call: CallExpr, wrap: (start: number) => void): void {
  const { bytes } = context;
  const args = call.Args;
  const setsNodeOptions = call.Assigns.some((assign) => assign.Name?.Value === 'NODE_OPTIONS');
  if (args.length === 0) {
    if (setsNodeOptions)
      throw new LeaveAlone(
        'it assigns NODE_OPTIONS for the commands after it; set heap sizes in .node-options instead',
      );
    return;
  }
  const name = literalValue(args[0]);
  if (name === undefined)
    throw new LeaveAlone('a command name is computed by the shell ($…); init cannot tell what runs');
  if (isWrapped(name, args)) return;
  if (BUILTINS.has(name)) {
    const text = bytes.subarray(call.Pos().Offset(), call.End().Offset()).toString();
    if (/\bNODE_OPTIONS\b/.test(text)) {
      throw new LeaveAlone(
        `\`${name}\` sets NODE_OPTIONS for the commands after it; set heap sizes in .node-options instead`,
      );
    }
    return;
  }
  if (OPAQUE_BUILTINS.has(name)) throw new LeaveAlone(`\`${name}\` runs shell code that init cannot see into`);
  for (const assign of call.Assigns) {
    if (assign.Name?.Value === 'NODE_OPTIONS') rewriteNodeOptionsAssignment(context, assign);
  }
  if (name === 'exec' || name === 'command' || name === 'time') {
    // `exec node x` → `exec heapwise run build -- node x`: the shell is replaced by heapwise, which runs
    // node. `time` (a keyword in bash, a program under dash) then times heapwise and its command.
    const target = literalValue(args[1]);
    if (target !== undefined && isWrapped(target, args.slice(1))) return;
    if (name === 'command' || target === undefined || target.startsWith('-') || BUILTINS.has(target)) {
      throw new LeaveAlone(`\`${name}\` with options or a builtin: init cannot tell what runs`);
    }
    wrap(args[1].Pos().Offset());
    return;
  }
  if (name === 'env' && args.some((word) => /^NODE_OPTIONS=/.test(literalValue(word) ?? ''))) {
    throw new LeaveAlone(
      '`env NODE_OPTIONS=…` replaces the NODE_OPTIONS heapwise sets; use cross-env or .node-options',
    );
  }
  if (name === 'cross-env' || name === 'cross-env-shell') rewriteCrossEnv(context, args, name === 'cross-env-shell');
  if (NODE_LAUNCHERS.has(name)) {
    // Node's own options come before the script; after it, a flag belongs to the script.
    for (let index = 1; index < args.length; index += 1) {
      const text = literalValue(args[index]);
      if (text === undefined || !text.startsWith('-')) break;
      const size = heapSizeOf(text);
      if (size === 'invalid') throw new LeaveAlone(`'${text}' is not a heap size init can move`);
      if (size !== undefined) {
        context.sizesMb.push(size);
        context.edits.push(deleteArgument(bytes, args[index]));
      } else if (NODE_OPTIONS_WITH_VALUE.has(text)) index += 1;
    }
  }
  wrap(args[0].Pos().Offset());
}

/** Visits every simple command the shell would run as a statement (not inside `$(…)`), in order. */
function visitCommands(tree: ShNode, visit: (call: CallExpr) => void): void {
  const syntax = shellSyntax();
  // What `visit` threw, rethrown once the walk has finished.
  let failure: unknown;
  syntax.Walk(tree, (node) => {
    if (node === null || failure !== undefined) return false;
    const type = syntax.NodeType(node);
    try {
      if (type === 'FuncDecl') throw new LeaveAlone('it defines a shell function');
      if (type === 'CallExpr') {
        visit(node as CallExpr);
        return false;
      }
    } catch (error) {
      failure = error;
      return false;
    }
    // Words, assignments and redirections hold values, not statements: `$(…)` in them is not wrapped.
    return type !== 'Word' && type !== 'Assign' && type !== 'Redirect';
  });
  // eslint-disable-next-line @typescript-eslint/only-throw-error -- rethrows exactly what `visit` threw
  if (failure !== undefined) throw failure;
}

function finish(script: string, context: CommandContext): ScriptRewrite {
  const after = applyEdits(script, context.edits);
  if (mentionsHeapFlag(after)) {
    return {
      script,
      sizesMb: [],
      leftAlone: 'a heap size is set where init cannot move it (inside $(…), a variable or an argument of a script)',
    };
  }
  return { script: after, sizesMb: context.sizesMb };
}

function guarded(script: string, rewrite: (tree: ShNode, context: CommandContext) => void): ScriptRewrite {
  const tree = parseScript(script);
  if (typeof tree === 'string') return { script, sizesMb: [], leftAlone: `not valid POSIX sh (${tree})` };
  const context: CommandContext = { bytes: Buffer.from(script, 'utf8'), edits: [], sizesMb: [] };
  try {
    rewrite(tree, context);
  } catch (error) {
    if (error instanceof LeaveAlone) return { script, sizesMb: [], leftAlone: error.message };
    throw error;
  }
  return finish(script, context);
}

/**
 * A package's task script: every external command runs under `heapwise run <task> --`, heap sizes
 * move out (into `.node-options`), builtins stay as they are. Idempotent.
 */
export function rewriteTaskScript(task: string, script: string): ScriptRewrite {
  return guarded(script, (tree, context) => {
    visitCommands(tree, (call) =>
      rewriteCommand(context, call, (start) =>
        context.edits.push({ start, end: start, text: `heapwise run ${task} -- ` }),
      ),
    );
  });
}

// ---- turbo at the workspace root -----------------------------------------------------------------

/** turbo's subcommands other than `run`: `turbo <name>` with one of these is not a task run. */
const TURBO_SUBCOMMANDS: ReadonlySet<string> = new Set([
  'bin',
  'boundaries',
  'completion',
  'daemon',
  'devtools',
  'docs',
  'gen',
  'generate',
  'get-mcp',
  'help',
  'info',
  'link',
  'login',
  'logout',
  'ls',
  'prune',
  'query',
  'scan',
  'telemetry',
  'unlink',
  'watch',
]);
/** Launchers that run their arguments as a command with the same environment: `dotenv -- turbo run build`. */
const TURBO_LAUNCHERS: ReadonlySet<string> = new Set(['npx', 'pnpm', 'pnpx', 'dotenv', 'cross-env', 'env']);

export interface RootScriptRewrite extends ScriptRewrite {
  /** Whether a `turbo run` in it now goes through `heapwise turbo`. */
  readonly routedTurbo: boolean;
}

/**
 * A workspace root script (any name): each `turbo run …` / `turbo <task> …` becomes
 * `heapwise turbo …` (after a launcher such as `dotenv --` or `npx` too). With `task` (the script is
 * a task name) its other external commands are wrapped like a package's and heap sizes move out.
 * A turbo call init cannot route (`turbo watch`, behind an unknown launcher) is reported.
 */
export function rewriteRootScript(script: string, task: string | undefined): RootScriptRewrite {
  let routedTurbo = false;
  const result = guarded(script, (tree, context) => {
    visitCommands(tree, (call) => {
      const args = call.Args;
      const names = args.map((word) => literalValue(word));
      if (names[0] !== undefined && isWrapped(names[0], args)) return;
      const turboAt = names.findIndex((name) => name === 'turbo' || name?.endsWith('/.bin/turbo') === true);
      const launcher = names[0];
      if (turboAt > 0 && (launcher === undefined || !TURBO_LAUNCHERS.has(launcher))) {
        throw new LeaveAlone(`it calls turbo through \`${launcher ?? '$…'}\`, which init does not know`);
      }
      if (turboAt > 0 && names[turboAt - 1] === 'heapwise') return;
      if (turboAt >= 0) {
        const sub = names[turboAt + 1];
        if (sub === undefined && turboAt + 1 < args.length)
          throw new LeaveAlone('its turbo arguments are computed by the shell');
        if (sub === 'watch') throw new LeaveAlone('`turbo watch` is not routed: heapwise turbo runs `turbo run`');
        if (sub === undefined || TURBO_SUBCOMMANDS.has(sub)) return;
        const first = args[turboAt];
        const end = sub === 'run' ? args[turboAt + 1].End().Offset() : first.End().Offset();
        // `npx turbo run build` → `npx heapwise turbo build` keeps the launcher and its environment. A heap
        // size in front of turbo reaches every task: in a task script it moves to that task's request.
        if (task !== undefined) {
          for (const assign of call.Assigns) {
            if (assign.Name?.Value === 'NODE_OPTIONS') rewriteNodeOptionsAssignment(context, assign);
          }
          if (launcher === 'cross-env') rewriteCrossEnv(context, args.slice(0, turboAt + 1), false);
        }
        context.edits.push({ start: first.Pos().Offset(), end, text: 'heapwise turbo' });
        routedTurbo = true;
        return;
      }
      if (task === undefined) {
        // Not a task script: only heap sizes matter, and those are left for the author (reported by finish).
        return;
      }
      rewriteCommand(context, call, (start) =>
        context.edits.push({ start, end: start, text: `heapwise run ${task} -- ` }),
      );
    });
  });
  return { ...result, routedTurbo: result.leftAlone === undefined && routedTurbo };
}

/** Whether a script runs turbo at all (any subcommand), for reporting. */
export function callsTurbo(script: string): boolean {
  const tree = parseScript(script);
  if (typeof tree === 'string') return /(^|[\s;&|(])turbo\s/.test(script);
  let found = false;
  visitCommands(tree, (call) => {
    if (call.Args.some((word) => literalValue(word) === 'turbo')) found = true;
  });
  return found;
}

/**
 * For doctor: each `cross-env … NODE_OPTIONS=<value>` in a script whose value does not start from
 * `$NODE_OPTIONS`, i.e. that replaces what `heapwise run` set. Returns the offending words.
 */
export function crossEnvReplacingNodeOptions(script: string): string[] {
  const tree = parseScript(script);
  if (typeof tree === 'string') return [];
  const found: string[] = [];
  visitCommands(tree, (call) => {
    const names = call.Args.map((word) => literalValue(word));
    const at = names.findIndex((name) => name === 'cross-env' || name === 'cross-env-shell');
    if (at < 0) return;
    for (const word of call.Args.slice(at + 1)) {
      const text = literalValue(word);
      if (text === undefined || !/^\w+=/.test(text)) break;
      if (/^NODE_OPTIONS=/.test(text) && !/^NODE_OPTIONS=\$\{?NODE_OPTIONS\}?(\s|$)/.test(text)) found.push(text);
    }
  });
  return found;
}
