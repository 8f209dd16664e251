// Shared plumbing of the suite entry points (logger, metrics, service).
import type { CellResult } from './runner.js';
import { rangeOf } from './stats.js';
import { formatCount } from './table.js';

export function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** "median (min–max)" of one metric of a cell, with a formatter. */
export function medianWithRange(
  result: CellResult | undefined,
  key: string,
  format: (value: number) => string = formatCount,
): string {
  if (result === undefined || result.samples.length === 0) return failedCell(result);
  const median = result.median[key];
  if (median === undefined || !Number.isFinite(median)) return 'n/a';
  const { min, max } = rangeOf(result.samples, key);
  return min === max ? format(median) : `${format(median)} (${format(min)}–${format(max)})`;
}

export function failedCell(result: CellResult | undefined): string {
  if (result === undefined) return 'not run';
  return result.failures.length > 0 ? `failed (${result.failures.length}×, see JSON)` : 'n/a';
}

/** Whether a heapwise package resolves and exports what the bench needs; peers run either way. */
export async function heapwiseAvailable(specifier: string, exportName: string): Promise<boolean> {
  try {
    const module = (await import(specifier)) as Record<string, unknown>;
    return typeof module[exportName] === 'function';
  } catch {
    return false;
  }
}

export const NOT_AVAILABLE = 'heapwise: not available in this run';
