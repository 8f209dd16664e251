// One measured `turbo run` (plain or through `heapwise turbo`) in the generated workspace: wall, CPU,
// the sampled tree, and turbo's own count of tasks.
import { spawn } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { reapedChildrenCpuSeconds, sampleTree, type TreePeaks } from './tree.js';

/** How often the tree is sampled. A tsc task lives for seconds; 100 ms catches its plateau. */
export const TREE_SAMPLE_INTERVAL_MS = 100;
/** Output kept per run (the end of it), to say why a run failed. */
const MAX_OUTPUT_CHARS = 16_000;

export interface BuildRun extends TreePeaks {
  exitCode: number;
  wallSeconds: number;
  cpuSeconds: number;
  tasksTotal: number;
  tasksSuccessful: number;
  /** Tasks turbo ran that did not succeed (total − successful), or the total when turbo printed no summary. */
  failedTasks: number;
  outputTail: string;
}

/** turbo's closing summary: ` Tasks:    24 successful, 24 total`. */
export function parseTurboSummary(output: string): { successful: number; total: number } | undefined {
  // eslint-disable-next-line no-control-regex -- turbo colours its summary; strip the escapes first
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '');
  const match = /Tasks:\s+(\d+) successful, (\d+) total/.exec(plain);
  return match ? { successful: Number(match[1]), total: Number(match[2]) } : undefined;
}

/** Deletes every package's dist/ so that each run builds everything (turbo also runs with --force). */
export function cleanOutputs(workspace: string): void {
  for (const pkg of readdirSync(join(workspace, 'packages')))
    rmSync(join(workspace, 'packages', pkg, 'dist'), { recursive: true, force: true });
}

export function runBuild(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<BuildRun> {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuSeconds();
    const startedAt = performance.now();
    // Own process group, so a timeout takes the whole tree with it.
    const child = spawn(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const sampler = sampleTree(child.pid!, TREE_SAMPLE_INTERVAL_MS);
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      sampler.stop();
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const peaks = sampler.stop();
      const wallSeconds = (performance.now() - startedAt) / 1000;
      const summary = parseTurboSummary(output);
      const tasksTotal = summary?.total ?? 0;
      const tasksSuccessful = summary?.successful ?? 0;
      resolve({
        ...peaks,
        exitCode: code ?? (signal ? 128 : 1),
        wallSeconds,
        cpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
        tasksTotal,
        tasksSuccessful,
        failedTasks: summary ? tasksTotal - tasksSuccessful : Number.NaN,
        outputTail: output.slice(-2000),
      });
    });
  });
}
