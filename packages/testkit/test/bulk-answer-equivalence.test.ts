import { describe, expect, it } from 'vitest';
import { indexBulk, routeRequest, type IndexingState, type Route, type StoredDoc } from '../src/bulk-answer.js';
import type { BulkServerMode } from '../src/bulk-modes.js';
import { generateDocumentId, parseBulkBody, readAction, readCompactAction, sourceText } from '../src/bulk-protocol.js';
import { mulberry32 } from '../src/random.js';
import { referenceFilterResponse, referenceIndexBulk, referenceParseBulkBody } from './bulk-answer-reference.js';

type Random = () => number;
const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];

/** Values for `_index` and `_id` as they appear inside a JSON string: plain, escaped, non-ASCII, empty. */
const JSON_STRINGS = [
  'logs',
  'a',
  'b',
  'id-1',
  '',
  'x y',
  'ü',
  '日本',
  '\\u00fc',
  'q\\"t',
  'tab\\t',
  '\\\\',
  '\\ud800',
];
const PLAIN_IDS = ['a', 'b', 'c', 'id-1', 'id-2', 'abcdefghijkl7'];

/** An action line: mostly the compact shapes clients write, then everything else JSON.parse must judge. */
function actionLine(random: Random): string {
  const op = pick(random, ['create', 'index', 'create', 'index', 'delete', 'update', '__proto__', '1']);
  const roll = random();
  if (roll < 0.55) {
    const fields: string[] = [];
    if (random() < 0.8) fields.push(`"_index":"${pick(random, random() < 0.8 ? ['logs', 'other'] : JSON_STRINGS)}"`);
    if (random() < 0.8) fields.push(`"_id":"${pick(random, random() < 0.8 ? PLAIN_IDS : JSON_STRINGS)}"`);
    if (random() < 0.2) fields.reverse();
    return `{"${random() < 0.85 ? pick(random, ['create', 'index']) : op}":{${fields.join(',')}}}`;
  }
  return pick(random, [
    `{ "${op}" : { "_index" : "logs", "_id" : "a" } }`,
    `{"${op}":{"_index":"logs","_id":"b"}}\r`,
    `{"${op}":{"_index":"logs","_id":"c","routing":"r"}}`,
    `{"${op}":{"_id":5,"_index":"logs"}}`,
    `{"${op}":{"_index":null,"_id":"a"}}`,
    `{"${op}":{"_id":"a","_id":"b","_index":"logs"}}`,
    `{"${op}":{"_index":"logs","_index":"other"}}`,
    `{"${op}":{"_index":"logs",}}`,
    `{"${op}":{"_index":"logs"}}}`,
    `{"${op}":{"_index":"logs"}`,
    `{"${op}":{"_index":"lo`,
    `{"${op}":{"_index":"logs"},"index":{}}`,
    `{"${op}":null}`,
    `{"${op}":"s"}`,
    `{"${op}":[]}`,
    `{"${op}":{}}`,
    `{"${op}":{"_index":"a\\nb"}}`,
    '{}',
    '[]',
    '1',
    '"s"',
    'null',
    'not json',
    '',
    '   ',
    '\t',
    '\u00a0',
    '\ufeff{"index":{"_index":"logs"}}',
  ]);
}

/** A source line: text, or bytes that are not valid UTF-8 (decoded to U+FFFD only when read). */
function sourceLine(random: Random, seq: number): string | Buffer {
  return pick(random, [
    `{"seq":${seq},"msg":"request completed"}`,
    `{"seq":${seq},"bad":true}`,
    `{"seq":${seq},"msg":"日本語 ü"}`,
    '',
    '  ',
    Buffer.from([0x7b, 0xff, 0xe2, 0x82]),
    Buffer.from([0xf0, 0x9f, 0x98]),
  ]);
}

