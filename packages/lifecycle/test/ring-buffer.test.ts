import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../src/index.js';

describe('RingBuffer', () => {
  it('keeps the newest items past capacity and counts evictions', () => {
    const buffer = new RingBuffer<number>(3);
    for (let i = 0; i < 10; i += 1) buffer.push(i);
    expect(buffer.size).toBe(3);
    expect(buffer.capacity).toBe(3);
    expect(buffer.evicted).toBe(7);
    expect(buffer.toArray()).toEqual([7, 8, 9]);
    expect([...buffer]).toEqual([7, 8, 9]);
  });

  it('returns items in order before it is full', () => {
    const buffer = new RingBuffer<string>(4);
    buffer.push('a');
    buffer.push('b');
    expect(buffer.toArray()).toEqual(['a', 'b']);
    expect(buffer.evicted).toBe(0);
  });

  it('clear() empties it and keeps the eviction count', () => {
    const buffer = new RingBuffer<number>(2);
    for (let i = 0; i < 5; i += 1) buffer.push(i);
    buffer.clear();
    expect(buffer.size).toBe(0);
    expect(buffer.toArray()).toEqual([]);
    expect(buffer.evicted).toBe(3);
    buffer.push(42);
    expect(buffer.toArray()).toEqual([42]);
  });

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(1.5)).toThrow(RangeError);
  });

  it('holds no more than capacity items however many are pushed', () => {
    const buffer = new RingBuffer<{ payload: string }>(100);
    for (let i = 0; i < 100_000; i += 1) buffer.push({ payload: `item ${i}` });
    expect(buffer.size).toBe(100);
    expect(buffer.evicted).toBe(99_900);
    expect(buffer.toArray()[0]).toEqual({ payload: 'item 99900' });
  });
});
