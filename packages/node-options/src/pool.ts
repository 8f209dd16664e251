// Memory-weighted admission: one memory pool per machine, shared by every `heapwise run`.
//
// A reservation is a small JSON file in the pool directory, named after its process's PID and start
// time. Before starting its command a run adds its own file as `waiting`, then, under the pool's
// lock, turns it into `held` when admitDecision() says the pool can hold it; otherwise it polls
// again (backing off up to MAX_POLL_MS). The file is removed when the command exits; a file whose
// process is dead (or whose PID now belongs to another process) is removed by whoever sees it next.
// Files and a lock rather than a daemon: nothing to start or to leave running, and a SIGKILLed run
// costs only its file until the next check.
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from './file-lock.js';
import { isProcessAlive, selfIdentity, type ProcessIdentity } from './process-identity.js';
import { formatBytes } from './size.js';

export const POOL_DIR_ENV = 'HEAPWISE_POOL_DIR';
export const FIRST_POLL_MS = 25;
export const MAX_POLL_MS = 500;
const LOCK_FILE = 'pool.lock';
const RESERVATION_SUFFIX = '.reservation.json';

export interface Reservation extends ProcessIdentity {
  key: string;
  bytes: number;
  state: 'waiting' | 'held';
  /** When it started waiting: the oldest waiter has priority. */
  arrivalMs: number;
}

export interface AdmitDecision {
  admit: boolean;
  heldBytes: number;
  holders: Reservation[];
  /** Set when an older waiter is ahead of this one. */
  aheadOf?: Reservation;
}

function olderFirst(a: Reservation, b: Reservation): number {
  return a.arrivalMs - b.arrivalMs || a.pid - b.pid;
}

/**
 * Whether `me` may start now. It fits when the held reservations plus its own stay within the limit,
 * or when nothing is held at all (a task bigger than the whole pool runs alone: never a deadlock).
 * The oldest waiter goes first; a younger one may pass it only when both fit together, so that small
 * tasks cannot starve a big one.
 */
export function admitDecision(me: Reservation, others: readonly Reservation[], limitBytes: number): AdmitDecision {
  const holders = others.filter((other) => other.state === 'held');
  const heldBytes = holders.reduce((sum, holder) => sum + holder.bytes, 0);
  const fits = heldBytes === 0 || heldBytes + me.bytes <= limitBytes;
  const oldest = others.filter((other) => other.state === 'waiting').sort(olderFirst)[0];
  const ahead = oldest !== undefined && olderFirst(oldest, me) < 0 ? oldest : undefined;
  if (ahead === undefined) return { admit: fits, heldBytes, holders };
  const bothFit = heldBytes + me.bytes + ahead.bytes <= limitBytes;
  return { admit: fits && bothFit, heldBytes, holders, aheadOf: ahead };
}

/** One line for stderr saying what a waiting run waits for. */
export function describeWait(me: Reservation, decision: AdmitDecision, limitBytes: number): string {
  const holders = decision.holders.map((holder) => holder.key).join(', ');
  const heldBy = holders ? ` by ${holders}` : '';
  const held = `${formatBytes(decision.heldBytes)} of the ${formatBytes(limitBytes)} pool held${heldBy}`;
  const behind = decision.aheadOf ? `; ${decision.aheadOf.key} waits longer` : '';
  return `heapwise: [${me.key}] waits for ${formatBytes(me.bytes)} of memory (${held}${behind})`;
}

export function defaultPoolDir(env: NodeJS.ProcessEnv): string {
  const fromEnv = env[POOL_DIR_ENV];
  if (fromEnv) return fromEnv;
  let user = 'user';
  try {
    user = String(userInfo().uid >= 0 ? userInfo().uid : userInfo().username);
  } catch {
    // no passwd entry: one shared name
  }
  return join(tmpdir(), `heapwise-${user}`, 'pool');
}

function fileFor(dir: string, identity: ProcessIdentity): string {
  return join(dir, `${identity.pid}-${identity.startTime || '0'}${RESERVATION_SUFFIX}`);
}

function isReservation(value: unknown): value is Reservation {
  const r = value as Reservation;
  return (
    typeof r === 'object' &&
    r !== null &&
    Number.isInteger(r.pid) &&
    typeof r.startTime === 'string' &&
    typeof r.key === 'string' &&
    Number.isFinite(r.bytes) &&
    (r.state === 'waiting' || r.state === 'held') &&
    Number.isFinite(r.arrivalMs)
  );
}

export interface PoolOptions {
  dir: string;
  isAlive?: (identity: ProcessIdentity) => boolean;
  /** Who this is; default this process (tests make several). */
  identity?: ProcessIdentity;
}

/** The reservations in the pool, dead ones removed. Call under the lock. */
export function liveReservations(options: PoolOptions): Reservation[] {
  const isAlive = options.isAlive ?? isProcessAlive;
  const result: Reservation[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(options.dir);
  } catch {
    return result;
  }
  for (const name of names) {
    if (!name.endsWith(RESERVATION_SUFFIX)) continue;
    const file = join(options.dir, name);
    let reservation: unknown;
    try {
      reservation = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      reservation = undefined;
    }
    if (!isReservation(reservation) || !isAlive(reservation)) {
      try {
        unlinkSync(file);
      } catch {
        // removed by someone else
      }
      continue;
    }
    result.push(reservation);
  }
  return result;
}

function writeReservation(dir: string, reservation: Reservation): void {
  const file = fileFor(dir, reservation);
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, JSON.stringify(reservation));
  renameSync(temporary, file);
}

export interface ReserveOptions extends PoolOptions {
  key: string;
  bytes: number;
  limitBytes: number;
  /** Called once, with the line saying what the run waits for. */
  onWait?: (line: string) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export interface Admission {
  /** How long the run waited, ms. */
  waitedMs: number;
  /** Removes the reservation; idempotent. */
  release: () => void;
}

const sleepDefault = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });

/** Waits until the pool holds `bytes` for this run, then holds them until release(). */
export async function reserve(options: ReserveOptions): Promise<Admission> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? sleepDefault;
  const identity = options.identity ?? selfIdentity();
  mkdirSync(options.dir, { recursive: true });
  const lockFile = join(options.dir, LOCK_FILE);
  const me: Reservation = {
    ...identity,
    key: options.key,
    bytes: options.bytes,
    state: 'waiting',
    arrivalMs: now(),
  };
  const file = fileFor(options.dir, identity);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    try {
      unlinkSync(file);
    } catch {
      // reclaimed already
    }
  };
  let pollMs = FIRST_POLL_MS;
  let announced = false;
  for (;;) {
    const decision = withFileLock(lockFile, () => {
      const others = liveReservations(options).filter(
        (other) => other.pid !== identity.pid || other.startTime !== identity.startTime,
      );
      const result = admitDecision(me, others, options.limitBytes);
      writeReservation(options.dir, result.admit ? { ...me, state: 'held' } : me);
      return result;
    });
    if (decision.admit) return { waitedMs: now() - me.arrivalMs, release };
    if (!announced) options.onWait?.(describeWait(me, decision, options.limitBytes));
    announced = true;
    await sleep(pollMs);
    pollMs = Math.min(MAX_POLL_MS, Math.ceil(pollMs * 1.5));
  }
}