function randomBody(random: Random): Buffer {
  const parts: (string | Buffer)[] = [];
  const ops = Math.floor(random() * 10);
  for (let i = 0; i < ops; i++) {
    if (random() < 0.05) parts.push('', '\n');
    const action = actionLine(random);
    parts.push(action, '\n');
    if (action.includes('delete') && random() < 0.5) continue;
    if (random() < 0.03) break;
    parts.push(sourceLine(random, i), '\n');
  }
  if (random() < 0.05 && parts.length > 0) parts.pop();
  return Buffer.concat(parts.map((part) => (typeof part === 'string' ? Buffer.from(part) : part)));
}

const FILTER_PATHS: readonly (readonly string[])[] = [
  ['items.*.status'],
  ['items.*.status', 'items.*.error'],
  ['items.*.error.reason'],
  ['took'],
  ['errors'],
  ['took', 'errors'],
  ['errors', 'items.*.status'],
  ['items'],
  ['*'],
  ['items.*'],
  ['items.*.*'],
  ['*.*.*.status'],
  ['*.*.*.*'],
  ['items.index._id'],
  ['items.create.error.reason', 'items.index.result'],
  ['items.*._shards.total', 'items.*._shards.failed'],
  ['items.*._shards'],
  ['items.*._id.x'],
  ['took.x'],
  ['nothing'],
  [''],
  ['items.'],
  ['items.*.error.*'],
  ['**'],
  ['items.update'],
  ['items.delete.error', 'items.update._id'],
  ['items.__proto__.status'],
];
const SEGMENTS = [
  '*',
  'took',
  'errors',
  'items',
  'index',
  'create',
  'delete',
  '_index',
  '_id',
  '_version',
  'result',
  '_shards',
  'total',
  'successful',
  '_seq_no',
  '_primary_term',
  'status',
  'error',
  'type',
  'reason',
  '',
];

function randomFilterPath(random: Random): string[] | undefined {
  const roll = random();
  if (roll < 0.3) return undefined;
  if (roll < 0.6) return [...pick(random, FILTER_PATHS)];
  return Array.from({ length: 1 + Math.floor(random() * 3) }, () => {
    const segments = [random() < 0.7 ? 'items' : pick(random, SEGMENTS)];
    while (random() < 0.7 && segments.length < 5) segments.push(pick(random, SEGMENTS));
    return segments.join('.');
  });
}

type IndexingMode = Extract<BulkServerMode, { kind: 'ok' | 'fail-items' | 'lost-response' }>;

function randomMode(random: Random): IndexingMode {
  const roll = random();
  if (roll < 0.5) return { kind: 'ok' };
  if (roll < 0.9) return { kind: 'fail-items', status: pick(random, [429, 400, 404, 500]) };
  return { kind: 'lost-response' };
}

/** The same deterministic state for both implementations: ids from a counter, failures by position or source. */
function freshState(storeSources: boolean, failBy: 'position' | 'source'): IndexingState {
  let nextId = 0;
  return {
    docs: new Map<string, StoredDoc>(),
    counters: { items: 0, accepted: 0, failedItems: 0, conflicts: 0, duplicates: 0 },
    storeSources,
    shouldFail: (mode, item) => (failBy === 'position' ? item.position % 3 === 1 : item.source.includes('"bad"')),
    newId: () => `generated-${nextId++}`,
  };
}

