// Accept-header negotiation between the two exposition formats.
//
// Hand-written rather than a general negotiator: two media types, one parameter (`version`), and
// the rule that an OpenMetrics range naming a version we do not write must not select it.
import type { ExpositionFormat } from './text-format.js';

interface MediaRange {
  type: string;
  version: string | undefined;
  q: number;
  order: number;
}

/** Accept ranges longer than this are ignored: a header is parsed per scrape, keep it bounded. */
const MAX_ACCEPT_RANGES = 32;

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const [order, part] of accept.split(',').slice(0, MAX_ACCEPT_RANGES).entries()) {
    const [rawType, ...params] = part.split(';');
    const type = rawType.trim().toLowerCase();
    if (type === '') continue;
    let q = 1;
    let version: string | undefined;
    for (const param of params) {
      const eq = param.indexOf('=');
      if (eq === -1) continue;
      const key = param.slice(0, eq).trim().toLowerCase();
      const value = param
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (key === 'q') q = Number(value);
      else if (key === 'version') version = value;
    }
    if (Number.isFinite(q) && q > 0) ranges.push({ type, version, q: Math.min(q, 1), order });
  }
  return ranges;
}

/**
 * OpenMetrics 1.0 when the scraper prefers it (Prometheus sends
 * `application/openmetrics-text;version=1.0.0,…,text/plain;version=0.0.4;q=0.5,*\/*;q=0.1`),
 * Prometheus text 0.0.4 otherwise, also for a missing or unparseable header. Highest q wins;
 * on a tie the range listed first.
 */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept === '') return 'prometheus';
  let best: { format: ExpositionFormat; q: number; order: number } | undefined;
  for (const range of parseAccept(accept)) {
    let format: ExpositionFormat | undefined;
    if (range.type === 'application/openmetrics-text') {
      // 0.0.1 is the draft that 1.0.0 kept compatible; Prometheus asks for it second
      if (range.version === undefined || range.version === '1.0.0' || range.version === '0.0.1') {
        format = 'openmetrics';
      }
    } else if (range.type === 'text/plain' || range.type === 'text/*' || range.type === '*/*') {
      format = 'prometheus';
    }
    if (format === undefined) continue;
    if (best === undefined || range.q > best.q) best = { format, q: range.q, order: range.order };
  }
  return best?.format ?? 'prometheus';
}
