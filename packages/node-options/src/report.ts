// `heapwise report`: a run's tasks as a picture a person reads at a glance (SVG) and a short table.
// Pure: records in, text out. One bar per task on a timeline (its wait for the pool, then its run),
// coloured by its peak against its estimate; below, the summed memory of the tasks running at each
// moment and the sum of their reservations, against the pool's limit.
import type { RunRecords, TaskRecord } from './run-records.js';
import { formatBytes } from './size.js';

const WIDTH = 1000;
const LABEL_WIDTH = 280;
const RIGHT_MARGIN = 20;
const ROW_HEIGHT = 18;
const ROW_GAP = 4;
const TOP = 40;
const MEMORY_PANEL_HEIGHT = 180;
const PANEL_GAP = 50;

export interface ReportPoint {
  timeMs: number;
  /** Summed measured memory of the tasks running then. */
  usedBytes: number;
  /** Summed reservations (estimates) of the tasks running then. */
  reservedBytes: number;
  running: number;
}

const XML_ESCAPES: Readonly<Record<string, string>> = {
  '<': '&lt;',
  '>': '&gt;',
  '&': '&amp;',
  '"': '&quot;',
  "'": '&apos;',
};

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => XML_ESCAPES[char] ?? char);
}

function valueAt(task: TaskRecord, timeMs: number): number {
  let value = 0;
  for (const [offsetMs, bytes] of task.timeline) {
    if (task.startMs + offsetMs > timeMs) break;
    value = bytes;
  }
  return value;
}

/** The summed memory over time: a step at every sample and every start and end of a task. */
export function memoryOverTime(tasks: readonly TaskRecord[]): ReportPoint[] {
  const times = new Set<number>();
  for (const task of tasks) {
    times.add(task.startMs);
    times.add(task.endMs);
    for (const [offsetMs] of task.timeline) times.add(task.startMs + offsetMs);
  }
  return [...times]
    .sort((a, b) => a - b)
    .map((timeMs) => {
      const running = tasks.filter((task) => task.startMs <= timeMs && timeMs < task.endMs);
      return {
        timeMs,
        usedBytes: running.reduce((sum, task) => sum + valueAt(task, timeMs), 0),
        reservedBytes: running.reduce((sum, task) => sum + task.estimateBytes, 0),
        running: running.length,
      };
    });
}

