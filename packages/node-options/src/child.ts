// Spawning the child of `run` and `turbo` so that every signal reaches it exactly once.
//
// Interactive (stdin is a terminal): the child stays in our process group, the terminal's foreground
// group. Ctrl-C, Ctrl-\ and a hang-up are delivered by the terminal (or the shell) to the whole group,
// the child included, so we must NOT forward SIGINT, SIGQUIT or SIGHUP: that would be a second signal,
// and a second signal makes graceful shutdown give up. SIGTERM and SIGUSR2 only ever come to us alone
// (from `kill`), so those we forward.
// Otherwise (CI, turbo, scripts): the child gets its own process group (`detached`), so a signal to
// our group (`kill -INT -PGID`, a CI timeout) reaches us only, and we forward every one of them once.
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
}

/** Exit code for a child that died of `signal`: 128 + its number, as shells report it. */
export function exitCodeForSignal(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 0);
}

/** Runs `command` with inherited stdio; resolves to its exit code (128+signal when killed). */
export function runChild(command: string, args: readonly string[], options: RunChildOptions): Promise<number> {
  const interactive = options.interactive ?? process.stdin.isTTY === true;
  return new Promise((resolveExit) => {
    let child: ChildProcess;
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
        if (forward && child.exitCode === null && child.signalCode === null) child.kill(signal);
      };
      listeners.set(signal, listener);
      process.on(signal, listener);
    }
    child = spawn(command, [...args], {
      stdio: 'inherit',
      env: options.env,
      cwd: options.cwd,
      detached: !interactive,
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      cleanup();
      const reason = error.code === 'ENOENT' ? 'command not found' : error.message;
      process.stderr.write(`heapwise: cannot run '${command}': ${reason}\n`);
      resolvePromise(EXIT_COMMAND_NOT_FOUND);
    });
    child.on('exit', (code, signal) => {
      cleanup();
      resolvePromise(signal ? exitCodeForSignal(signal) : (code ?? 1));
    });
  });
}
