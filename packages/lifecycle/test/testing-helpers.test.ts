import { execFile } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createScope } from '../src/index.js';
import {
  countLiveInstances,
  expectCollectable,
  expectNoOpenHandles,
  fitSlope,
  forceGc,
  measureHeapSlope,
} from '../src/testing/index.js';

// Leaky and fixed fixtures for the patterns the helpers must catch.
class Session {
  // 128 small integers: a 1 KB backing store on the V8 heap (a repeated string would be a cheap rope).
  readonly payload: number[];
  constructor(readonly id: number) {
    this.payload = new Array<number>(128).fill(id);
  }
}

function leakyRegistry(): { handle: (id: number) => Session } {
  const seen = new Map<number, Session>(); // grows per call, never trimmed
  return {
    handle: (id) => {
      const session = new Session(id);
      seen.set(id, session);
      return session;
    },
  };
}

function fixedRegistry(): { handle: (id: number) => Session } {
  return { handle: (id) => new Session(id) };
}

const longLivedBus = new EventEmitter();
longLivedBus.setMaxListeners(0);

function subscribeLeaky(): object {
  const state = { buffer: new Array<number>(100).fill(1) };
  longLivedBus.on('tick', () => state.buffer.length); // never removed: state lives as long as the bus
  return state;
}

function subscribeFixed(): object {
  const state = { buffer: new Array<number>(100).fill(1) };
  const scope = createScope('subscriber');
  scope.on(longLivedBus, 'tick', () => state.buffer.length);
  void scope.close();
  return state;
}

describe('forceGc', () => {
  it('runs when --expose-gc is set (the heapwise test profile sets it)', async () => {
    expect(typeof (globalThis as { gc?: unknown }).gc).toBe('function');
    await expect(forceGc()).resolves.toBeUndefined();
  });

  it('says how to fix a missing --expose-gc', async () => {
    const saved = (globalThis as { gc?: unknown }).gc;
    (globalThis as { gc?: unknown }).gc = undefined;
    try {
      await expect(forceGc()).rejects.toThrow(/--expose-gc/);
      await expect(expectCollectable(() => ({}))).rejects.toThrow(/--expose-gc/);
    } finally {
      (globalThis as { gc?: unknown }).gc = saved;
    }
  });
});

describe('expectCollectable', () => {
  it('fails when a Map keeps every object', async () => {
    const registry = leakyRegistry();
    let id = 0;
    await expect(expectCollectable(() => registry.handle(id++), { count: 20, timeoutMs: 300 })).rejects.toThrow(
      /20 of 20 objects still alive/,
    );
  });

  it('passes when nothing keeps them', async () => {
    const registry = fixedRegistry();
    let id = 0;
    await expect(expectCollectable(() => registry.handle(id++), { count: 20 })).resolves.toBeUndefined();
  });

  it('fails on a listener never removed and passes when the scope removes it', async () => {
    await expect(expectCollectable(subscribeLeaky, { count: 5, timeoutMs: 300 })).rejects.toThrow(/still alive/);
    await expect(expectCollectable(subscribeFixed, { count: 5 })).resolves.toBeUndefined();
    longLivedBus.removeAllListeners();
  });

  it("fails on an uncleared (even unref'd) interval holding its object and passes when a scope clears it", async () => {
    const leakedTimers: NodeJS.Timeout[] = [];
    const leaky = (): object => {
      const state = { samples: [1, 2, 3] };
      // unref'd, so the process would still exit: yet the closure keeps `state` alive for ever
      leakedTimers.push(setInterval(() => state.samples.length, 60_000).unref());
      return state;
    };
    const fixed = (): object => {
      const state = { samples: [1, 2, 3] };
      const scope = createScope('sampler');
      scope.setInterval(() => state.samples.length, 60_000, 'sample');
      void scope.close();
      return state;
    };
    try {
      await expect(expectCollectable(leaky, { count: 3, timeoutMs: 300 })).rejects.toThrow(
        /3 of 3 objects still alive/,
      );
    } finally {
      for (const timer of leakedTimers) clearInterval(timer);
    }
    await expect(expectCollectable(fixed, { count: 3 })).resolves.toBeUndefined();
  });
});

describe('countLiveInstances', () => {
  const available = countLiveInstances(Session) !== undefined;

  it.runIf(available)(
    'sees instances a Map keeps, and none once they are dropped',
    async () => {
      const before = countLiveInstances(Session) ?? 0;
      let registry: { handle: (id: number) => Session } | undefined = leakyRegistry();
      for (let i = 0; i < 50; i += 1) registry.handle(i);
      expect(countLiveInstances(Session)).toBe(before + 50);

      const fixed = fixedRegistry();
      for (let i = 0; i < 50; i += 1) fixed.handle(i);
      expect(countLiveInstances(Session)).toBe(before + 50);

      registry = undefined;
      await forceGc();
      expect(countLiveInstances(Session)).toBe(before);
      // Each count is a full GC and a walk of the whole heap: over 5 s in all on a busy 2-core machine.
    },
    30_000,
  );

  it.runIf(available)(
    'prints no ExperimentalWarning of Node, and lets other warnings through (fresh process)',
    async () => {
      const testing = new URL('../src/testing/index.ts', import.meta.url).href;
      const script =
        `const { countLiveInstances } = await import(${JSON.stringify(testing)});\n` +
        `class Probe {}\nconst kept = [new Probe(), new Probe()];\n` +
        `console.log(countLiveInstances(Probe), kept.length);\n` +
        `process.emitWarning('v8.queryObjects is mentioned here', 'ExperimentalWarning');\n` +
        `process.emitWarning('a warning of the code under test');\n`;
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '--eval', script],
        {
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          env: { ...process.env, NODE_OPTIONS: '' },
          timeout: 30_000,
        },
      );
      expect(stdout.trim()).toBe('2 2');
      // Node's note about queryObjects is gone; the same kind of warning emitted outside the helper, and
      // any other warning, still reach stderr.
      expect(stderr).not.toContain('v8.queryObjects() is an experimental feature');
      expect(stderr).toContain('ExperimentalWarning: v8.queryObjects is mentioned here');
      expect(stderr).toContain('a warning of the code under test');
    },
    40_000,
  );
});

