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
  /** Records read back from a disk spool an earlier process left (they join `produced` on the left of the identity). */
  recovered: number;
  /** With a spool: records on disk not yet acknowledged, and the directory's bytes; 0 without. */
  spooled: number;
  spooledBytes: number;
  /** With a spool: its own drops (`overflow`: deleted or refused on disk; `corrupt`: bad frames) and why it turned off, if it did. */
  spool?: { overflow: number; corrupt: number; failure: string | undefined };
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
