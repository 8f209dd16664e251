import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('importing @heapwise/logger', () => {
  it('loads none of the Elasticsearch client, ECS formatter, node:crypto until used (fresh process)', async () => {
    const probe = fileURLToPath(new URL('./fixtures/import-probe.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', probe], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, NODE_OPTIONS: '' },
      timeout: 30_000,
    });
    const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
      afterImport: number;
      afterShipper: number;
      ecsAfterImport: boolean;
      ecsAfterEcsLogger: boolean;
      cryptoImportedAtImport: boolean;
      cryptoImportSeen: boolean;
    };
    expect(result.afterImport).toBe(0);
    // The probe sees the client once it is needed, so the 0 above is not a blind spot.
    expect(result.afterShipper).toBeGreaterThan(0);
    // Nor the ECS formatter, until a logger asks for ECS output (and then it is seen).
    expect(result.ecsAfterImport).toBe(false);
    expect(result.ecsAfterEcsLogger).toBe(true);
    // Nor node:crypto (the shipper's ids use Web Crypto's global); the probe's own import of it is
    // seen, so the hook does see builtins.
    expect(result.cryptoImportedAtImport).toBe(false);
    expect(result.cryptoImportSeen).toBe(true);
  }, 40_000);
});
