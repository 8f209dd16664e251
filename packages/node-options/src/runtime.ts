// Facts about Node versions that the budget and `doctor` depend on, detected where possible.
import { HEAP_PERCENTAGE_FLAG } from './node-options-file.js';

/** End-of-life dates of Node release lines (nodejs.org release schedule). */
export const NODE_END_OF_LIFE: Readonly<Record<number, string>> = {
  18: '2025-04-30',
  19: '2023-06-01',
  20: '2026-04-30',
  21: '2024-06-01',
  22: '2027-04-30',
  23: '2025-06-01',
  24: '2028-04-30',
  25: '2026-06-01',
  26: '2029-04-30',
};

export function nodeMajor(version: string = process.version): number {
  return Number(/^v?(\d+)/.exec(version)?.[1] ?? Number.NaN);
}

/** Whether this Node accepts `--max-old-space-size-percentage` (22.21+, 24.6+): detected, not assumed. */
export function supportsHeapPercentage(
  allowedFlags: ReadonlySet<string> = process.allowedNodeEnvironmentFlags,
): boolean {
  return allowedFlags.has(HEAP_PERCENTAGE_FLAG);
}

export interface EndOfLife {
  major: number;
  /** ISO date, or undefined when the line is not in NODE_END_OF_LIFE. */
  date: string | undefined;
  past: boolean;
}

export function endOfLife(version: string = process.version, today: Date = new Date()): EndOfLife {
  const major = nodeMajor(version);
  const date = NODE_END_OF_LIFE[major];
  return { major, date, past: date !== undefined && today.toISOString().slice(0, 10) >= date };
}

/**
 * Whether `version` satisfies an `.nvmrc` such as `20`, `v20.11`, `20.11.1`; undefined for what this
 * does not interpret (`lts/*`, `node`).
 */
export function matchesNvmrc(version: string, nvmrc: string): boolean | undefined {
  const wanted = nvmrc.trim().replace(/^v/, '');
  if (!/^\d+(\.\d+){0,2}$/.test(wanted)) return undefined;
  const have = version.replace(/^v/, '').split('.');
  return wanted.split('.').every((part, index) => have[index] === part);
}
