// The loopback Elasticsearch for logger cells, in its own process so that its work never runs on the
// event loop or heap of the logger being measured. On a two-core machine its CPU still competes with
// the logger's, which is why @heapwise/testkit keeps its cost per document small. It is testkit's
// server; this file only adds an IPC face and the seq bookkeeping the duplicate check needs.
import { partial429Mode, startBulkServer, type BulkServer, type BulkServerMode } from '@heapwise/testkit';
import type { ServerReply, ServerRequest } from './server-protocol.js';
import { SEQ_PATTERN } from './server-protocol.js';

let server: BulkServer | undefined;
/** Seqs answered 429 once already by the `mix` mode (so each gets exactly one 429). */
const throttledSeqs = new Set<number>();

function seqOf(source: string): number {
  const match = SEQ_PATTERN.exec(source);
  return match ? Number(match[1]) : -1;
}

/**
 * The 429 + permanent-400 mix. testkit's `fail-items` answers one status per mode, so requests
 * alternate between two modes: in "throttle" seq%10 ∈ {1,2} get one 429 each (first sighting) and
 * seq%10 = 0 get 429 too; in "reject" seq%10 = 0 get 400. So 10 % of records can never be accepted
 * (they end in a 400 once they meet the reject mode) and 20 % are accepted only after a retry.
 */
function mixModes(target: BulkServer): { throttle: BulkServerMode; reject: BulkServerMode } {
  const throttle: BulkServerMode = {
    kind: 'fail-items',
    status: 429,
    predicate: (item) => {
      if (item.position === 0) void target.setMode(reject);
      const seq = seqOf(item.source);
      if (seq % 10 === 0) return true;
      if (seq % 10 === 1 || seq % 10 === 2) {
        if (throttledSeqs.has(seq)) return false;
        throttledSeqs.add(seq);
        return true;
      }
      return false;
    },
  };
  const reject: BulkServerMode = {
    kind: 'fail-items',
    status: 400,
    predicate: (item) => {
      if (item.position === 0) void target.setMode(throttle);
      return seqOf(item.source) % 10 === 0;
    },
  };
  return { throttle, reject };
}

async function handle(request: ServerRequest): Promise<ServerReply> {
  switch (request.cmd) {
    case 'start': {
      server = await startBulkServer({ storeSources: request.storeSources, port: request.port ?? 0 });
      return { id: request.id, ok: true, url: server.url, port: server.port };
    }
    case 'mode': {
      if (!server) throw new Error('not started');
      const mode =
        request.mode === 'mix'
          ? mixModes(server).throttle
          : request.mode === 'partial-429'
            ? partial429Mode().mode
            : request.mode === 'unindexed'
              ? ({ kind: 'status', status: 200 } as const)
              : request.mode;
      await server.setMode(mode);
      return { id: request.id, ok: true };
    }
    case 'counters': {
      if (!server) throw new Error('not started');
      const reply: ServerReply = { id: request.id, ok: true, counters: { ...server.counters } };
      if (request.withSeqs) {
        const perSeq = new Map<number, number>();
        for (const doc of server.docs.values()) {
          const seq = seqOf(doc.source);
          perSeq.set(seq, (perSeq.get(seq) ?? 0) + doc.count);
        }
        let duplicates = 0;
        for (const count of perSeq.values()) duplicates += count - 1;
        reply.seqs = { distinct: perSeq.size, duplicates, accepted: [...perSeq.keys()] };
      }
      return reply;
    }
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      return { id: request.id, ok: true, cpuMicros: user + system };
    }
    case 'close': {
      await server?.close();
      return { id: request.id, ok: true };
    }
  }
}

process.on('message', (message: ServerRequest) => {
  handle(message).then(
    (reply) => {
      process.send!(reply);
      if (message.cmd === 'close') process.disconnect();
    },
    (error: unknown) => process.send!({ id: message.id, ok: false, error: String(error) } satisfies ServerReply),
  );
});
// The cell that forked us is gone: leave no orphan behind.
process.on('disconnect', () => {
  void server?.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
});
