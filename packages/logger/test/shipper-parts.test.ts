import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../src/shipper/backoff.js';
import { buildBulkBody, documentId, documentSequence, writeBase36 } from '../src/shipper/bulk-body.js';
import {
  AllAccepted,
  classifyRequestError,
  readBulkItems,
  recognizeAllAccepted,
} from '../src/shipper/bulk-response.js';
import { resolveOptions, checkNodes } from '../src/shipper/options.js';
import type { BufferedRecord } from '../src/shipper/record-queue.js';
import { LineStore, lineOf, SLAB_BYTES } from '../src/shipper/line-store.js';
import { SHIPPER_DEFAULTS } from '../src/index.js';

/** One store for all test records: several lines share a slab, as in the shipper. */
const lines = new LineStore();

function record(seq: number, writtenAtMs = 0, line = `{"seq":${seq}}\n`): BufferedRecord {
  const bytes = lines.store(line, Infinity);
  return {
    chunk: lines.chunk,
    offset: lines.offset,
    bytes,
    writtenAtMs,
    id: undefined,
    attempts: 0,
    readyAtMs: 0,
    spoolSegment: undefined,
    idSequence: undefined,
  };
}

describe('backoffDelayMs', () => {
  it('doubles per failure from the minimum, caps at the maximum, and draws in [ceiling / 2, ceiling]', () => {
    const low = (n: number) => backoffDelayMs(n, 100, 30_000, () => 0);
    const high = (n: number) => backoffDelayMs(n, 100, 30_000, () => 0.999999);
    expect([0, 1, 2, 3, 4].map(low)).toEqual([0, 50, 100, 200, 400]);
    expect(high(1)).toBeCloseTo(100, 3);
    expect(high(9)).toBeCloseTo(25_600, 1);
    // Capped from the 10th failure on, and no overflow however long the outage.
    for (const n of [10, 11, 50, 1_000, 1e9]) {
      expect(low(n)).toBe(15_000);
      expect(high(n)).toBeLessThanOrEqual(30_000);
    }
  });
});

describe('buildBulkBody', () => {
  it('writes one action line per record, assigns each id once, and keeps the lines byte for byte', () => {
    let next = 0;
    const options = {
      op: 'create' as const,
      assignIds: true,
      indexName: (ms: number) => (ms < 1000 ? 'a' : 'b'),
      idPrefix: 'id',
      // As the shipper does: a number assigned once per record, the same `_id` at every call.
      idOf: (r: BufferedRecord) => (r.idSequence ??= next++),
    };
    const batch = [record(0, 0), record(1, 2000)];
    const built = buildBulkBody(batch, options);
    expect(built.body.toString('utf8')).toBe(
      '{"create":{"_index":"a","_id":"id0"}}\n{"seq":0}\n{"create":{"_index":"b","_id":"id1"}}\n{"seq":1}\n',
    );
    expect(built.bytes).toBe(batch[0].bytes + batch[1].bytes);
    // A re-send keeps the ids (idempotent).
    expect(buildBulkBody(batch, options).body.equals(built.body)).toBe(true);
    expect(next).toBe(2);
    expect(buildBulkBody([record(2)], { ...options, op: 'index', assignIds: false }).body.toString('utf8')).toBe(
      '{"index":{"_index":"a"}}\n{"seq":2}\n',
    );
  });

  it("writes an earlier process's _id as it was read, and this process's as prefix + base-36 number", () => {
    const carried = { ...record(0, 0), id: 'old"id' };
    const own = { ...record(1, 0), idSequence: 36 ** 10 + 35 };
    const built = buildBulkBody([carried, own], {
      op: 'create',
      assignIds: true,
      indexName: () => 'i',
      idPrefix: 'Ab-_9',
      idOf: (r) => r.id ?? r.idSequence ?? -1,
    });
    expect(built.body.toString('utf8')).toBe(
      `{"create":{"_index":"i","_id":"old\\"id"}}\n{"seq":0}\n` +
        `{"create":{"_index":"i","_id":"${documentId('Ab-_9', 36 ** 10 + 35)}"}}\n{"seq":1}\n`,
    );
  });

  it("reads the number back out of this process's _id, and nothing out of another's", () => {
    for (const sequence of [0, 35, 36, 2 ** 31, Number.MAX_SAFE_INTEGER]) {
      expect(documentSequence('Ab-_9', documentId('Ab-_9', sequence))).toBe(sequence);
    }
    expect(documentSequence('Ab-_9', documentId('Zz-_9', 7))).toBeUndefined();
  });

  it('spells a number in base 36 as Number#toString(36) does, up to the largest safe integer', () => {
    const target = Buffer.alloc(16);
    const values = [0, 1, 9, 10, 35, 36, 1295, 1296, 2 ** 31, 36 ** 10 - 1, 36 ** 10, Number.MAX_SAFE_INTEGER];
    // Spread over the whole range, the same values every run (golden-ratio steps).
    for (let i = 1; i <= 2_000; i++) values.push(Math.floor(((i * 0.6180339887498949) % 1) * Number.MAX_SAFE_INTEGER));
    for (const value of values) {
      const end = writeBase36(target, 2, value);
      expect(target.toString('latin1', 2, end)).toBe(value.toString(36));
    }
  });

  it('writes index names and lines outside ASCII as UTF-8, byte for byte', () => {
    const line = '{"msg":"naïve 日本 🎉"}\n';
    const built = buildBulkBody([record(0, 0, line)], {
      op: 'index',
      assignIds: false,
      indexName: () => 'logs-é',
      idPrefix: 'p',
      idOf: () => 0,
    });
    expect(built.body.equals(Buffer.from(`{"index":{"_index":"logs-é"}}\n${line}`))).toBe(true);
    expect(built.bytes).toBe(Buffer.byteLength(line));
  });

  it('leaves out records whose index name throws or is empty, and says which', () => {
    const built = buildBulkBody([record(0, 0), record(1, 1), record(2, 2)], {
      op: 'index',
      assignIds: false,
      indexName: (ms) => {
        if (ms === 1) throw new Error('boom');
        return ms === 2 ? '' : 'ok';
      },
      idPrefix: 'p',
      idOf: () => 0,
    });
    expect(built.records.map(lineOf)).toEqual([lineOf(record(0))]);
    expect(built.failed.map((f) => lineOf(f.record))).toEqual([lineOf(record(1)), lineOf(record(2))]);
    expect(String(built.failed[0]?.error)).toContain('boom');
  });
});

