// The wrapper's own cost: start-up of `heapwise run <task> -- true` against `node -e 0`, and the
// memory a wrapper holds while its command runs.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childrenOf, commandLine, readProcessMemory, type ProcessMemory } from '@heapwise/node-options';
import { classify, reapedChildrenCpuSeconds } from './tree.js';

export interface StartupSample {
  wallMs: number;
  cpuMs: number;
  exitCode: number;
}

/** Runs `node args…` to completion; wall from spawn to exit, CPU of the reaped tree. */
export function timeProcess(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<StartupSample> {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuSeconds();
    const startedAt = performance.now();
    const child = spawn(process.execPath, [...args], { cwd: options.cwd, env: options.env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('close', (code) => {
      resolve({
        wallMs: performance.now() - startedAt,
        cpuMs: (reapedChildrenCpuSeconds() - cpuBefore) * 1000,
        exitCode: code ?? 1,
      });
    });
  });
}

/** Samples of each command, interleaved (A, B, A, B, …) so that the machine's drift hits both alike. */
export async function interleaved(
  commands: readonly (readonly string[])[],
  runs: number,
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<StartupSample[][]> {
  const samples: StartupSample[][] = commands.map(() => []);
  // One discarded round: the first start of each reads its files from disk.
  for (const args of commands) await timeProcess(args, options);
  for (let run = 0; run < runs; run += 1)
    for (const [index, args] of commands.entries()) samples[index].push(await timeProcess(args, options));
  return samples;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The root script that runs a wrapper the way every task runs one: under `npm run`. */
export const PROBE_SCRIPT = 'heapwise-wrapper-probe';

/** Adds PROBE_SCRIPT (`heapwise run build -- sleep 3`) to the workspace's root package.json. */
export function addProbeScript(workspace: string): void {
  const file = join(workspace, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { scripts?: Record<string, string> };
  manifest.scripts = { ...manifest.scripts, [PROBE_SCRIPT]: 'heapwise run build -- sleep 3' };
  writeFileSync(file, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** The first `heapwise run` process below `pid`, breadth first. */
function findWrapper(pid: number): number | undefined {
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (classify(commandLine(next)) === 'heapwise-run') return next;
    queue.push(...childrenOf(next));
  }
  return undefined;
}

/**
 * The memory of a `heapwise run` wrapper while its command (`sleep`) runs: the largest of a few
 * samples taken after the command started, by which time everything needed only to start it could
 * have been let go. `underNpm`: started by `npm run` as turbo starts every task (npm, a Node process
 * too, shares the node binary's pages with it); otherwise spawned alone by this bench.
 */
export async function wrapperMemory(
  heapwiseBin: string,
  options: { cwd: string; env: NodeJS.ProcessEnv; underNpm: boolean },
): Promise<ProcessMemory | undefined> {
  const [command, args] = options.underNpm
    ? ['npm', ['run', '--silent', PROBE_SCRIPT]]
    : [process.execPath, [heapwiseBin, 'run', 'build', '--', 'sleep', '3']];
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  let memory: ProcessMemory | undefined;
  const deadline = Date.now() + 10_000;
  let wrapper: number | undefined;
  while (Date.now() < deadline) {
    wrapper = findWrapper(child.pid!);
    if (wrapper !== undefined && childrenOf(wrapper).length > 0) break;
    await sleep(10);
  }
  if (wrapper === undefined) {
    await exited;
    return undefined;
  }
  // Let the wrapper settle into its waiting state (its sampler has taken a few samples by then).
  await sleep(500);
  for (let sample = 0; sample < 5; sample += 1) {
    const now = readProcessMemory(wrapper);
    if (now !== undefined && (memory === undefined || now.privateBytes > memory.privateBytes)) memory = now;
    await sleep(200);
  }
  await exited;
  return memory;
}
