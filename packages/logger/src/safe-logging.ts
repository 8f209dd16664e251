import type { LogFn, Logger } from 'pino';

/** Longest message kept in the fallback line written when a record cannot be serialized. */
const FALLBACK_MESSAGE_MAX_CHARS = 1_024;

type LogMethodHook = (this: Logger, args: Parameters<LogFn>, method: LogFn, level: number) => void;

/**
 * A pino `hooks.logMethod` that makes a log call never throw into the caller.
 *
 * What pino already survives (checked with pino 10): circular objects ("[Circular]"), BigInt (written
 * as a number), symbol values and keys (left out), 10 MB strings, Error subclasses with extra and
 * self-referencing fields. What it does not: a getter or a Proxy that throws while being read
 * (the call throws), and a symbol as the message (it writes `"msg":undefined`, which is not JSON and
 * would be rejected by Elasticsearch). This hook turns symbol arguments into strings and, when the
 * call still throws, writes one fallback line that says why, instead of throwing.
 */
export function safeLogMethod(inner?: LogMethodHook): LogMethodHook {
  return function logMethod(this: Logger, args, method, level) {
    for (let i = 0; i < args.length; i++) {
      if (typeof args[i] === 'symbol') (args as unknown[])[i] = String(args[i]);
    }
    try {
      if (inner) inner.call(this, args, method, level);
      else method.apply(this, args);
    } catch (error) {
      try {
        method.call(this, { logError: describe(error) }, fallbackMessage(args));
      } catch {
        // The destination itself throws: there is nowhere left to say so, and the caller must not see it.
      }
    }
  };
}

function describe(error: unknown): string {
  try {
    if (error instanceof Error) return `log record could not be serialized: ${error.name}: ${error.message}`;
    return `log record could not be serialized: ${String(error)}`;
  } catch {
    return 'log record could not be serialized';
  }
}

function fallbackMessage(args: readonly unknown[]): string {
  for (const arg of args) {
    if (typeof arg === 'string')
      return arg.length > FALLBACK_MESSAGE_MAX_CHARS ? `${arg.slice(0, FALLBACK_MESSAGE_MAX_CHARS)}…` : arg;
  }
  return 'log record could not be serialized';
}
