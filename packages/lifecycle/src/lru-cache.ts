// Keyed caches: lru-cache bounds entry count (`max`), total size (`maxSize` + `sizeCalculation`)
// and age (`ttl`), and is well kept; we re-export it rather than write another.
export { LRUCache } from 'lru-cache';
