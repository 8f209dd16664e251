// A process is identified by its PID *and* its start time: a PID is reused once its process is gone,
// so a lock or reservation left by a dead process must not be taken for one of a live newcomer.
import { readFileSync } from 'node:fs';

export interface ProcessIdentity {
  pid: number;
  /** Clock ticks since boot (field 22 of /proc/PID/stat) on Linux; '' where it cannot be read. */
  startTime: string;
}

/** The start time of `pid`, or '' where /proc is not available (then only the PID is compared). */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? '';
  } catch {
    return '';
  }
}

export function selfIdentity(): ProcessIdentity {
  return { pid: process.pid, startTime: processStartTime(process.pid) };
}

/** Whether the process that wrote `identity` still runs (not merely some process with its PID). */
export function isProcessAlive(identity: ProcessIdentity): boolean {
  try {
    process.kill(identity.pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (identity.startTime === '') return true;
  const now = processStartTime(identity.pid);
  return now === '' || now === identity.startTime;
}

export function formatIdentity(identity: ProcessIdentity): string {
  return `${identity.pid} ${identity.startTime}`;
}

export function parseIdentity(text: string): ProcessIdentity | undefined {
  const match = /^(\d+) ?(\d*)\s*$/.exec(text);
  if (!match) return undefined;
  return { pid: Number(match[1]), startTime: match[2] ?? '' };
}
