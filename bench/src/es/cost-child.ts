// One `bench:es` cell: starts the loopback Elasticsearch process, posts `_bulk` bodies to it one after
// another, and reports the CPU time the server process spent per document (from its own
// `process.cpuUsage()`, so this process's work, building and sending the bodies, is not counted).
import { readCellArgs, runChild } from '../harness/child.js';
import { makeRecord, RECORD_MESSAGE } from '../logger/record.js';
import { startLoopbackElasticsearch } from './server-client.js';
import type { ServerModeName } from './server-protocol.js';

export interface EsCostCellArgs {
  mode: Extract<ServerModeName, 'ok' | 'unindexed'>;
  /** `create` with an `_id` per document (as @heapwise/logger sends), else `index` without one. */
  withIds: boolean;
  /** The `filter_path` query parameter, when the client asks for a filtered answer. */
  filterPath?: string;
  docsPerBody: number;
  warmupBodies: number;
  measuredBodies: number;
}

/** A `_bulk` body of pino-shaped records (~420 bytes each), numbered from `firstSeq`. */
function bulkBody(args: EsCostCellArgs, firstSeq: number): Buffer {
  const lines: string[] = [];
  for (let seq = firstSeq; seq < firstSeq + args.docsPerBody; seq++) {
    const action = args.withIds ? { create: { _index: 'bench', _id: `r${seq}` } } : { index: { _index: 'bench' } };
    const record = { level: 30, time: 1_767_225_600_000 + seq, msg: RECORD_MESSAGE, ...makeRecord(seq) };
    lines.push(JSON.stringify(action), JSON.stringify(record));
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

async function main(): Promise<Record<string, number>> {
  const args = readCellArgs<EsCostCellArgs>();
  const server = await startLoopbackElasticsearch({ storeSources: false });
  try {
    await server.setMode(args.mode);
    const url = `${server.url}/_bulk${args.filterPath === undefined ? '' : `?filter_path=${args.filterPath}`}`;
    // Built before the measurement: only the server's CPU is read, but a quiet client disturbs it less.
    const bodies = Array.from({ length: args.warmupBodies + args.measuredBodies }, (_, i) =>
      bulkBody(args, i * args.docsPerBody),
    );
    let cpuBeforeMicros = 0;
    for (const [i, body] of bodies.entries()) {
      if (i === args.warmupBodies) cpuBeforeMicros = await server.cpuMicros();
      const response = await fetch(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`_bulk answered ${response.status}`);
    }
    const cpuMicros = (await server.cpuMicros()) - cpuBeforeMicros;
    const docs = args.measuredBodies * args.docsPerBody;
    return { serverMicrosPerDoc: cpuMicros / docs, docs };
  } finally {
    await server.close();
  }
}

runChild(main);
