// Wraps a package script so that it runs under `heapwise run <task>`.
//
// `heapwise run` starts one command without a shell, so a compound script
// (`rimraf dist && tsc -b`) is wrapped command by command: the shell still
// sees `&&`, `||` and `;`. Pipes and redirections bind to the heapwise
// process, which passes its stdio through, so they need no special care.
// Leading `VAR=value` assignments stay in front of `heapwise` (they are shell
// syntax, not a command). Wrapping is idempotent: a command that already
// starts with `heapwise` is left as it is.

interface Segment {
  readonly text: string;
  /** The operator that ended the segment (`&&`, `||`, `;`, `&`), or '' at the end. */
  readonly separator: string;
}

/** Splits at top-level `&&`, `||`, `;` and `&`, outside quotes and parentheses. */
function splitCommands(script: string): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  let quote: '"' | "'" | undefined;
  let depth = 0;
  for (let i = 0; i < script.length; i++) {
    const char = script[i];
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === '\\') i++;
    else if (char === '"' || char === "'") quote = char;
    else if (char === '(') depth++;
    else if (char === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (char === ';' || char === '&' || (char === '|' && script[i + 1] === '|'))) {
      const double = (char === '&' || char === '|') && script[i + 1] === char;
      // `&>` and `>&` are redirections, not separators.
      if (char === '&' && !double && (script[i + 1] === '>' || script[i - 1] === '>')) continue;
      segments.push({ text: script.slice(start, i), separator: double ? char + char : char });
      if (double) i++;
      start = i + 1;
    }
  }
  segments.push({ text: script.slice(start), separator: '' });
  return segments;
}

const LEADING_ASSIGNMENTS = /^(\s*)((?:[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|'[^']*'|[^\s"';&|]*)\s+)*)([\s\S]*)$/;
const ALREADY_WRAPPED = /^(?:npx\s+|pnpm\s+(?:exec\s+)?|yarn\s+)?heapwise(?:\s|$)/;

function wrapCommand(task: string, command: string): string {
  const match = LEADING_ASSIGNMENTS.exec(command);
  const [, space = '', assignments = '', rest = ''] = match ?? [];
  // Nothing to run, already wrapped, or a subshell group we do not reach into.
  if (rest.trim() === '' || ALREADY_WRAPPED.test(rest) || rest.startsWith('(')) return command;
  return `${space}${assignments}heapwise run ${task} -- ${rest}`;
}

export function wrapScript(task: string, script: string): string {
  return splitCommands(script)
    .map(({ text, separator }) => {
      // Keep the spacing around operators as the author wrote it.
      const trailing = /\s*$/.exec(text)?.[0] ?? '';
      const leading = /^\s*/.exec(text)?.[0] ?? '';
      const core = text.slice(leading.length, text.length - trailing.length);
      return `${leading}${wrapCommand(task, core)}${trailing}${separator}`;
    })
    .join('');
}

/** `turbo run <tasks…>` or turbo 2's short `turbo <task>` for one of these tasks. */
const TURBO_RUN = /^(?:npx\s+)?turbo\s+(?:run\s+(?=\S)|(?=(?:build|typecheck|test|dev)(?:\s|$)))([\s\S]*)$/;

/**
 * For the workspace root's scripts: `turbo run build …` becomes
 * `heapwise turbo build …`, which picks turbo's --concurrency so that the
 * tasks' heaps fit the memory together and tells each task how many run at
 * once. Other turbo subcommands (prune, watch, login…) are left as they are.
 */
export function routeTurbo(script: string): string {
  return splitCommands(script)
    .map(({ text, separator }) => {
      const trailing = /\s*$/.exec(text)?.[0] ?? '';
      const leading = /^\s*/.exec(text)?.[0] ?? '';
      const core = text.slice(leading.length, text.length - trailing.length);
      const [, space = '', assignments = '', rest = ''] = LEADING_ASSIGNMENTS.exec(core) ?? [];
      const turbo = TURBO_RUN.exec(rest);
      const routed = turbo ? `${space}${assignments}heapwise turbo ${turbo[1] ?? ''}` : core;
      return `${leading}${routed}${trailing}${separator}`;
    })
    .join('');
}
