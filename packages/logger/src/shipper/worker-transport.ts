import { Worker } from 'node:worker_threads';
import type { BulkAnswer } from './bulk-response.js';
import type { ClientOptions } from './options.js';
import type { BulkTransport } from './transport.js';
import { requestError, type FromWorker, type ToWorker, type WorkerSetup } from './worker-protocol.js';

/**
 * The request thread's script. Tests run this package's TypeScript sources, which a worker thread
 * cannot load: from a `.ts` module, the built file is used (the test task depends on the build).
 */
const WORKER_URL = new URL(
  import.meta.url.endsWith('.ts') ? '../../dist/shipper/bulk-worker.js' : './bulk-worker.js',
  import.meta.url,
);

interface Pending {
  resolve: (answer: BulkAnswer | undefined) => void;
  reject: (error: Error) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

/** True when `settings` can be copied to another thread (no functions, classes or native handles). */
export function canCrossThreads(settings: ClientOptions): boolean {
  try {
    structuredClone(settings);
    return true;
  } catch {
    return false;
  }
}

/**
 * `_bulk` requests on a request thread of their own (see bulk-worker.ts). The thread starts with the
 * transport, is unref'd (it never keeps a process alive) and ends with `close()`. If it dies, the
 * requests it held fail (and are retried by the shipper) and the next request starts a new one.
 */
export class WorkerTransport implements BulkTransport {
  readonly #setup: WorkerSetup;
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;
  #closing: Promise<void> | undefined;

  readonly #workerUrl: URL;

  /** `workerUrl`: the thread's script (tests give one that fails on purpose). */
  constructor(settings: ClientOptions, workerUrl: URL = WORKER_URL) {
    this.#setup = { settings };
    this.#workerUrl = workerUrl;
    this.#worker = this.#start();
  }

  bulk(body: Buffer, timeoutMs: number, signal: AbortSignal): Promise<BulkAnswer | undefined> {
    if (this.#closing !== undefined || signal.aborted) return Promise.reject(abortedError());
    const worker = (this.#worker ??= this.#start());
    const id = this.#nextId++;
    // The body moves to the request thread without a copy when it owns its memory (buildBulkBody's do).
    const whole = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength;
    const buffer = whole
      ? (body.buffer as ArrayBuffer)
      : body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.#pending.delete(id)) return;
        this.#post(worker, { type: 'abort', id });
        reject(abortedError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, { resolve, reject, signal, onAbort });
      this.#post(worker, { type: 'bulk', id, body: buffer as ArrayBuffer, timeoutMs }, [buffer as ArrayBuffer]);
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  async #stop(): Promise<void> {
    this.#failAll(abortedError());
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker) await worker.terminate();
  }

  #start(): Worker {
    // No flags of the process (an eval's --input-type, a loader of the application's): the thread
    // loads only this package's built code and the Elasticsearch client.
    const worker = new Worker(this.#workerUrl, { workerData: this.#setup, execArgv: [] });
    worker.unref();
    worker.on('message', (message: FromWorker) => this.#answer(message));
    // A thread that dies takes its requests with it: they fail as a lost connection would.
    const died = (reason: string): void => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#failAll(requestError({ name: 'ConnectionError', message: reason, statusCode: undefined }));
    };
    worker.on('error', (error) => died(`the shipper's request thread failed: ${error.message}`));
    worker.on('exit', (code) => died(`the shipper's request thread exited (code ${code})`));
    return worker;
  }

  #post(worker: Worker, message: ToWorker, transfer: ArrayBuffer[] = []): void {
    worker.postMessage(message, transfer);
  }

  #answer(message: FromWorker): void {
    const pending = this.#pending.get(message.id);
    if (pending === undefined) return; // aborted meanwhile
    this.#pending.delete(message.id);
    pending.signal.removeEventListener('abort', pending.onAbort);
    if ('error' in message) pending.reject(requestError(message.error));
    else if ('noItems' in message) pending.resolve(undefined);
    else pending.resolve({ statuses: message.statuses, errors: message.errors });
  }

  #failAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const request of pending) {
      request.signal.removeEventListener('abort', request.onAbort);
      request.reject(error);
    }
  }
}

/** What the client throws for an aborted request (the shipper classifies it by name). */
function abortedError(): Error {
  return requestError({ name: 'RequestAbortedError', message: 'Request aborted', statusCode: undefined });
}
