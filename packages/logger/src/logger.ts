import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { ecsFormat } from '@elastic/ecs-pino-format';
import { createRedactor, type RedactionOptions, type Redactor } from './redaction.js';
import { safeLogMethod } from './safe-logging.js';

type EcsOptions = NonNullable<Parameters<typeof ecsFormat>[0]>;

export interface CreateLoggerOptions extends Omit<LoggerOptions, 'redact' | 'transport'> {
  /** Where lines go: stdout by default; an Elasticsearch shipper, or any `{ write(line) }`. */
  destination?: DestinationStream;
  /**
   * Key-based redaction at any depth, on by default (see REDACTION_DEFAULTS.keys). `false` turns it
   * off; `{ paths }` adds pino's exact-path redaction on top.
   */
  redact?: false | (RedactionOptions & { paths?: string[] });
  /** ECS output for Kibana via @elastic/ecs-pino-format (`true` or its options). */
  ecs?: boolean | EcsOptions;
}

/**
 * A pino logger with secrets redacted, log calls that never throw, and optional ECS output.
 * `createLogger({ destination: createElasticsearchShipper({ node }) })` ships to Elasticsearch.
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const { destination, redact, ecs, formatters, serializers, hooks, ...rest } = options;
  const redactor = redact === false ? undefined : createRedactor(redact ?? {});
  const ecsOptions = ecs ? ecsFormat(ecs === true ? {} : ecs) : undefined;

  const userLog = formatters?.log;
  const ecsLog = ecsOptions?.formatters?.log;
  const userBindings = formatters?.bindings;
  const ecsBindings = ecsOptions?.formatters?.bindings;

  const pinoOptions: LoggerOptions = {
    ...ecsOptions,
    ...rest,
    serializers: wrapSerializers({ err: pino.stdSerializers.err, ...serializers }, redactor),
    formatters: {
      ...ecsOptions?.formatters,
      ...formatters,
      // Redact after ECS conversion: it turns req/res/err into plain objects the redactor can walk.
      log: (object) => {
        let result = userLog ? userLog(object) : object;
        if (ecsLog) result = ecsLog(result);
        return redactor ? redactor(result) : result;
      },
      bindings: (bindings) => {
        let result = userBindings ? userBindings(bindings) : bindings;
        if (ecsBindings) result = ecsBindings(result);
        return redactor ? redactor(result) : result;
      },
    },
    hooks: { ...hooks, logMethod: safeLogMethod(hooks?.logMethod) },
  };
  if (redact && redact.paths && redact.paths.length > 0) {
    pinoOptions.redact = { paths: redact.paths, censor: redact.censor ?? '[Redacted]' };
  }
  const logger = destination ? pino(pinoOptions, destination) : pino(pinoOptions);
  if (redactor) redactChildBindings(logger, redactor);
  return logger;
}

/**
 * pino applies `formatters.bindings` to the root's bindings only (children reset it), so child
 * bindings are redacted here. Children are created with Object.create(parent) and inherit this.
 */
function redactChildBindings(logger: Logger, redactor: Redactor): void {
  const originalChild = logger.child;
  const child = function (this: Logger, bindings: Record<string, unknown>, options?: unknown) {
    let safeBindings = bindings;
    try {
      safeBindings = redactor(bindings);
    } catch {
      // A throwing getter in the bindings: let pino report it as it would without redaction.
    }
    return (originalChild as unknown as (this: Logger, b: unknown, o?: unknown) => Logger).call(
      this,
      safeBindings,
      options,
    );
  };
  (logger as unknown as { child: typeof child }).child = child;
}

/** Serializers turn class instances (IncomingMessage, Error) into plain objects: redact their output. */
function wrapSerializers(
  serializers: Record<string, (value: any) => unknown>,
  redactor: Redactor | undefined,
): Record<string, (value: any) => unknown> {
  if (!redactor) return serializers;
  const wrapped: Record<string, (value: any) => unknown> = {};
  for (const [key, serializer] of Object.entries(serializers)) {
    wrapped[key] = (value: unknown) => redactor(serializer(value));
  }
  return wrapped;
}
