// The request thread of a shipper: builds the Elasticsearch client and runs the `_bulk` requests the
// logging thread hands it, so that the HTTP work (writing the body to the socket, reading and
// parsing the answer, the client's per-request layers) does not take the logging thread's time.
// Nothing is buffered here: the shipper keeps every record and its accounting, and a request's
// records stay `buffered` there until this thread's reply is applied.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadClient, sendBulk } from './transport.js';
import { describeRequestError, type FromWorker, type ToWorker, type WorkerSetup } from './worker-protocol.js';

if (parentPort === null) throw new Error('bulk-worker.js runs as a worker thread of the Elasticsearch shipper');
const port: MessagePort = parentPort;
const { settings } = workerData as WorkerSetup;
const client = loadClient(settings);
// A failed load reaches every request as its error; this only keeps it from being unhandled.
client.catch(() => undefined);
/** Requests in flight (at most the shipper's maxConcurrentRequests). */
const inFlight = new Map<number, AbortController>();

port.on('message', (message: ToWorker) => {
  if (message.type === 'abort') inFlight.get(message.id)?.abort();
  else void send(message.id, Buffer.from(message.body), message.timeoutMs);
});

async function send(id: number, body: Buffer, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  inFlight.set(id, controller);
  let reply: FromWorker;
  try {
    const answer = await sendBulk(await client, body, timeoutMs, controller.signal);
    reply = answer === undefined ? { id, noItems: true } : { id, statuses: answer.statuses, errors: answer.errors };
  } catch (error) {
    reply = { id, error: describeRequestError(error) };
  } finally {
    inFlight.delete(id);
  }
  port.postMessage(reply, 'statuses' in reply ? [reply.statuses.buffer as ArrayBuffer] : []);
}
