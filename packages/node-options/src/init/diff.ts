// A unified diff (`diff -u` style, 3 lines of context) of one file, for
// printing what init changes. Hand-written: the CLI has no diff dependency,
// and the files involved (package.json, tsconfig.json, .node-options) are
// small. After trimming the common head and tail, the middle is compared
// with a longest-common-subsequence table whose size is capped.

/** Lines of unchanged context around each change, as `diff -u`. */
export const DIFF_CONTEXT_LINES = 3;
/**
 * Cap on the LCS table (old lines × new lines of the differing middle): 4 M
 * cells are 16 MB of Uint32Array. Past it the middle is shown as removed
 * then added: still a correct diff, just not a minimal one.
 */
export const MAX_DIFF_CELLS = 4_000_000;

type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function diffMiddle(a: readonly string[], b: readonly string[], maxCells: number): Op[] {
  if (a.length * b.length > maxCells) {
    return [...a.map((line) => ({ kind: '-' as const, line })), ...b.map((line) => ({ kind: '+' as const, line }))];
  }
  // lcs[i * (m + 1) + j] = LCS length of a[i..] and b[j..].
  const n = a.length;
  const m = b.length;
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        a[i] === b[j]
          ? (lcs[(i + 1) * (m + 1) + j + 1] ?? 0) + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j] ?? 0, lcs[i * (m + 1) + j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] ?? '' });
      i++;
      j++;
    } else if (i < n && (j === m || (lcs[(i + 1) * (m + 1) + j] ?? 0) >= (lcs[i * (m + 1) + j + 1] ?? 0))) {
      // On a tie, removals first: `-old` above `+new` reads as a replacement.
      ops.push({ kind: '-', line: a[i] ?? '' });
      i++;
    } else {
      ops.push({ kind: '+', line: b[j] ?? '' });
      j++;
    }
  }
  return ops;
}

function lineOps(before: readonly string[], after: readonly string[], maxCells: number): Op[] {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail++;
  }
  const same = (line: string): Op => ({ kind: ' ', line });
  return [
    ...before.slice(0, head).map(same),
    ...diffMiddle(before.slice(head, before.length - tail), after.slice(head, after.length - tail), maxCells),
    ...before.slice(before.length - tail).map(same),
  ];
}

/**
 * `--- a/path` / `+++ b/path` and hunks; a created file is diffed against
 * /dev/null. Returns '' when nothing differs. Line endings are compared as
 * written (a CRLF file keeps its `\r`s inside the lines).
 */
export function unifiedDiff(
  relativePath: string,
  before: string | null,
  after: string,
  maxCells = MAX_DIFF_CELLS,
): string {
  if (before === after) return '';
  const ops = lineOps(splitLines(before ?? ''), splitLines(after), maxCells);
  const changed = ops.flatMap((op, index) => (op.kind === ' ' ? [] : [index]));
  if (changed.length === 0) return '';
  const out = [before === null ? '--- /dev/null' : `--- a/${relativePath}`, `+++ b/${relativePath}`];
  // Old/new line number before each op (1-based).
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const op of ops) {
    oldAt.push(oldLine);
    newAt.push(newLine);
    if (op.kind !== '+') oldLine++;
    if (op.kind !== '-') newLine++;
  }
  let k = 0;
  while (k < changed.length) {
    const first = changed[k] ?? 0;
    let last = first;
    // Merge changes whose contexts touch into one hunk.
    while (k + 1 < changed.length && (changed[k + 1] ?? 0) - last <= 2 * DIFF_CONTEXT_LINES + 1)
      last = changed[++k] ?? last;
    k++;
    const start = Math.max(0, first - DIFF_CONTEXT_LINES);
    const end = Math.min(ops.length, last + DIFF_CONTEXT_LINES + 1);
    const hunk = ops.slice(start, end);
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    // diff -u numbers an empty side by the line before it.
    const oldStart = oldCount === 0 ? (oldAt[start] ?? 1) - 1 : (oldAt[start] ?? 1);
    const newStart = newCount === 0 ? (newAt[start] ?? 1) - 1 : (newAt[start] ?? 1);
    out.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
  }
  return `${out.join('\n')}\n`;
}
