import { parsePrometheusText } from '@heapwise/testkit';

export const parse = parsePrometheusText;

/** Go float syntax back to a number (Number() does not know `+Inf`). */
export function goFloat(text: string | undefined): number {
  if (text === undefined) throw new Error('missing value');
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const value = Number(text);
  if (Number.isNaN(value)) throw new Error(`not a Go float: ${text}`);
  return value;
}

export function family(text: string, name: string) {
  const found = parse(text).filter((f) => f.name === name);
  if (found.length !== 1) throw new Error(`expected one family ${name}, found ${found.length}`);
  return found[0];
}

/**
 * Samples of a histogram with labels, read with the same parser: without its TYPE line each of
 * `_bucket`, `_sum`, `_count` parses as an untyped family of its own (the parser folds labelled
 * histogram series into one object otherwise).
 */
export function histogramSamples(
  text: string,
  name: string,
): { name: string; labels: Record<string, string>; value: number }[] {
  const untyped = text.replace(`# TYPE ${name} histogram\n`, '');
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const f of parse(untyped)) {
    if (f.name !== `${name}_bucket` && f.name !== `${name}_sum` && f.name !== `${name}_count`) continue;
    for (const m of f.metrics) samples.push({ name: f.name, labels: m.labels ?? {}, value: goFloat(m.value) });
  }
  return samples;
}
