// The CLI on Node 22 and 24: a representative subset of the other tests (which run on this machine's
// Node), run with each version as both the CLI's runtime and the child's. Node 22 and 24 are installed before the tests
// by scripts/install-node-matrix.mjs (`.ci/run` runs it); here they are only looked up. A missing one
// fails under CI and is skipped, with the reason printed, elsewhere.
import { execFileSync } from 'node:child_process';
import { dirname, delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installedNode, isCi, NODE_MATRIX_MAJORS } from '../scripts/install-node-matrix.mjs';
import {
  cgroupV2Root,
  cleanEnv,
  fixtureDir,
  GIB,
  packageDir,
  PERCENTAGE_UNSUPPORTED,
  repoRoot,
  runCli,
  TEST_PROFILE,
} from './helpers.js';

interface Runtime {
  label: string;
  major: string;
  node: string;
}

const runtimes: Runtime[] = [];
for (const major of NODE_MATRIX_MAJORS) {
  const installed = installedNode(major);
  if (installed.node !== undefined) runtimes.push({ label: `Node ${major}`, major, node: installed.node });
  else if (isCi()) {
    describe(`heapwise on Node ${major}`, () => {
      it('has its Node installed (scripts/install-node-matrix.mjs)', () => {
        throw new Error(installed.reason);
      });
    });
  } else {
    // Outside CI a missing Node is a skip with its reason, shown in the run (and the file still has a suite).
    console.log(`heapwise matrix: skipping Node ${major}: ${installed.reason}`);
    describe(`heapwise on Node ${major}`, () => {
      it.skip(`not installed: ${installed.reason}`, () => {});
    });
  }
}
const SIGNAL_COUNTER = join(packageDir, 'test', 'fixtures', 'signal-counter.mjs');
const HEAP_OVERHEAD_MAX_MB = 256;
const HEAP_CHILD = `console.log(JSON.stringify({
  version: process.version, gc: typeof gc, goMemLimit: process.env.GOMEMLIMIT,
  heapLimitMb: require('node:v8').getHeapStatistics().heap_size_limit / 1048576 }))`;

/** Whether that Node accepts --max-old-space-size-percentage: asked of the binary, not assumed from its version. */
function acceptsPercentage(node: string): boolean {
  return (
    execFileSync(node, ['-p', "process.allowedNodeEnvironmentFlags.has('--max-old-space-size-percentage')"], {
      encoding: 'utf8',
    }).trim() === 'true'
  );
}

for (const runtime of runtimes) {
  describe(`heapwise on ${runtime.label}`, () => {
    const { node } = runtime;
    // `node` on PATH is this runtime too, so `heapwise run … -- node` runs the same version.
    const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv =>
      cleanEnv({
        PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
        HEAPWISE_CGROUP_ROOT: cgroupV2Root(16 * GIB),
        ...extra,
      });

    it('run test: heap limit, gc and GOMEMLIMIT reach the child', async () => {
      const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
      const result = await runCli(['run', 'test', '--', 'node', '-e', HEAP_CHILD], { cwd, env: env(), node });
      expect(result.code, result.stderr).toBe(0);
      const child = JSON.parse(result.stdout) as {
        version: string;
        gc: string;
        goMemLimit: string;
        heapLimitMb: number;
      };
      expect(child.version.startsWith(`v${runtime.major}.`)).toBe(true);
      expect(child.gc).toBe('function');
      expect(child.goMemLimit).toBe('2048MiB');
      expect(child.heapLimitMb).toBeGreaterThanOrEqual(2048);
      expect(child.heapLimitMb).toBeLessThanOrEqual(2048 + HEAP_OVERHEAD_MAX_MB);
    });

    it('validates flags against this Node: the percentage flag is accepted exactly where Node accepts it', async () => {
      const cwd = fixtureDir({ '.node-options': '[svc]\n--max-old-space-size-percentage=50\n' });
      const result = await runCli(['print', 'svc', '--memory', '8g', '--format', 'json'], { cwd, env: env(), node });
      if (acceptsPercentage(node)) {
        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({
          requestedHeapMb: 4096,
          heapMb: 4096,
          nodeOptions: '--max-old-space-size=4096',
        });
      } else {
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(
          /^\.node-options:2: --max-old-space-size-percentage is not allowed in NODE_OPTIONS on Node v20\./,
        );
      }
    });

    it('print --percentage expresses the budget as a share of the memory limit where supported', async () => {
      const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
      // the real limit here: the percentage is applied by Node to the memory it sees
      const plain = cleanEnv({ PATH: env().PATH });
      const result = await runCli(['print', 'test', '--format', 'json', '--percentage'], { cwd, env: plain, node });
      if (!acceptsPercentage(node)) {
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(PERCENTAGE_UNSUPPORTED);
        return;
      }
      expect(result.code).toBe(0);
      const printed = JSON.parse(result.stdout) as { nodeOptions: string; heapPercentage: number; heapMb: number };
      expect(printed.nodeOptions).toBe(
        `--enable-source-maps --expose-gc --max-old-space-size-percentage=${printed.heapPercentage}`,
      );
      const heapLimitMb = Number(
        execFileSync(node, ['-p', 'require("node:v8").getHeapStatistics().heap_size_limit / 1048576'], {
          env: { ...plain, NODE_OPTIONS: printed.nodeOptions },
          encoding: 'utf8',
        }),
      );
      // rounded down to 0.01 % of the limit, plus the young generation
      expect(heapLimitMb).toBeGreaterThanOrEqual(printed.heapMb - 16);
      expect(heapLimitMb).toBeLessThanOrEqual(printed.heapMb + HEAP_OVERHEAD_MAX_MB);
    });

    it('SIGTERM to the runner reaches the child once; exit 143', async () => {
      const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
      const result = await runCli(['run', 'test', '--', 'node', SIGNAL_COUNTER, 'SIGTERM'], {
        cwd,
        env: env(),
        node,
        onSpawn: (child, readStdout) => {
          const poll = setInterval(() => {
            if (readStdout().includes('ready')) {
              clearInterval(poll);
              child.kill('SIGTERM');
            }
          }, 20);
        },
      });
      expect(result.stdout, result.stderr).toBe('ready\nreceived SIGTERM 1\n');
      expect(result.code).toBe(143);
    });

    it('doctor passes on this repository; .nvmrc and end-of-life are warnings only', async () => {
      // env() injects a 16 GiB memory limit: the result does not depend on this machine's memory.
      const result = await runCli(['doctor'], { cwd: repoRoot, env: env(), node });
      expect(result.stdout, result.stderr).toMatch(/\n0 problem\(s\)/);
      expect(result.code).toBe(0);
      if (runtime.major !== '20') expect(result.stdout).toMatch(/warn {4}Node v\d+\.\S+ differs from \.nvmrc \(20\)/);
      expect(result.stdout).toContain(
        acceptsPercentage(node) ? 'this Node accepts --max-old-space-size-percentage' : 'this Node does not accept',
      );
    });
  });
}
