import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { partial429Mode, startBulkServer, type BulkServer } from '../src/index.js';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request on a fresh connection (agent: false), so no pooled socket outlives the test. */
function send(url: string, method: string, path: string, body?: string, timeoutMs = 5_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${path}`,
      { method, agent: false, headers: { 'content-type': 'application/x-ndjson' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error('client timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** An Elasticsearch answer, as these tests read it. */
interface EsAnswer {
  took?: number;
  errors?: boolean;
  items: Record<
    string,
    { _index: string; _id: string; _version?: number; result?: string; status: number; error?: { type: string } }
  >[];
  error?: { type: string; reason: string };
  version?: { number: string };
}

function json(text: string): EsAnswer {
  return JSON.parse(text) as EsAnswer;
}

function ndjson(...lines: unknown[]): string {
  return lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
}

async function withServer(fn: (server: BulkServer) => Promise<void>, options = {}): Promise<void> {
  const server = await startBulkServer(options);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((name) => name.startsWith('TCP')).length;
}

/** Handle counts drop a moment after close (libuv closes them on the next loop turns). */
async function settledTcpHandles(): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, 50));
  return tcpHandles();
}

describe('startBulkServer', () => {
  it('listens on 127.0.0.1 with a free port and answers _bulk like Elasticsearch', async () => {
    await withServer(async (server) => {
      expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
      expect(server.port).toBeGreaterThan(0);
      const reply = await send(
        server.url,
        'POST',
        '/_bulk',
        ndjson({ index: { _index: 'logs', _id: 'a' } }, { msg: 'one' }, { create: { _index: 'logs' } }, { msg: 'two' }),
      );
      expect(reply.status).toBe(200);
      expect(reply.headers['x-elastic-product']).toBe('Elasticsearch');
      const parsed = json(reply.body);
      expect(parsed.errors).toBe(false);
      expect(typeof parsed.took).toBe('number');
      expect(parsed.items).toHaveLength(2);
      expect(parsed.items[0].index).toMatchObject({ _index: 'logs', _id: 'a', status: 201, result: 'created' });
      expect(parsed.items[1].create.status).toBe(201);
      const assignedId = parsed.items[1].create._id;
      expect(assignedId).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(server.docs.size).toBe(2);
      expect(server.docs.get('a')?.source).toBe('{"msg":"one"}');
      expect(server.docs.get(assignedId)?.count).toBe(1);
      expect(server.counters).toMatchObject({ bulkRequests: 1, items: 2, accepted: 2, duplicates: 0 });
    });
  });

  it('uses the index from the path, counts duplicate deliveries, answers 409 to create on an existing id', async () => {
    await withServer(async (server) => {
      await send(server.url, 'POST', '/app-logs/_bulk', ndjson({ index: { _id: 'x' } }, { n: 1 }));
      const again = json(
        (await send(server.url, 'PUT', '/app-logs/_bulk', ndjson({ index: { _id: 'x' } }, { n: 2 }))).body,
      );
      expect(again.items[0].index).toMatchObject({ _index: 'app-logs', status: 200, result: 'updated', _version: 2 });
      const conflict = json(
        (await send(server.url, 'POST', '/_bulk', ndjson({ create: { _index: 'app-logs', _id: 'x' } }, { n: 3 }))).body,
      );
      expect(conflict.errors).toBe(true);
      expect(conflict.items[0].create.status).toBe(409);
      expect(conflict.items[0]?.create?.error?.type).toBe('version_conflict_engine_exception');
      expect(server.duplicateIds()).toEqual(['x']);
      expect(server.docs.get('x')).toMatchObject({ count: 2, index: 'app-logs', source: '{"n":2}' });
      expect(server.counters).toMatchObject({ duplicates: 1, conflicts: 1 });
    });
  });

  it('answers GET / and HEAD / with an Elasticsearch 9 info body, 404 elsewhere, with the product header', async () => {
    await withServer(async (server) => {
      const info = await send(server.url, 'GET', '/');
      expect(info.status).toBe(200);
      expect(json(info.body).version?.number).toMatch(/^9\./);
      expect(info.headers['x-elastic-product']).toBe('Elasticsearch');
      const head = await send(server.url, 'HEAD', '/');
      expect(head.status).toBe(200);
      expect(head.headers['x-elastic-product']).toBe('Elasticsearch');
      const missing = await send(server.url, 'GET', '/_cat/indices');
      expect(missing.status).toBe(404);
      expect(missing.headers['x-elastic-product']).toBe('Elasticsearch');
    });
  });

  it('rejects a malformed body with 400 and a body above maxRequestBytes with 413', async () => {
    await withServer(
      async (server) => {
        const malformed = await send(server.url, 'POST', '/_bulk', 'not json\n{}\n');
        expect(malformed.status).toBe(400);
        const big = ndjson({ index: { _index: 'l' } }, { pad: 'x'.repeat(2_000) });
        const tooLarge = await send(server.url, 'POST', '/_bulk', big);
        expect(tooLarge.status).toBe(413);
        expect(server.docs.size).toBe(0);
      },
      { maxRequestBytes: 1_000 },
    );
  });

  it('answers whole-request statuses, 413 and garbage when told to', async () => {
    await withServer(async (server) => {
      const body = ndjson({ index: { _index: 'l' } }, { a: 1 });
      await server.setMode({ kind: 'status', status: 429 });
      const throttled = await send(server.url, 'POST', '/_bulk', body);
      expect(throttled.status).toBe(429);
      expect(json(throttled.body).error?.type).toBe('es_rejected_execution_exception');
      await server.setMode({ kind: 'status', status: 503 });
      expect((await send(server.url, 'POST', '/_bulk', body)).status).toBe(503);
      await server.setMode('too-large');
      const tooLarge = await send(server.url, 'POST', '/_bulk', body);
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.body).toBe('');
      await server.setMode('garbage');
      const garbage = await send(server.url, 'POST', '/_bulk', body);
      expect(garbage.status).toBe(200);
      expect(garbage.headers['content-type']).toContain('application/json');
      expect(() => json(garbage.body)).toThrow();
      expect(server.docs.size).toBe(0);
      await server.setMode('ok');
      expect((await send(server.url, 'POST', '/_bulk', body)).status).toBe(200);
      expect(server.docs.size).toBe(1);
    });
  });

  it('fails chosen items by predicate, and by a seeded fraction that repeats with its seed', async () => {
    await withServer(async (server) => {
      await server.setMode({ kind: 'fail-items', status: 400, predicate: (item) => item.source.includes('"bad"') });
      const reply = json(
        (
          await send(
            server.url,
            'POST',
            '/_bulk',
            ndjson(
              { index: { _index: 'l', _id: '1' } },
              { v: 'good' },
              { index: { _index: 'l', _id: '2' } },
              { v: 'bad' },
            ),
          )
        ).body,
      );
      expect(reply.errors).toBe(true);
      expect(reply.items.map((item) => item.index?.status)).toEqual([201, 400]);
      expect(reply.items[1]?.index?.error?.type).toBe('document_parsing_exception');
      expect([...server.docs.keys()]).toEqual(['1']);

      // The same seed fails the same items, run after run; another seed fails others.
      const lines: unknown[] = [];
      for (let i = 0; i < 400; i++) lines.push({ index: { _index: 'l' } }, { i });
      const failedPositions = async (seed: number): Promise<number[]> => {
        const seeded = await startBulkServer({ seed, mode: { kind: 'fail-items', status: 429, fraction: 0.5 } });
        try {
          const answer = json((await send(seeded.url, 'POST', '/_bulk', ndjson(...lines))).body);
          const positions: number[] = [];
          answer.items.forEach((item, i) => {
            if (item.index?.status === 429) positions.push(i);
          });
          expect(seeded.docs.size).toBe(400 - positions.length);
          return positions;
        } finally {
          await seeded.close();
        }
      };
      const first = await failedPositions(7);
      expect(first.length).toBeGreaterThan(120);
      expect(first.length).toBeLessThan(280);
      expect(await failedPositions(7)).toEqual(first);
      expect(await failedPositions(8)).not.toEqual(first);
    });
  });

  it('partial429Mode answers 429 to the first attempt of every 10th seq only, and accepts its retry', async () => {
    const busy = partial429Mode();
    await withServer(
      async (server) => {
        const lines: unknown[] = [];
        for (let seq = 0; seq < 30; seq++) lines.push({ index: { _index: 'l', _id: `id-${seq}` } }, { seq });
        lines.push({ index: { _index: 'l', _id: 'no-seq' } }, { msg: 'no seq field' });
        const statuses = async (): Promise<(number | undefined)[]> =>
          json((await send(server.url, 'POST', '/_bulk', ndjson(...lines))).body).items.map((i) => i.index?.status);
        const first = await statuses();
        expect(first.flatMap((status, position) => (status === 429 ? [position] : []))).toEqual([0, 10, 20]);
        expect([...busy.throttled]).toEqual([0, 10, 20]);
        // The retry of the same records: nothing is throttled twice.
        expect((await statuses()).every((status) => status === 200 || status === 201)).toBe(true);
        expect(server.docs.size).toBe(31);
      },
      { mode: busy.mode },
    );
  });

  it('refuses connections while in refuse mode and comes back on the same port', async () => {
    await withServer(async (server) => {
      const port = server.port;
      await server.setMode('refuse');
      await expect(send(server.url, 'GET', '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await server.setMode('ok');
      expect(server.port).toBe(port);
      expect((await send(server.url, 'GET', '/')).status).toBe(200);
    });
  });

  it('can start refusing, and resets sockets in reset mode', async () => {
    await withServer(
      async (server) => {
        await expect(send(server.url, 'GET', '/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
        await server.setMode('reset');
        await expect(send(server.url, 'GET', '/')).rejects.toMatchObject({
          code: expect.stringMatching(/ECONNRESET|EPIPE/) as string,
        });
        expect(server.counters.destroyedSockets).toBeGreaterThan(0);
      },
      { mode: 'refuse' },
    );
  });

  it('lost-response: stores the documents, then resets the connection instead of answering', async () => {
    await withServer(async (server) => {
      await server.setMode('lost-response');
      await expect(
        send(server.url, 'POST', '/_bulk', ndjson({ create: { _index: 'l', _id: 'kept' } }, { a: 1 })),
      ).rejects.toMatchObject({
        code: expect.stringMatching(/ECONNRESET|EPIPE/) as string,
      });
      expect(server.docs.get('kept')?.count).toBe(1);
      expect(server.requests.at(-1)).toMatchObject({ mode: 'lost-response', status: undefined, items: 1 });
    });
  });

  it('stalls: reads the request and never answers; close() still completes', async () => {
    const server = await startBulkServer({ mode: 'stall' });
    const pending = send(server.url, 'POST', '/_bulk', ndjson({ index: { _index: 'l' } }, { a: 1 }), 30_000);
    const outcome = pending.then(
      () => 'answered',
      (error: Error) => error.message,
    );
    await server.waitFor(() => server.counters.bulkRequests === 1);
    const early = await Promise.race([
      outcome,
      new Promise((resolve) => setTimeout(() => resolve('still waiting'), 300)),
    ]);
    expect(early).toBe('still waiting');
    expect(server.requests.at(-1)).toMatchObject({ mode: 'stall', status: undefined });
    await server.close();
    expect(await outcome).toMatch(/socket hang up|ECONNRESET/);
  });

  it('accepts gzip bodies and rejects a body without its final newline, as Elasticsearch does', async () => {
    await withServer(async (server) => {
      const body = gzipSync(ndjson({ index: { _index: 'z', _id: 'g' } }, { zipped: true }));
      const reply = await new Promise<number>((resolve, reject) => {
        const req = request(
          `${server.url}/_bulk`,
          {
            method: 'POST',
            agent: false,
            headers: { 'content-encoding': 'gzip', 'content-type': 'application/x-ndjson' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', reject);
        req.end(body);
      });
      expect(reply).toBe(200);
      expect(server.docs.get('g')?.source).toBe('{"zipped":true}');
      const unterminated = await send(server.url, 'POST', '/_bulk', '{"index":{"_index":"z"}}\n{"a":1}');
      expect(unterminated.status).toBe(400);
      expect(json(unterminated.body).error?.reason).toMatch(/newline/);
    });
  });

  it('keeps only the last maxRecordedRequests requests but exact counters', async () => {
    await withServer(
      async (server) => {
        for (let i = 0; i < 5; i++) await send(server.url, 'GET', '/');
        expect(server.requests).toHaveLength(3);
        expect(server.counters.requests).toBe(5);
        server.reset();
        expect(server.counters.requests).toBe(0);
      },
      { maxRecordedRequests: 3 },
    );
  });

  it('counts _bulk requests in flight and the most at once', async () => {
    await withServer(
      async (server) => {
        const body = ndjson({ index: { _index: 'l' } }, { a: 1 });
        await Promise.all([1, 2, 3].map(() => send(server.url, 'POST', '/_bulk', body)));
        expect(server.counters.maxInFlight).toBe(3);
        expect(server.counters.inFlight).toBe(0);
        await send(server.url, 'POST', '/_bulk', body);
        expect(server.counters.maxInFlight).toBe(3);
      },
      { mode: { kind: 'ok', delayMs: 100 } },
    );
  });

  it('close() is idempotent and leaves no TCP handle behind', async () => {
    const before = await settledTcpHandles();
    const server = await startBulkServer();
    await send(server.url, 'GET', '/');
    expect(tcpHandles()).toBeGreaterThan(before);
    await Promise.all([server.close(), server.close()]);
    await server.close();
    expect(await settledTcpHandles()).toBe(before);
  });
});
