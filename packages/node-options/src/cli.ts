// Bootstrap CLI: just enough of `heapwise run` and `heapwise turbo` for the
// monorepo to build; replaced by the full implementation (issue #3).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findConfig(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, '.node-options');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

function flagsFor(task: string): string[] {
  const file = findConfig(process.cwd());
  if (!file) return [];
  const flags: string[] = [];
  let section: string | undefined;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = header[1];
    else if (section === undefined || section === task) flags.push(line);
  }
  return flags;
}

function exec(command: string, args: string[], env: NodeJS.ProcessEnv): void {
  const child = spawn(command, args, { stdio: 'inherit', env });
  child.on('exit', (code, signal) => process.exit(code ?? 128 + (signal ? 15 : 1)));
}

const [sub, ...rest] = process.argv.slice(2);
if (sub === 'run') {
  const task = rest[0] ?? '';
  const sep = rest.indexOf('--');
  const [command, ...args] = rest.slice(sep + 1);
  const nodeOptions = [process.env.NODE_OPTIONS ?? '', ...flagsFor(task)].join(' ').trim();
  exec(command ?? 'true', args, { ...process.env, NODE_OPTIONS: nodeOptions });
} else if (sub === 'turbo') {
  exec('turbo', ['run', ...rest], { ...process.env, TURBO_TELEMETRY_DISABLED: '1' });
} else if (sub === 'print') {
  console.log(flagsFor(rest[0] ?? '').join(' '));
} else {
  console.error(`heapwise: unknown command ${sub ?? ''}`);
  process.exit(2);
}
