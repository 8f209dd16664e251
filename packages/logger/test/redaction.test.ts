import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpLogging, createLogger, createRedactor, type CreateLoggerOptions } from '../src/index.js';

// Every secret in this file contains SECRET (or is hunter2), so one regex proves none was written.
const LEAK = /SECRET|hunter2/;

type Line = Record<string, unknown>;

function parse(line: string | undefined): Line {
  return JSON.parse(line ?? 'null') as Line;
}

function capture(options: Omit<CreateLoggerOptions, 'destination'> = {}) {
  const lines: string[] = [];
  const logger = createLogger({ ...options, destination: { write: (line: string) => void lines.push(line) } });
  return {
    logger,
    lines,
    last: (): Line => parse(lines.at(-1)),
  };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  const server = createServer(handler);
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return address.port;
}

/** One real request with credentials in its headers; resolves when the response has ended. */
function callWithCredentials(port: number, path = '/orders?page=2&token=query-SECRET'): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        headers: { Authorization: 'Bearer header-SECRET', Cookie: 'sid=cookie-SECRET', 'X-Request-Id': 'r-1' },
      },
      (res) => {
        res.resume();
        res.on('end', resolve);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.each([
  ['plain', {}],
  ['ecs', { ecs: true }],
  ['ecs converting req/res', { ecs: { convertReqRes: true } }],
] as const)('a raw node:http request and response (%s)', (_name, options) => {
  it('log.info({ req }), log.info({ res }), nested and as bindings: headers censored, no raw headers', async () => {
    const out = capture(options);
    const port = await serve((req, res) => {
      out.logger.info({ req }, 'incoming');
      out.logger.info({ context: { req } }, 'nested');
      out.logger.child({ req }).info('bound');
      res.setHeader('Set-Cookie', 'sid=set-cookie-SECRET');
      res.end('ok');
      res.on('finish', () => out.logger.info({ req, res }, 'finished'));
    });
    await callWithCredentials(port);
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.lines).toHaveLength(4);
    for (const line of out.lines) {
      expect(line).not.toMatch(LEAK);
      expect(line).not.toContain('rawHeaders');
      expect(line).not.toContain('_readableState');
      // The request's shape (pino-std-serializers' or ECS's), not 5 KB of socket state.
      expect(line.length).toBeLessThan(1_500);
      expect(line).toContain('127.0.0.1');
      expect(line).toContain('/orders?page=2&token=[Redacted]');
    }
    const finished = parse(out.lines[3]);
    if ('req' in finished) {
      expect(finished['req']).toMatchObject({
        method: 'GET',
        headers: { authorization: '[Redacted]', cookie: '[Redacted]' },
      });
      expect(finished['req']).toMatchObject({ headers: { 'x-request-id': 'r-1' } });
      expect(finished['res']).toMatchObject({ statusCode: 200, headers: { 'set-cookie': '[Redacted]' } });
    } else {
      expect(finished['http']).toMatchObject({
        request: { headers: { authorization: '[Redacted]', cookie: '[Redacted]' } },
      });
    }
  });
});

describe('redaction fails closed', () => {
  it('a 2000-item array beside the headers does not spend the budget: authorization stays censored', () => {
    const out = capture();
    out.logger.info({ body: { arr: Array(2000).fill(0) }, headers: { authorization: 'Bearer budget-SECRET' } });
    expect(out.lines.at(-1)).not.toMatch(LEAK);
    expect(out.last()['headers']).toEqual({ authorization: '[Redacted]' });
  });

  it('when the budget really runs out, the rest is truncated and marked', () => {
    const out = capture();
    const body = { items: Array.from({ length: 3_000 }, (_, i) => ({ i })) };
    out.logger.info({ body, headers: { authorization: 'Bearer exhausted-SECRET' }, after: { password: 'x-SECRET' } });
    const line = out.lines.at(-1) as string;
    expect(line).not.toMatch(LEAK);
    expect(line).toContain('[Truncated]');
  });

  it('deeper than maxDepth is truncated, not written unexamined', () => {
    const out = capture();
    let deep: Record<string, unknown> = { password: 'deep-SECRET', apiKey: 'deep-SECRET' };
    for (let i = 0; i < 40; i++) deep = { level: deep };
    out.logger.info({ deep });
    expect(out.lines.at(-1)).not.toMatch(LEAK);
    expect(out.lines.at(-1)).toContain('[Truncated]');
  });

  it('a cycle is not followed back into the unredacted original', () => {
    const out = capture();
    const cyclic: Record<string, unknown> = { password: 'cycle-SECRET', name: 'loop' };
    cyclic['self'] = { back: cyclic };
    out.logger.info({ cyclic });
    expect(out.lines.at(-1)).not.toMatch(LEAK);
    expect(out.last()['cyclic']).toEqual({ password: '[Redacted]', name: 'loop', self: { back: '[Circular]' } });
  });
});

