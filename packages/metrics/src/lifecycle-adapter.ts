// The one file through which this package reaches @heapwise/lifecycle's runtime API, so that a
// change there is a change here only.
export { createScope, liveScopeTotals } from '@heapwise/lifecycle';
export type { PeriodicOptions, Scope, TimerHandle } from '@heapwise/lifecycle';
export { RingBuffer } from '@heapwise/lifecycle';
