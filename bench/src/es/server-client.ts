// The cell's handle on its loopback Elasticsearch process.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ServerCounters, ServerModeName, ServerReply, ServerRequest } from './server-protocol.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export interface LoopbackElasticsearch {
  url: string;
  port: number;
  setMode(mode: ServerModeName): Promise<void>;
  counters(): Promise<ServerCounters>;
  seqs(): Promise<NonNullable<ServerReply['seqs']>>;
  /** CPU time the server process has used so far, in µs (user + system). */
  cpuMicros(): Promise<number>;
  /** Closes the server and waits for its process to exit (so its CPU is counted to this cell). */
  close(): Promise<void>;
}

export async function startLoopbackElasticsearch(options: {
  storeSources: boolean;
  port?: number;
}): Promise<LoopbackElasticsearch> {
  const child = fork(fileURLToPath(new URL('./server-process.js', import.meta.url)), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, NODE_OPTIONS: '' },
    execArgv: [],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let nextId = 1;
  const pending = new Map<number, (reply: ServerReply) => void>();
  child.on('message', (reply: ServerReply) => {
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  function call(request: DistributiveOmit<ServerRequest, 'id'>): Promise<ServerReply> {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, (reply) => (reply.ok ? resolve(reply) : reject(new Error(reply.error))));
      child.send({ ...request, id });
    });
  }
  const started = await call({
    cmd: 'start',
    storeSources: options.storeSources,
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return {
    url: started.url!,
    port: started.port!,
    async setMode(mode) {
      await call({ cmd: 'mode', mode });
    },
    async counters() {
      return (await call({ cmd: 'counters' })).counters!;
    },
    async seqs() {
      return (await call({ cmd: 'counters', withSeqs: true })).seqs!;
    },
    async cpuMicros() {
      return (await call({ cmd: 'cpu' })).cpuMicros!;
    },
    async close() {
      if (child.exitCode !== null) return;
      await call({ cmd: 'close' }).catch(() => undefined);
      await exited;
    },
  };
}
