// The task's process: spawned for `run` and `turbo` so that every signal reaches it exactly once, and killed
// with us when we are killed (the watchdog below).
//
// Interactive (stdin is a terminal): the child stays in our process group, the terminal's foreground
// group. Ctrl-C, Ctrl-\ and a hang-up are delivered by the terminal (or the shell) to the whole group,
// the child included, so we must NOT forward SIGINT, SIGQUIT or SIGHUP: that would be a second signal,
// and a second signal makes graceful shutdown give up. SIGTERM and SIGUSR2 only ever come to us alone
// (from `kill`), so those we forward.
// Otherwise (CI, turbo, scripts): the child gets its own process group (`detached`), so a signal to
// our group (`kill -INT -PGID`, a CI timeout) reaches us only, and we forward every one of them once.
//
// If we die without forwarding anything (SIGKILL to us alone, or to our group, which the child's own
// group escapes), the child must not run on: a watchdog, a `sh` started before the child in a session
// of its own (so our group's SIGKILL misses it), waits on a pipe from us. When we exit normally we
// write `done` first; when we are killed the pipe just closes, and the watchdog SIGKILLs the child's
// process group (the child alone when interactive: it shares our group with the shell's job). Node
// cannot set PR_SET_PDEATHSIG, and a `sh` blocked in `read` costs no CPU and well under 1 MB.
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';

const ALWAYS_FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGUSR2'];
const GROUP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT', 'SIGHUP'];
/** Exit code when the command cannot be started, as shells use for "command not found". */
export const EXIT_COMMAND_NOT_FOUND = 127;

export interface RunChildOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** Default: whether our stdin is a terminal. */
  interactive?: boolean;
  /** Called once the child is spawned (to sample its memory). */
  onSpawn?: (child: ChildProcess) => void;
}

const WATCHDOG_SCRIPT = 'read -r target; read -r word; [ "$word" = done ] || kill -KILL "$target"';

interface Watchdog {
  arm: (target: string) => void;
  disarm: () => void;
}

function startWatchdog(): Watchdog | undefined {
  if (process.platform === 'win32') return undefined;
  let watchdog: ChildProcess;
  try {
    watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  } catch {
    return undefined;
  }
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  let armed = false;
  return {
    arm: (target) => {
      armed = true;
      watchdog.stdin?.write(`${target}\n`);
    },
    // Without a target line first, `done` would be read as the target.
    disarm: () => watchdog.stdin?.end(armed ? 'done\n' : '\ndone\n'),
  };
}

/** Exit code for a child that died of `signal`: 128 + its number, as shells report it. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Runs `command` with inherited stdio; resolves to its exit code (128+signal when killed). */
export function runChild(command: string, args: readonly string[], options: RunChildOptions): Promise<number> {
  const interactive = options.interactive ?? process.stdin.isTTY === true;
  return new Promise((resolveExit) => {
    // Assigned once spawned; a signal before that has no child to reach.
    let child: ChildProcess | undefined = undefined;
    let settled = false;
    const resolvePromise = (code: number): void => {
      if (!settled) resolveExit(code);
      settled = true;
    };
    const listeners = new Map<NodeJS.Signals, () => void>();
    const cleanup = (): void => {
      for (const [signal, listener] of listeners) process.off(signal, listener);
      listeners.clear();
    };
    for (const signal of [...ALWAYS_FORWARDED, ...GROUP_SIGNALS]) {
      const forward = !interactive || ALWAYS_FORWARDED.includes(signal);
      // A listener also keeps the default action (dying) away: we stay until the child is gone.
      const listener = (): void => {
        if (forward && child && child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      listeners.set(signal, listener);
      process.on(signal, listener);
    }
    const watchdog = startWatchdog();
    child = spawn(command, [...args], {
      stdio: 'inherit',
      env: options.env,
      cwd: options.cwd,
      detached: !interactive,
    });
    if (child.pid !== undefined) watchdog?.arm(interactive ? String(child.pid) : `-${child.pid}`);
    options.onSpawn?.(child);
    child.on('error', (error: NodeJS.ErrnoException) => {
      watchdog?.disarm();
      cleanup();
      const reason = error.code === 'ENOENT' ? 'command not found' : error.message;
      process.stderr.write(`heapwise: cannot run '${command}': ${reason}\n`);
      resolvePromise(EXIT_COMMAND_NOT_FOUND);
    });
    child.on('exit', (code, signal) => {
      watchdog?.disarm();
      cleanup();
      resolvePromise(signal ? exitCodeForSignal(signal) : (code ?? 1));
    });
  });
}
