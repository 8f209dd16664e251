/**
 * Elasticsearch's `filter_path`, compiled once per request: the dotted paths (`items.*.status`) still
 * to match below one field of the answer. `*` matches any one key; arrays are walked through without
 * using up a segment; a field is kept whole when a path ends at it, and a leaf (string, number,
 * boolean, null) only then. The answer writer asks this before it builds a field, so a filtered
 * answer costs less than the full one, as in Elasticsearch.
 */
export class PathFilter {
  /** Keeps everything below: the answer without `filter_path`, or below a field a path ended at. */
  static readonly ALL = new PathFilter([[]]);

  /** True when a path ended here: the whole value is kept. */
  readonly keepsAll: boolean;
  /**
   * `child` answers, by key. A filter lives for one request and the keys it is asked about are the
   * answer's field names and the request's operation names, so this holds at most a few per item.
   */
  private readonly children = new Map<string, PathFilter | undefined>();

  private constructor(private readonly paths: readonly (readonly string[])[]) {
    this.keepsAll = paths.some((path) => path.length === 0);
  }

  /** The filter of a request: `ALL` without `filter_path`. */
  static compile(filterPath: readonly string[] | undefined): PathFilter {
    return filterPath === undefined ? PathFilter.ALL : new PathFilter(filterPath.map((path) => path.split('.')));
  }

  /** The filter for the value under `key`; undefined when no path goes there (the field is dropped). */
  child(key: string): PathFilter | undefined {
    if (this.keepsAll) return this;
    if (this.children.has(key)) return this.children.get(key);
    const rest = this.paths.filter((path) => path[0] === '*' || path[0] === key).map((path) => path.slice(1));
    const child = rest.length === 0 ? undefined : new PathFilter(rest);
    this.children.set(key, child);
    return child;
  }

  /** Whether a leaf under `key` is kept: only when a path ends at it (a longer path finds nothing in it). */
  keepsLeaf(key: string): boolean {
    return this.child(key)?.keepsAll === true;
  }
}
