import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startBulkServer } from '@heapwise/testkit';
import {
  createElasticsearchShipper,
  createLogger,
  createRedactor,
  formatIndexName,
  REDACTION_DEFAULTS,
} from '../src/index.js';
import { FAST, expectNoDuplicates, waitUntil } from './helpers.js';

function capture() {
  const lines: string[] = [];
  return {
    lines,
    destination: { write: (line: string) => void lines.push(line) },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a log line's shape is what each test asserts
    last: (): Record<string, any> => JSON.parse(lines.at(-1) ?? 'null') as Record<string, any>,
  };
}

class UpstreamError extends Error {
  readonly code = 'E_UPSTREAM';
  readonly status = 502;
  readonly retryable = 10n;
  readonly config = { headers: { authorization: 'Bearer secret-in-error' } };
  readonly self: unknown;
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
    this.self = this;
  }
}

describe('createLogger', () => {
  it('is a pino logger: levels, child loggers, serializers, err', () => {
    const out = capture();
    const logger = createLogger({
      destination: out.destination,
      level: 'debug',
      serializers: { user: (user: { id: number }) => ({ id: user.id }) },
    });
    logger.trace('hidden');
    expect(out.lines).toHaveLength(0);
    logger.debug({ user: { id: 7, email: 'a@b.c' } }, 'shown');
    expect(out.last()).toMatchObject({ level: 20, msg: 'shown', user: { id: 7 } });
    expect(out.last().user.email).toBeUndefined();
    const child = logger.child({ requestId: 'r1' });
    child.warn('from child');
    expect(out.last()).toMatchObject({ level: 40, requestId: 'r1', msg: 'from child' });
    logger.error(new Error('boom'));
    expect(out.last().err).toMatchObject({ type: 'Error', message: 'boom' });
    expect(out.last().err.stack).toContain('boom');
  });

  it('redacts secrets by default at any depth, in bindings and serializer output; caller’s object kept', () => {
    const out = capture();
    const logger = createLogger({ destination: out.destination });
    const request = {
      password: 'p',
      Authorization: 'Basic x',
      req: { headers: { authorization: 'Bearer t', cookie: 'sid=1', 'set-cookie': ['a=b'], host: 'h' } },
      deep: { a: { b: { c: { d: { apiKey: 'k', keep: 1 } } } } },
      list: [{ token: 't' }, { fine: true }],
    };
    logger.info(request, 'login');
    const written = out.last();
    expect(written.password).toBe('[Redacted]');
    expect(written.Authorization).toBe('[Redacted]');
    expect(written.req.headers).toEqual({
      authorization: '[Redacted]',
      cookie: '[Redacted]',
      'set-cookie': '[Redacted]',
      host: 'h',
    });
    expect(written.deep.a.b.c.d).toEqual({ apiKey: '[Redacted]', keep: 1 });
    expect(written.list).toEqual([{ token: '[Redacted]' }, { fine: true }]);
    expect(out.lines.at(-1)).not.toMatch(/Bearer t|sid=1|"k"/);
    // The caller's object is unchanged.
    expect(request.req.headers.authorization).toBe('Bearer t');
    expect(request.deep.a.b.c.d.apiKey).toBe('k');

    logger
      .child({ token: 'child-secret', svc: 'api' })
      .child({ nested: { password: 'x' } })
      .info('c');
    expect(out.last()).toMatchObject({ token: '[Redacted]', svc: 'api', nested: { password: '[Redacted]' } });

    logger.error({ err: new UpstreamError('bad gateway') }, 'upstream');
    expect(out.last().err.config.headers.authorization).toBe('[Redacted]');
    expect(out.lines.at(-1)).not.toContain('secret-in-error');
  });

  it('redaction is configurable: other keys, another censor, exact paths, or off', () => {
    const out = capture();
    createLogger({ destination: out.destination, redact: { keys: ['ssn'], censor: '***' } }).info({
      ssn: 1,
      password: 'visible',
    });
    expect(out.last()).toMatchObject({ ssn: '***', password: 'visible' });
    createLogger({ destination: out.destination, redact: { additionalKeys: ['ssn'], paths: ['user.name'] } }).info({
      ssn: 1,
      password: 'p',
      user: { name: 'n' },
    });
    expect(out.last()).toMatchObject({ ssn: '[Redacted]', password: '[Redacted]', user: { name: '[Redacted]' } });
    createLogger({ destination: out.destination, redact: false }).info({ password: 'plain' });
    expect(out.last().password).toBe('plain');
  });

  it('the redactor bounds its work and fails closed: past the depth or key budget the rest is truncated', () => {
    const redact = createRedactor({ maxDepth: 2, maxKeys: 10 });
    const deep = { a: { b: { c: { password: 'beyond depth' } } }, password: 'top' };
    expect(redact(deep)).toEqual({ a: { b: { c: '[Truncated]' } }, password: '[Redacted]' });
    const wide: Record<string, unknown> = {};
    for (let i = 0; i < 50; i++) wide[`k${i}`] = i;
    wide['password'] = 'after the budget';
    const cut = redact(wide);
    expect(JSON.stringify(cut)).not.toContain('after the budget');
    expect(cut['[Truncated]']).toMatch(/keys not examined/);
    expect(REDACTION_DEFAULTS.keys).toContain('authorization');
    // A cycle costs bounded time and is written as a marker, not followed into the unredacted original.
    const cyclic: Record<string, unknown> = { password: 'p' };
    cyclic['self'] = cyclic;
    const out = createRedactor()(cyclic);
    expect(out['password']).toBe('[Redacted]');
    expect(out['self']).toBe('[Circular]');
  });

  it('bad input never throws and always writes valid JSON', () => {
    const out = capture();
    const logger = createLogger({ destination: out.destination });
    const circular: Record<string, unknown> = { name: 'loop' };
    circular['self'] = circular;
    const throwingGetter = {
      get boom(): string {
        throw new Error('getter exploded');
      },
    };
    const hostileProxy = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('proxy exploded');
        },
      },
    );
    const inputs: [string, () => void][] = [
      ['circular', () => logger.info(circular, 'circular')],
      ['bigint', () => logger.info({ big: 12345678901234567890n }, 'bigint')],
      ['bigint message', () => logger.info(10n as unknown as string)],
      ['symbols', () => logger.info({ sym: Symbol('v'), [Symbol('k')]: 1 }, 'symbols')],
      ['symbol message', () => logger.info(Symbol('m') as unknown as string)],
      ['10 MB string', () => logger.info({ huge: 'x'.repeat(10 * 1024 * 1024) }, 'huge')],
      ['Error subclass with extra fields', () => logger.error(new UpstreamError('with fields'))],
      ['throwing getter', () => logger.info(throwingGetter, 'getter')],
      ['hostile proxy', () => logger.info(hostileProxy, 'proxy')],
      ['undefined and null', () => logger.info(undefined as unknown as string)],
      ['child with circular bindings', () => logger.child({ circular }).info('child')],
    ];
    for (const [name, call] of inputs) {
      const before = out.lines.length;
      expect(call, name).not.toThrow();
      expect(out.lines.length, name).toBe(before + 1);
      expect(() => JSON.parse(out.lines.at(-1) as string), name).not.toThrow();
    }
    // A getter that throws costs its own field only; the rest of the record is written.
    const getterLine = JSON.parse(out.lines[7]) as Record<string, unknown>;
    expect(getterLine).toMatchObject({ boom: '[Unreadable]', msg: 'getter' });
    const proxyLine = JSON.parse(out.lines[8]) as Record<string, unknown>;
    expect(proxyLine['logError']).toMatch(/could not be examined/);
    const errorLine = JSON.parse(out.lines[6]) as { err: Record<string, unknown> };
    expect(errorLine.err).toMatchObject({
      type: 'UpstreamError',
      message: 'with fields',
      code: 'E_UPSTREAM',
      status: 502,
    });
    // A destination that throws is not the caller's problem either.
    const failing = createLogger({
      destination: {
        write: () => {
          throw new Error('disk full');
        },
      },
    });
    expect(() => failing.info('x')).not.toThrow();
  });

  it('writes ECS for Kibana when asked, still redacted', () => {
    const out = capture();
    const logger = createLogger({ destination: out.destination, ecs: true });
    logger.info({ http: { request: { headers: { authorization: 'Bearer e' } } }, password: 'p' }, 'ecs');
    const written = out.last();
    expect(written['ecs.version']).toBeDefined();
    expect(written['@timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(written['log.level']).toBe('info');
    expect(written['message']).toBe('ecs');
    expect(written['http'].request.headers.authorization).toBe('[Redacted]');
    expect(written['password']).toBe('[Redacted]');
    logger.error({ err: new UpstreamError('ecs err') }, 'failed');
    expect(out.last()['error']).toMatchObject({ type: 'UpstreamError', message: 'ecs err' });
  });

  it('createLogger({ destination: shipper }) ships every line, once, into the dated index', async () => {
    const server = await startBulkServer();
    const shipper = createElasticsearchShipper({ node: server.url, ...FAST, index: 'app-%{+yyyy.MM.dd}' });
    try {
      const logger = createLogger({ destination: shipper, ecs: true });
      for (let seq = 0; seq < 250; seq++) logger.info({ seq }, 'shipped');
      await waitUntil(
        () => shipper.stats().shipped === 250,
        10_000,
        () => shipper.stats(),
      );
      expect(server.docs.size).toBe(250);
      const expectedIndex = formatIndexName('app-%{+yyyy.MM.dd}', new Date());
      for (const doc of server.docs.values()) expect(doc.index).toBe(expectedIndex);
      const first = JSON.parse([...server.docs.values()][0]?.source ?? '{}') as Record<string, unknown>;
      expect(first['message']).toBe('shipped');
      expectNoDuplicates(server);
      // pino's flush(cb) reaches the shipper.
      logger.info({ seq: 250 }, 'last');
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      expect(shipper.stats()).toMatchObject({ shipped: 251, buffered: 0 });
    } finally {
      await shipper.close(1_000);
      await server.close();
    }
  }, 20_000);

  it('writes to stdout by default (a real child process), and the process exits by itself', async () => {
    const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const code =
      `import { createLogger } from ${JSON.stringify(entry)}; const l = createLogger(); ` +
      "l.info({ password: 'x' }, 'to stdout'); l.child({ a: 1 }).warn('child');";
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', code],
        { timeout: 20_000 },
        (error, out) => (error ? reject(new Error(`child failed: ${error.message}`, { cause: error })) : resolve(out)),
      );
    });
    const lines = stdout
      .trim()
      .split('\n')
      .map((text) => JSON.parse(text) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 30, msg: 'to stdout', password: '[Redacted]' });
    expect(lines[1]).toMatchObject({ level: 40, msg: 'child', a: 1 });
  }, 30_000);

  it('index names: date patterns in UTC, or a function', () => {
    const date = new Date(Date.UTC(2026, 0, 2, 3, 4));
    expect(formatIndexName('logs-%{+yyyy.MM.dd}', date)).toBe('logs-2026.01.02');
    expect(formatIndexName('logs-%{+yy-MM-dd-HH.mm}', date)).toBe('logs-26-01-02-03.04');
    expect(formatIndexName('static', date)).toBe('static');
  });
});
