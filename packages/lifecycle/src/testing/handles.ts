import { setImmediate as nextTurn } from 'node:timers/promises';

function countByType(types: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  return counts;
}

/**
 * Runs `fn` and throws when it left ref'd handles behind: `process.getActiveResourcesInfo()`
 * before and after, read after two turns of the event loop (a socket lingers one turn after
 * `close()`). Names the new handles by type, e.g. `Timeout x1, TCPSocketWrap x2`. Unref'd timers
 * are not listed by Node, by design: they cannot keep a process alive. Run it where nothing else
 * opens handles concurrently.
 */
export async function expectNoOpenHandles<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = countByType(process.getActiveResourcesInfo());
  const result = await fn();
  await nextTurn();
  await nextTurn();
  const after = countByType(process.getActiveResourcesInfo());
  const added: string[] = [];
  for (const [type, count] of after) {
    const extra = count - (before.get(type) ?? 0);
    if (extra > 0) added.push(`${type} x${extra}`);
  }
  if (added.length > 0) throw new Error(`expectNoOpenHandles: left open: ${added.join(', ')}`);
  return result;
}
