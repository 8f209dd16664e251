// A lock file for short read-modify-write sections (the ledger, the admission pool) shared by every
// heapwise process on the machine. `open(…, 'wx')` creates it atomically; it holds the owner's PID and
// start time. A lock whose owner is dead, or older than STALE_LOCK_MS (a frozen owner: the sections
// it guards take milliseconds), is broken: renamed away first, so that of two processes breaking it
// at once only one succeeds, and put back if it turns out to be a live owner's fresh lock.
import { closeSync, linkSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { formatIdentity, isProcessAlive, parseIdentity, selfIdentity } from './process-identity.js';

/** A lock older than this is broken even when its owner still runs. */
export const STALE_LOCK_MS = 30_000;
/** How long to wait for a lock before giving up. */
export const LOCK_TIMEOUT_MS = 20_000;
const FIRST_RETRY_MS = 2;
const MAX_RETRY_MS = 50;

export class LockTimeoutError extends Error {
  constructor(lockFile: string, timeoutMs: number) {
    super(`could not lock ${lockFile} within ${timeoutMs} ms`);
    this.name = 'LockTimeoutError';
  }
}

export interface LockOptions {
  timeoutMs?: number;
  now?: () => number;
  /** Sleeps synchronously: the sections are short and run where nothing else needs the event loop. */
  sleepSync?: (ms: number) => void;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
function sleepSyncDefault(ms: number): void {
  Atomics.wait(sleepCell, 0, 0, ms);
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException).code;
}

function tryCreate(lockFile: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(lockFile, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readOrUndefined(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
}

/** Breaks `lockFile` if it is stale; true when the caller should retry at once. */
function breakIfStale(lockFile: string, nowMs: number): boolean {
  const content = readOrUndefined(lockFile);
  if (content === undefined) return true; // released meanwhile
  let ageMs = 0;
  try {
    ageMs = nowMs - statSync(lockFile).mtimeMs;
  } catch {
    return true;
  }
  const owner = parseIdentity(content);
  // An empty file is a lock being written right now (create, then write): young means live.
  const ownerDead = owner !== undefined && !isProcessAlive(owner);
  if (!ownerDead && ageMs < STALE_LOCK_MS) return false;
  const aside = `${lockFile}.${process.pid}.broken`;
  try {
    renameSync(lockFile, aside);
  } catch {
    return true; // someone else broke or released it
  }
  if (readOrUndefined(aside) !== content) {
    // We moved a fresh lock taken after our check: put it back unless yet another one exists.
    try {
      linkSync(aside, lockFile);
    } catch {
      // EEXIST: a third process holds the lock now; the fresh one we moved is lost to its owner,
      // who still runs its section: the rare double holder this cannot exclude without a kernel lock.
    }
  }
  try {
    unlinkSync(aside);
  } catch {
    // already gone
  }
  return true;
}

/** Runs `section` holding `lockFile`; throws LockTimeoutError when it cannot be had in time. */
export function withFileLock<T>(lockFile: string, section: () => T, options: LockOptions = {}): T {
  const now = options.now ?? Date.now;
  const sleepSync = options.sleepSync ?? sleepSyncDefault;
  const timeoutMs = options.timeoutMs ?? LOCK_TIMEOUT_MS;
  const content = `${formatIdentity(selfIdentity())}\n`;
  const deadline = now() + timeoutMs;
  let retryMs = FIRST_RETRY_MS;
  while (!tryCreate(lockFile, content)) {
    if (now() >= deadline) throw new LockTimeoutError(lockFile, timeoutMs);
    if (breakIfStale(lockFile, now())) continue;
    sleepSync(retryMs);
    retryMs = Math.min(MAX_RETRY_MS, retryMs * 2);
  }
  try {
    return section();
  } finally {
    // Only our own lock: one broken as stale (we were frozen) may be someone else's by now.
    if (readOrUndefined(lockFile) === content) {
      try {
        unlinkSync(lockFile);
      } catch {
        // gone already
      }
    }
  }
}