describe('indexBulk answers exactly as the reference implementation', () => {
  it('over thousands of random bodies, filter paths, modes and stored states', () => {
    const random = mulberry32(20_260_601);
    const seen = { filtered: 0, conflicts: 0, failed: 0, rejected: 0, emptyFiltered: 0 };
    for (let run = 0; run < 3000; run++) {
      const storeSources = random() < 0.5;
      const failBy = random() < 0.5 ? 'position' : 'source';
      const fast = freshState(storeSources, failBy);
      const reference = freshState(storeSources, failBy);
      // Two requests on one state, so the second meets the first's ids (409 conflicts, duplicates).
      for (let request = 0; request < 2; request++) {
        const body = randomBody(random);
        const filterPath = randomFilterPath(random);
        const route: Extract<Route, { kind: 'bulk' }> = {
          kind: 'bulk',
          index: random() < 0.5 ? undefined : 'path-index',
          ...(filterPath ? { filterPath } : {}),
        };
        const mode = randomMode(random);
        const got = indexBulk(body, route, mode, fast, 0, () => 7);
        const want = referenceIndexBulk(body.toString('utf8'), route, mode, reference, 0, () => 7);
        expect(got, `body ${JSON.stringify(body.toString('latin1'))} filter ${String(filterPath)}`).toEqual(want);
        if (want.answer.kind === 'json' && want.answer.status === 400) seen.rejected++;
        if (filterPath && want.answer.kind === 'json') seen.filtered++;
        if (filterPath && want.answer.kind === 'json' && want.answer.body === '{}') seen.emptyFiltered++;
      }
      expect([...fast.docs]).toEqual([...reference.docs]);
      expect(fast.counters).toEqual(reference.counters);
      seen.conflicts += reference.counters.conflicts;
      seen.failed += reference.counters.failedItems;
    }
    // The cases reached what they are meant to compare.
    expect(seen.filtered).toBeGreaterThan(1000);
    expect(seen.emptyFiltered).toBeGreaterThan(10);
    expect(seen.conflicts).toBeGreaterThan(100);
    expect(seen.failed).toBeGreaterThan(1000);
    expect(seen.rejected).toBeGreaterThan(100);
  });

  it('on the hand-picked filter paths, for a body with every kind of item', () => {
    const body = Buffer.from(
      [
        '{"create":{"_index":"logs","_id":"a"}}',
        '{"n":1}',
        '{"create":{"_index":"logs","_id":"a"}}',
        '{"n":2}',
        '{"index":{"_index":"logs","_id":"a"}}',
        '{"n":3}',
        '{"index":{"_index":"logs","_id":"bad"}}',
        '{"bad":true}',
        '{"update":{"_index":"logs","_id":"a"}}',
        '{"doc":{}}',
        '{"delete":{"_id":"a"}}',
        '{"create":{}}',
        '{"n":4}',
        '',
      ].join('\n'),
    );
    for (const filterPath of [undefined, ...FILTER_PATHS]) {
      const route = { kind: 'bulk' as const, index: undefined, ...(filterPath ? { filterPath: [...filterPath] } : {}) };
      const mode = { kind: 'fail-items' as const, status: 429 };
      const got = indexBulk(body, route, mode, freshState(false, 'source'), 3, () => 10);
      const want = referenceIndexBulk(body.toString(), route, mode, freshState(false, 'source'), 3, () => 10);
      expect(got, String(filterPath)).toEqual(want);
    }
  });

  it('the reference filter keeps the paths given, walks arrays, drops what ends empty', () => {
    const value = { a: { b: 1, c: 2 }, d: [{ e: 1 }, { f: 2 }], g: null };
    expect(referenceFilterResponse(value, ['a.c', 'd.e'])).toEqual({ a: { c: 2 }, d: [{ e: 1 }] });
    expect(referenceFilterResponse(value, ['*.b', 'g'])).toEqual({ a: { b: 1 }, g: null });
    expect(referenceFilterResponse(value, ['x'])).toEqual({});
  });

  it('filter_path from a URL answers like the reference, and a filtered answer is smaller', () => {
    const route = routeRequest('POST', '/_bulk?filter_path=items.*.status,items.*.error,errors');
    if (route.kind !== 'bulk') throw new Error('not a bulk route');
    const body = Buffer.from('{"create":{"_index":"l","_id":"x"}}\n{}\n{"create":{"_index":"l","_id":"x"}}\n{}\n');
    const got = indexBulk(body, route, { kind: 'ok' }, freshState(false, 'position'), 0, () => 0);
    expect(got.answer).toEqual({
      kind: 'json',
      status: 200,
      body:
        '{"errors":true,"items":[{"create":{"status":201}},{"create":{"status":409,"error":{"type":' +
        '"version_conflict_engine_exception","reason":"[x]: version conflict, document already exists ' +
        '(current version [1])"}}}]}',
    });
  });
});

