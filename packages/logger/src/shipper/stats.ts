/** Why a record left the buffer without being shipped. */
export type DropReason = 'overflow' | 'expired' | 'rejected' | 'too_large' | 'shutdown';

/**
 * The shipper's accounting. At every instant `produced = shipped + buffered + sum(dropped)`:
 * a record sent and not yet answered is still `buffered`.
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
