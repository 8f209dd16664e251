'use strict';
// Loaded by `heapwise run` into a `node` command (`node --require …/v8-heap.cjs …`): remembers the V8
// heap in use after each major (mark-compact) GC and writes the last figure, in bytes, to the file
// named by HEAPWISE_V8_HEAP_FILE when the process exits. That is the task's live heap, the figure a
// heap flag must hold, while the tree's PSS also counts code, buffers and the young generation.
// CommonJS and dependency-free: it loads in any Node process before the command's own code. Its cost
// is one PerformanceObserver callback per batch of GC entries and one small write at exit.
const file = process.env.HEAPWISE_V8_HEAP_FILE;
if (file) {
  // The command's own child processes are not measured: they do not inherit the file.
  delete process.env.HEAPWISE_V8_HEAP_FILE;
  const { PerformanceObserver, constants } = require('node:perf_hooks');
  const { getHeapStatistics } = require('node:v8');
  const { writeFileSync } = require('node:fs');
  let lastBytes = -1;
  // Entries arrive on a later turn of the event loop after their GC: the heap read then is the live
  // heap plus what was allocated since, a close upper bound. A GC in the process's last turn is not
  // seen.
  const take = (entries) => {
    for (const entry of entries) {
      if (entry.detail && entry.detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        lastBytes = getHeapStatistics().used_heap_size;
    }
  };
  const observer = new PerformanceObserver((list) => take(list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  process.on('exit', () => {
    take(observer.takeRecords());
    if (lastBytes < 0) return;
    try {
      writeFileSync(file, String(lastBytes));
    } catch {
      // heapwise records the task without it
    }
  });
}