describe('measureHeapSlope', () => {
  it('fits an exact line', () => {
    const fit = fitSlope([0, 1, 2, 3].map((x) => ({ x, y: 10 + 4 * x })));
    expect(fit.slope).toBeCloseTo(4, 10);
    expect(fit.intercept).toBeCloseTo(10, 10);
    expect(fit.stdError).toBeCloseTo(0, 10);
  });

  it('recovers a known slope and its standard error from noisy points', () => {
    // y = 3 + 2x with residuals +0.5, −0.5, …; the alternating residuals tilt the fit by
    // cov(x, e) / var(x) = −2.5 / 82.5, and the standard error is sqrt(s² / Sxx) by hand.
    const points = Array.from({ length: 10 }, (_, x) => ({ x, y: 3 + 2 * x + (x % 2 === 0 ? 0.5 : -0.5) }));
    const fit = fitSlope(points);
    const slope = 2 - 2.5 / 82.5;
    expect(fit.slope).toBeCloseTo(slope, 10);
    // The line passes through the means: x̄ = 4.5, ȳ = 3 + 2 · 4.5 = 12 (the residuals cancel).
    expect(fit.intercept).toBeCloseTo(12 - slope * 4.5, 10);
    const residuals = points.reduce((sum, p) => sum + (p.y - (fit.intercept + fit.slope * p.x)) ** 2, 0);
    expect(fit.stdError).toBeCloseTo(Math.sqrt(residuals / 8 / 82.5), 10);
  });

  it('refuses fewer than 3 points and points that share one x', () => {
    expect(() =>
      fitSlope([
        { x: 1, y: 1 },
        { x: 2, y: 2 },
      ]),
    ).toThrow(/at least 3 points/);
    expect(() =>
      fitSlope([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
        { x: 1, y: 3 },
      ]),
    ).toThrow(/two distinct x/);
  });

  it('measures what a Map growing per call keeps (over 1 KB per iteration)', async () => {
    const registry = leakyRegistry();
    const result = await measureHeapSlope((i) => registry.handle(i), { warmup: 100, iterations: 10_000, samples: 8 });
    expect(result.samples).toHaveLength(8);
    expect(result.samples[0]?.iteration).toBe(0);
    expect(result.samples[7]?.iteration).toBe(10_000);
    // A Session holds a 1 KB array, plus the object and the map entry.
    expect(result.bytesPerIteration).toBeGreaterThan(1000);
    expect(result.bytesPerIteration).toBeGreaterThan(10 * result.stdError);
    console.info(`leaky Map: ${result.bytesPerIteration.toFixed(1)} ± ${result.stdError.toFixed(1)} bytes/iteration`);
  }, 60_000);

  it('measures about nothing for the fixed version', async () => {
    const registry = fixedRegistry();
    const result = await measureHeapSlope((i) => registry.handle(i), { warmup: 100, iterations: 10_000, samples: 8 });
    console.info(`fixed: ${result.bytesPerIteration.toFixed(1)} ± ${result.stdError.toFixed(1)} bytes/iteration`);
    expect(Math.abs(result.bytesPerIteration)).toBeLessThan(100);
  }, 60_000);

  it('rejects fewer than 3 samples', async () => {
    await expect(measureHeapSlope(() => {}, { samples: 2 })).rejects.toThrow(RangeError);
  });
});

describe('expectNoOpenHandles', () => {
  it('fails naming an interval that was never cleared', async () => {
    let leaked: NodeJS.Timeout | undefined;
    try {
      await expect(
        expectNoOpenHandles(() => {
          leaked = setInterval(() => {}, 1000);
        }),
      ).rejects.toThrow(/left open: Timeout x1/);
    } finally {
      clearInterval(leaked);
    }
  });

  it('passes when the scope owns the interval and is closed', async () => {
    await expect(
      expectNoOpenHandles(async () => {
        const scope = createScope('job');
        scope.setInterval(() => {}, 1000, 'poll', { ref: true });
        await scope.close();
        return 'done';
      }),
    ).resolves.toBe('done');
  });

  it('fails naming a server left listening and passes once it is closed', async () => {
    let server: Server | undefined;
    try {
      await expect(
        expectNoOpenHandles(async () => {
          server = createServer();
          await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
        }),
      ).rejects.toThrow(/TCPServerWrap x1/);
    } finally {
      await new Promise((resolve) => server?.close(resolve));
    }
    await expect(
      expectNoOpenHandles(async () => {
        const scope = createScope('server');
        const owned = scope.adopt(createServer(), (s) => new Promise((resolve) => s.close(resolve)), 'http');
        await new Promise<void>((resolve) => owned.listen(0, '127.0.0.1', resolve));
        await scope.close();
      }),
    ).resolves.toBeUndefined();
  });
});