describe('errors', () => {
  const innerError = () =>
    Object.assign(new Error('inner failed'), { config: { headers: { authorization: 'Bearer inner-SECRET' } } });

  it.each([
    ['plain', {}],
    ['ecs', { ecs: true }],
  ] as const)('AggregateError inner errors and error-valued fields are redacted (%s)', (_name, options) => {
    const out = capture(options);
    const aggregate = new AggregateError([innerError(), innerError()], 'all failed');
    out.logger.error({ err: aggregate }, 'aggregate');
    out.logger.error(aggregate);
    class Details {
      readonly password = 'details-SECRET';
      readonly retry = 3;
    }
    out.logger.error({ err: Object.assign(new Error('outer'), { details: new Details(), upstream: innerError() }) });
    out.logger.error({ err: new Error('with cause', { cause: innerError() }) });
    for (const line of out.lines) expect(line).not.toMatch(LEAK);
    if (!('ecs' in options)) {
      const first = parse(out.lines[0]) as { err: { aggregateErrors: Line[] } };
      expect(first.err.aggregateErrors).toHaveLength(2);
      expect(first.err.aggregateErrors[0]?.['config']).toEqual({ headers: { authorization: '[Redacted]' } });
      const third = parse(out.lines[2]) as { err: Line };
      expect(third.err['details']).toEqual({ password: '[Redacted]', retry: 3 });
    }
  });

  it('an HTTP client error carrying its outgoing request writes the parsed request, not its raw head', async () => {
    const out = capture();
    const port = await serve((_req, res) => res.end('ok'));
    const clientRequest = request({
      host: '127.0.0.1',
      port,
      agent: false,
      headers: { authorization: 'Bearer out-SECRET' },
    });
    clientRequest.end();
    const [response] = (await once(clientRequest, 'response')) as [IncomingMessage];
    response.resume();
    await once(response, 'end');
    out.logger.error({ err: Object.assign(new Error('upstream 500'), { request: clientRequest, response }) });
    const line = out.lines.at(-1) as string;
    expect(line).not.toMatch(LEAK);
    expect(line.length).toBeLessThan(3_000);
    expect((out.last() as { err: Line })['err']['request']).toMatchObject({
      method: 'GET',
      path: '/',
      headers: { authorization: '[Redacted]' },
    });
  });
});

describe('URL credentials', () => {
  it('are censored in string fields, URL objects, messages, printf arguments and error messages', () => {
    const out = capture();
    out.logger.info({ target: 'http://admin:hunter2@db.internal:5432/app' }, 'field');
    out.logger.info({ target: new URL('https://admin:hunter2@db.internal/x?token=url-SECRET&page=1') }, 'URL object');
    out.logger.info({ targets: ['postgres://u:hunter2@h/db', 'plain'] }, 'array');
    out.logger.info('connecting to http://admin:hunter2@db.internal/');
    out.logger.info('connecting to %s', 'http://admin:hunter2@db.internal/');
    out.logger.error(new Error('connect ECONNREFUSED http://admin:hunter2@db.internal/'));
    out.logger.info({ odd: 'see http://user:p@ss:hunter2@host/path and mailto:someone@example.test' });
    for (const line of out.lines) expect(line).not.toMatch(LEAK);
    expect(parse(out.lines[0])).toMatchObject({ target: 'http://[Redacted]@db.internal:5432/app' });
    expect(parse(out.lines[1])).toMatchObject({
      target: 'https://[Redacted]@db.internal/x?token=[Redacted]&page=1',
    });
    expect(parse(out.lines[3])).toMatchObject({ msg: 'connecting to http://[Redacted]@db.internal/' });
    expect(parse(out.lines[6])['odd']).toContain('mailto:someone@example.test');
  });

  it('are censored in the HTTP middleware’s url (an absolute-form request line)', async () => {
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    const httpLogging = createHttpLogging({ logger });
    const port = await serve((req, res) => {
      httpLogging(req, res);
      res.end('ok');
    });
    const socket = connect(port, '127.0.0.1');
    socket.end(
      'GET http://admin:hunter2@proxied.test/path?token=proxy-SECRET HTTP/1.1\r\n' +
        'Host: proxied.test\r\nConnection: close\r\n\r\n',
    );
    socket.resume();
    await once(socket, 'close');
    for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(LEAK);
    expect(parse(lines[0])).toMatchObject({
      url: 'http://[Redacted]@proxied.test/path?token=[Redacted]',
    });
  });
});

