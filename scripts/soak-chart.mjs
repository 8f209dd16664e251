// The soak chart: heapUsed (after forced GC) and RSS against completed requests, with the
// fitted heap line. Hand-written SVG: one picture does not justify a charting dependency,
// and the file opens in any browser.

const WIDTH_PX = 960;
const PANEL_HEIGHT_PX = 260;
const MARGIN = { top: 56, right: 24, bottom: 44, left: 84 };
const PANEL_GAP_PX = 56;
const MB = 1024 * 1024;
/**
 * The y axis spans at least this fraction of its largest value, so that noise of a few hundred
 * KB on a flat heap does not fill the panel and look like growth.
 */
const MIN_Y_SPAN_FRACTION = 0.2;

function escapeXml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** About `count` round tick values covering [min, max]. */
function niceTicks(min, max, count = 5) {
  if (!(max > min)) {
    const pad = Math.abs(min) * 0.05 || 1;
    min -= pad;
    max += pad;
  }
  const rough = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const start = Math.floor(min / step) * step;
  const end = Math.max(Math.ceil(max / step) * step, start + step);
  const ticks = [];
  for (let index = 0; start + index * step <= end + step * 1e-9; index += 1) ticks.push(start + index * step);
  return { ticks, min: ticks[0], max: ticks[ticks.length - 1] };
}

function formatCount(value) {
  if (Math.abs(value) >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (Math.abs(value) >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  return String(+value.toFixed(2));
}

/**
 * @typedef {{ x: number, y: number }} Point
 * @typedef {{ slope: number, intercept: number, stdError?: number }} Fit
 * @typedef {{ top: number, title: string, color: string, points: Point[], xScale: object, fit?: Fit }} Panel
 * @typedef {{ requests: number, heapUsed: number, rss: number }} Sample
 * @typedef {{ verdict: string, thresholdBytesPerRequest: number, leak: boolean }} Verdict
 * @typedef {Verdict & { samples: Sample[], fit: Required<Fit> }} Report
 */

/**
 * One panel: axes, grid, points joined by a line, and optionally a fitted line.
 * @param {Panel} panel
 */
function renderPanel({ top, title, color, points, xScale, fit }) {
  const plotWidth = WIDTH_PX - MARGIN.left - MARGIN.right;
  const ys = points.map((p) => p.y / MB);
  if (fit) {
    ys.push((fit.intercept + fit.slope * xScale.min) / MB, (fit.intercept + fit.slope * xScale.max) / MB);
  }
  const yMax = Math.max(...ys);
  const yMin = Math.min(...ys);
  const missing = Math.max(0, yMax * MIN_Y_SPAN_FRACTION - (yMax - yMin));
  const yScale = niceTicks(Math.max(0, yMin - missing / 2), yMax + missing / 2);
  const px = (x) => MARGIN.left + ((x - xScale.min) / (xScale.max - xScale.min)) * plotWidth;
  const py = (yMb) => top + PANEL_HEIGHT_PX - ((yMb - yScale.min) / (yScale.max - yScale.min)) * PANEL_HEIGHT_PX;
  const out = [];
  out.push(`<text x="${MARGIN.left}" y="${top - 10}" class="panel-title">${escapeXml(title)}</text>`);
  for (const tick of yScale.ticks) {
    const y = py(tick).toFixed(1);
    out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" class="grid"/>`);
    out.push(`<text x="${MARGIN.left - 8}" y="${y}" class="y-label">${+tick.toFixed(2)} MB</text>`);
  }
  for (const tick of xScale.ticks) {
    const x = px(tick).toFixed(1);
    out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${top + PANEL_HEIGHT_PX}" class="grid"/>`);
    out.push(`<text x="${x}" y="${top + PANEL_HEIGHT_PX + 16}" class="x-label">${formatCount(tick)}</text>`);
  }
  out.push(`<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT_PX}" class="frame"/>`);
  const path = points.map((p) => `${px(p.x).toFixed(1)},${py(p.y / MB).toFixed(1)}`).join(' ');
  out.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="1.5" opacity="0.6"/>`);
  for (const p of points) {
    out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y / MB).toFixed(1)}" r="2.5" fill="${color}"/>`);
  }
  if (fit) {
    const y1 = (fit.intercept + fit.slope * xScale.min) / MB;
    const y2 = (fit.intercept + fit.slope * xScale.max) / MB;
    const [x1, x2] = [px(xScale.min).toFixed(1), px(xScale.max).toFixed(1)];
    out.push(`<line x1="${x1}" y1="${py(y1).toFixed(1)}" x2="${x2}" y2="${py(y2).toFixed(1)}" class="fit"/>`);
  }
  return out.join('\n');
}

/**
 * @param {Report} report
 * @returns {string} an SVG document
 */
export function renderSoakChart(report) {
  const { samples, fit } = report;
  const xScale = niceTicks(Math.min(...samples.map((s) => s.requests)), Math.max(...samples.map((s) => s.requests)), 8);
  const heapTop = MARGIN.top + 24;
  const rssTop = heapTop + PANEL_HEIGHT_PX + PANEL_GAP_PX;
  const height = rssTop + PANEL_HEIGHT_PX + MARGIN.bottom;
  const verdictColor = report.verdict === 'pass' ? '#1a7f37' : '#cf222e';
  const title =
    `Soak ${report.verdict.toUpperCase()}: ` +
    `heap slope ${fit.slope.toFixed(2)} ± ${fit.stdError.toFixed(2)} B/request ` +
    `(threshold ${report.thresholdBytesPerRequest} B/request${report.leak ? ', demo leak ON' : ''})`;
  const heapPanel = renderPanel({
    top: heapTop,
    title: 'heapUsed after forced GC (dots) and least-squares fit (dashed)',
    color: '#0969da',
    points: samples.map((s) => ({ x: s.requests, y: s.heapUsed })),
    xScale,
    fit,
  });
  const rssPanel = renderPanel({
    top: rssTop,
    title: 'RSS',
    color: '#8250df',
    points: samples.map((s) => ({ x: s.requests, y: s.rss })),
    xScale,
  });
  const svgAttributes =
    `xmlns="http://www.w3.org/2000/svg" width="${WIDTH_PX}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH_PX} ${height}" font-family="system-ui, sans-serif" font-size="12"`;
  const xLabelX = MARGIN.left + (WIDTH_PX - MARGIN.left - MARGIN.right) / 2;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg ${svgAttributes}>
<style>
  .grid { stroke: #d0d7de; stroke-width: 0.5; }
  .frame { fill: none; stroke: #57606a; stroke-width: 1; }
  .fit { stroke: #cf222e; stroke-width: 2; stroke-dasharray: 6 4; }
  .y-label { text-anchor: end; dominant-baseline: middle; fill: #57606a; }
  .x-label { text-anchor: middle; fill: #57606a; }
  .panel-title { font-weight: 600; fill: #24292f; }
</style>
<rect width="100%" height="100%" fill="#ffffff"/>
<text x="${MARGIN.left}" y="28" font-size="16" font-weight="700" fill="${verdictColor}">${escapeXml(title)}</text>
${heapPanel}
${rssPanel}
<text x="${xLabelX}" y="${height - 8}" class="x-label">completed requests since the end of the warm-up</text>
</svg>
`;
}
