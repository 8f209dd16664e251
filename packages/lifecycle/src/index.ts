export {
  createScope,
  liveScopeTotals,
  DEFAULT_CLOSE_DEADLINE_MS,
  PERIODIC_FAILED_WARNING_CODE,
  type CloseReport,
  type LiveKind,
  type PeriodicOptions,
  type Scope,
  type ScopeStats,
  type TimerHandle,
} from './scope.js';
export { RingBuffer } from './ring-buffer.js';
export { LRUCache } from './lru-cache.js';
export {
  installShutdown,
  CLOSE_IDLE_INTERVAL_MS,
  DEFAULT_SHUTDOWN_SIGNALS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  type ShutdownHandle,
  type ShutdownOptions,
} from './shutdown.js';