describe('readBulkItems', () => {
  const options = { op: 'index' as const, assignIds: true };
  it('sorts items into shipped, retry (429, 5xx, unreadable) and rejected (other 4xx)', () => {
    const batch = [record(0), record(1), record(2), record(3), record(4)];
    const outcome = readBulkItems(
      batch,
      {
        items: [
          { index: { status: 201 } },
          { index: { status: 429 } },
          { index: { status: 503 } },
          { index: { status: 400, error: { type: 'mapper_parsing_exception' } } },
          { index: {} },
        ],
      },
      options,
    );
    if (outcome instanceof Error) throw outcome;
    expect(outcome.shipped).toBe(1);
    expect(outcome.retry).toEqual([batch[1], batch[2], batch[4]]);
    expect(outcome.rejected).toEqual([
      {
        reason: 'rejected',
        count: 1,
        line: lineOf(batch[3]),
        status: 400,
        error: { type: 'mapper_parsing_exception' },
      },
    ]);
  });

  it('an item without a readable status (a string, null) is retried, in request order', () => {
    const batch = [record(0), record(1), record(2), record(3)];
    const outcome = readBulkItems(
      batch,
      {
        errors: true,
        items: [
          { index: { status: 201 } },
          { create: { status: 429, error: { type: 'es_rejected_execution_exception' } } },
          { index: { status: 'x' } },
          null,
        ],
      },
      options,
    );
    if (outcome instanceof Error) throw outcome;
    expect(outcome).toEqual({ shipped: 1, retry: [batch[1], batch[2], batch[3]], rejected: [] });
  });

  it("counts 409 as shipped only for 'create' with ids we assigned", () => {
    const answer = { items: [{ create: { status: 409 } }] };
    expect(readBulkItems([record(0)], answer, { op: 'create', assignIds: true })).toMatchObject({ shipped: 1 });
    expect(readBulkItems([record(0)], answer, { op: 'create', assignIds: false })).toMatchObject({ shipped: 0 });
  });

  it('an answer that does not match the request is an Error', () => {
    expect(readBulkItems([record(0)], { items: [] }, options)).toBeInstanceOf(Error);
    expect(readBulkItems([record(0)], null, options)).toBeInstanceOf(Error);
    expect(readBulkItems([record(0)], { items: 'x' }, options)).toBeInstanceOf(Error);
  });
});

