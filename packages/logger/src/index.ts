export { SHIPPER_DEFAULTS, HTTP_LOGGING_DEFAULTS, REDACTION_DEFAULTS } from './limits.js';
export {
  createElasticsearchShipper,
  ElasticsearchShipper,
  type ElasticsearchShipperOptions,
} from './shipper/shipper.js';
export type { ShipperStats, DropEvent, DropReason } from './shipper/stats.js';
export { createIndexNamer, formatIndexName, type IndexOption } from './shipper/index-name.js';
export { createRedactor, type RedactionOptions, type Redactor } from './redaction.js';
export { createLogger, redactorOf, type CreateLoggerOptions } from './logger.js';
export { safeLogMethod } from './safe-logging.js';
export { createHttpLogging, redactBody, type HttpLoggingOptions, type HttpLogFields } from './http-logging.js';
export { redactUrl, redactUserinfo } from './url-redaction.js';
export { serializeRequest, serializeResponse } from './serializers.js';
