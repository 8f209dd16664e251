import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './service-process.js';

/**
 * Short soaks. The fixed service gets the longer one: on a busy machine the JIT keeps
 * optimizing and deoptimizing for a while after the warm-up, which is noise of a few tens of
 * KB in code space; the leak (over 100 B/request) stands out after a few seconds.
 */
const FIXED_SOAK_SECONDS = 25;
const LEAKY_SOAK_SECONDS = 15;
const SOAK_TIMEOUT_MS = 120_000;

let outDir: string;
beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'example-api-soak-'));
});
afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

function runSoak(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'soak.mjs'), ...args], {
      cwd: repoRoot,
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

interface SoakReport {
  verdict: string;
  slopeBytesPerRequest: number;
  stdErrorBytesPerRequest: number;
  requests: number;
  samples: { requests: number; heapUsed: number; rss: number }[];
  leakedEntries: number;
  service: { exitCode: number | null };
}

describe('soak command line', () => {
  it.each([
    [['--duration', 'soon'], /--duration must be an integer/],
    [['--warmup', '-5'], /--warmup/],
    [['--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with exit 2 and the usage', async (args, message) => {
    const { code, output } = await runSoak(args);
    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output).toContain('usage: npm run soak');
  });
});

// Sequential on purpose: two soaks at once would each measure the other's load.
describe.sequential('soak', () => {
  it(
    `passes the fixed service (${FIXED_SOAK_SECONDS} s)`,
    async () => {
      const out = join(outDir, 'fixed.json');
      const { code, output } = await runSoak(['--duration', String(FIXED_SOAK_SECONDS), '--out', out]);
      const report = JSON.parse(await readFile(out, 'utf8')) as SoakReport;
      expect(output).toContain('PASS');
      expect(code).toBe(0);
      expect(report.verdict).toBe('pass');
      expect(report.slopeBytesPerRequest).toBeLessThanOrEqual(5);
      expect(report.stdErrorBytesPerRequest).toBeGreaterThan(0);
      // One sample per second plus the time each forced GC takes: fewer than SOAK_SECONDS on a busy machine.
      expect(report.samples.length).toBeGreaterThanOrEqual(FIXED_SOAK_SECONDS / 2);
      expect(report.requests).toBe(report.samples[report.samples.length - 1].requests);
      expect(report.leakedEntries).toBe(0);
      expect(report.service.exitCode).toBe(0);
      const svg = await readFile(join(outDir, 'fixed.svg'), 'utf8');
      expect(svg).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<polyline[\s\S]*class="fit"[\s\S]*<\/svg>\s*$/);
    },
    SOAK_TIMEOUT_MS,
  );

  it(
    `fails the leaky service (HEAPWISE_DEMO_LEAK=1, ${LEAKY_SOAK_SECONDS} s)`,
    async () => {
      const out = join(outDir, 'leaky.json');
      // A shorter warm-up is enough here: warm-up effects can only add to the slope.
      const { code, output } = await runSoak([
        '--duration',
        String(LEAKY_SOAK_SECONDS),
        '--warmup',
        '5000',
        '--leak',
        '--out',
        out,
      ]);
      const report = JSON.parse(await readFile(out, 'utf8')) as SoakReport;
      expect(output).toContain('FAIL');
      expect(code).toBe(1);
      expect(report.verdict).toBe('fail');
      expect(report.slopeBytesPerRequest).toBeGreaterThan(5);
      expect(report.leakedEntries).toBeGreaterThan(report.requests);
    },
    SOAK_TIMEOUT_MS,
  );
});
