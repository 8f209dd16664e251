import { HttpError } from '../http/errors.js';

/** An integer query parameter within [min, max]; `fallback` when absent. Anything else is a 400. */
export function integerParam(url: URL, name: string, min: number, max: number, fallback?: number): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new HttpError(400, `query parameter "${name}" is required (an integer from ${min} to ${max})`);
  }
  const value = Number(raw);
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new HttpError(400, `query parameter "${name}" must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}
