// Live series of one metric: lookup without allocation, keys that cannot collide, a hard cap
// with one overflow series, and idle expiry.
//
// Series are found through a trie of Maps, one level per declared label, keyed by the label
// value itself. Nothing is concatenated, so no label value, whatever it contains (commas, quotes,
// `=`, separators of any kind), can make two label sets share a key — `{a:"x,b:y"}` and
// `{a:"x",b:"y"}` end at different leaves — and looking up an existing series allocates nothing.
import { OVERFLOW_LABEL_VALUE } from './limits.js';

export type LabelValue = string | number;
export type Labels<L extends string> = { readonly [K in L]?: LabelValue };

/** What every series carries besides its values; subclasses add the numbers. */
export interface SeriesState {
  /** Label values in declared label order. */
  readonly values: readonly string[];
  /** Updated since the last expiry sweep. */
  touched: boolean;
  /** Removed from the index (expired or reset); bound children re-resolve on next use. */
  detached: boolean;
  /** The one overflow series that takes every label set past the cap. */
  readonly overflow: boolean;
  /** When it was created (ms since the epoch): OpenMetrics `_created`. */
  readonly createdAtMs: number;
}

type Level<S> = Map<string, Level<S> | S>;

type LabelsObject = { readonly [name: string]: LabelValue | undefined };

/**
 * The caller's own value for a label, never one inherited from Object.prototype: a label named
 * `constructor`, `toString` or `valueOf` that the call omits would otherwise take a function.
 */
function ownLabel(labels: LabelsObject | undefined, name: string): LabelValue | undefined {
  return labels !== undefined && Object.hasOwn(labels, name) ? labels[name] : undefined;
}

export class SeriesIndex<S extends SeriesState> {
  private readonly root: Level<S> = new Map();
  private readonly labelNameSet: ReadonlySet<string>;
  private readonly live = new Set<S>();
  private overflowSeries: S | undefined;
  private single: S | undefined;
  /** Series removed by idle expiry since creation. */
  expiredSeries = 0;
  /** Lookups sent to the overflow series because a label value was longer than the cap. */
  labelValuesTooLong = 0;

  constructor(
    private readonly metricName: string,
    private readonly labelNames: readonly string[],
    private readonly maxSeries: number,
    private readonly maxLabelValueLength: number,
    private readonly createSeries: (values: readonly string[], overflow: boolean) => S,
  ) {
    this.labelNameSet = new Set(labelNames);
  }

  /** Live series, excluding the overflow series. */
  get size(): number {
    return this.labelNames.length === 0 ? (this.single ? 1 : 0) : this.live.size;
  }

  get hasOverflowSeries(): boolean {
    return this.overflowSeries !== undefined;
  }

  /** Hot path: allocation-free for an existing series whose label values are strings. */
  resolve(labels: LabelsObject | undefined): S {
    const names = this.labelNames;
    const count = names.length;
    if (labels !== undefined) {
      // for-in walks the object's enumerable keys without building an array
      for (const key in labels) {
        if (!this.labelNameSet.has(key)) this.unknownLabel(key);
      }
    }
    if (count === 0) return this.single ?? (this.single = this.createSeries([], false));
    let node: Level<S> | S | undefined = this.root;
    for (let i = 0; i < count; i++) {
      const raw = ownLabel(labels, names[i]);
      node = (node as Level<S>).get(typeof raw === 'string' ? raw : this.toLabelValue(names[i], raw));
      if (node === undefined) return this.insert(this.valuesOf(labels));
    }
    return node as S;
  }

  /** Slow path for bound children whose series was expired or reset. */
  resolveValues(values: readonly string[]): S {
    if (this.labelNames.length === 0) return this.resolve(undefined);
    let node: Level<S> | S | undefined = this.root;
    for (const value of values) {
      node = (node as Level<S>).get(value);
      if (node === undefined) return this.insert(values);
    }
    return node as S;
  }

  private valuesOf(labels: LabelsObject | undefined): string[] {
    return this.labelNames.map((name) => this.toLabelValue(name, ownLabel(labels, name)));
  }

  private toLabelValue(name: string, raw: LabelValue | undefined): string {
    if (typeof raw === 'string') return raw;
    if (raw === undefined) return ''; // Prometheus: an empty label value is the same as no label
    if (typeof raw === 'number') return String(raw);
    throw new TypeError(
      `metric ${this.metricName}: label ${name} must be a string or a number, ` +
        `got ${raw === null ? 'null' : typeof raw}`,
    );
  }

  // Only label sets that are not stored yet get here, so the length check costs nothing on the
  // hot path: a value over the cap is never stored, and always ends here.
  private insert(values: readonly string[]): S {
    if (values.some((v) => v.length > this.maxLabelValueLength)) {
      this.labelValuesTooLong++;
      return this.overflow();
    }
    if (this.live.size >= this.maxSeries || values.every((v) => v === OVERFLOW_LABEL_VALUE)) {
      return this.overflow();
    }
    const series = this.createSeries(values, false);
    let level = this.root;
    const last = values.length - 1;
    for (let i = 0; i < last; i++) {
      let next = level.get(values[i]) as Level<S> | undefined;
      if (next === undefined) {
        next = new Map();
        level.set(values[i], next);
      }
      level = next;
    }
    level.set(values[last], series);
    this.live.add(series);
    return series;
  }

  private overflow(): S {
    return (this.overflowSeries ??= this.createSeries(
      this.labelNames.map(() => OVERFLOW_LABEL_VALUE),
      true,
    ));
  }

  private unknownLabel(key: string): never {
    throw new TypeError(
      `metric ${this.metricName}: unknown label ${JSON.stringify(key)} ` +
        `(declared: ${this.labelNames.join(', ') || 'none'})`,
    );
  }

  /** Every series for a scrape: the live ones in creation order, then the overflow series. */
  *series(): IterableIterator<S> {
    if (this.labelNames.length === 0) {
      if (this.single) yield this.single;
      return;
    }
    yield* this.live;
    if (this.overflowSeries) yield this.overflowSeries;
  }

  /**
   * Idle expiry: drop series not updated since the previous sweep. With sweeps every `idleMs`,
   * a series goes after between `idleMs` and `2 × idleMs` without updates. The overflow series
   * and the single series of an unlabelled metric never expire.
   */
  sweep(): number {
    let removed = 0;
    for (const series of this.live) {
      if (series.touched) series.touched = false;
      else {
        this.remove(series);
        removed++;
      }
    }
    this.expiredSeries += removed;
    return removed;
  }

  private remove(series: S): void {
    const path: Level<S>[] = [];
    let level = this.root;
    const last = series.values.length - 1;
    for (let i = 0; i < last; i++) {
      path.push(level);
      level = level.get(series.values[i]) as Level<S>;
    }
    level.delete(series.values[last]);
    // prune maps left empty, bottom-up, so expired label values do not leave memory behind
    for (let i = last - 1; i >= 0 && level.size === 0; i--) {
      const parent = path[i];
      parent.delete(series.values[i]);
      level = parent;
    }
    this.live.delete(series);
    series.detached = true;
  }

  /** Forget every series (bound children re-resolve on their next update). */
  clear(): void {
    for (const series of this.live) series.detached = true;
    this.live.clear();
    this.root.clear();
    if (this.overflowSeries) this.overflowSeries.detached = true;
    if (this.single) this.single.detached = true;
    this.overflowSeries = undefined;
    this.single = undefined;
  }
}
