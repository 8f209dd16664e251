// The loggers under test, behind one small interface. Each is configured as its README suggests for
// shipping to Elasticsearch: heapwise with its defaults, pino-elasticsearch tuned to batches of
// about 100 records (its default would hold records for 30 s).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import type { Transform } from 'node:stream';
import winston from 'winston';
import { ElasticsearchTransport } from 'winston-elasticsearch';
import { RECORD_MESSAGE, recordMaker, type RecordKind } from './record.js';
import { importByName } from '../harness/import-by-name.js';

const requireHere = createRequire(import.meta.url);
// CommonJS `module.exports = fn` whose types say `export default`: load it as Node does.
const pinoElasticsearch = requireHere('pino-elasticsearch') as (options: Record<string, unknown>) => Transform;

export type SubjectName =
  | 'heapwise'
  | 'heapwise-c1'
  | 'heapwise-c4'
  | 'heapwise-b100'
  | 'heapwise-logger'
  | 'heapwise-thread'
  | 'pino-shipper'
  | 'pino-devnull'
  | 'pino-elasticsearch'
  | 'winston-elasticsearch'
  | 'floor';

/** Records per `_bulk` request asked of pino-elasticsearch: the same as heapwise's default `maxBatchSize`. */
export const BATCH_RECORDS = 1_000;
/** pino-elasticsearch batches by bytes: 100 records of the bench record, serialised by pino. */
export const PINO_ES_FLUSH_BYTES = BATCH_RECORDS * 420;
/**
 * heapwise with its defaults except `maxConcurrentRequests` (1 and 4, against the default): how the
 * default was chosen, measured in the same run.
 */
export const CONCURRENCY_VARIANTS: Partial<Record<SubjectName, number>> = { 'heapwise-c1': 1, 'heapwise-c4': 4 };
/** heapwise with its defaults except `maxBatchSize: 100` (the default is 1,000): the cost of a request. */
export const BATCH_VARIANTS: Partial<Record<SubjectName, number>> = { 'heapwise-b100': 100 };
/** Index every shipper writes to. */
export const INDEX = 'bench';

export interface SubjectStats {
  /** Records the library itself says it dropped (undefined: it does not say). */
  dropped?: number;
  buffered?: number;
  detail?: string;
}

export interface LoggerSubject {
  log(seq: number): void;
  stats(): SubjectStats;
  /** Pushes what is buffered towards the server; resolves when the library says it is done (or at the deadline). */
  flush(deadlineMs: number): Promise<void>;
  close(deadlineMs: number): Promise<void>;
  /** Errors the library emitted (connection, insert, stream), counted rather than printed. */
  errors: number;
}

function withDeadline(promise: Promise<unknown>, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, deadlineMs);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}

/** Ends `stream` and waits for its `event` (its last one), at most `deadlineMs`. */
function endWithin(
  stream: { once(event: string, listener: () => void): unknown; end(): unknown },
  event: string,
  deadlineMs: number,
): Promise<void> {
  return withDeadline(
    new Promise<void>((resolve) => {
      stream.once(event, resolve);
      stream.end();
    }),
    deadlineMs,
  );
}

/**
 * The subset of @heapwise/logger's public API this bench relies on. The package is imported by a
 * computed specifier below, so these lines are the only types tsc checks the bench against.
 */
interface HeapwiseShipper {
  write(line: string): unknown;
  stats(): {
    produced: number;
    shipped: number;
    buffered: number;
    dropped: Record<string, number>;
    retries: number;
    failedRequests: number;
  };
  flush(deadlineMs: number): Promise<unknown>;
  close(deadlineMs: number): Promise<unknown>;
}
export interface HeapwiseLoggerModule {
  createLogger(options: { destination: { write(line: string): unknown }; level?: string }): {
    info(obj: object, msg: string): void;
  };
  createElasticsearchShipper(options: {
    node: string;
    index: string;
    maxBatchSize?: number;
    [key: string]: unknown;
  }): HeapwiseShipper;
}

