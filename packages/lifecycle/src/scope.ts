import type { EventEmitter } from 'node:events';

/**
 * How long `close()` waits for resources, child scopes and running periodic tasks when no
 * deadline is given. Past it, `close()` still resolves and names what did not finish.
 */
export const DEFAULT_CLOSE_DEADLINE_MS = 5000;

/** `warning.code` of the process warning a failing periodic task emits when it has no onError. */
export const PERIODIC_FAILED_WARNING_CODE = 'HEAPWISE_PERIODIC_FAILED';

export type LiveKind = 'timeout' | 'interval' | 'periodic' | 'listener' | 'resource' | 'scope';

export interface TimerHandle {
  readonly name: string;
  /** Stops the timer and forgets it. Harmless to call twice or after the timer fired. */
  clear(): void;
}

export interface PeriodicOptions {
  name?: string;
  /** Receives what the task threw or rejected with. Default: `process.emitWarning`. */
  onError?: (error: unknown) => void;
  /** Run once right away (on the next turn of the event loop) instead of after `intervalMs`. */
  runImmediately?: boolean;
}

export interface ScopeStats {
  name: string;
  closed: boolean;
  /** Timeouts, intervals and periodic tasks owned by this scope (children not included). */
  timers: number;
  listeners: number;
  resources: number;
  children: ScopeStats[];
  live: { kind: LiveKind; name: string }[];
}

export interface CloseReport {
  name: string;
  /** True when every resource, child scope and running periodic task finished before the deadline. */
  closedInTime: boolean;
  /** What had not finished closing at the deadline, as `kind name`; a child's entries as `child/kind name`. */
  pending: string[];
  /** What close functions threw or rejected with (closing goes on after an error). */
  errors: unknown[];
}

/** Whatever `EventEmitter.on` accepts: the emitter, not this module, calls it with the event's data. */
type Listener = Parameters<EventEmitter['on']>[1];

export interface Scope extends AsyncDisposable {
  readonly name: string;
  readonly closed: boolean;
  /** An unref'd timeout, forgotten once it fired. */
  setTimeout(fn: () => void, delayMs: number, name?: string): TimerHandle;
  /** An interval, unref'd unless `options.ref` is true. */
  setInterval(fn: () => void, intervalMs: number, name?: string, options?: { ref?: boolean }): TimerHandle;
  /**
   * Runs `task` every `intervalMs`, counted from the end of the previous run, so a run never
   * overlaps the one before. Errors go to `options.onError`, never to an unhandled rejection. The
   * signal aborts when the handle is cleared or the scope closes; `close()` waits for a running task.
   */
  periodic(task: (signal: AbortSignal) => unknown, intervalMs: number, options?: PeriodicOptions): TimerHandle;
  /** Adds a listener that is removed on close; returns a remover (harmless to call twice). */
  on(emitter: EventEmitter | EventTarget, event: string, listener: Listener, name?: string): () => void;
  /** Owns `resource`: `close(resource)` runs when the scope closes, in reverse order of adoption. */
  adopt<T>(resource: T, close: (resource: T) => unknown, name?: string): T;
  /** Forgets an adopted resource without closing it (it closed itself). True when it was owned. */
  release(resource: unknown): boolean;
  /** A scope closed with this one (first, as the most recent thing it owns), or on its own. */
  child(name: string): Scope;
  stats(): ScopeStats;
  /**
   * Undoes everything in reverse order of creation. Idempotent: a second call returns the same
   * report. Never throws; errors of close functions land in `report.errors`.
   */
  close(deadlineMs?: number): Promise<CloseReport>;
}

interface Entry {
  kind: LiveKind;
  name: string;
  /** Undoes the entry; may return a promise (resources, child scopes, a running periodic task). */
  dispose: (remainingMs: number) => unknown;
  /** For `release()`: the adopted resource. */
  resource?: unknown;
  /**
   * True when dispose() is bounded by the deadline it is given (a child scope whose close this
   * starts): then close() waits for its report, which names precisely what is stuck inside it.
   */
  boundedByDeadline?: () => boolean;
}

/** Process-wide counters for metrics; no references to scopes are kept, so they cannot leak. */
const totals = { scopes: 0, timers: 0, listeners: 0, resources: 0 };

function counterOf(kind: LiveKind): 'timers' | 'listeners' | 'resources' | 'scopes' {
  switch (kind) {
    case 'timeout':
    case 'interval':
    case 'periodic':
      return 'timers';
    case 'listener':
      return 'listeners';
    case 'resource':
      return 'resources';
    case 'scope':
      // Child scopes count themselves in `scopes` when created; the entry adds nothing.
      return 'scopes';
  }
}

