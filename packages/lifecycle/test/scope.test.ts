import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { createScope, liveScopeTotals, PERIODIC_FAILED_WARNING_CODE } from '../src/index.js';

describe('Scope', () => {
  it('closes what it owns in reverse order of creation, children included', async () => {
    const order: string[] = [];
    const scope = createScope('app');
    scope.adopt(
      'db',
      async () => {
        await sleep(5);
        order.push('db');
      },
      'db',
    );
    const child = scope.child('http');
    child.adopt('server', () => order.push('server'), 'server');
    child.adopt('socket', () => order.push('socket'), 'socket');
    scope.adopt('cache', () => order.push('cache'), 'cache');

    const report = await scope.close(1000);

    expect(order).toEqual(['cache', 'socket', 'server', 'db']);
    expect(report).toEqual({ name: 'app', closedInTime: true, pending: [], errors: [] });
    expect(child.closed).toBe(true);
  });

  it('is idempotent: a second close returns the same report and closes nothing twice', async () => {
    let closes = 0;
    const scope = createScope('once');
    scope.adopt({}, () => {
      closes += 1;
    });
    const first = scope.close();
    const second = scope.close();
    expect(second).toBe(first);
    expect(await second).toBe(await first);
    expect(await scope.close()).toBe(await first);
    expect(closes).toBe(1);
    expect(scope.closed).toBe(true);
  });

  it('reports what did not close by the deadline, still closes the rest, and never throws', async () => {
    const scope = createScope('slow');
    const closed: string[] = [];
    scope.adopt({}, () => closed.push('first'), 'first');
    scope.adopt(
      {},
      () => {
        throw new Error('boom');
      },
      'throws',
    );
    const child = scope.child('workers');
    child.adopt({}, () => new Promise(() => {}), 'stuck-pool');
    scope.adopt({}, () => new Promise(() => {}), 'stuck-socket');
    const timer = scope.setInterval(() => {}, 10, 'tick', { ref: true });

    // Both stuck close functions never settle: close() resolving at all is the deadline at work.
    const report = await scope.close(200);

    expect(report.closedInTime).toBe(false);
    // The child starts closing after the deadline with 0 ms left, and names what is stuck inside it.
    expect(report.pending).toEqual(['resource stuck-socket', 'workers/resource stuck-pool']);
    expect(report.errors).toHaveLength(1);
    expect((report.errors[0] as Error).message).toBe('boom');
    expect(closed).toEqual(['first']); // closed after the deadline passed, without waiting
    expect(timer.name).toBe('tick');
    expect(scope.stats().live).toEqual([]);
    const childReport = await child.close();
    expect(childReport.pending).toEqual(['resource stuck-pool']);
  });

  it('names a stuck resource inside a child scope when the child gets its own deadline', async () => {
    const scope = createScope('root');
    const child = scope.child('db');
    child.adopt({}, () => new Promise(() => {}), 'pool');
    const report = await scope.close(100);
    expect(report.pending).toEqual(['db/resource pool']);
  });

  it('refuses new work once closed', async () => {
    const scope = createScope('closed');
    await scope.close();
    expect(() => scope.setTimeout(() => {}, 10)).toThrow(/scope "closed" is closed/);
    expect(() => scope.adopt({}, () => {})).toThrow(/closed/);
    expect(() => scope.child('late')).toThrow(/closed/);
  });

  it('forgets a timeout once it fired and clears pending ones on close', async () => {
    const scope = createScope('timers');
    let fired = 0;
    scope.setTimeout(() => (fired += 1), 1, 'soon');
    scope.setTimeout(() => (fired += 100), 60_000, 'later');
    expect(scope.stats().timers).toBe(2);
    await sleep(30);
    expect(fired).toBe(1);
    expect(scope.stats().live).toEqual([{ kind: 'timeout', name: 'later' }]);
    await scope.close();
    expect(scope.stats().timers).toBe(0);
  });

  it('unrefs timers and intervals unless asked', async () => {
    const scope = createScope('unref');
    const before = process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    scope.setTimeout(() => {}, 60_000);
    scope.setInterval(() => {}, 60_000);
    scope.periodic(() => {}, 60_000);
    expect(process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length).toBe(before);
    scope.setInterval(() => {}, 60_000, 'kept', { ref: true });
    expect(process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length).toBe(before + 1);
    await scope.close();
    expect(process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length).toBe(before);
  });

  it('removes listeners on close and through the remover, on EventEmitter and EventTarget', async () => {
    const scope = createScope('listeners');
    const emitter = new EventEmitter();
    const target = new EventTarget();
    let calls = 0;
    const remove = scope.on(emitter, 'a', () => (calls += 1));
    scope.on(emitter, 'b', () => (calls += 1), 'b-handler');
    scope.on(target, 'c', () => (calls += 1));
    emitter.emit('a');
    target.dispatchEvent(new Event('c'));
    expect(calls).toBe(2);

    remove();
    remove();
    expect(emitter.listenerCount('a')).toBe(0);
    expect(scope.stats().listeners).toBe(2);

    await scope.close();
    expect(emitter.listenerCount('b')).toBe(0);
    target.dispatchEvent(new Event('c'));
    expect(calls).toBe(2);
  });

  it('runs a periodic task without overlap, errors to onError; close waits for a running one', async () => {
    const scope = createScope('periodic');
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const errors: unknown[] = [];
    let abortedWhileRunning = false;
    let onRunStarted: (() => void) | undefined;
    scope.periodic(
      async (signal) => {
        onRunStarted?.();
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        runs += 1;
        await sleep(30); // longer than the interval: a naive setInterval would overlap
        if (signal.aborted) abortedWhileRunning = true;
        running -= 1;
        if (runs % 2 === 0) throw new Error(`run ${runs} failed`);
      },
      1,
      { name: 'sync-job', runImmediately: true, onError: (error) => errors.push(error) },
    );
    await sleep(150);
    // Close while a run is in progress (it started this very turn and lasts 30 ms).
    await new Promise<void>((resolve) => (onRunStarted = resolve));
    const runsBeforeClose = runs;
    const report = await scope.close(1000);
    await sleep(50);

    expect(maxRunning).toBe(1);
    expect(runsBeforeClose).toBeGreaterThanOrEqual(2);
    expect(errors.length).toBe(Math.floor(runs / 2));
    expect((errors[0] as Error).message).toBe('run 2 failed');
    expect(running).toBe(0); // close waited for the running task
    expect(abortedWhileRunning).toBe(true);
    expect(runs).toBe(runsBeforeClose); // nothing ran after close
    expect(report.closedInTime).toBe(true);
  });

  it('clear() on a handle stops a periodic task (aborting its signal) and cancels a timeout', async () => {
    const scope = createScope('handles');
    let runs = 0;
    let seenSignal: AbortSignal | undefined;
    let timeoutFired = false;
    const job = scope.periodic(
      async (signal) => {
        runs += 1;
        seenSignal = signal;
        await sleep(20);
      },
      5,
      { name: 'job', runImmediately: true },
    );
    const timeout = scope.setTimeout(() => (timeoutFired = true), 20, 'once');
    timeout.clear();
    while (runs === 0) await sleep(1);
    job.clear();
    job.clear();
    const runsAtClear = runs;
    await sleep(100);
    expect(runsAtClear).toBeGreaterThanOrEqual(1);
    expect(runs).toBe(runsAtClear); // nothing ran after clear()
    expect(seenSignal?.aborted).toBe(true);
    expect(timeoutFired).toBe(false);
    expect(scope.stats().live).toEqual([]);
    await scope.close();
  });

  it('waits intervalMs before the first run unless runImmediately', async () => {
    const scope = createScope('first-run');
    let runs = 0;
    scope.periodic(() => void (runs += 1), 60_000, { name: 'hourly' });
    await sleep(50);
    expect(runs).toBe(0);
    await scope.close();
  });

  it('keeps a failing periodic task from becoming an unhandled rejection even without onError', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    // The default onError is process.emitWarning: caught here (so the run prints no warning) and awaited.
    const warned = new Promise<{ message: unknown; options: unknown }>((resolve) => {
      vi.spyOn(process, 'emitWarning').mockImplementation((message: unknown, options?: unknown) =>
        resolve({ message, options }),
      );
    });
    process.on('unhandledRejection', onUnhandled);
    try {
      const scope = createScope('no-handler');
      scope.periodic(() => Promise.reject(new Error('nobody listens')), 20, { name: 'flaky', runImmediately: true });
      const warning = await warned;
      await scope.close();
      // Node reports unhandled rejections once the microtasks of a turn have drained.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warning.message).toMatch(/^periodic task "flaky" of scope "no-handler" failed: Error: nobody listens\n/);
      expect(warning.options).toEqual({ code: PERIODIC_FAILED_WARNING_CODE });
    } finally {
      process.removeListener('unhandledRejection', onUnhandled);
      vi.restoreAllMocks();
    }
    expect(unhandled).toEqual([]);
  });

  it('stats() names what is live, and liveScopeTotals() counts open scopes', async () => {
    const totalsBefore = liveScopeTotals();
    const scope = createScope('stats');
    scope.setInterval(() => {}, 1000, 'flush');
    scope.on(new EventEmitter(), 'data', () => {}, 'on-data');
    const server = scope.adopt({ id: 1 }, () => {}, 'server');
    const child = scope.child('jobs');
    child.periodic(() => {}, 1000, { name: 'cleanup' });

    expect(scope.stats()).toEqual({
      name: 'stats',
      closed: false,
      timers: 1,
      listeners: 1,
      resources: 1,
      children: [
        {
          name: 'jobs',
          closed: false,
          timers: 1,
          listeners: 0,
          resources: 0,
          children: [],
          live: [{ kind: 'periodic', name: 'cleanup' }],
        },
      ],
      live: [
        { kind: 'interval', name: 'flush' },
        { kind: 'listener', name: 'on-data' },
        { kind: 'resource', name: 'server' },
        { kind: 'scope', name: 'jobs' },
      ],
    });
    expect(liveScopeTotals()).toEqual({
      scopes: totalsBefore.scopes + 2,
      timers: totalsBefore.timers + 2,
      listeners: totalsBefore.listeners + 1,
      resources: totalsBefore.resources + 1,
    });

    expect(scope.release(server)).toBe(true);
    expect(scope.release(server)).toBe(false);
    await child.close();
    expect(scope.stats().children).toEqual([]);
    await scope.close();
    expect(liveScopeTotals()).toEqual(totalsBefore);
  });

  it('supports await using through Symbol.asyncDispose', async () => {
    let closed = false;
    const scope = createScope('disposable');
    scope.adopt({}, () => {
      closed = true;
    });
    {
      await using owned = scope;
      expect(owned.closed).toBe(false);
    }
    expect(closed).toBe(true);
    expect(scope.closed).toBe(true);
  });
});
