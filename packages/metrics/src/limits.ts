// Every limit of the package, in one place, with the reason for its value.

/**
 * Default hard cap on live series per metric (override with `maxSeries`).
 * 1000 keeps a metric with a runaway label (user ids, URLs with ids) at a fixed, small memory
 * footprint (a counter series here is a few hundred bytes, a histogram series a few hundred more
 * for its bucket array) and keeps one scrape of a 12-bucket histogram under ~15k lines, while
 * leaving ample room for legitimate label sets (routes × methods × status codes rarely exceed a
 * few hundred). Past the cap, new label sets go to the overflow series.
 */
export const DEFAULT_MAX_SERIES = 1000;

/** Upper bound for `maxSeries`: beyond this a single metric is a database, not a metric. */
export const MAX_SERIES_LIMIT = 1_000_000;

/**
 * Label value given to every label of the overflow series. Chosen to be unmistakable in
 * dashboards; a label set whose values are all this string is routed to the overflow series too,
 * so it can never appear twice in one scrape.
 */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/**
 * A scrape yields to the event loop (setImmediate) after this many sample lines, so that
 * scraping 10k series never holds the loop for the whole scrape.
 */
export const SCRAPE_SAMPLES_PER_YIELD = 1000;

/** Default histogram buckets in seconds (those of the Prometheus client libraries). */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** At most this many buckets per histogram: every bucket is one more line per series per scrape. */
export const MAX_BUCKETS = 64;

/** Shortest idle expiry accepted: a sweep timer more frequent than once a second is waste. */
export const MIN_IDLE_EXPIRY_MS = 1000;

/**
 * Default cap on the length of one label value, in UTF-16 code units (`string.length`); override
 * per metric with `maxLabelValueLength`. A label set with a longer value goes to the overflow
 * series and is counted in `heapwise_metrics_label_value_too_long_total`. Route templates, status
 * codes and method names are far shorter; a value past 256 is a raw URL, a message or a payload,
 * and with the series cap it bounds a metric's label text to about maxSeries × labels × 256.
 */
export const DEFAULT_MAX_LABEL_VALUE_LENGTH = 256;

/** Upper bound for `maxLabelValueLength`. */
export const MAX_LABEL_VALUE_LENGTH_LIMIT = 64 * 1024;
