import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { admitDecision, describeWait, liveReservations, reserve, type Reservation } from '../src/pool.js';
import type { ProcessIdentity } from '../src/process-identity.js';
import { fixtureDir } from './helpers.js';

const GIB = 1024 ** 3;
const reservation = (
  key: string,
  gib: number,
  state: Reservation['state'],
  arrivalMs: number,
  pid = 1,
): Reservation => ({
  pid,
  startTime: '1',
  key,
  bytes: gib * GIB,
  state,
  arrivalMs,
});

describe('admission decision', () => {
  it('admits while the held reservations and this one fit the limit', () => {
    const held = [reservation('a#build', 1, 'held', 0)];
    expect(admitDecision(reservation('b#build', 2, 'waiting', 5), held, 3 * GIB).admit).toBe(true);
    const decision = admitDecision(reservation('b#build', 2.5, 'waiting', 5), held, 3 * GIB);
    expect(decision.admit).toBe(false);
    expect(decision.heldBytes).toBe(GIB);
    expect(describeWait(reservation('b#build', 2.5, 'waiting', 5), decision, 3 * GIB)).toBe(
      'heapwise: [b#build] waits for 2560 MiB of memory (1 GiB of the 3 GiB pool held by a#build)',
    );
  });

  it('a task bigger than the pool runs when nothing is held, and waits otherwise', () => {
    expect(admitDecision(reservation('huge#build', 10, 'waiting', 5), [], 3 * GIB).admit).toBe(true);
    expect(
      admitDecision(reservation('huge#build', 10, 'waiting', 5), [reservation('a#x', 0.1, 'held', 0)], 3 * GIB).admit,
    ).toBe(false);
  });

  it('the oldest waiter goes first: a younger one passes it only when both fit', () => {
    const held = [reservation('a#build', 1, 'held', 0)];
    const bigOld = reservation('big#build', 2.5, 'waiting', 1, 2);
    expect(admitDecision(reservation('small#test', 0.5, 'waiting', 2), [...held, bigOld], 3 * GIB)).toMatchObject({
      admit: false,
      aheadOf: bigOld,
    });
    const smallOld = reservation('small#build', 0.5, 'waiting', 1, 2);
    expect(admitDecision(reservation('b#test', 1, 'waiting', 2), [...held, smallOld], 3 * GIB).admit).toBe(true);
  });
});

describe('reserve', () => {
  it('waits, saying once what for, until the holder releases; dead holders are reclaimed', async () => {
    const dir = fixtureDir({});
    const alive = new Set<number>([101, 102]);
    const isAlive = (identity: ProcessIdentity): boolean => alive.has(identity.pid);
    const first = await reserve({
      dir,
      key: 'a#build',
      bytes: 2 * GIB,
      limitBytes: 3 * GIB,
      identity: { pid: 101, startTime: '1' },
      isAlive,
    });
    const lines: string[] = [];
    let polls = 0;
    const second = await reserve({
      dir,
      key: 'b#build',
      bytes: 2 * GIB,
      limitBytes: 3 * GIB,
      identity: { pid: 102, startTime: '1' },
      isAlive,
      onWait: (line) => lines.push(line),
      sleep: () => {
        polls += 1;
        if (polls === 3) first.release();
        return Promise.resolve();
      },
    });
    expect(polls).toBe(3);
    expect(lines).toEqual(['heapwise: [b#build] waits for 2 GiB of memory (2 GiB of the 3 GiB pool held by a#build)']);
    // 102 dies holding its reservation: the next one reclaims it.
    alive.delete(102);
    alive.add(103);
    await reserve({
      dir,
      key: 'c#build',
      bytes: 2 * GIB,
      limitBytes: 3 * GIB,
      identity: { pid: 103, startTime: '1' },
      isAlive,
      sleep: () => Promise.reject(new Error('should not wait: 102 is dead')),
    });
    expect(liveReservations({ dir, isAlive }).map((r) => [r.key, r.state])).toEqual([['c#build', 'held']]);
    second.release();
    second.release();
    expect(readdirSync(dir).filter((name) => name.includes('102'))).toEqual([]);
  });
});
