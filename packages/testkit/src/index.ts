export { startBulkServer, BULK_SERVER_DEFAULTS } from './bulk-server.js';
export type { BulkServer, BulkServerOptions, BulkServerCounters, StoredDoc, RecordedRequest } from './bulk-server.js';
export type { BulkServerMode, BulkServerModeName, BulkItemInfo } from './bulk-modes.js';
export { parseBulkBody, generateDocumentId } from './bulk-protocol.js';
export type { ParsedBulkOp } from './bulk-protocol.js';
export { mulberry32 } from './random.js';
export { median } from './stats.js';
export { parsePrometheusText } from './prometheus.js';
export type { PrometheusFamily, PrometheusMetric } from './prometheus.js';
