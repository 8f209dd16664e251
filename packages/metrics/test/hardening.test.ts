import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_LABEL_VALUE_LENGTH,
  OVERFLOW_LABEL_VALUE,
  createMetricsHandler,
  createRegistry,
} from '../src/index.js';
import { family } from './helpers.js';

describe('label names that are also Object.prototype members', () => {
  it.each(['constructor', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'])(
    'an omitted label %s is the empty string, not an inherited function',
    async (label) => {
      const registry = createRegistry();
      const counter = registry.counter({ name: 'proto_total', help: 'x', labelNames: [label, 'other'] });
      counter.inc({ other: 'a' });
      counter.inc({});
      const gauge = registry.gauge({ name: 'proto_gauge', help: 'x', labelNames: [label] });
      gauge.set({}, 5);
      const text = await registry.metrics();
      expect(text).not.toContain('function');
      expect(family(text, 'proto_total').metrics).toEqual([
        { labels: { [label]: '', other: 'a' }, value: '1' },
        { labels: { [label]: '', other: '' }, value: '1' },
      ]);
      expect(counter.get({ other: 'a' })).toBe(1);
      expect(gauge.get({})).toBe(5);
      await registry.destroy();
    },
  );

  it('a labels object without a prototype works, and an inherited value is not taken', async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'np_total', help: 'x', labelNames: ['route'] });
    const bare = Object.create(null) as { route?: string };
    bare.route = '/a';
    counter.inc(bare);
    const inherited = Object.create({ route: '/inherited' }) as { route?: string };
    counter.inc(inherited as never);
    expect(family(await registry.metrics(), 'np_total').metrics).toEqual([
      { labels: { route: '/a' }, value: '1' },
      { labels: { route: '' }, value: '1' },
    ]);
    await registry.destroy();
  });

  it('refuses label values that are neither strings nor numbers', () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'typed_total', help: 'x', labelNames: ['a'] });
    expect(() => counter.inc({ a: {} } as never)).toThrow(/label a .*string or a number/);
    expect(() => counter.inc({ a: () => 1 } as never)).toThrow(/string or a number/);
  });
});

describe('label value length', () => {
  it(`sends values over the cap (default ${DEFAULT_MAX_LABEL_VALUE_LENGTH}) to overflow, counted`, async () => {
    const registry = createRegistry();
    const counter = registry.counter({ name: 'long_total', help: 'x', labelNames: ['path'] });
    counter.inc({ path: 'x'.repeat(DEFAULT_MAX_LABEL_VALUE_LENGTH) }); // at the cap: its own series
    for (let i = 0; i < 5; i++) counter.inc({ path: String(i).repeat(1024 * 1024) }); // five 1 MB values
    const text = await registry.metrics();
    expect(text.length).toBeLessThan(10_000);
    expect(family(text, 'long_total').metrics).toEqual([
      { labels: { path: 'x'.repeat(DEFAULT_MAX_LABEL_VALUE_LENGTH) }, value: '1' },
      { labels: { path: OVERFLOW_LABEL_VALUE }, value: '5' },
    ]);
    expect(family(text, 'heapwise_metrics_label_value_too_long_total').metrics).toEqual([
      { labels: { metric: 'long_total' }, value: '5' },
    ]);
    expect(counter.seriesCount).toBe(1);
    await registry.destroy();
  });

  it('takes a per-metric cap, and refuses a nonsensical one', async () => {
    const registry = createRegistry();
    const gauge = registry.gauge({ name: 'short', help: 'x', labelNames: ['v'], maxLabelValueLength: 3 });
    gauge.set({ v: 'abc' }, 1);
    gauge.set({ v: 'abcd' }, 2);
    expect(family(await registry.metrics(), 'short').metrics).toEqual([
      { labels: { v: 'abc' }, value: '1' },
      { labels: { v: OVERFLOW_LABEL_VALUE }, value: '2' },
    ]);
    expect(() => registry.gauge({ name: 'bad', help: 'x', maxLabelValueLength: 0 })).toThrow(/maxLabelValueLength/);
    await registry.destroy();
  });
});

describe('a scrape that destroy() interrupts', () => {
  it('answers the empty exposition, never a partial one', async () => {
    const registry = createRegistry();
    registry.counter({ name: 'kept_total', help: 'x' }).inc();
    let release!: () => void;
    registry.addCollector(() => new Promise<void>((resolve) => (release = resolve)));
    const scrape = registry.metrics();
    await registry.destroy();
    release();
    expect(await scrape).toBe('');
  });

  it('answers the empty exposition when destroy() lands between two chunks', async () => {
    const registry = createRegistry({ defaultMaxSeries: 5000 });
    const counter = registry.counter({ name: 'chunked_total', help: 'x', labelNames: ['id'] });
    for (let i = 0; i < 3000; i++) counter.inc({ id: String(i) });
    const scrape = registry.metrics();
    setImmediate(() => void registry.destroy());
    expect(await scrape).toBe('');
  });

  describe('over HTTP', () => {
    const servers: Server[] = [];
    afterEach(async () => {
      await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
    });

    it('answers 503 with a reason, not 200 with a partial body', async () => {
      const registry = createRegistry();
      registry.counter({ name: 'kept_total', help: 'x' }).inc();
      let release!: () => void;
      let collecting!: () => void;
      const started = new Promise<void>((resolve) => (collecting = resolve));
      registry.addCollector(
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
            collecting();
          }),
      );
      const server = createServer(createMetricsHandler(registry));
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
      await started;
      await registry.destroy();
      release();
      const answer = await reply;
      expect(answer.status).toBe(503);
      expect(answer.body).toMatch(/registry destroyed/);
    });
  });
});
