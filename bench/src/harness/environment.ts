// What every table states: Node, package versions, CPUs, date, and whether the machine was busy.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('../../', import.meta.url));
const repoDir = fileURLToPath(new URL('../../../', import.meta.url));

/** Version of a package as the bench workspace resolves it (bench/node_modules first, then the root's). */
export function packageVersion(name: string): string {
  for (const dir of [benchDir, repoDir]) {
    const file = `${dir}node_modules/${name}/package.json`;
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'not installed';
}

export interface Environment {
  node: string;
  cpus: number;
  cpuModel: string;
  date: string;
  loadAverage1m: number;
}

export function describeEnvironment(): Environment {
  return {
    node: process.version,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAverage1m: os.loadavg()[0] ?? 0,
  };
}

/**
 * Share of the machine's CPU time above which a run is reported as contended. Other engineers' builds
 * share these cores; 10 % of 2 CPUs is a fifth of a core, enough to move a throughput median.
 */
export const CONTENDED_OTHER_CPU_PERCENT = 10;

interface CpuSnapshot {
  totalTicks: number;
  busyTicks: number;
  ownTicks: number;
}

function snapshot(): CpuSnapshot | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = cpu.reduce((sum, value) => sum + value, 0);
    const idle = (cpu[3] ?? 0) + (cpu[4] ?? 0);
    // Fields after the parenthesised command name; utime, stime, cutime, cstime are 14-17 (1-based).
    const self = readFileSync('/proc/self/stat', 'utf8');
    const fields = self.slice(self.lastIndexOf(')') + 2).split(' ');
    const own = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return { totalTicks: total, busyTicks: total - idle, ownTicks: own };
  } catch {
    return undefined;
  }
}

export interface ContentionReport {
  /** CPU used by processes other than this bench and its children, as % of all CPUs. */
  otherCpuPercent: number;
  contended: boolean;
  text: string;
}

/**
 * Measures how much CPU other processes used while the bench ran: machine busy time from /proc/stat
 * minus this process and the children it waited for (/proc/self/stat cutime+cstime). Children must
 * wait for their own children (the loopback servers) so that their CPU is counted as ours.
 */
export function startContentionMonitor(): { stop(): ContentionReport } {
  const before = snapshot();
  return {
    stop() {
      const after = snapshot();
      if (before === undefined || after === undefined) {
        return { otherCpuPercent: Number.NaN, contended: false, text: 'CPU contention: unknown (no /proc)' };
      }
      const total = after.totalTicks - before.totalTicks;
      const other = Math.max(0, after.busyTicks - before.busyTicks - (after.ownTicks - before.ownTicks));
      const percent = total > 0 ? (100 * other) / total : 0;
      const contended = percent > CONTENDED_OTHER_CPU_PERCENT;
      return {
        otherCpuPercent: percent,
        contended,
        text: contended
          ? `**CONTENDED**: other processes used ${percent.toFixed(0)} % of the CPUs during this run; ` +
            'treat timings as rough'
          : `not contended: other processes used ${percent.toFixed(1)} % of the CPUs during this run`,
      };
    },
  };
}
