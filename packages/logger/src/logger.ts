import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger, type LoggerOptions, type SerializerFn } from 'pino';
import type { ecsFormat as EcsFormat } from '@elastic/ecs-pino-format';
import { REDACTION_DEFAULTS } from './limits.js';
import { createRedactor, isPlainData, type RedactionOptions, type Redactor } from './redaction.js';
import { safeLogMethod } from './safe-logging.js';
import { serializeRequest, serializeResponse } from './serializers.js';

type Serializer = SerializerFn;
type LogFormatter = (object: Record<string, unknown>) => Record<string, unknown>;

type EcsOptions = NonNullable<Parameters<typeof EcsFormat>[0]>;

const requireHere = createRequire(import.meta.url);

/**
 * `@elastic/ecs-pino-format`, loaded by the first logger created with `ecs` (a CommonJS module, so
 * synchronously, as `createLogger` is): 1.6 MiB of RSS over pino that a logger without ECS output
 * does not pay (measured after importing pino, Node 20).
 */
function loadEcsFormat(): typeof EcsFormat {
  return (requireHere('@elastic/ecs-pino-format') as { ecsFormat: typeof EcsFormat }).ecsFormat;
}

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
  const ecsOptions = ecs ? loadEcsFormat()(ecs === true ? {} : ecs) : undefined;
  const errorKey = rest.errorKey ?? 'err';
  const messageKey = rest.messageKey ?? ecsOptions?.messageKey ?? 'msg';
  const allSerializers: Record<string, Serializer> = {
    ...(redactor
      ? builtinSerializers(redactor, messageKey)
      : { err: pino.stdSerializers.err, req: serializeRequest, res: serializeResponse }),
    ...(redactor ? wrapSerializers(serializers ?? {}, redactor) : serializers),
  };

  const userBindings = formatters?.bindings;
  const ecsBindings = ecsOptions?.formatters?.bindings;
  const makeLog = (userLog: LogFormatter | undefined, serializerKeys: Iterable<string>): LogFormatter =>
    logFormatter(userLog, ecsOptions?.formatters?.log, redactor, serializedKeySet(serializerKeys, errorKey));

  const pinoOptions: LoggerOptions = {
    ...ecsOptions,
    ...rest,
    serializers: allSerializers,
    formatters: {
      ...ecsOptions?.formatters,
      ...formatters,
      log: makeLog(formatters?.log, Object.keys(allSerializers)),
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
  // Children inherit it through their prototype: the HTTP middleware redacts bodies with it.
  Object.defineProperty(logger, REDACTOR, { value: redactor ?? null });
  if (redactor) redactChildren(logger, redactor, Object.keys(allSerializers), formatters?.log, makeLog);
  return logger;
}

const REDACTOR = Symbol('heapwise.redactor');

/**
 * The redactor a logger made by `createLogger` uses (null when its redaction is off); for any other
 * pino logger, undefined.
 */
export function redactorOf(logger: Logger): Redactor | null | undefined {
  return (logger as unknown as { [REDACTOR]?: Redactor | null })[REDACTOR];
}

/** The top-level keys pino hands to a serializer after `formatters.log` ran. */
function serializedKeySet(serializerKeys: Iterable<string>, errorKey: string): ReadonlySet<string> {
  const keys = new Set(serializerKeys);
  if (keys.has('err')) keys.add(errorKey);
  return keys;
}

/**
 * The log formatter: the user's, then ECS (which turns err/req/res into plain fields when asked),
 * then redaction of the result. pino calls serializers after this, so the keys they handle are left
 * for them (their output is redacted by `wrapSerializers`).
 */
function logFormatter(
  userLog: LogFormatter | undefined,
  ecsLog: LogFormatter | undefined,
  redactor: Redactor | undefined,
  serializedKeys: ReadonlySet<string>,
): LogFormatter {
  return (object) => {
    let result = userLog ? userLog(object) : object;
    if (ecsLog) result = ecsLog(result);
    if (!redactor) return result;
    const redacted: unknown = redactor(result, serializedKeys);
    if (redacted !== null && typeof redacted === 'object') return redacted as Record<string, unknown>;
    // The merging object itself could not be examined (a Proxy that throws): the log call's
    // fallback line says so. Something written as a scalar (a URL, a Buffer) has no fields.
    if (Object.values(REDACTION_DEFAULTS.markers).includes(redacted as never)) {
      throw new Error(`the logged object could not be examined: ${String(redacted)}`);
    }
    return {};
  };
}

/**
 * pino applies `formatters.bindings` to the root's bindings only (children reset it), so child
 * bindings are redacted here. A child given its own serializers or log formatter would otherwise
 * bypass redaction: its serializers are wrapped and its log formatter composed with redaction.
 * Children are created with Object.create(parent) and inherit this `child`.
 */
function redactChildren(
  logger: Logger,
  redactor: Redactor,
  serializerKeys: readonly string[],
  userLog: LogFormatter | undefined,
  makeLog: (userLog: LogFormatter | undefined, serializerKeys: Iterable<string>) => LogFormatter,
): void {
  const originalChild = (logger as unknown as { child: (this: Logger, bindings: unknown, options?: unknown) => Logger })
    .child;
  const childOf = (keys: readonly string[], parentLog: LogFormatter | undefined) => {
    const keySet: ReadonlySet<string> = new Set(keys);
    return function child(this: Logger, bindings: Record<string, unknown>, options?: ChildOptions) {
      let safeBindings = bindings;
      try {
        safeBindings = redactor(bindings, keySet);
      } catch {
        // A throwing getter in the bindings: let pino report it as it would without redaction.
      }
      if (options == null || (options.serializers === undefined && options.formatters?.log === undefined)) {
        return originalChild.call(this, safeBindings, options);
      }
      const childKeys = [...keys, ...Object.keys(options.serializers ?? {})];
      const childLog = options.formatters?.log ?? parentLog;
      const safeOptions: ChildOptions = {
        ...options,
        formatters: { ...options.formatters, log: makeLog(childLog, childKeys) },
      };
      if (options.serializers) safeOptions.serializers = wrapSerializers(options.serializers, redactor);
      const instance = originalChild.call(this, safeBindings, safeOptions);
      (instance as unknown as { child: unknown }).child = childOf(childKeys, childLog);
      return instance;
    };
  };
  (logger as unknown as { child: unknown }).child = childOf(serializerKeys, userLog);
}

interface ChildOptions {
  serializers?: Record<string, Serializer>;
  formatters?: { log?: (object: Record<string, unknown>) => Record<string, unknown>; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * err/req/res as pino-std-serializers write them (req/res only for real requests and responses),
 * with their output redacted; and the message, so that URL credentials are censored there too
 * (pino runs it on the final message: printf arguments and an error's message included).
 * Plain data under these keys was redacted by the log formatter (it leaves only class instances to
 * serializers) and is written as the caller gave it: not walked twice.
 */
function builtinSerializers(redactor: Redactor, messageKey: string): Record<string, Serializer> {
  const redactOutput =
    (serializer: Serializer): Serializer =>
    (value: unknown) => {
      if (value === null || typeof value !== 'object' || isPlainData(value)) return value;
      return redactor<unknown>(serializer(value));
    };
  return {
    err: redactOutput(pino.stdSerializers.err),
    req: redactOutput(serializeRequest),
    res: redactOutput(serializeResponse),
    [messageKey]: (message: unknown) =>
      typeof message === 'string' && message.indexOf('://') === -1 && message.indexOf('=') === -1
        ? message
        : redactor(message),
  };
}

/** Serializers turn class instances (IncomingMessage, Error) into plain objects: redact their output. */
function wrapSerializers(
  serializers: Record<string, Serializer>,
  redactor: Redactor | undefined,
): Record<string, Serializer> {
  if (!redactor) return serializers;
  const wrapped: Record<string, Serializer> = {};
  for (const [key, serializer] of Object.entries(serializers)) {
    wrapped[key] = (value: unknown) => redactor<unknown>(serializer(value));
  }
  return wrapped;
}
