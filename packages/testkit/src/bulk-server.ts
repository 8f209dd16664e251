import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { normalizeMode, type BulkItemInfo, type BulkServerMode, type BulkServerModeName } from './bulk-modes.js';
import { generateDocumentId, requestErrorBody } from './bulk-protocol.js';
import {
  answerOther,
  answerStatus,
  answerWithoutIndexing,
  indexBulk,
  routeRequest,
  type Answer,
  type IndexingState,
  type StoredDoc,
} from './bulk-answer.js';
import { mulberry32 } from './random.js';

export type { StoredDoc } from './bulk-answer.js';

type IndexingMode = Extract<BulkServerMode, { kind: 'ok' | 'fail-items' | 'lost-response' }>;

/** Defaults of every limit of the loopback server, in one place. */
export const BULK_SERVER_DEFAULTS = {
  /** Loopback only: nothing else is reachable in tests. */
  host: '127.0.0.1',
  /** 0 picks a free port; read it back from `server.port`. */
  port: 0,
  /** Elasticsearch's `http.max_content_length` default (100 MB): larger bodies get 413. */
  maxRequestBytes: 100 * 1024 * 1024,
  /** How many recent requests `server.requests` keeps (older ones are forgotten, counters stay exact). */
  maxRecordedRequests: 1000,
  /** Seed of the generator behind `fail-items` fractions, so a run repeats. */
  seed: 1,
  /** Keep each document's source line in `docs`. Turn off for benchmarks with millions of docs. */
  storeSources: true,
  /** Default timeout of `waitFor`. */
  waitTimeoutMs: 10_000,
} as const;

export interface BulkServerOptions {
  host?: string;
  port?: number;
  mode?: BulkServerMode | BulkServerModeName;
  maxRequestBytes?: number;
  maxRecordedRequests?: number;
  seed?: number;
  storeSources?: boolean;
  clusterName?: string;
}

/** One HTTP request as the server saw it (the last `maxRecordedRequests` are kept). */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Bytes of the body as read (gunzipped when it came gzipped). */
  readonly bytes: number;
  /** Items in a `_bulk` body (0 for other requests or unparsable bodies). */
  readonly items: number;
  /** The mode that answered it. */
  readonly mode: BulkServerMode['kind'];
  /** The status sent, or undefined when the request was stalled or the socket destroyed. */
  readonly status: number | undefined;
}

export interface BulkServerCounters {
  /** HTTP requests received (all paths). */
  requests: number;
  /** `_bulk` requests received. */
  bulkRequests: number;
  /** Items received in `_bulk` bodies that were parsed. */
  items: number;
  /** Items answered 200/201. */
  accepted: number;
  /** Items answered with an error status (including 409 conflicts). */
  failedItems: number;
  /** `create` items whose `_id` already existed (409, nothing stored). */
  conflicts: number;
  /** `_bulk` requests received and not yet answered (or their connection closed) right now. */
  inFlight: number;
  /** The most `_bulk` requests that were in flight at once: a client's concurrency bound, observed. */
  maxInFlight: number;
  /** Accepted items whose `_id` was already stored: each one is a duplicate delivery. */
  duplicates: number;
  /** Connections destroyed by the `refuse`/`reset` modes. */
  destroyedSockets: number;
}

