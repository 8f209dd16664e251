// The one file that touches @heapwise/lifecycle's runtime API. Until that package lands, this is
// a minimal stand-in written against /work/lifecycle-contract.md (same names, same semantics for
// the subset used here); switching to the real package replaces this file's body with re-exports.

export interface TimerHandle {
  readonly name: string;
  clear(): void;
}

export interface PeriodicOptions {
  name?: string;
  onError?: (error: unknown) => void;
  runImmediately?: boolean;
}

export interface Scope {
  readonly name: string;
  readonly closed: boolean;
  setInterval(fn: () => void, intervalMs: number, name?: string): TimerHandle;
  periodic(
    task: (signal: AbortSignal) => unknown | Promise<unknown>,
    intervalMs: number,
    options?: PeriodicOptions,
  ): TimerHandle;
  adopt<T>(resource: T, close: (resource: T) => unknown | Promise<unknown>, name?: string): T;
  close(deadlineMs?: number): Promise<unknown>;
}

const openScopes = new Set<StandInScope>();

class StandInScope implements Scope {
  closed = false;
  readonly timers = new Set<TimerHandle>();
  readonly resources: { name: string; close: () => unknown }[] = [];
  private closing: Promise<unknown> | undefined;
  constructor(readonly name: string) {
    openScopes.add(this);
  }

  setInterval(fn: () => void, intervalMs: number, name = 'interval'): TimerHandle {
    if (this.closed) throw new Error(`scope ${this.name} is closed`);
    const timer = setInterval(fn, intervalMs);
    timer.unref();
    const handle: TimerHandle = {
      name,
      clear: () => {
        clearInterval(timer);
        this.timers.delete(handle);
      },
    };
    this.timers.add(handle);
    return handle;
  }

  periodic(
    task: (signal: AbortSignal) => unknown | Promise<unknown>,
    intervalMs: number,
    options: PeriodicOptions = {},
  ): TimerHandle {
    const abort = new AbortController();
    let running = false;
    const run = (): void => {
      if (running) return; // never overlaps itself
      running = true;
      Promise.resolve()
        .then(() => task(abort.signal))
        .catch((error: unknown) => options.onError?.(error))
        .finally(() => {
          running = false;
        });
    };
    const inner = this.setInterval(run, intervalMs, options.name ?? 'periodic');
    if (options.runImmediately) run();
    return {
      name: inner.name,
      clear: () => {
        abort.abort();
        inner.clear();
      },
    };
  }

  adopt<T>(resource: T, close: (resource: T) => unknown, name = 'resource'): T {
    this.resources.push({ name, close: () => close(resource) });
    return resource;
  }

  close(): Promise<unknown> {
    if (this.closing) return this.closing;
    this.closed = true;
    openScopes.delete(this);
    for (const timer of [...this.timers]) timer.clear();
    const errors: unknown[] = [];
    for (const resource of this.resources.reverse()) {
      try {
        resource.close();
      } catch (error) {
        errors.push(error);
      }
    }
    this.resources.length = 0;
    this.closing = Promise.resolve({ name: this.name, closedInTime: true, pending: [], errors });
    return this.closing;
  }
}

export function createScope(name: string): Scope {
  return new StandInScope(name);
}

export function liveScopeTotals(): { scopes: number; timers: number; listeners: number; resources: number } {
  let timers = 0;
  let resources = 0;
  for (const scope of openScopes) {
    timers += scope.timers.size;
    resources += scope.resources.length;
  }
  return { scopes: openScopes.size, timers, listeners: 0, resources };
}
