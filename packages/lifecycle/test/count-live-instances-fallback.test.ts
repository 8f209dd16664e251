// countLiveInstances on a Node without v8.queryObjects (before 20.13): node:v8 is replaced by a copy
// without it, since the Node running the tests has it.
import { describe, expect, it, vi } from 'vitest';
import { countLiveInstances } from '../src/testing/index.js';

vi.mock('node:v8', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:v8')>();
  return { ...actual, queryObjects: undefined };
});

describe('countLiveInstances without v8.queryObjects', () => {
  it('returns undefined instead of throwing', () => {
    class Session {}
    expect(countLiveInstances(Session)).toBeUndefined();
  });
});
