// The one record every logger cell writes: an HTTP access log line of a realistic size (~400 bytes
// serialised). `seq` lets the loopback server find duplicates and losses.

export const RECORD_MESSAGE = 'request completed';

export interface BenchRecord {
  seq: number;
  req: { id: string; method: string; url: string; remoteAddress: string; headers: Record<string, string> };
  res: { statusCode: number };
  responseTimeMs: number;
  userId: string;
  tenant: string;
}

export function makeRecord(seq: number): BenchRecord {
  return {
    seq,
    req: {
      id: `req-${seq}`,
      method: 'GET',
      url: '/api/orders/12345?expand=items',
      remoteAddress: '127.0.0.1',
      headers: {
        host: 'api.example.test',
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) heapwise-bench',
        accept: 'application/json',
      },
    },
    res: { statusCode: 200 },
    responseTimeMs: 12.5,
    userId: 'u-0042',
    tenant: 'acme',
  };
}

/** A shorter record, ~300 bytes as a pino line: the size the shipper's default buffer is sized for. */
export interface SmallRecord {
  seq: number;
  req: { id: string; method: string; url: string };
  res: { statusCode: number };
  responseTimeMs: number;
  userId: string;
  tenant: string;
}

export function makeSmallRecord(seq: number): SmallRecord {
  return {
    seq,
    req: { id: `req-${seq}`, method: 'GET', url: '/api/orders/12345?expand=items' },
    res: { statusCode: 200 },
    responseTimeMs: 12.5,
    userId: 'u-0042',
    tenant: 'acme',
  };
}

export type RecordKind = 'access' | 'small';

export function recordMaker(kind: RecordKind): (seq: number) => object {
  return kind === 'small' ? makeSmallRecord : makeRecord;
}
