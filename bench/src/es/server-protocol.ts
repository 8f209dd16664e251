// Messages between a logger cell and its loopback Elasticsearch process.

/** Every benchmark record carries `"seq":N`; the server finds it without parsing the whole line. */
export const SEQ_PATTERN = /"seq":(\d+)/;

/**
 * How the server answers. `unindexed` reads each body and answers 200 without indexing it: the HTTP
 * cost alone, which `bench:es` sets beside the indexing server's.
 */
export type ServerModeName = 'ok' | 'refuse' | 'stall' | 'mix' | 'partial-429' | 'unindexed';

export type ServerRequest =
  | { id: number; cmd: 'start'; storeSources: boolean; port?: number }
  | { id: number; cmd: 'mode'; mode: ServerModeName }
  | { id: number; cmd: 'counters'; withSeqs?: boolean }
  | { id: number; cmd: 'cpu' }
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
  /** CPU time the server process has used so far (user + system), from `process.cpuUsage()`. */
  cpuMicros?: number;
  /** Per-seq view of the stored docs (only with `storeSources`). */
  seqs?: { distinct: number; duplicates: number; accepted: number[] };
}