/**
 * Counts over every scope created and not yet closed: for metrics. A scope that is dropped
 * without `close()` stays counted, which is what a leak metric should show.
 */
export function liveScopeTotals(): { scopes: number; timers: number; listeners: number; resources: number } {
  return { ...totals };
}

function isEventEmitter(emitter: EventEmitter | EventTarget): emitter is EventEmitter {
  const candidate = emitter as Partial<EventEmitter>;
  return typeof candidate.on === 'function' && typeof candidate.removeListener === 'function';
}

function describeError(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}

class ScopeImpl implements Scope {
  readonly name: string;
  #closing: Promise<CloseReport> | undefined;
  #nextId = 0;
  // A Map keeps insertion order and deletes in O(1): entries leave it as soon as they are done.
  readonly #entries = new Map<number, Entry>();
  readonly #children = new Set<ScopeImpl>();
  readonly #detachFromParent: (() => void) | undefined;

  constructor(name: string, detachFromParent?: () => void) {
    this.name = name;
    this.#detachFromParent = detachFromParent;
    totals.scopes += 1;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  #assertOpen(what: string): void {
    if (this.#closing !== undefined) {
      throw new Error(`scope "${this.name}" is closed: cannot add ${what}`);
    }
  }

  #add(entry: Entry): number {
    const id = this.#nextId++;
    this.#entries.set(id, entry);
    if (entry.kind !== 'scope') totals[counterOf(entry.kind)] += 1;
    return id;
  }

  /** Forgets an entry without disposing it. True when it was still there. */
  #forget(id: number): boolean {
    const entry = this.#entries.get(id);
    if (entry === undefined) return false;
    this.#entries.delete(id);
    if (entry.kind !== 'scope') totals[counterOf(entry.kind)] -= 1;
    return true;
  }

  setTimeout(fn: () => void, delayMs: number, name = 'timeout'): TimerHandle {
    this.#assertOpen(`timeout "${name}"`);
    let id = -1;
    const timer = globalThis.setTimeout(() => {
      // Forget before running, so the scope holds nothing once the callback is done.
      this.#forget(id);
      fn();
    }, delayMs);
    timer.unref();
    id = this.#add({ kind: 'timeout', name, dispose: () => clearTimeout(timer) });
    return {
      name,
      clear: () => {
        clearTimeout(timer);
        this.#forget(id);
      },
    };
  }

  setInterval(fn: () => void, intervalMs: number, name = 'interval', options: { ref?: boolean } = {}): TimerHandle {
    this.#assertOpen(`interval "${name}"`);
    const timer = globalThis.setInterval(fn, intervalMs);
    if (options.ref !== true) timer.unref();
    const id = this.#add({ kind: 'interval', name, dispose: () => clearInterval(timer) });
    return {
      name,
      clear: () => {
        clearInterval(timer);
        this.#forget(id);
      },
    };
  }

  periodic(task: (signal: AbortSignal) => unknown, intervalMs: number, options: PeriodicOptions = {}): TimerHandle {
    const name = options.name ?? 'periodic';
    this.#assertOpen(`periodic task "${name}"`);
    const onError =
      options.onError ??
      ((error: unknown) =>
        process.emitWarning(`periodic task "${name}" of scope "${this.name}" failed: ${describeError(error)}`, {
          code: PERIODIC_FAILED_WARNING_CODE,
        }));
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let stopped = false;

    const report = (error: unknown): void => {
      try {
        onError(error);
      } catch {
        // An onError that throws must not turn into an uncaught exception inside a timer.
      }
    };
    const schedule = (delayMs: number): void => {
      timer = globalThis.setTimeout(run, delayMs);
      timer.unref();
    };
    const run = (): void => {
      timer = undefined;
      running = (async () => {
        try {
          await task(controller.signal);
        } catch (error) {
          report(error);
        }
      })().finally(() => {
        running = undefined;
        if (!stopped) schedule(intervalMs);
      });
    };
    const stop = (): Promise<void> | undefined => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      controller.abort();
      return running;
    };

    schedule(options.runImmediately === true ? 0 : intervalMs);
    const id = this.#add({ kind: 'periodic', name, dispose: stop });
    return {
      name,
      clear: () => {
        void stop();
        this.#forget(id);
      },
    };
  }

  on(emitter: EventEmitter | EventTarget, event: string, listener: Listener, name = `${event} listener`): () => void {
    this.#assertOpen(`listener "${name}"`);
    let remove: () => void;
    if (isEventEmitter(emitter)) {
      emitter.on(event, listener);
      remove = () => emitter.removeListener(event, listener);
    } else {
      emitter.addEventListener(event, listener);
      remove = () => emitter.removeEventListener(event, listener);
    }
    const id = this.#add({ kind: 'listener', name, dispose: remove });
    return () => {
      if (this.#forget(id)) remove();
    };
  }

  adopt<T>(resource: T, close: (resource: T) => unknown, name = 'resource'): T {
    this.#assertOpen(`resource "${name}"`);
    this.#add({ kind: 'resource', name, dispose: () => close(resource), resource });
    return resource;
  }

  release(resource: unknown): boolean {
    // Newest first: a resource adopted per request is usually released soon after.
    const ids = [...this.#entries.keys()].reverse();
    for (const id of ids) {
      const entry = this.#entries.get(id);
      if (entry?.kind === 'resource' && entry.resource === resource) return this.#forget(id);
    }
    return false;
  }

  child(name: string): Scope {
    this.#assertOpen(`child scope "${name}"`);
    let id = -1;
    const child = new ScopeImpl(name, () => {
      this.#children.delete(child);
      this.#forget(id);
    });
    this.#children.add(child);
    id = this.#add({
      kind: 'scope',
      name,
      dispose: (remainingMs) => child.close(remainingMs),
      // A child closed earlier on its own may have a longer deadline than ours.
      boundedByDeadline: () => !child.closed,
    });
    return child;
  }

  stats(): ScopeStats {
    const stats: ScopeStats = {
      name: this.name,
      closed: this.closed,
      timers: 0,
      listeners: 0,
      resources: 0,
      children: [...this.#children].map((child) => child.stats()),
      live: [],
    };
    for (const entry of this.#entries.values()) {
      stats.live.push({ kind: entry.kind, name: entry.name });
      if (entry.kind !== 'scope') stats[counterOf(entry.kind) as 'timers' | 'listeners' | 'resources'] += 1;
    }
    return stats;
  }

  close(deadlineMs = DEFAULT_CLOSE_DEADLINE_MS): Promise<CloseReport> {
    this.#closing ??= this.#closeOnce(deadlineMs);
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #closeOnce(deadlineMs: number): Promise<CloseReport> {
    const report: CloseReport = { name: this.name, closedInTime: true, pending: [], errors: [] };
    const startedAt = performance.now();
    const entries = [...this.#entries].reverse();
    // Ref'd on purpose while closing: the caller awaits the report, so the process must not exit
    // under it; it is always cleared before close() resolves.
    let deadlineTimer: NodeJS.Timeout | undefined;
    const deadlinePassed = new Promise<'deadline'>((resolve) => {
      deadlineTimer = globalThis.setTimeout(() => resolve('deadline'), Math.max(0, deadlineMs));
    });
    let pastDeadline = false;

    try {
      for (const [id, entry] of entries) {
        this.#forget(id);
        const label = `${entry.kind} ${entry.name}`;
        let result: unknown;
        const bounded = entry.boundedByDeadline?.() === true;
        try {
          const remainingMs = Math.max(0, deadlineMs - (performance.now() - startedAt));
          result = entry.dispose(remainingMs);
        } catch (error) {
          report.errors.push(error);
          continue;
        }
        if (!isThenable(result)) continue;
        const settled = Promise.resolve(result).then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        );
        if (pastDeadline && !bounded) {
          report.pending.push(label);
          continue;
        }
        const outcome = bounded ? await settled : await Promise.race([settled, deadlinePassed]);
        if (outcome === 'deadline') {
          pastDeadline = true;
          report.pending.push(label);
          continue;
        }
        if ('error' in outcome) {
          report.errors.push(outcome.error);
        } else if (entry.kind === 'scope') {
          const childReport = outcome.value as CloseReport;
          report.pending.push(...childReport.pending.map((item) => `${entry.name}/${item}`));
          report.errors.push(...childReport.errors);
        }
      }
    } finally {
      clearTimeout(deadlineTimer);
      totals.scopes -= 1;
      this.#detachFromParent?.();
    }
    report.closedInTime = report.pending.length === 0;
    return report;
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** A new root scope. Give it a name that says what it belongs to (`http-server`, `app`). */
export function createScope(name: string): Scope {
  return new ScopeImpl(name);
}
