import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('importing @heapwise/logger', () => {
  it('does not load the Elasticsearch client until a shipper is created (fresh process)', async () => {
    const probe = fileURLToPath(new URL('./fixtures/import-probe.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', probe], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 30_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      afterImport: number;
      afterShipper: number;
    };
    expect(result.afterImport).toBe(0);
    // The probe sees the client once it is needed, so the 0 above is not a blind spot.
    expect(result.afterShipper).toBeGreaterThan(0);
  }, 40_000);
});
