// The evidence a critical memory status leaves: with HEAP_PROFILE_DIR set, an admin request (or
// the first critical reading) makes the service write a sampling heap profile; in the demo leak
// mode that profile names the function that leaks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, requestJson, startService, type ErrorBody, type RunningService } from './service-process.js';

interface ProfileNode {
  callFrame: { functionName: string };
  selfSize: number;
  children: ProfileNode[];
}

function selfBytesByFunction(head: ProfileNode): Map<string, number> {
  const totals = new Map<string, number>();
  const visit = (node: ProfileNode) => {
    const name = node.callFrame.functionName || '(anonymous)';
    totals.set(name, (totals.get(name) ?? 0) + node.selfSize);
    node.children.forEach(visit);
  };
  visit(head);
  return totals;
}

const dir = mkdtempSync(join(tmpdir(), 'heapwise-example-api-profiles-'));
let service: RunningService;
beforeAll(async () => {
  service = await startService({
    HEAPWISE_DEMO_LEAK: '1',
    HEAP_PROFILE_DIR: dir,
    HEAP_PROFILE_DURATION_MS: '3000',
    // a busy CI machine may serve only a few hundred requests while it samples: sample finely
    HEAP_PROFILE_SAMPLING_INTERVAL_BYTES: '256',
  });
}, 30_000);
afterAll(async () => {
  expect((await service?.stop())?.code).toBe(0);
  rmSync(dir, { recursive: true, force: true });
}, 15_000);

describe('heap profiles', () => {
  it('the leak mode’s profile names the leaking function', async () => {
    const capture = postJson<{ records: { kind: string; trigger: string; file: string; bytes: number }[] }>(
      `${service.url}/api/monitoring/heap-profile`,
      {},
    );
    // load while it samples: each request leaves one Map entry behind (and allocates much more
    // that does not stay)
    let requests = 0;
    let done = false;
    void capture.finally(() => (done = true));
    while (!done && requests < 20_000) {
      await Promise.all(Array.from({ length: 20 }, () => requestJson(`${service.url}/health`)));
      requests += 20;
    }
    const answer = await capture;
    expect(answer.status).toBe(200);
    const [record] = answer.body.records;
    expect(record).toMatchObject({ kind: 'profile', trigger: 'manual' });
    expect(record.file.startsWith(dir)).toBe(true);
    const profile = JSON.parse(readFileSync(record.file, 'utf8')) as { head: ProfileNode };
    const bytes = selfBytesByFunction(profile.head);
    const leaking = bytes.get('keepDemoLeakEntry') ?? 0;
    expect(leaking, `after ${requests} requests`).toBeGreaterThan(0);
    // the report lists it
    const report = await requestJson<{ diagnostics: { file: string }[] }>(`${service.url}/api/monitoring/memory`);
    expect(report.body.diagnostics.map((d) => d.file)).toContain(record.file);
  }, 60_000);

  it('is an admin route, and says how to turn profiles on when they are off', async () => {
    const guarded = await startService({ ADMIN_TOKEN: 'profile-token', HEAP_PROFILE_DIR: dir });
    const off = await startService({});
    try {
      expect((await postJson(`${guarded.url}/api/monitoring/heap-profile`, {})).status).toBe(401);
      const disabled = await postJson<ErrorBody>(`${off.url}/api/monitoring/heap-profile`, {});
      expect(disabled.status).toBe(409);
      expect(disabled.body.error).toMatch(/HEAP_PROFILE_DIR/);
    } finally {
      expect((await guarded.stop()).code).toBe(0);
      expect((await off.stop()).code).toBe(0);
    }
  }, 60_000);
});
