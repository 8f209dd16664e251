export { SHIPPER_DEFAULTS, HTTP_LOGGING_DEFAULTS, REDACTION_DEFAULTS } from './limits.js';
export { createElasticsearchShipper, ElasticsearchShipper } from './shipper/shipper.js';
export type { ElasticsearchShipperOptions } from './shipper/options.js';
export type { ShipperStats, DropEvent, DropReason } from './shipper/stats.js';
export { createIndexNamer, formatIndexName, type IndexOption } from './shipper/index-name.js';
export { createRedactor, type RedactionOptions, type Redactor } from './redaction.js';
export { createLogger, type CreateLoggerOptions } from './logger.js';
export { safeLogMethod } from './safe-logging.js';
export { createHttpLogging, redactUrl, type HttpLoggingOptions, type HttpLogFields } from './http-logging.js';
