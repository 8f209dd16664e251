import { getHeapSpaceStatistics } from 'node:v8';
import { MANUAL_CLEANUP_INTERVAL_MS, MAX_BODY_BYTES } from '../config.js';
import { isPlainObject, readJsonBody } from '../http/body.js';
import { HttpError } from '../http/errors.js';
import { sendJson } from '../http/respond.js';
import type { Route, RouteContext } from './context.js';

const ACTIONS = ['cleanup', 'updateThresholds'] as const;

function parseThresholdMb(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new HttpError(400, `"thresholds.${name}" must be a positive number of MB`);
  }
  return value;
}

/**
 * `GET /api/monitoring/memory?gc=1`: a probe for the soak test. It forces a full GC and
 * answers heap figures with the completed-request count, and only exists when the process
 * runs with --expose-gc (the `dev` and `test` profiles). An admin route: it forces a full GC.
 */
function gcProbe({ res, state }: RouteContext): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') {
    throw new HttpError(501, 'gc=1 needs --expose-gc: start the service through `heapwise run dev`');
  }
  // Read the count first: the probe itself must not be counted as load it measured.
  const requestsCompleted = state.requestsCompleted;
  gc();
  const memory = process.memoryUsage();
  sendJson(res, 200, {
    pid: process.pid,
    requestsCompleted,
    leakedEntries: state.leak.size,
    heapUsed: memory.heapUsed,
    heapTotal: memory.heapTotal,
    rss: memory.rss,
    external: memory.external,
    arrayBuffers: memory.arrayBuffers,
    // Per V8 space, so a slope can be told apart: compiled code (code_space) settles after
    // warm-up, objects that pile up show in old_space.
    spaces: Object.fromEntries(getHeapSpaceStatistics().map((space) => [space.space_name, space.space_used_size])),
  });
}

export const monitoringRoutes: Route[] = [
  {
    method: 'POST',
    path: '/api/monitoring/heap-profile',
    // Admin route: it makes V8 sample allocations for seconds and writes a file. Concurrent
    // requests share one capture; the directory keeps the newest few files.
    handler: async ({ req, res, deps }) => {
      deps.authorizeAdmin(req);
      if (!deps.monitor.heapProfilesEnabled) {
        throw new HttpError(409, 'heap profiles are off: start the service with HEAP_PROFILE_DIR=<directory>');
      }
      deps.logger.info({ action: 'heapProfile' }, 'heap profile requested');
      sendJson(res, 200, { action: 'heapProfile', records: await deps.monitor.captureHeapProfile() });
    },
  },
  {
    method: 'GET',
    path: '/api/monitoring/memory',
    handler: async (context) => {
      const gcParam = context.url.searchParams.get('gc');
      if (gcParam !== null && gcParam !== '0') {
        if (gcParam !== '1') throw new HttpError(400, `query parameter "gc" must be 1 or 0, got "${gcParam}"`);
        context.deps.authorizeAdmin(context.req);
        gcProbe(context);
        return;
      }
      sendJson(context.res, 200, await context.deps.monitor.report());
    },
  },
  {
    method: 'POST',
    path: '/api/monitoring/memory',
    // Admin route: both actions change how the process manages its memory.
    handler: async ({ req, res, deps }) => {
      deps.authorizeAdmin(req); // before the body is read: an unauthorized client gets nothing parsed
      const body = await readJsonBody(req, MAX_BODY_BYTES);
      if (!isPlainObject(body) || typeof body.action !== 'string') {
        throw new HttpError(400, `body must be a JSON object with "action": one of ${ACTIONS.join(', ')}`);
      }
      switch (body.action) {
        case 'cleanup': {
          const level = body.level ?? 'moderate';
          if (level !== 'moderate' && level !== 'aggressive') {
            throw new HttpError(400, `"level" must be "moderate" or "aggressive", got ${JSON.stringify(level)}`);
          }
          const slot = deps.cleanupLimiter.tryAcquire();
          if (!slot.ok) {
            const retryAfterS = Math.ceil(slot.retryAfterMs / 1000);
            throw new HttpError(
              429,
              `one manual cleanup per ${MANUAL_CLEANUP_INTERVAL_MS / 1000} s; retry in ${retryAfterS} s`,
              {
                'retry-after': String(retryAfterS),
              },
            );
          }
          deps.logger.info({ action: 'cleanup', cleanupLevel: level }, 'memory cleanup requested');
          const cleanup = await deps.monitor.cleanup(level);
          sendJson(res, 200, { action: 'cleanup', cleanup, report: await deps.monitor.report() });
          return;
        }
        case 'updateThresholds': {
          const { thresholds } = body;
          if (!isPlainObject(thresholds)) {
            throw new HttpError(400, '"thresholds" must be an object like {"warning":2000,"critical":3000} (MB)');
          }
          const warningMb = parseThresholdMb(thresholds.warning, 'warning');
          const criticalMb = parseThresholdMb(thresholds.critical, 'critical');
          if (warningMb >= criticalMb) {
            throw new HttpError(
              400,
              `"thresholds.warning" (${warningMb}) must be below "thresholds.critical" (${criticalMb})`,
            );
          }
          try {
            deps.monitor.updateThresholds({ warningMb, criticalMb });
          } catch (error) {
            // the monitor checks them against the heap size limit and names the problem
            if (error instanceof RangeError) throw new HttpError(400, error.message);
            throw error;
          }
          deps.logger.info({ action: 'updateThresholds', warningMb, criticalMb }, 'memory thresholds updated');
          sendJson(res, 200, { action: 'updateThresholds', report: await deps.monitor.report() });
          return;
        }
        default:
          throw new HttpError(400, `unknown action "${body.action}"; expected one of ${ACTIONS.join(', ')}`);
      }
    },
  },
];