describe('other shapes', () => {
  it('class instances, toJSON, Map/Set, Buffers, symbols, throwing getters', () => {
    const out = capture();
    class Credentials {
      user = 'ann';
      password = 'class-SECRET';
      nested = { token: 'class-nested-SECRET' };
    }
    out.logger.info({ creds: new Credentials() }, 'class');
    out.logger.info({ session: { toJSON: () => ({ sessionId: 'tojson-SECRET', ok: true }) } }, 'toJSON');
    out.logger.info({ map: new Map([['password', 'map-SECRET']]), set: new Set(['set-SECRET']) }, 'collections');
    out.logger.info({ body: Buffer.from('{"password":"buffer-SECRET"}'), view: new Uint8Array(4) }, 'binary');
    out.logger.info({ [Symbol('password')]: 'symbol-SECRET', sym: Symbol('s') }, 'symbols');
    out.logger.info(
      {
        get broken(): string {
          throw new Error('no');
        },
        user: { password: 'getter-SECRET' },
      },
      'getter',
    );
    for (const line of out.lines) expect(line).not.toMatch(LEAK);
    const [cls, toJSON, collections, binary, , getter] = out.lines.map((line) => parse(line));
    expect(cls?.['creds']).toEqual({ user: 'ann', password: '[Redacted]', nested: { token: '[Redacted]' } });
    expect(toJSON?.['session']).toEqual({ sessionId: '[Redacted]', ok: true });
    expect(collections).toMatchObject({ map: {}, set: {} });
    expect(binary).toMatchObject({ body: '[Binary: 28 bytes]', view: '[Binary: 4 bytes]' });
    expect(getter).toMatchObject({ broken: '[Unreadable]', user: { password: '[Redacted]' } });
  });

  it('a child’s own serializers and log formatter cannot bypass redaction', () => {
    const out = capture();
    class User {
      constructor(private readonly secret: string) {}
      token(): string {
        return this.secret;
      }
    }
    out.logger
      .child({}, { serializers: { user: (user: User) => ({ token: user.token(), name: 'ann' }) } })
      .info({ user: new User('child-serializer-SECRET') });
    out.logger
      .child({}, { formatters: { log: (object: object) => object } })
      .info({ password: 'child-formatter-SECRET' });
    out.logger
      .child({}, { formatters: { log: (object: object) => object } })
      .child({ grand: true })
      .info({ password: 'grandchild-SECRET' });
    expect(out.lines).toHaveLength(3);
    for (const line of out.lines) expect(line).not.toMatch(LEAK);
    expect(parse(out.lines[0])['user']).toEqual({ token: '[Redacted]', name: 'ann' });
  });

  it('reads own enumerable keys only, as JSON.stringify does, even with Object.prototype polluted', () => {
    const redact = createRedactor();
    const inheriting = Object.create({ inheritedToken: 'proto-SECRET', shared: 1 }) as Record<string, unknown>;
    inheriting['password'] = 'own-SECRET';
    inheriting['a'] = 1;
    class Account {
      token = 'class-SECRET';
      nested = { password: 'nested-SECRET' };
    }
    Object.defineProperty(Account.prototype, 'visible', { value: 2, enumerable: true });
    const cases = (): { value: object; expected: object }[] => [
      { value: inheriting, expected: { password: '[Redacted]', a: 1 } },
      { value: new Account(), expected: { token: '[Redacted]', nested: { password: '[Redacted]' } } },
      { value: { a: { b: 'text', password: 'plain-SECRET' } }, expected: { a: { b: 'text', password: '[Redacted]' } } },
    ];
    // Results are compared once Object.prototype is clean again (the matchers iterate objects too).
    const results = (): { result: unknown; expected: object }[] =>
      cases().map(({ value, expected }) => ({ result: redact(value), expected }));
    const clean = { a: 1, b: { c: 'text' } };
    const beforePollution = results();
    Object.defineProperty(Object.prototype, 'polluted', { value: 'v', enumerable: true, configurable: true });
    let duringPollution: { result: unknown; expected: object }[];
    let cleanDuringPollution: unknown;
    try {
      duringPollution = results();
      cleanDuringPollution = redact(clean);
    } finally {
      delete (Object.prototype as Record<string, unknown>)['polluted'];
    }
    // An enumerable key on Object.prototype is neither examined as an own key nor copied.
    for (const { result, expected } of [...beforePollution, ...duringPollution]) {
      expect(JSON.stringify(result)).not.toMatch(LEAK);
      expect(result).toEqual(expected);
      expect(Object.keys(result as object)).toEqual(Object.keys(expected));
    }
    expect(redact(clean)).toBe(clean);
    expect(cleanDuringPollution).toBe(clean);
  });

  it('out of key budget: the examined keys are kept and one marker counts the rest', () => {
    const redact = createRedactor({ maxKeys: 3 });
    // The object costs one unit, each key one: `a` and `b` are examined, three are not.
    expect(redact({ a: 1, b: 2, c: 3, d: 4, e: 5 })).toEqual({ a: 1, b: 2, '[Truncated]': '3 keys not examined' });
  });

  it('the redactor itself: same result shape for plain data, the caller’s objects untouched', () => {
    const redact = createRedactor();
    const input = { a: 1, b: 'text', c: [1, 'two', { password: 'p' }], d: null };
    expect(redact(input)).toEqual({ a: 1, b: 'text', c: [1, 'two', { password: '[Redacted]' }], d: null });
    expect(input.c[2]).toEqual({ password: 'p' });
    const clean = { a: { b: [1, 2, 3] } };
    expect(redact(clean)).toBe(clean);
  });
});
