// Markdown output: tables, number formats, and the heapwise/peer ratio wording.

export function markdownTable(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export function formatCount(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return Math.round(value).toLocaleString('en-US');
}

// One MiB format for every table, the CLI's report and the soak script.
export { formatMiB } from '@heapwise/node-options';

export function formatFixed(value: number | undefined, digits: number, unit = ''): string {
  if (value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(digits)}${unit}`;
}

export function formatPercent(fraction: number | undefined, digits = 1): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return 'n/a';
  return `${(fraction * 100).toFixed(digits)} %`;
}

/**
 * heapwise / peer, worded so the table says who wins. `higherIsBetter` tells which way is good for
 * this metric (throughput: higher; memory, time: lower).
 */
export function ratioCell(heapwise: number | undefined, peer: number | undefined, higherIsBetter: boolean): string {
  if (heapwise === undefined || peer === undefined || !Number.isFinite(heapwise) || !Number.isFinite(peer))
    return 'n/a';
  if (peer === 0) {
    if (heapwise === 0) return '1.00× (tie)';
    return higherIsBetter === heapwise > 0 ? '∞ (heapwise better; peer 0)' : '∞ (**heapwise loses**; peer 0)';
  }
  const ratio = heapwise / peer;
  const digits = ratio >= 100 ? 0 : 2;
  const withinNoise = Math.abs(ratio - 1) < 0.03;
  const heapwiseBetter = higherIsBetter ? ratio > 1 : ratio < 1;
  const verdict = withinNoise ? 'tie' : heapwiseBetter ? 'heapwise better' : '**heapwise loses**';
  return `${ratio.toFixed(digits)}× (${verdict})`;
}
