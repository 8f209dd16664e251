import { describe, expect, it } from 'vitest';
import {
  answerOther,
  answerStatus,
  answerWithoutIndexing,
  indexBulk,
  routeRequest,
  type Answer,
  type IndexingState,
  type StoredDoc,
} from '../src/bulk-answer.js';

let nextId = 0;

function state(shouldFail: IndexingState['shouldFail'] = () => false): IndexingState {
  return {
    docs: new Map<string, StoredDoc>(),
    counters: { items: 0, accepted: 0, failedItems: 0, conflicts: 0, duplicates: 0 },
    storeSources: true,
    shouldFail,
    newId: () => `generated-${nextId++}`,
  };
}

const bulk = { kind: 'bulk' as const, index: undefined };

interface Reply {
  took?: number;
  errors?: boolean;
  items: Record<string, { status: number; error?: unknown }>[];
  error?: { reason: string };
}

/** The JSON body of an answer (fails the test when the answer has none). */
function reply(answer: Answer): Reply {
  if (answer.kind !== 'json') throw new Error(`expected a JSON answer, got ${answer.kind}`);
  return JSON.parse(answer.body) as Reply;
}
const body = (...lines: unknown[]) => Buffer.from(lines.map((line) => JSON.stringify(line)).join('\n') + '\n');

describe('routeRequest', () => {
  it('finds _bulk (with or without an index), the info endpoint, and nothing else', () => {
    expect(routeRequest('POST', '/_bulk')).toEqual({ kind: 'bulk', index: undefined });
    expect(routeRequest('PUT', '/logs%2Dx/_bulk?refresh=false')).toEqual({ kind: 'bulk', index: 'logs-x' });
    expect(routeRequest('GET', '/_bulk')).toEqual({ kind: 'not-found' });
    expect(routeRequest('HEAD', '/')).toEqual({ kind: 'info', head: true });
    expect(routeRequest('GET', '/?pretty')).toEqual({ kind: 'info', head: false });
    expect(routeRequest('GET', '/_cat/indices')).toEqual({ kind: 'not-found' });
  });

  it('answers info with a body (none for HEAD) and unknown paths with a 404 in Elasticsearch’s shape', () => {
    expect(answerOther({ kind: 'info', head: true }, 'HEAD', '/', 'c')).toEqual({ kind: 'raw', status: 200, body: '' });
    const missing = answerOther({ kind: 'not-found' }, 'GET', '/x', 'c');
    expect(answerStatus(missing)).toBe(404);
    expect(reply(missing).error?.reason).toContain('[/x]');
  });
});

describe('answerWithoutIndexing', () => {
  it('maps each failing mode to its answer, and leaves the indexing modes to indexBulk', () => {
    expect(answerWithoutIndexing({ kind: 'stall' })).toEqual({ kind: 'stall' });
    expect(answerWithoutIndexing({ kind: 'reset' })).toEqual({ kind: 'destroy' });
    expect(answerStatus(answerWithoutIndexing({ kind: 'status', status: 503 })!)).toBe(503);
    expect(answerWithoutIndexing({ kind: 'too-large' })).toEqual({ kind: 'empty', status: 413 });
    expect(answerWithoutIndexing({ kind: 'garbage' })?.kind).toBe('raw');
    for (const kind of ['ok', 'fail-items', 'lost-response'] as const)
      expect(answerWithoutIndexing(kind === 'fail-items' ? { kind, status: 429 } : { kind })).toBeUndefined();
  });
});

describe('indexBulk', () => {
  it('filters the answer by filter_path as Elasticsearch does', () => {
    const route = routeRequest('POST', '/_bulk?filter_path=items.*.status,items.*.error');
    expect(route).toEqual({ kind: 'bulk', index: undefined, filterPath: ['items.*.status', 'items.*.error'] });
    const s = state((mode, item) => item.position === 1);
    const { answer } = indexBulk(
      body({ index: { _index: 'l' } }, { a: 1 }, { index: { _index: 'l' } }, { b: 2 }),
      route as Extract<typeof route, { kind: 'bulk' }>,
      { kind: 'fail-items', status: 429 },
      s,
      0,
      () => 0,
    );
    expect(reply(answer)).toEqual({
      items: [
        { index: { status: 201 } },
        {
          index: {
            status: 429,
            error: { type: 'es_rejected_execution_exception', reason: expect.any(String) as string },
          },
        },
      ],
    });
  });

  it('stores documents, counts an index on an existing id as a duplicate, and answers 409 to create', () => {
    const s = state();
    const first = indexBulk(body({ index: { _index: 'l', _id: 'a' } }, { n: 1 }), bulk, { kind: 'ok' }, s, 0, () => 5);
    expect(first.items).toBe(1);
    expect(reply(first.answer)).toMatchObject({ took: 5, errors: false });
    indexBulk(
      body({ index: { _id: 'a' } }, { n: 2 }, { create: { _id: 'a' } }, { n: 3 }),
      { kind: 'bulk', index: 'l' },
      { kind: 'ok' },
      s,
      0,
      () => 0,
    );
    expect(s.docs.get('a')).toEqual({ id: 'a', index: 'l', source: '{"n":2}', count: 2 });
    expect(s.counters).toEqual({ items: 3, accepted: 2, failedItems: 1, conflicts: 1, duplicates: 1 });
  });

  it('fails the items shouldFail picks, stores the rest, and lost-response stores but destroys', () => {
    const s = state((mode, item) => item.position === 1);
    const failing = indexBulk(
      body({ index: { _index: 'l' } }, { a: 1 }, { index: { _index: 'l' } }, { b: 2 }),
      bulk,
      { kind: 'fail-items', status: 429 },
      s,
      0,
      () => 0,
    );
    const parsed = reply(failing.answer);
    expect(parsed.errors).toBe(true);
    expect(parsed.items.map((item) => item.index?.status)).toEqual([201, 429]);
    expect(s.docs.size).toBe(1);
    const lost = indexBulk(
      body({ index: { _index: 'l', _id: 'z' } }, { c: 3 }),
      bulk,
      { kind: 'lost-response' },
      s,
      0,
      () => 0,
    );
    expect(lost).toEqual({ answer: { kind: 'destroy' }, items: 1 });
    expect(s.docs.has('z')).toBe(true);
  });

  it('answers a malformed body 400 and an action without an index 400 per item', () => {
    const s = state();
    expect(answerStatus(indexBulk(Buffer.from('nope\n'), bulk, { kind: 'ok' }, s, 0, () => 0).answer)).toBe(400);
    const noIndex = indexBulk(body({ index: {} }, { a: 1 }), bulk, { kind: 'ok' }, s, 0, () => 0);
    expect(reply(noIndex.answer).items[0]?.index?.status).toBe(400);
    expect(s.docs.size).toBe(0);
  });
});
