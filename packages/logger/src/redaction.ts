import { REDACTION_DEFAULTS } from './limits.js';

export interface RedactionOptions {
  /** Keys censored at any depth, compared case-insensitively. Replaces the defaults. */
  keys?: readonly string[];
  /** Keys censored in addition to `keys` (or the defaults). */
  additionalKeys?: readonly string[];
  /** Written instead of a secret (default `[Redacted]`). */
  censor?: string;
  /** Objects deeper than this are not searched (default 8). */
  maxDepth?: number;
  /** At most this many keys are examined per call (default 2000). */
  maxKeys?: number;
}

export type Redactor = <T>(value: T) => T;

/**
 * A key-based redactor: censors the value of any key in the set, at any depth, without mutating
 * the caller's objects (only the objects on the way to a secret are copied).
 *
 * Why not pino's `redact` paths: they need one path per location (`*.password` is one level only),
 * and in pino 10 each wildcard path costs several microseconds per call (about 30x a plain call
 * with 68 paths, measured while choosing). A walk that looks each key up in a Set covers every
 * depth for the price of visiting the keys.
 *
 * It walks plain objects, arrays and Errors only: class instances (a raw `IncomingMessage`, a
 * socket) are left to pino's serializers, whose output is redacted in turn (see logger.ts).
 */
export function createRedactor(options: RedactionOptions = {}): Redactor {
  const keys = new Set<string>();
  for (const key of options.keys ?? REDACTION_DEFAULTS.keys) keys.add(key.toLowerCase());
  for (const key of options.additionalKeys ?? []) keys.add(key.toLowerCase());
  const censor = options.censor ?? REDACTION_DEFAULTS.censor;
  const maxDepth = options.maxDepth ?? REDACTION_DEFAULTS.maxDepth;
  const maxKeys = options.maxKeys ?? REDACTION_DEFAULTS.maxKeys;
  let budget = 0;

  const isSecret = (key: string): boolean => keys.has(key) || keys.has(key.toLowerCase());

  const walk = (value: object, depth: number): object => {
    if (depth > maxDepth) return value;
    if (Array.isArray(value)) {
      let copy: unknown[] | undefined;
      for (let i = 0; i < value.length && budget > 0; i++) {
        budget--;
        const item: unknown = value[i];
        if (item === null || typeof item !== 'object' || !isWalkable(item)) continue;
        const redacted = walk(item, depth + 1);
        if (redacted !== item) {
          copy ??= value.slice();
          copy[i] = redacted;
        }
      }
      return copy ?? value;
    }
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(value)) {
      if (budget-- <= 0) break;
      if (isSecret(key)) {
        copy ??= shallowCopy(value);
        Object.defineProperty(copy, key, { value: censor, enumerable: true, writable: true, configurable: true });
        continue;
      }
      const item: unknown = (value as Record<string, unknown>)[key];
      if (item === null || typeof item !== 'object' || !isWalkable(item)) continue;
      const redacted = walk(item, depth + 1);
      if (redacted !== item) {
        copy ??= shallowCopy(value);
        Object.defineProperty(copy, key, { value: redacted, enumerable: true, writable: true, configurable: true });
      }
    }
    return copy ?? value;
  };

  return <T>(value: T): T => {
    if (value === null || typeof value !== 'object') return value;
    budget = maxKeys;
    return walk(value, 0) as T;
  };
}

function isWalkable(value: object): boolean {
  if (Array.isArray(value) || value instanceof Error) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A copy with the same prototype and property descriptors (getters are copied, not called). */
function shallowCopy(value: object): Record<string, unknown> {
  return Object.create(
    Object.getPrototypeOf(value) as object | null,
    Object.getOwnPropertyDescriptors(value),
  ) as Record<string, unknown>;
}