describe('parseBulkBody', () => {
  it('reads the compact action lines without JSON.parse exactly as JSON.parse reads them', () => {
    const random = mulberry32(7);
    let compact = 0;
    for (let run = 0; run < 20_000; run++) {
      let line = actionLine(random);
      // Mutate a byte now and then: the fast reader must refuse whatever it cannot read exactly.
      if (random() < 0.3 && line.length > 0) {
        const at = Math.floor(random() * line.length);
        const replacement = pick(random, ['', '"', '\\', ',', '}', '{', ' ', ':', 'x', '\u00e9', '\u0001']);
        line = line.slice(0, at) + replacement + line.slice(at + 1);
      }
      const bytes = Buffer.from(`${line}\n`);
      const fast = readCompactAction(bytes, 0, bytes.length - 1);
      if (fast === undefined) continue;
      compact++;
      expect(fast, line).toEqual(readAction(bytes.toString('utf8', 0, bytes.length - 1), 1));
    }
    expect(compact).toBeGreaterThan(5000);
  });

  it('takes the fast path for the shapes clients write, and JSON.parse for escapes and spacing', () => {
    const fastShapes = [
      '{"create":{"_index":"logs-app","_id":"AbC_-09"}}',
      '{"index":{"_index":"logs"}}',
      '{"index":{"_id":"x","_index":"logs"}}',
      '{"create":{}}',
      // JSON.parse keeps the last of a repeated key, and so does the fast path.
      '{"index":{"_id":"a","_index":"l","_id":"b"}}',
    ];
    for (const line of fastShapes) {
      const bytes = Buffer.from(line);
      expect(readCompactAction(bytes, 0, bytes.length), line).toEqual(readAction(line, 1));
    }
    const slowShapes = [
      '{"create":{"_index":"l\\u006fgs"}}',
      '{"create":{"_index":"ü"}}',
      '{ "index":{}}',
      '{"index":{"_id":1}}',
      '{"delete":{"_id":"a"}}',
    ];
    for (const line of slowShapes) expect(readCompactAction(Buffer.from(line), 0, line.length), line).toBeUndefined();
    expect(readAction('{"create":{"_index":"l\\u006fgs"}}', 1)?.index).toBe('logs');
  });

  it('locates source lines without decoding them, and decodes one when asked', () => {
    const body = Buffer.from('{"index":{"_index":"l"}}\n{"msg":"ü"}\n\n{"delete":{"_id":"a"}}\n');
    const ops = parseBulkBody(body);
    expect(ops.map((op) => [op.op, op.sourceStart, sourceText(body, op)])).toEqual([
      ['index', 25, '{"msg":"ü"}'],
      ['delete', -1, undefined],
    ]);
    expect(referenceParseBulkBody(body.toString()).map((op) => op.source)).toEqual(['{"msg":"ü"}', undefined]);
  });

  it('throws the same errors as the reference, naming the same line', () => {
    const bodies = [
      '{"index":{}}\n{}',
      '{"index":{}}\n',
      '\n{"index":{}}\n{}\nnope\n{}\n',
      '{"index":{}}\n{}\n{"a":{},"b":{}}\n{}\n',
      '[1]\n{}\n',
    ];
    for (const text of bodies) {
      const expected = (() => {
        try {
          referenceParseBulkBody(text);
        } catch (error) {
          return (error as Error).message;
        }
        throw new Error(`the reference accepted ${text}`);
      })();
      expect(() => parseBulkBody(Buffer.from(text)), text).toThrow(expected);
    }
  });
});

describe('generateDocumentId', () => {
  it('makes 20-character base64url ids, all different, across many draws of random bytes', () => {
    const ids = Array.from({ length: 5000 }, generateDocumentId);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
