import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestJson, runMemory, startService, type RunningService } from './service-process.js';

const MB = 1024 * 1024;

// A leaky service, so that a cleanup has something to free.
let service: RunningService;
beforeAll(async () => {
  service = await startService({ HEAPWISE_DEMO_LEAK: '1' });
}, 30_000);
afterAll(async () => {
  expect((await service?.stop())?.code).toBe(0);
}, 15_000);

describe('memory:* commands', () => {
  it('memory:report prints status, heap, RSS, external, arrayBuffers, thresholds and cleanups', async () => {
    const { code, stdout } = await runMemory(['report'], service.url);
    expect(code).toBe(0);
    for (const label of ['status', 'heap used', 'rss', 'external', 'arrayBuffers', 'thresholds', 'cleanups']) {
      expect(stdout).toMatch(new RegExp(`^${label}\\s`, 'm'));
    }
    expect(stdout).toMatch(/^status\s+OK$/m);
  });

  it('memory:thresholds <warning>,<critical> sets them; malformed or inverted input exits 2', async () => {
    // within the heap size limit the test profile gives the service
    const limitMb = (await requestJson(`${service.url}/api/monitoring/memory`)).body.memory.heapSizeLimitBytes / MB;
    const [warning, critical] = [Math.round(limitMb * 0.5), Math.round(limitMb * 0.8)];
    const ok = await runMemory(['thresholds', `${warning},${critical}`], service.url);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`warning ${warning} MB, critical ${critical} MB`);
    const report = await requestJson(`${service.url}/api/monitoring/memory`);
    expect(report.body.thresholds).toEqual({ warningMb: warning, criticalMb: critical });
    // past the heap size limit: the service refuses, the command says why and exits 1
    const tooHigh = await runMemory(['thresholds', `${warning},${Math.ceil(limitMb) + 1000}`], service.url);
    expect(tooHigh.code).toBe(1);
    expect(tooHigh.stderr).toMatch(/answered 400: .*must not exceed the heap size limit/);
    for (const bad of [['thresholds', 'abc'], ['thresholds', '2500,1500'], ['thresholds'], ['thresholds', '0,10']]) {
      const result = await runMemory(bad, service.url);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^memory: .*threshold/m);
    }
  });

  it('memory:cleanup runs the cleanup actions (here: empties the demo leak)', async () => {
    for (let i = 0; i < 20; i++) await requestJson(`${service.url}/health`);
    const before = await requestJson(`${service.url}/api/monitoring/memory?gc=1`);
    expect(before.body.leakedEntries).toBeGreaterThanOrEqual(20);
    const { code, stdout } = await runMemory(['cleanup'], service.url);
    expect(code).toBe(0);
    expect(stdout).toContain('cleanup (moderate) done');
    expect(stdout).toMatch(/moderate \(manual\).*demo-leak/);
    const after = await requestJson(`${service.url}/api/monitoring/memory?gc=1`);
    expect(after.body.leakedEntries).toBeLessThanOrEqual(2); // the probes' own requests since
  });

  it('memory:monitor prints one line per interval until interrupted', async () => {
    const { stdout } = await runMemory(['monitor', '0.5'], service.url, 3000);
    const lines = stdout.split('\n').filter((line) => /^\d{4}-\d\d-\d\dT.*\s(OK|WARNING|CRITICAL)\s+heap/.test(line));
    expect(lines.length).toBeGreaterThanOrEqual(2);
  }, 20_000);

  it('says the service is not running, and exits 1, when nothing listens at SERVICE_URL', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as import('node:net').AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    const { code, stderr } = await runMemory(['report'], `http://127.0.0.1:${port}`);
    expect(code).toBe(1);
    expect(stderr).toContain('is the service running?');
  });

  it('refuses an unknown command and a malformed SERVICE_URL with exit 2', async () => {
    expect((await runMemory(['explode'], service.url)).code).toBe(2);
    const bad = await runMemory(['report'], 'not a url');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('SERVICE_URL');
  });
});
