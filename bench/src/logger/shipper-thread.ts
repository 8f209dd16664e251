// The heapwise shipper as a pino transport target: pino.transport() loads this module in a worker
// thread (thread-stream) and writes the logger's lines to the stream it returns. It is how pino moves
// a slow destination off the caller's thread; bench:logger's throughput table measures it beside the
// shipper on the caller's thread, with the same defaults.
import { Writable } from 'node:stream';
import { importByName } from '../harness/import-by-name.js';
// Types only (erased): the worker does not load subjects.ts's peers.
import type { HeapwiseLoggerModule } from './subjects.js';

type ShipperOptions = Parameters<HeapwiseLoggerModule['createElasticsearchShipper']>[0];

/** How long the worker's `final` waits for the shipper to deliver what it holds. */
const CLOSE_DEADLINE_MS = 10_000;

export default async function shipperThread(options: ShipperOptions): Promise<Writable> {
  const logger = (await importByName('@heapwise/logger')) as HeapwiseLoggerModule;
  const shipper = logger.createElasticsearchShipper(options);
  return new Writable({
    // thread-stream hands over strings; keep them strings (the shipper encodes each line once).
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, callback) {
      shipper.write(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      callback();
    },
    final(callback) {
      shipper.close(CLOSE_DEADLINE_MS).then(
        () => callback(),
        (error: Error) => callback(error),
      );
    },
  });
}
