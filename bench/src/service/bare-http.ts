// The peer of example-api: a bare node:http server with the same start-up line and the same
// `/api/slow?ms=N` route. `BARE_SIGTERM=close` adds the usual hand-written graceful stop
// (server.close(), exit when it is done); without it Node's default SIGTERM kills the process.
import { createServer } from 'node:http';

/** Same bound as example-api's /api/slow. */
const MAX_SLOW_MS = 10_000;

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/api/slow') {
    const ms = Math.min(MAX_SLOW_MS, Math.max(0, Number(url.searchParams.get('ms') ?? 0) || 0));
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ waitedMs: ms }));
    }, ms);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"ok":true}');
});

if (process.env.BARE_SIGTERM === 'close') {
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') console.log(`listening on http://${address.address}:${address.port}`);
});