export async function createSubject(
  name: SubjectName,
  url: string,
  recordKind: RecordKind = 'access',
): Promise<LoggerSubject> {
  const makeRecord = recordMaker(recordKind);
  switch (name) {
    case 'floor': {
      // Not a logger: the cost of serialising the same record once, the least any JSON logger pays.
      let bytes = 0;
      return {
        errors: 0,
        log(seq) {
          bytes += JSON.stringify({ level: 30, time: Date.now(), msg: RECORD_MESSAGE, ...makeRecord(seq) }).length;
        },
        stats: () => ({ detail: `bytes ${bytes}` }),
        flush: () => Promise.resolve(),
        close: () => Promise.resolve(),
      };
    }
    case 'pino-devnull': {
      const destination = pino.destination({ dest: '/dev/null', sync: false, minLength: 4096 });
      const logger = pino(destination);
      return {
        errors: 0,
        log: (seq) => logger.info(makeRecord(seq), RECORD_MESSAGE),
        stats: () => ({}),
        flush: () => new Promise<void>((resolve) => destination.flush(() => resolve())),
        close: () => Promise.resolve(destination.end()),
      };
    }
    case 'heapwise-logger': {
      // heapwise's logger (pino + redaction + safe log calls) without a shipper: the caller's cost
      // that is the logger's, not the shipper's.
      const module = (await importByName('@heapwise/logger')) as HeapwiseLoggerModule;
      let bytes = 0;
      const logger = module.createLogger({ destination: { write: (line: string) => void (bytes += line.length) } });
      return {
        errors: 0,
        log: (seq) => logger.info(makeRecord(seq), RECORD_MESSAGE),
        stats: () => ({ detail: `bytes ${bytes}` }),
        flush: () => Promise.resolve(),
        close: () => Promise.resolve(),
      };
    }
    case 'heapwise':
    case 'heapwise-c1':
    case 'heapwise-c4':
    case 'heapwise-b100':
    case 'pino-shipper': {
      const module = (await importByName('@heapwise/logger')) as HeapwiseLoggerModule;
      // The shipper loads the Elasticsearch client on creation, asynchronously; load it here first so
      // that, as with the peers (which build their clients at once), it is in place before a cell's
      // baseline.
      await importByName('@elastic/elasticsearch');
      const shipper = module.createElasticsearchShipper({
        node: url,
        index: INDEX,
        ...(CONCURRENCY_VARIANTS[name] === undefined ? {} : { maxConcurrentRequests: CONCURRENCY_VARIANTS[name] }),
        ...(BATCH_VARIANTS[name] === undefined ? {} : { maxBatchSize: BATCH_VARIANTS[name] }),
      });
      // pino-shipper: plain pino into the shipper, so the shipper's caller cost shows without redaction.
      const logger = name === 'pino-shipper' ? pino({}, shipper) : module.createLogger({ destination: shipper });
      return {
        errors: 0,
        log: (seq) => logger.info(makeRecord(seq), RECORD_MESSAGE),
        stats() {
          const s = shipper.stats();
          const dropped = Object.values(s.dropped).reduce((a, b) => a + b, 0);
          const reasons = Object.entries(s.dropped)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ');
          return { dropped, buffered: s.buffered, detail: reasons === '' ? 'no drops' : `drops: ${reasons}` };
        },
        flush: (deadlineMs) => withDeadline(shipper.flush(deadlineMs), deadlineMs + 500),
        close: (deadlineMs) => withDeadline(shipper.close(deadlineMs), deadlineMs + 500),
      };
    }
    case 'heapwise-thread': {
      // The shipper in pino's own kind of worker-thread transport (see shipper-thread.ts), under the
      // heapwise logger: the caller's thread serializes, redacts and hands the line over.
      const module = (await importByName('@heapwise/logger')) as HeapwiseLoggerModule;
      const transport = pino.transport({
        target: fileURLToPath(new URL('./shipper-thread.js', import.meta.url)),
        options: { node: url, index: INDEX },
      });
      await new Promise((resolve) => transport.once('ready', resolve));
      const logger = module.createLogger({ destination: transport });
      const subject: LoggerSubject = {
        errors: 0,
        log: (seq) => logger.info(makeRecord(seq), RECORD_MESSAGE),
        // The shipper's stats live in the worker: delivery is read from the server.
        stats: () => ({}),
        flush: (deadlineMs) =>
          withDeadline(new Promise<void>((resolve) => transport.flush(() => resolve())), deadlineMs),
        close: (deadlineMs) => endWithin(transport, 'close', deadlineMs),
      };
      transport.on('error', () => subject.errors++);
      return subject;
    }
    case 'pino-elasticsearch': {
      const stream = pinoElasticsearch({
        node: url,
        index: INDEX,
        esVersion: 8,
        flushBytes: PINO_ES_FLUSH_BYTES,
        flushInterval: 1000,
      });
      const subject: LoggerSubject = {
        errors: 0,
        log: (seq) => logger.info(makeRecord(seq), RECORD_MESSAGE),
        stats: () => ({}),
        flush: () => Promise.resolve(),
        close: (deadlineMs) => withDeadline(new Promise((resolve) => stream.end(resolve)), deadlineMs),
      };
      for (const event of ['error', 'insertError', 'unknown']) stream.on(event, () => subject.errors++);
      const logger = pino(stream);
      return subject;
    }
    case 'winston-elasticsearch': {
      // winston-elasticsearch polls `GET /_cluster/health` before shipping; the loopback server
      // serves `/` and `_bulk` only, so the health check is mapped to `GET /` (which fails exactly
      // when the server is down or hung, as the real health check would).
      const require = createRequire(requireHere.resolve('winston-elasticsearch'));
      const { Client } = require('@elastic/elasticsearch') as { Client: new (options: { node: string }) => EsClient8 };
      const client = new Client({ node: url });
      client.cluster.health = () => client.info();
      // winston-elasticsearch 0.19 writes its retry counter beside the action
      // (`{"index":{…},"attempts":0}`); the loopback server, like Elasticsearch's strict bulk
      // parser, rejects an action line with a second key (400 for the whole request). Strip it on
      // the way out so the peer is measured shipping rather than failing; its retry logic still
      // reads the counter from its own copy of the body.
      const bulk = client.bulk.bind(client);
      client.bulk = (params, options) =>
        bulk({ ...params, body: params.body.map((line, i) => (i % 2 === 0 ? stripToAction(line) : line)) }, options);
      const subject: LoggerSubject = {
        errors: 0,
        log: (seq) => logger.info(RECORD_MESSAGE, makeRecord(seq)),
        stats: () => ({}),
        flush: (deadlineMs) => withDeadline(transport.flush(), deadlineMs),
        close: (deadlineMs) => endWithin(logger, 'finish', deadlineMs),
      };
      const transport = new ElasticsearchTransport({
        client: client as never,
        index: INDEX,
        ensureIndexTemplate: false,
        // Not in the typings, but read by the constructor: count instead of printing to stderr.
        ...({ internalLogger: () => void subject.errors++ } as object),
      });
      transport.on('error', () => subject.errors++);
      transport.on('warning', () => undefined);
      const logger = winston.createLogger({ level: 'info', transports: [transport] });
      logger.on('error', () => subject.errors++);
      return subject;
    }
  }
}

interface EsClient8 {
  cluster: { health: (...args: unknown[]) => Promise<unknown> };
  info(): Promise<unknown>;
  bulk(params: { body: Record<string, unknown>[]; [key: string]: unknown }, options?: unknown): Promise<unknown>;
}

function stripToAction(line: Record<string, unknown>): Record<string, unknown> {
  for (const key of ['index', 'create']) if (key in line) return { [key]: line[key] };
  return line;
}
