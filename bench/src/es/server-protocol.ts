// Messages between a logger cell and its loopback Elasticsearch process.

/** Every benchmark record carries `"seq":N`; the server finds it without parsing the whole line. */
export const SEQ_PATTERN = /"seq":(\d+)/;

export type ServerModeName = 'ok' | 'refuse' | 'stall' | 'mix' | 'partial-429';

export type ServerRequest =
  | { id: number; cmd: 'start'; storeSources: boolean; port?: number }
  | { id: number; cmd: 'mode'; mode: ServerModeName }
  | { id: number; cmd: 'counters'; withSeqs?: boolean }
  | { id: number; cmd: 'close' };

export interface ServerCounters {
  requests: number;
  bulkRequests: number;
  items: number;
  accepted: number;
  failedItems: number;
  duplicates: number;
}

export interface ServerReply {
  id: number;
  ok: boolean;
  error?: string;
  url?: string;
  port?: number;
  counters?: ServerCounters;
  /** Per-seq view of the stored docs (only with `storeSources`). */
  seqs?: { distinct: number; duplicates: number; accepted: number[] };
}
