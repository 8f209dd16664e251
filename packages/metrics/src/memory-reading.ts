// What the memory monitor reads on each check.
import * as v8 from 'node:v8';

export interface MemoryReading {
  heapUsedBytes: number;
  heapTotalBytes: number;
  rssBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  heapSizeLimitBytes: number;
}

export function readProcessMemory(): MemoryReading {
  const memory = process.memoryUsage();
  return {
    heapUsedBytes: memory.heapUsed,
    heapTotalBytes: memory.heapTotal,
    rssBytes: memory.rss,
    externalBytes: memory.external,
    arrayBuffersBytes: memory.arrayBuffers,
    heapSizeLimitBytes: v8.getHeapStatistics().heap_size_limit,
  };
}
