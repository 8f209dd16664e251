// Peak RSS of a whole process tree, CPU time and wall time of one command.
//
// Why not /usr/bin/time -v: it reports the largest single process, and TypeScript 7 runs
// as a native child of a Node launcher on Node 20 (the launcher stays alive), so the tree
// is what a CI runner's memory limit sees. Summed RSS counts pages shared between the
// processes twice; with one launcher (~45 MB) and one compiler that error is small.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** How often the tree is sampled; a 50 ms peak can still be missed, a longer one cannot. */
export const sampleIntervalMs = 50;

/** Bytes of stdout/stderr kept per run, to report why a run failed. */
export const maxOutputBytes = 8 * 1024;

const pageBytes = 4096;
const clockTicksPerSecond = 100;

/** Direct children of `pid`, from every thread's /proc children list. */
function childrenOf(pid) {
  const children = [];
  let tasks;
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children; // exited between samples
  }
  for (const tid of tasks) {
    try {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) for (const child of text.split(' ')) children.push(Number(child));
    } catch {
      // thread or process exited meanwhile
    }
  }
  return children;
}

function rssBytes(pid) {
  try {
    const resident = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
    return resident * pageBytes;
  } catch {
    return 0;
  }
}

/** Summed RSS of `rootPid` and all its descendants right now. */
export function treeRssBytes(rootPid) {
  let total = 0;
  const queue = [rootPid];
  const seen = new Set();
  while (queue.length > 0) {
    const pid = queue.pop();
    if (seen.has(pid)) continue;
    seen.add(pid);
    total += rssBytes(pid);
    queue.push(...childrenOf(pid));
  }
  return total;
}

/**
 * CPU seconds of this process's reaped descendants (cutime + cstime). A child's figure
 * includes its own waited-for children, so the difference across one run is the CPU of
 * the whole tree, threads included.
 */
function reapedChildrenCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); cutime and cstime are fields 16 and 17.
  return (Number(fields[13]) + Number(fields[14])) / clockTicksPerSecond;
}

/**
 * Runs `command args` in `cwd` with `env`, sampling the tree's RSS every 50 ms.
 * Resolves { exitCode, signal, peakRssBytes, cpuSeconds, wallSeconds, output }.
 */
export function measure(command, args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const cpuBefore = reapedChildrenCpuSeconds();
    const startedAt = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk) => {
      output = (output + chunk.toString()).slice(-maxOutputBytes);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let peakRssBytes = 0;
    const sample = () => {
      peakRssBytes = Math.max(peakRssBytes, treeRssBytes(child.pid));
    };
    const timer = setInterval(sample, sampleIntervalMs);
    child.once('spawn', sample);
    child.once('error', (/** @type {Error} */ error) => {
      clearInterval(timer);
      reject(error);
    });
    child.once('exit', (exitCode, signal) => {
      clearInterval(timer);
      const wallSeconds = (performance.now() - startedAt) / 1000;
      // 'exit' fires after the child was reaped, so cutime/cstime already include it.
      resolve({
        exitCode,
        signal,
        peakRssBytes,
        cpuSeconds: reapedChildrenCpuSeconds() - cpuBefore,
        wallSeconds,
        output,
      });
    });
  });
}