export interface Report {
  svg: string;
  table: string;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function renderReport(records: RunRecords, poolBytesOverride?: number): Report {
  const tasks = [...records.tasks].sort((a, b) => a.startMs - b.startMs || a.key.localeCompare(b.key));
  const poolBytes = poolBytesOverride ?? records.start?.poolBytes ?? 0;
  const originMs = Math.min(records.start?.startMs ?? Infinity, ...tasks.map((task) => task.arrivalMs));
  const finishMs = Math.max(records.end?.endMs ?? -Infinity, ...tasks.map((task) => task.endMs));
  const spanMs = Number.isFinite(originMs) && finishMs > originMs ? finishMs - originMs : 1;
  const start = Number.isFinite(originMs) ? originMs : 0;
  const plotWidth = WIDTH - LABEL_WIDTH - RIGHT_MARGIN;
  const x = (timeMs: number): number => LABEL_WIDTH + ((timeMs - start) / spanMs) * plotWidth;
  const points = memoryOverTime(tasks);
  const maxUsed = Math.max(0, ...points.map((point) => point.usedBytes));
  const maxReserved = Math.max(0, ...points.map((point) => point.reservedBytes));
  const maxRunning = Math.max(0, ...points.map((point) => point.running));
  const yMax = Math.max(poolBytes, maxUsed, maxReserved, 1) * 1.05;
  const panelTop = TOP + tasks.length * (ROW_HEIGHT + ROW_GAP) + PANEL_GAP;
  const y = (bytes: number): number => panelTop + MEMORY_PANEL_HEIGHT - (bytes / yMax) * MEMORY_PANEL_HEIGHT;
  const height = panelTop + MEMORY_PANEL_HEIGHT + 40;

  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>heapwise run ${escapeXml(records.start?.runId ?? '')}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="14">heapwise: ${tasks.length} tasks in ${seconds(spanMs)}; ` +
      `pool ${escapeXml(formatBytes(poolBytes))}; peak of the sum ${escapeXml(formatBytes(maxUsed))}; ` +
      `at most ${maxRunning} at once</text>`,
  );
  tasks.forEach((task, index) => {
    const rowY = TOP + index * (ROW_HEIGHT + ROW_GAP);
    const over = task.peakBytes > task.estimateBytes;
    const fill = task.exitCode !== 0 ? '#d62728' : over ? '#ff7f0e' : '#2ca02c';
    const waitWidth = Math.max(0, x(task.startMs) - x(task.arrivalMs)).toFixed(1);
    const taskWidth = Math.max(1, x(task.endMs) - x(task.startMs)).toFixed(1);
    const title =
      `${task.key}: peak ${formatBytes(task.peakBytes)}, estimate ${formatBytes(task.estimateBytes)}` +
      `${task.learned ? '' : ' (request)'}, waited ${seconds(task.startMs - task.arrivalMs)}, ` +
      `ran ${seconds(task.endMs - task.startMs)}, exit ${task.exitCode}`;
    const label = `${formatBytes(task.peakBytes)} / ${formatBytes(task.estimateBytes)}`;
    parts.push(
      `<text x="${LABEL_WIDTH - 6}" y="${rowY + 13}" text-anchor="end">${escapeXml(task.key)}</text>`,
      `<rect class="wait" x="${x(task.arrivalMs).toFixed(1)}" y="${rowY + 4}" width="${waitWidth}" ` +
        `height="${ROW_HEIGHT - 8}" fill="#cccccc"/>`,
      `<rect class="task" data-key="${escapeXml(task.key)}" data-start-ms="${task.startMs}" ` +
        `data-end-ms="${task.endMs}" data-peak-bytes="${task.peakBytes}" data-estimate-bytes="${task.estimateBytes}" ` +
        `x="${x(task.startMs).toFixed(1)}" y="${rowY}" width="${taskWidth}" height="${ROW_HEIGHT}" fill="${fill}">`,
      `<title>${escapeXml(title)}</title></rect>`,
      `<text x="${(x(task.endMs) + 4).toFixed(1)}" y="${rowY + 13}" fill="#333333">${escapeXml(label)}</text>`,
    );
  });
  const step = (pick: (point: ReportPoint) => number): string => {
    let path = '';
    let previous: number | undefined;
    for (const point of points) {
      const px = x(point.timeMs).toFixed(1);
      if (previous !== undefined) path += ` L${px},${y(previous).toFixed(1)}`;
      path += `${path === '' ? 'M' : ' L'}${px},${y(pick(point)).toFixed(1)}`;
      previous = pick(point);
    }
    return path;
  };
  parts.push(
    `<text x="10" y="${panelTop - 10}" font-size="12">` +
      'memory of the running tasks (solid: measured, dotted: reserved) against the pool (dashed)</text>',
    `<line x1="${LABEL_WIDTH}" y1="${y(0)}" x2="${WIDTH - RIGHT_MARGIN}" y2="${y(0)}" stroke="#999999"/>`,
    `<line class="pool-limit" data-bytes="${poolBytes}" x1="${LABEL_WIDTH}" y1="${y(poolBytes).toFixed(1)}" ` +
      `x2="${WIDTH - RIGHT_MARGIN}" y2="${y(poolBytes).toFixed(1)}" stroke="#d62728" stroke-dasharray="6,4"/>`,
    `<text x="${LABEL_WIDTH - 6}" y="${(y(poolBytes) + 4).toFixed(1)}" text-anchor="end">` +
      `pool ${escapeXml(formatBytes(poolBytes))}</text>`,
    `<text x="${LABEL_WIDTH - 6}" y="${y(0) + 4}" text-anchor="end">0</text>`,
  );
  if (points.length > 0) {
    parts.push(
      `<path class="reserved" d="${step((point) => point.reservedBytes)}" ` +
        'fill="none" stroke="#1f77b4" stroke-dasharray="2,3"/>',
      `<path class="used" data-max-bytes="${maxUsed}" d="${step((point) => point.usedBytes)}" ` +
        'fill="none" stroke="#1f77b4" stroke-width="2"/>',
    );
  }
  parts.push('</svg>');

  const header = ['task', 'waited', 'ran', 'peak', 'estimate', 'peak/est'];
  const rows = tasks.map((task) => [
    task.key,
    seconds(task.startMs - task.arrivalMs),
    seconds(task.endMs - task.startMs),
    formatBytes(task.peakBytes),
    `${formatBytes(task.estimateBytes)}${task.learned ? '' : '*'}`,
    task.estimateBytes > 0 ? (task.peakBytes / task.estimateBytes).toFixed(2) : '-',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]): string =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
      .join('  ');
  const table = [
    line(header),
    ...rows.map(line),
    '',
    `${tasks.length} tasks in ${seconds(spanMs)}; pool ${formatBytes(poolBytes)}; ` +
      `peak of the summed memory ${formatBytes(maxUsed)} (reserved at most ${formatBytes(maxReserved)}); ` +
      `at most ${maxRunning} at once` +
      (rows.some((row) => row[4]?.endsWith('*'))
        ? '\n* estimate = the request: the task had not been measured before'
        : ''),
  ].join('\n');
  return { svg: `${parts.join('\n')}\n`, table };
}
