// Text for the memory:* commands, from the service's memory monitor report
// (@heapwise/metrics MemoryReport: status, memory, thresholds, recentCleanups, …).

const MB = 1024 * 1024;
/** Cleanups listed by memory:report; the service keeps more (see its report). */
const CLEANUPS_SHOWN = 5;

const mb = (bytes) => (typeof bytes === 'number' ? `${(bytes / MB).toFixed(1)} MB` : 'n/a');

function assertReport(report) {
  if (
    typeof report !== 'object' ||
    report === null ||
    typeof report.status !== 'string' ||
    typeof report.memory !== 'object'
  ) {
    throw new Error(
      `the service answered something that is not a memory report: ${JSON.stringify(report).slice(0, 200)}`,
    );
  }
}

/** The full report, one fact per line. */
export function formatReport(report, serviceUrl) {
  assertReport(report);
  const { memory, thresholds } = report;
  const lines = [
    `service       ${serviceUrl}`,
    `status        ${report.status.toUpperCase()}`,
    `heap used     ${mb(memory.heapUsedBytes)} of ${mb(memory.heapTotalBytes)} allocated ` +
      `(limit ${mb(memory.heapSizeLimitBytes)})`,
    `rss           ${mb(memory.rssBytes)}`,
    `external      ${mb(memory.externalBytes)}`,
    `arrayBuffers  ${mb(memory.arrayBuffersBytes)}`,
    `thresholds    warning ${thresholds?.warningMb} MB, critical ${thresholds?.criticalMb} MB (heap used)`,
    `checks        ${report.checks ?? 'n/a'} every ${report.checkIntervalMs ?? '?'} ms, ` +
      `cleanup cooldown ${report.cleanupCooldownMs ?? '?'} ms`,
  ];
  const cleanups = Array.isArray(report.recentCleanups) ? report.recentCleanups : [];
  if (cleanups.length === 0) {
    lines.push('cleanups      none yet');
  } else {
    lines.push(
      `cleanups      ${cleanups.length} recent` +
        `${report.evictedCleanups ? ` (${report.evictedCleanups} older forgotten)` : ''}, newest first:`,
    );
    for (const cleanup of cleanups.slice(-CLEANUPS_SHOWN).reverse()) {
      const actions =
        (cleanup.actions ?? []).map((a) => `${a.name}${a.ok ? '' : ` FAILED: ${a.error}`}`).join(', ') || 'no actions';
      lines.push(
        `  ${new Date(cleanup.atMs).toISOString()}  ${cleanup.level} (${cleanup.trigger})  ` +
          `freed ${mb(cleanup.freedBytes)}` +
          `  in ${Number(cleanup.durationMs).toFixed(1)} ms${cleanup.gcForced ? ', gc forced' : ''}  [${actions}]`,
      );
    }
  }
  return lines.join('\n');
}

/** One line for memory:monitor. */
export function formatStatusLine(report, at) {
  assertReport(report);
  const { memory, thresholds } = report;
  return (
    `${at.toISOString()}  ${report.status.toUpperCase().padEnd(8)}  heap ${mb(memory.heapUsedBytes).padStart(9)}` +
    `  rss ${mb(memory.rssBytes).padStart(9)}  external ${mb(memory.externalBytes).padStart(8)}` +
    `  arrayBuffers ${mb(memory.arrayBuffersBytes).padStart(8)}  ` +
    `(warning ${thresholds?.warningMb} MB, critical ${thresholds?.criticalMb} MB)`
  );
}
