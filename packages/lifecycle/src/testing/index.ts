export { forceGc, expectCollectable, countLiveInstances, DEFAULT_COLLECT_TIMEOUT_MS } from './gc.js';
export {
  measureHeapSlope,
  fitSlope,
  DEFAULT_SLOPE_ITERATIONS,
  DEFAULT_SLOPE_SAMPLES,
  DEFAULT_SLOPE_WARMUP,
  type HeapSlope,
} from './heap-slope.js';
export { expectNoOpenHandles } from './handles.js';
