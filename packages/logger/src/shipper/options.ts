import type { Client } from '@elastic/elasticsearch';
import { SHIPPER_DEFAULTS } from '../limits.js';
import type { IndexOption } from './index-name.js';
import type { DropEvent } from './stats.js';
import type { DiskSpoolOptions } from './spool/disk-spool.js';

/** The client's constructor options (the ESM entry point does not export the type by name). */
export type ClientOptions = NonNullable<ConstructorParameters<typeof Client>[0]>;

export interface ElasticsearchShipperOptions {
  /** Elasticsearch URL(s), when no `client` is given. */
  node?: string | string[];
  /**
   * A client of yours (auth, TLS, cloud id …). It is not closed by `close()`. Requests are sent with
   * `maxRetries: 0` so that the accounting stays exact; turn sniffing off on it yourself.
   */
  client?: Client;
  /** Extra options for the client built from `node` (auth, tls, …). Retries and sniffing stay off. */
  clientOptions?: Omit<ClientOptions, 'node' | 'nodes'>;
  index?: IndexOption;
  op?: 'index' | 'create';
  assignIds?: boolean;
  maxBufferedItems?: number;
  maxBufferedBytes?: number;
  maxRecordBytes?: number;
  purgeRatio?: number;
  maxAgeMs?: number;
  maxBatchSize?: number;
  maxBatchBytes?: number;
  maxConcurrentRequests?: number;
  flushIntervalMs?: number;
  requestTimeoutMs?: number;
  minBackoffMs?: number;
  maxBackoffMs?: number;
  closeDeadlineMs?: number;
  /**
   * Called for every drop (aggregated per event for overflow, expired and shutdown). Must not throw;
   * if it does, it is ignored.
   */
  onDrop?: (event: DropEvent) => void;
  /** Called with request-level failures and internal errors. The `error` event fires too, when listened to. */
  onError?: (error: unknown) => void;
  /** The clock of expiry, lingering and backoff deadlines (`Date.now` by default); tests move it. */
  now?: () => number;
  /** Source of the backoff jitter, in [0, 1) (`Math.random` by default); tests fix it. */
  random?: () => number;
  /**
   * An optional disk spool: records are also appended to segment files in `dir` (all of them with
   * `writeAhead`, the default; else only those memory cannot hold), written every `syncIntervalMs`;
   * a shipper started on a `dir` left by an earlier process delivers its records (same `_id`s).
   * See SPOOL_DEFAULTS.
   */
  spool?: DiskSpoolOptions;
}

type Limits = Omit<typeof SHIPPER_DEFAULTS, 'index' | 'op' | 'assignIds'>;

export type ResolvedOptions = { -readonly [K in keyof Limits]: number } & {
  index: IndexOption;
  op: 'index' | 'create';
  assignIds: boolean;
  now: () => number;
  random: () => number;
};

const POSITIVE = [
  'maxBufferedItems',
  'maxBufferedBytes',
  'maxRecordBytes',
  'maxBatchSize',
  'maxBatchBytes',
  'maxConcurrentRequests',
  'requestTimeoutMs',
  'maxAgeMs',
] as const;

/** Fills in `SHIPPER_DEFAULTS` and checks every limit; throws a RangeError naming the bad option. */
export function resolveOptions(options: ElasticsearchShipperOptions): ResolvedOptions {
  const resolved: ResolvedOptions = {
    index: options.index ?? SHIPPER_DEFAULTS.index,
    op: options.op ?? SHIPPER_DEFAULTS.op,
    assignIds: options.assignIds ?? SHIPPER_DEFAULTS.assignIds,
    maxBufferedItems: options.maxBufferedItems ?? SHIPPER_DEFAULTS.maxBufferedItems,
    maxBufferedBytes: options.maxBufferedBytes ?? SHIPPER_DEFAULTS.maxBufferedBytes,
    maxRecordBytes: options.maxRecordBytes ?? SHIPPER_DEFAULTS.maxRecordBytes,
    purgeRatio: options.purgeRatio ?? SHIPPER_DEFAULTS.purgeRatio,
    maxAgeMs: options.maxAgeMs ?? SHIPPER_DEFAULTS.maxAgeMs,
    maxBatchSize: options.maxBatchSize ?? SHIPPER_DEFAULTS.maxBatchSize,
    maxBatchBytes: options.maxBatchBytes ?? SHIPPER_DEFAULTS.maxBatchBytes,
    maxConcurrentRequests: options.maxConcurrentRequests ?? SHIPPER_DEFAULTS.maxConcurrentRequests,
    flushIntervalMs: options.flushIntervalMs ?? SHIPPER_DEFAULTS.flushIntervalMs,
    requestTimeoutMs: options.requestTimeoutMs ?? SHIPPER_DEFAULTS.requestTimeoutMs,
    minBackoffMs: options.minBackoffMs ?? SHIPPER_DEFAULTS.minBackoffMs,
    maxBackoffMs: options.maxBackoffMs ?? SHIPPER_DEFAULTS.maxBackoffMs,
    closeDeadlineMs: options.closeDeadlineMs ?? SHIPPER_DEFAULTS.closeDeadlineMs,
    now: options.now ?? Date.now,
    random: options.random ?? Math.random,
  };
  for (const key of POSITIVE) {
    const value = resolved[key];
    if (!(Number.isFinite(value) && value > 0))
      throw new RangeError(`createElasticsearchShipper: ${key} must be a positive number, got ${String(value)}`);
  }
  if (!Number.isInteger(resolved.maxConcurrentRequests))
    throw new RangeError(
      `createElasticsearchShipper: maxConcurrentRequests must be a whole number, got ${resolved.maxConcurrentRequests}`,
    );
  for (const key of ['flushIntervalMs', 'minBackoffMs', 'maxBackoffMs', 'closeDeadlineMs'] as const) {
    const value = resolved[key];
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`createElasticsearchShipper: ${key} must be a number ≥ 0, got ${String(value)}`);
  }
  if (resolved.minBackoffMs > resolved.maxBackoffMs)
    throw new RangeError('createElasticsearchShipper: minBackoffMs must not exceed maxBackoffMs');
  if (!(resolved.purgeRatio > 0 && resolved.purgeRatio <= 1))
    throw new RangeError(
      `createElasticsearchShipper: purgeRatio must be in (0, 1], got ${String(resolved.purgeRatio)}`,
    );
  if (resolved.op !== 'index' && resolved.op !== 'create')
    throw new RangeError(`createElasticsearchShipper: op must be 'index' or 'create'`);
  return resolved;
}

/** Elasticsearch URLs are checked at construction, so a typo fails there and not in every request. */
export function checkNodes(node: string | string[] | undefined): string | string[] {
  if (node === undefined || (Array.isArray(node) && node.length === 0))
    throw new TypeError('createElasticsearchShipper: give `node` (an Elasticsearch URL) or `client`');
  for (const url of Array.isArray(node) ? node : [node]) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new TypeError(`createElasticsearchShipper: node ${JSON.stringify(url)} is not a URL`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw new TypeError(`createElasticsearchShipper: node ${JSON.stringify(url)} must be http: or https:`);
  }
  return node;
}