describe('recognizeAllAccepted', () => {
  const answer = (statuses: number[], op = 'create') =>
    JSON.stringify({ errors: statuses.some((s) => s >= 300), items: statuses.map((status) => ({ [op]: { status } })) });

  it('knows an all-accepted answer by its text and counts its items, as JSON.parse would', () => {
    for (const count of [1, 2, 9, 10, 11, 999, 1000, 1001]) {
      for (const op of ['create', 'index']) {
        const text = answer(
          Array.from({ length: count }, (_, i) => (i % 3 === 0 ? 200 : 201)),
          op,
        );
        const recognized = recognizeAllAccepted(text);
        expect(recognized).toEqual(new AllAccepted((JSON.parse(text) as { items: unknown[] }).items.length));
        expect(recognized?.items).toBe(count);
      }
    }
  });

  it('leaves everything else to the parser: any other status, mixed operations, other fields, spacing', () => {
    const others = [
      answer([201, 429]),
      answer([201, 409]),
      answer([202]),
      '{"errors":false,"items":[{"create":{"status":201}},{"index":{"status":201}}]}',
      '{"errors":false,"items":[]}',
      '{"took":3,"errors":false,"items":[{"create":{"status":201}}]}',
      '{"errors":false,"items":[{"create":{"status":201,"_id":"a"}}]}',
      '{"errors": false,"items":[{"create":{"status":201}}]}',
      '{"errors":false,"items":[{"create":{"status":201}}]}\n',
      '{"errors":false,"items":[{"create":{"status":201}},]}',
      '{"errors":false,"items":[{"delete":{"status":200}}]}',
    ];
    for (const text of others) expect(recognizeAllAccepted(text), text).toBeUndefined();
  });

  it('readBulkItems ships the whole batch for a recognized answer, and fails it on a different count', () => {
    const batch = [record(0), record(1)];
    const options = { op: 'create' as const, assignIds: true };
    expect(readBulkItems(batch, new AllAccepted(2), options)).toEqual({ shipped: 2, retry: [], rejected: [] });
    expect(readBulkItems(batch, new AllAccepted(3), options)).toBeInstanceOf(Error);
    // The same outcome as for the parsed answer.
    expect(readBulkItems(batch, JSON.parse(answer([201, 201])), options)).toEqual({
      shipped: 2,
      retry: [],
      rejected: [],
    });
  });
});

describe('LineStore', () => {
  it('keeps each line byte for byte, many to a slab, and starts a new slab when one is full', () => {
    const store = new LineStore();
    const stored: { line: string; chunk: Buffer; offset: number; bytes: number }[] = [];
    for (let i = 0; i < 400; i++) {
      const line = `{"i":${i},"pad":"${'é'.repeat(i % 50)}${'x'.repeat(300)}"}\n`;
      const bytes = store.store(line, Infinity);
      expect(bytes).toBe(Buffer.byteLength(line));
      stored.push({ line, chunk: store.chunk, offset: store.offset, bytes });
    }
    for (const entry of stored) expect(lineOf(entry)).toBe(entry.line);
    const slabs = new Set(stored.map((entry) => entry.chunk));
    // ~400 lines of ~350 bytes: several slabs, none of them over its size, each holding many lines.
    expect(slabs.size).toBeGreaterThan(1);
    expect(slabs.size).toBeLessThan(stored.length / 10);
    for (const slab of slabs) expect(slab.byteLength).toBe(SLAB_BYTES);
  });

  it('gives a long line a buffer of its own, and refuses one over the limit without storing it', () => {
    const store = new LineStore();
    const long = `${'y'.repeat(SLAB_BYTES)}\n`;
    expect(store.store(long, SLAB_BYTES)).toBe(-1);
    expect(store.store(long, Infinity)).toBe(long.length);
    expect(store.chunk.byteLength).toBe(long.length);
    expect(lineOf({ chunk: store.chunk, offset: store.offset, bytes: long.length })).toBe(long);
  });

  it('refuses a short line over the limit too, and the slab stays as it was', () => {
    const store = new LineStore();
    expect(store.store('{"a":1}\n', 100)).toBe(8);
    const { chunk, offset } = store;
    expect(store.store(`${'z'.repeat(200)}\n`, 100)).toBe(-1);
    expect(store.store('{"b":2}\n', 100)).toBe(8);
    // The refused line took no room: the next one follows the first.
    expect(store.chunk).toBe(chunk);
    expect(store.offset).toBe(offset + 8);
    expect(lineOf({ chunk: store.chunk, offset: store.offset, bytes: 8 })).toBe('{"b":2}\n');
  });

  it('copies a line out of its slab into its own store', () => {
    const fresh = new LineStore();
    const retry = new LineStore();
    const bytes = fresh.store('{"a":1}\n', Infinity);
    const from = { chunk: fresh.chunk, offset: fresh.offset };
    retry.copy(from.chunk, from.offset, bytes);
    expect(retry.chunk).not.toBe(from.chunk);
    expect(lineOf({ chunk: retry.chunk, offset: retry.offset, bytes })).toBe('{"a":1}\n');
  });
});

