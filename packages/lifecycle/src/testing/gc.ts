import * as v8 from 'node:v8';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';

/** How long `expectCollectable` keeps forcing GC before it declares the objects retained. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 5000;
/** Pause between forced GC rounds, so V8's finalization tasks get a turn of the event loop. */
const GC_ROUND_PAUSE_MS = 5;

type GcFunction = () => void;

function gcFunction(): GcFunction {
  const gc = (globalThis as { gc?: GcFunction }).gc;
  if (typeof gc !== 'function') {
    throw new Error(
      'forced GC needs node --expose-gc: run tests with `heapwise run test -- <runner>` ' +
        '(the test profile of .node-options sets it) or NODE_OPTIONS=--expose-gc',
    );
  }
  return gc;
}

/** A full, synchronous GC, then one turn of the event loop so finalization callbacks can run. */
export async function forceGc(): Promise<void> {
  const gc = gcFunction();
  gc();
  await nextTurn();
}

// Kept out of expectCollectable's frame so no local variable there can keep an object alive.
function createAndWatch(factory: () => object, count: number, registry: FinalizationRegistry<number>): void {
  for (let i = 0; i < count; i += 1) registry.register(factory(), i);
}

/**
 * Proves that what `factory` returns can be garbage collected once the caller drops it: creates
 * `count` objects, drops them, and forces GC until a FinalizationRegistry saw every one of them go,
 * or throws after `timeoutMs` naming how many are still alive (something still references them:
 * a map, a timer, a listener).
 */
export async function expectCollectable(
  factory: () => object,
  options: { count?: number; timeoutMs?: number } = {},
): Promise<void> {
  const count = options.count ?? 1;
  const timeoutMs = options.timeoutMs ?? DEFAULT_COLLECT_TIMEOUT_MS;
  gcFunction(); // fail before creating anything when --expose-gc is missing
  let collected = 0;
  const registry = new FinalizationRegistry<number>(() => {
    collected += 1;
  });
  createAndWatch(factory, count, registry);
  const startedAt = performance.now();
  let rounds = 0;
  while (collected < count) {
    if (rounds > 0 && performance.now() - startedAt > timeoutMs) {
      throw new Error(
        `expectCollectable: ${count - collected} of ${count} objects still alive after ${rounds} forced GCs ` +
          `in ${timeoutMs} ms: something still references them`,
      );
    }
    await forceGc();
    await sleep(GC_ROUND_PAUSE_MS);
    rounds += 1;
  }
}

type Constructor = abstract new (...args: never[]) => unknown;
type QueryObjects = (ctor: Constructor, options: { format: 'count' }) => number;

/**
 * Live instances of `ctor` (objects with `ctor.prototype` in their prototype chain) via
 * `v8.queryObjects` (Node 20.13+, 22+), which collects garbage first; `undefined` where this Node
 * has no such API.
 */
export function countLiveInstances(ctor: Constructor): number | undefined {
  const queryObjects = (v8 as { queryObjects?: QueryObjects }).queryObjects;
  if (typeof queryObjects !== 'function') return undefined;
  return withoutExperimentalNote('queryObjects', () => queryObjects(ctor, { format: 'count' }));
}

type EmitWarning = (warning: string | Error, ...rest: unknown[]) => void;

/**
 * Runs `call` with Node's one-time ExperimentalWarning about `feature` held back: a test run should
 * print the warnings of the code under test, not Node's note that the API this helper uses is new.
 * Every other warning, emitted meanwhile or later, goes through as usual.
 */
function withoutExperimentalNote<T>(feature: string, call: () => T): T {
  const original = Object.getOwnPropertyDescriptor(process, 'emitWarning');
  const emitWarning = process.emitWarning.bind(process) as EmitWarning;
  const filtered: EmitWarning = (warning, ...rest) => {
    const type = typeof rest[0] === 'string' ? rest[0] : (rest[0] as { type?: unknown } | undefined)?.type;
    const text = typeof warning === 'string' ? warning : warning.message;
    if (type === 'ExperimentalWarning' && text.includes(feature)) return;
    emitWarning(warning, ...rest);
  };
  Object.defineProperty(process, 'emitWarning', { value: filtered, configurable: true, writable: true });
  try {
    return call();
  } finally {
    if (original) Object.defineProperty(process, 'emitWarning', original);
    else Reflect.deleteProperty(process, 'emitWarning'); // it was inherited: inherit it again
  }
}
