// One import-cost cell in a fresh process: RSS and heap after loading one logger (and, for the
// shipper cells, after creating its Elasticsearch destination), against a process that loads none.
// Nothing else is imported here, so the numbers are the library's own.
import { createRequire } from 'node:module';
import { memoryAfterGc, readCellArgs, runChild, sleep } from '../harness/child.js';
import { importByName } from '../harness/import-by-name.js';

export type ImportSubject =
  'node' | 'pino' | 'heapwise' | 'heapwise-shipper' | 'pino-elasticsearch' | 'winston-elasticsearch';

export interface ImportCellArgs {
  subject: ImportSubject;
}

/** A closed port: creating a destination must not need a server; the first request only loads the client. */
const NOWHERE = 'http://127.0.0.1:9';

interface HeapwiseModule {
  createLogger(options: { destination?: { write(line: string): unknown } }): { info(msg: string): void };
  createElasticsearchShipper(options: { node: string; onError?: (error: unknown) => void }): {
    write(line: string): unknown;
    stats(): { failedRequests: number };
    flush(deadlineMs: number): Promise<unknown>;
  };
}

runChild(async () => {
  const { subject } = readCellArgs<ImportCellArgs>();
  const require = createRequire(import.meta.url);
  const devNull = { write: () => undefined };
  // Keep what was created reachable until the measurement.
  const kept: unknown[] = [];
  switch (subject) {
    case 'node':
      break;
    case 'pino': {
      const { pino } = await import('pino');
      kept.push(pino(devNull));
      break;
    }
    case 'heapwise': {
      const module = (await importByName('@heapwise/logger')) as HeapwiseModule;
      kept.push(module.createLogger({ destination: devNull }));
      break;
    }
    case 'heapwise-shipper': {
      const module = (await importByName('@heapwise/logger')) as HeapwiseModule;
      const shipper = module.createElasticsearchShipper({ node: NOWHERE, onError: () => undefined });
      kept.push(module.createLogger({ destination: shipper }), shipper);
      shipper.write('{"msg":"load the client"}\n');
      void shipper.flush(10_000);
      // The client is loaded and built for the first request, which the closed port refuses.
      while (shipper.stats().failedRequests === 0) await sleep(10);
      break;
    }
    case 'pino-elasticsearch': {
      const { pino } = await import('pino');
      const pinoElasticsearch = require('pino-elasticsearch') as (options: object) => NodeJS.WritableStream;
      const stream = pinoElasticsearch({ node: NOWHERE, esVersion: 8 });
      stream.on('error', () => undefined);
      kept.push(pino(stream));
      break;
    }
    case 'winston-elasticsearch': {
      const winston = (await import('winston')).default;
      const { ElasticsearchTransport } = await import('winston-elasticsearch');
      const transport = new ElasticsearchTransport({ clientOpts: { node: NOWHERE }, ensureIndexTemplate: false });
      transport.on('error', () => undefined);
      kept.push(winston.createLogger({ transports: [transport] }));
      break;
    }
  }
  // Let lazy work settle (timers, first connection attempts) before measuring.
  await sleep(500);
  const after = memoryAfterGc();
  return { rssBytes: after.rssBytes, heapUsedBytes: after.heapUsedBytes, kept: kept.length };
});