describe('classifyRequestError', () => {
  const response = (statusCode: number) =>
    Object.assign(new Error('x'), { name: 'ResponseError', meta: { statusCode } });
  it('tells retryable failures from hopeless ones', () => {
    expect(classifyRequestError(Object.assign(new Error('x'), { name: 'RequestAbortedError' }))).toBe('aborted');
    expect(classifyRequestError(Object.assign(new Error('x'), { name: 'ConnectionError' }))).toBe('retry');
    expect(classifyRequestError(response(413))).toBe('too_large');
    for (const status of [400, 404]) expect(classifyRequestError(response(status))).toBe('rejected');
    for (const status of [401, 403, 408, 429, 500, 503]) expect(classifyRequestError(response(status))).toBe('retry');
    expect(classifyRequestError('a string')).toBe('retry');
  });
});

describe('resolveOptions', () => {
  it('fills in the defaults and names a bad option', () => {
    const resolved = resolveOptions({});
    expect(resolved).toMatchObject({ ...SHIPPER_DEFAULTS });
    expect(resolved.now).toBe(Date.now);
    expect(() => resolveOptions({ maxConcurrentRequests: 0 })).toThrow(/maxConcurrentRequests/);
    expect(() => resolveOptions({ maxConcurrentRequests: 1.5 })).toThrow(/maxConcurrentRequests/);
    expect(() => resolveOptions({ minBackoffMs: 10, maxBackoffMs: 5 })).toThrow(/minBackoffMs/);
    expect(() => resolveOptions({ flushIntervalMs: -1 })).toThrow(/flushIntervalMs/);
    expect(() => checkNodes('localhost:9200')).toThrow(/not a URL|http/);
    expect(() => checkNodes([])).toThrow(/node/);
    expect(checkNodes(['http://127.0.0.1:9200', 'https://127.0.0.1:9201'])).toHaveLength(2);
  });

  it('the default buffer holds a 15 s outage at 2,000 records/s of 300 bytes within 16 MiB', () => {
    const outageRecords = 15 * 2_000;
    expect(SHIPPER_DEFAULTS.maxBufferedItems).toBeGreaterThanOrEqual(outageRecords);
    expect(SHIPPER_DEFAULTS.maxBufferedBytes).toBeGreaterThanOrEqual(outageRecords * 300);
    // 140 bytes per held record outside the byte cap, as test/shipper-memory.test.ts measures (< 512
    // asserted there), plus the bodies of the requests in flight: copies of full batches of such
    // records, each line with its ~80-byte action line, held as the bytes the client writes.
    const inFlightBodyBytes = SHIPPER_DEFAULTS.maxConcurrentRequests * SHIPPER_DEFAULTS.maxBatchSize * (300 + 80);
    const worstBytes = SHIPPER_DEFAULTS.maxBufferedBytes + SHIPPER_DEFAULTS.maxBufferedItems * 140 + inFlightBodyBytes;
    expect(worstBytes).toBeLessThanOrEqual(16 * 1024 * 1024);
  });

  it('the README limits table states every numeric default the code has, one row per option', () => {
    const readme = readFileSync(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
    const stated = (key: string): string | undefined =>
      new RegExp(`^\\| \`${key}\`\\s*\\| ([^|]+?)\\s*\\|`, 'm').exec(readme)?.[1];
    const written = (key: string, value: number): string => {
      if (key.endsWith('Bytes')) return `${value / 1024 / 1024} MiB`;
      if (key.endsWith('Ms')) return value % 3_600_000 === 0 ? `${value / 3_600_000} h` : `${count(value)} ms`;
      return count(value);
    };
    const numeric = Object.entries(SHIPPER_DEFAULTS).filter(([, value]) => typeof value === 'number');
    expect(numeric.length).toBeGreaterThan(10);
    for (const [key, value] of numeric) expect(stated(key), key).toBe(written(key, value as number));
  });
});

function count(value: number): string {
  return value.toLocaleString('en-US');
}
