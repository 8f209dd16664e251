/**
 * Why a record left the buffer without being shipped. `corrupt` and `disk_error` come from the disk
 * spool only: a record whose frame failed its checksum (or was cut by a crash), and a record on
 * disk only whose write failed.
 */
export const DROP_REASONS = [
  'overflow',
  'expired',
  'rejected',
  'too_large',
  'shutdown',
  'corrupt',
  'disk_error',
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/**
 * The shipper's accounting. At every instant
 * `produced + recovered = shipped + buffered + spooled + sum(dropped)`: a record sent and not yet
 * answered is still `buffered`; a record is in exactly one of the terms on the right.
 */
export interface ShipperStats {
  /** Records written to the shipper. */
  produced: number;
  /** Records Elasticsearch accepted (2xx, or 409 on `create` of an id we assigned). */
  shipped: number;
  /** Records queued or in flight. */
  buffered: number;
  /** UTF-8 bytes of the buffered records. */
  bufferedBytes: number;
  dropped: Record<DropReason, number>;
  /** Records put back for another attempt (per-item 429/5xx, or their whole request failed). */
  retries: number;
  /** `_bulk` requests that failed as a whole (refused, reset, timeout, 429/5xx/413, unreadable answer). */
  failedRequests: number;
  /**
   * Records found in a disk spool an earlier process left, counted as each is read back (or lost
   * there): they join `produced` on the left of the identity. 0 without a spool.
   */
  recovered: number;
  /**
   * With a spool: records on disk only (not in memory), waiting to be read back; after `close()`,
   * also the held records left on disk for the next process. 0 without a spool.
   */
  spooled: number;
  /** With a spool: bytes of the spool directory's files (never above its `maxBytes`). */
  spooledBytes: number;
  /** With a spool: why it turned itself off (an fs error; the shipper then went on memory-only). */
  spool?: { failure: string | undefined };
}

/** What `onDrop` receives. Rejected records come one by one with their line and the item error. */
export interface DropEvent {
  reason: DropReason;
  count: number;
  /** The record, for `rejected` and `too_large` (one record per event). */
  line?: string;
  /** The item's HTTP status, for `rejected`. */
  status?: number;
  /** Elasticsearch's item error (`{ type, reason }`), for `rejected`. */
  error?: unknown;
}