export interface BulkServer {
  /** `http://127.0.0.1:<port>`: pass it as the client's `node`. */
  readonly url: string;
  readonly port: number;
  /** Documents by `_id`. */
  readonly docs: ReadonlyMap<string, StoredDoc>;
  /** The most recent requests, oldest first (bounded by `maxRecordedRequests`). */
  readonly requests: readonly RecordedRequest[];
  readonly counters: Readonly<BulkServerCounters>;
  readonly mode: BulkServerMode;
  /** Changes how the next requests are answered. Resolves once listening/refusing is in effect. */
  setMode(mode: BulkServerMode | BulkServerModeName): Promise<void>;
  /** Ids delivered more than once. */
  duplicateIds(): string[];
  /** Source lines of all stored docs (empty strings when `storeSources` is off). */
  sources(): string[];
  /** Resolves once `condition()` holds after some request, rejects after `timeoutMs`. */
  waitFor(condition: () => boolean, timeoutMs?: number): Promise<void>;
  /** Forgets documents, recorded requests and counters (the mode stays). */
  reset(): void;
  /** Stops listening and destroys every socket, stalled ones included. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a loopback server that speaks Elasticsearch's `_bulk` API (NDJSON in; `took`, `errors`
 * and per-item `status` out; `x-elastic-product: Elasticsearch` on every response, which the
 * official client checks) and can be told to fail in the ways a real cluster does.
 */
export async function startBulkServer(options: BulkServerOptions = {}): Promise<BulkServer> {
  const host = options.host ?? BULK_SERVER_DEFAULTS.host;
  const maxRequestBytes = options.maxRequestBytes ?? BULK_SERVER_DEFAULTS.maxRequestBytes;
  const maxRecordedRequests = options.maxRecordedRequests ?? BULK_SERVER_DEFAULTS.maxRecordedRequests;
  const storeSources = options.storeSources ?? BULK_SERVER_DEFAULTS.storeSources;
  const clusterName = options.clusterName ?? 'testkit';
  const random = mulberry32(options.seed ?? BULK_SERVER_DEFAULTS.seed);

  let mode: BulkServerMode = { kind: 'ok' };
  const docs = new Map<string, StoredDoc>();
  let requests: RecordedRequest[] = [];
  const counters: BulkServerCounters = emptyCounters();
  const sockets = new Set<Socket>();
  const waiters = new Set<() => void>();
  let listening = false;
  let closed = false;
  let closePromise: Promise<void> | undefined;
  // setMode calls run one after another: refuse/listen transitions must not interleave.
  let modeChain: Promise<void> = Promise.resolve();
  const indexing: IndexingState = { docs, counters, storeSources, shouldFail, newId: generateDocumentId };

  const server: Server = createServer({ keepAliveTimeout: 5_000 });
  server.on('connection', (socket: Socket) => {
    if (mode.kind === 'reset' || mode.kind === 'refuse' || closed) {
      counters.destroyedSockets++;
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, requestErrorBody(500, 'testkit internal error'));
      }
    });
  });
  // A client that vanishes mid-request must not crash the test process.
  server.on('clientError', (_error, socket: Socket) => socket.destroy());

  function record(entry: RecordedRequest): void {
    requests.push(entry);
    if (requests.length > maxRecordedRequests) requests = requests.slice(-maxRecordedRequests);
  }

  function notify(): void {
    for (const waiter of [...waiters]) waiter();
  }

  function sendJson(res: ServerResponse, status: number, body: string, vendor = false): void {
    // Encoded once: the length and the write need the same bytes.
    const bytes = Buffer.from(body);
    res.writeHead(status, {
      'content-type': vendor ? 'application/vnd.elasticsearch+json;compatible-with=9' : 'application/json',
      'content-length': bytes.length,
    });
    res.end(bytes);
  }

  /** Reads the request, asks the pure parts (bulk-answer.ts) what to answer, sends it, records it once. */
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    counters.requests++;
    res.setHeader('x-elastic-product', 'Elasticsearch');
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const vendor = String(req.headers['accept'] ?? '').includes('vnd.elasticsearch');
    const route = routeRequest(method, path);
    if (route.kind !== 'bulk') {
      req.resume();
      const answer = answerOther(route, method, path, clusterName);
      send(req, res, answer, vendor);
      finish({ method, path, bytes: 0, items: 0, mode: mode.kind, status: answerStatus(answer) });
      return;
    }
    counters.bulkRequests++;
    counters.inFlight++;
    counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
    res.once('close', () => counters.inFlight--);
    const body = await readBody(req, maxRequestBytes);
    const current = mode;
    let bytes = maxRequestBytes;
    let items = 0;
    let answer: Answer | undefined;
    if (body === undefined) {
      // Elasticsearch answers 413 with an empty body and closes the connection.
      answer = { kind: 'empty', status: 413 };
    } else {
      bytes = body.length;
      answer = answerWithoutIndexing(current);
      if (answer === undefined) {
        if (current.kind === 'ok' && current.delayMs) {
          await new Promise((resolve) => setTimeout(resolve, current.delayMs));
          if (closed || res.destroyed) return;
        }
        const indexed = indexBulk(body, route, current as IndexingMode, indexing, Date.now(), Date.now);
        answer = indexed.answer;
        items = indexed.items;
      }
    }
    send(req, res, answer, vendor);
    finish({ method, path, bytes, items, mode: current.kind, status: answerStatus(answer) });
  }

  function send(req: IncomingMessage, res: ServerResponse, answer: Answer, vendor: boolean): void {
    switch (answer.kind) {
      case 'stall':
        // Never answer; close() destroys the socket.
        return;
      case 'destroy':
        counters.destroyedSockets++;
        req.socket.destroy();
        return;
      case 'empty':
        res.writeHead(answer.status, { 'content-length': 0, connection: 'close' });
        res.end();
        return;
      case 'raw':
        res.writeHead(answer.status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(answer.body),
        });
        res.end(answer.body === '' ? undefined : answer.body);
        return;
      case 'json':
        sendJson(res, answer.status, answer.body, vendor);
        return;
    }
  }

  function finish(entry: RecordedRequest): void {
    record(entry);
    notify();
  }

  /** A `fail-items` item fails when its predicate says so, else with the seeded `fraction`. */
  function shouldFail(current: Extract<BulkServerMode, { kind: 'fail-items' }>, info: BulkItemInfo): boolean {
    if (current.predicate) return current.predicate(info);
    const fraction = current.fraction ?? 1;
    return random() < fraction;
  }

  function listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      server.once('error', onError);
      server.listen(currentPort, host, () => {
        server.off('error', onError);
        listening = true;
        const address = server.address();
        if (address && typeof address === 'object') currentPort = address.port;
        resolve();
      });
    });
  }

  function stopListening(): Promise<void> {
    destroySockets();
    if (!listening) return Promise.resolve();
    listening = false;
    return new Promise((resolve) => server.close(() => resolve()));
  }

  function destroySockets(): void {
    for (const socket of sockets) {
      counters.destroyedSockets++;
      socket.destroy();
    }
    sockets.clear();
  }

  let currentPort = options.port ?? BULK_SERVER_DEFAULTS.port;
  await listen();

  async function applyMode(next: BulkServerMode): Promise<void> {
    if (closed) return;
    mode = next;
    if (next.kind === 'refuse') {
      await stopListening();
    } else {
      if (next.kind === 'reset') destroySockets();
      if (!listening) await listen();
    }
  }

  if (options.mode !== undefined) await applyMode(normalizeMode(options.mode));

  const bulkServer: BulkServer = {
    get url() {
      return `http://${host.includes(':') ? `[${host}]` : host}:${currentPort}`;
    },
    get port() {
      return currentPort;
    },
    docs,
    get requests() {
      return requests;
    },
    counters,
    get mode() {
      return mode;
    },
    setMode(next) {
      modeChain = modeChain.then(() => applyMode(normalizeMode(next)));
      return modeChain;
    },
    duplicateIds() {
      const ids: string[] = [];
      for (const doc of docs.values()) if (doc.count > 1) ids.push(doc.id);
      return ids;
    },
    sources() {
      return Array.from(docs.values(), (doc) => doc.source);
    },
    waitFor(condition, timeoutMs = BULK_SERVER_DEFAULTS.waitTimeoutMs) {
      if (condition()) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!condition()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`testkit waitFor: condition not met within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    reset() {
      docs.clear();
      requests = [];
      // Requests still in flight stay counted: their answers are still to come.
      Object.assign(counters, { ...emptyCounters(), inFlight: counters.inFlight });
    },
    close() {
      if (closePromise) return closePromise;
      closePromise = modeChain.then(async () => {
        closed = true;
        await stopListening();
        server.closeAllConnections();
      });
      return closePromise;
    },
  };
  return bulkServer;
}

function emptyCounters(): BulkServerCounters {
  return {
    requests: 0,
    bulkRequests: 0,
    items: 0,
    accepted: 0,
    failedItems: 0,
    conflicts: 0,
    inFlight: 0,
    maxInFlight: 0,
    duplicates: 0,
    destroyedSockets: 0,
  };
}

/** Reads a request body's bytes (gunzipped when asked); undefined once they exceed `maxBytes`. */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | undefined> {
  const encoding = String(req.headers['content-encoding'] ?? '');
  const stream: Readable = encoding === 'gzip' ? req.pipe(createGunzip()) : req;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let done = false;
    stream.on('data', (chunk: Buffer) => {
      if (done) return;
      total += chunk.length;
      if (total > maxBytes) {
        done = true;
        chunks.length = 0;
        // Keep draining so the response can be written, but hold nothing.
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total));
    });
    stream.on('error', (error) => {
      if (done) return;
      done = true;
      reject(error);
    });
  });
}
