import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The lock file's name inside a spool directory. */
export const LOCK_FILE = 'spool.lock';

/** Thrown when another live process holds the spool directory. */
export class SpoolLockedError extends Error {
  constructor(
    readonly dir: string,
    readonly ownerPid: number,
  ) {
    super(
      `spool directory ${dir} is in use by process ${ownerPid}: ` +
        'two processes cannot share a spool (give each its own dir)',
    );
    this.name = 'SpoolLockedError';
  }
}

/** True when a process with this pid exists (signal 0 checks without sending anything). */
export function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the directory's lock: a file created exclusively (`wx`) holding our pid. A lock left by a
 * process that no longer exists (killed with SIGKILL, the machine rebooted) is taken over; one held
 * by a live process is refused with SpoolLockedError. Returns the release function.
 */
export function lockDir(dir: string, isAlive: (pid: number) => boolean = processIsAlive): () => void {
  const path = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      try {
        writeSync(fd, String(process.pid));
      } finally {
        closeSync(fd);
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const ownerPid = Number.parseInt(readLock(path), 10);
      if (Number.isInteger(ownerPid) && ownerPid > 0 && ownerPid !== process.pid && isAlive(ownerPid)) {
        throw new SpoolLockedError(dir, ownerPid);
      }
      if (ownerPid === process.pid) throw new SpoolLockedError(dir, ownerPid);
      // Stale (dead owner, or a torn write left no pid): remove it and try again.
      rmSync(path, { force: true });
    }
  }
  throw new Error(`spool directory ${dir}: could not take the lock ${path}`);
}

function readLock(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}
