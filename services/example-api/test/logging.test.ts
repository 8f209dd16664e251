import { parsePrometheusText, startBulkServer } from '@heapwise/testkit';
import { describe, expect, it } from 'vitest';
import { requestJson, startService } from './service-process.js';

function parseJsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('logging', () => {
  it('writes JSON logs to stdout when ELASTICSEARCH_URL is not set', async () => {
    const service = await startService();
    try {
      await requestJson(`${service.url}/api/items?n=2`);
      await expect
        .poll(() => parseJsonLines(service.stdout()).some((r) => r.msg === 'items built'), { timeout: 5000 })
        .toBe(true);
      // Answered just before SIGTERM: its line must be written out before the process exits.
      await requestJson(`${service.url}/api/items?n=3`);
    } finally {
      expect((await service.stop()).code).toBe(0);
    }
    // The access-log line of @heapwise/logger's HTTP logging, one per request.
    const records = parseJsonLines(service.stdout());
    expect(records.some((r) => r.url === '/api/items?n=2' && r.statusCode === 200 && r.method === 'GET')).toBe(true);
    expect(records.some((r) => r.url === '/api/items?n=3')).toBe(true);
    expect(records.some((r) => String(r.msg).startsWith('shutdown: SIGTERM'))).toBe(true);
  }, 30_000);

  it('ships logs to _bulk if ELASTICSEARCH_URL is set, flushes on SIGTERM, has shipper stats on /metrics', async () => {
    const bulk = await startBulkServer();
    const service = await startService({ ELASTICSEARCH_URL: bulk.url, ELASTICSEARCH_INDEX: 'example-api-test' });
    try {
      await requestJson(`${service.url}/api/items?n=4`);
      await bulk.waitFor(() => bulk.sources().some((line) => line.includes('items built')), 10_000);
      expect(parseJsonLines(service.stdout())).toEqual([]); // nothing logged to stdout but the plain lines

      // The server has the document as soon as the request arrives; the service counts it shipped once
      // the answer is back and applied: read /metrics until it is.
      const shippedCount = (families: ReturnType<typeof parsePrometheusText>): number => {
        const records = families.find((family) => family.name === 'log_shipper_records_total');
        return Number(records?.metrics.find((m) => m.labels?.outcome === 'shipped')?.value ?? 0);
      };
      let families = parsePrometheusText(await (await fetch(`${service.url}/metrics`)).text());
      for (let reads = 1; shippedCount(families) < 1 && reads < 1_000; reads++) {
        families = parsePrometheusText(await (await fetch(`${service.url}/metrics`)).text());
      }
      expect(shippedCount(families)).toBeGreaterThanOrEqual(1);
      const dropped = families.find((family) => family.name === 'log_shipper_dropped_total');
      expect(dropped?.metrics.map((m) => m.labels?.reason).sort()).toEqual(
        expect.arrayContaining(['expired', 'overflow', 'rejected', 'shutdown']),
      );

      // A request just before SIGTERM: its log line must still reach Elasticsearch (flush on close).
      await requestJson(`${service.url}/api/items?n=7`);
      const status = await service.stop();
      expect(status.code).toBe(0);
      expect(bulk.sources().some((line) => line.includes('"count":7'))).toBe(true);
      expect([...bulk.docs.values()].every((doc) => doc.index === 'example-api-test')).toBe(true);
    } finally {
      await service.stop();
      await bulk.close();
    }
  }, 30_000);
});
