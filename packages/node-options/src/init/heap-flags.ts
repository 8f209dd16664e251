// Finds `--max-old-space-size=N` hard-coded in a package script and removes
// it, so that the size moves into `.node-options` instead of being lost.
// Handles the three spellings seen in the wild:
//   node --max-old-space-size=4096 build.js
//   cross-env NODE_OPTIONS=--max-old-space-size=4096 tsc -b
//   NODE_OPTIONS="--max-old-space-size=4096 --trace-warnings" next build

export interface ExtractedHeapFlags {
  /** The script without the heap flags (unchanged when none was found). */
  readonly script: string;
  /** Every size found, in MB, in order of appearance. */
  readonly sizesMb: readonly number[];
}

/** V8 accepts dashes and underscores alike. */
const HEAP_FLAG = /--max[-_]old[-_]space[-_]size=(\d+)/g;
/** `NODE_OPTIONS=value` as a shell or cross-env assignment: double-quoted, single-quoted or bare. */
const NODE_OPTIONS_ASSIGNMENT = /(^|[\s;&|(])NODE_OPTIONS=(?:"([^"]*)"|'([^']*)'|([^\s;&|'"]*))[ \t]*/g;
/** A heap flag given as a command-line argument (to node, tsx, ts-node…). */
const HEAP_ARGUMENT = /[ \t]+--max[-_]old[-_]space[-_]size=(\d+)(?=\s|$)/g;
/** `cross-env` left with no assignment after it, e.g. `cross-env tsc -b`. */
const EMPTY_CROSS_ENV = /(^|[\s;&|(])cross-env(?:-shell)?[ \t]+(?![A-Za-z_][A-Za-z0-9_]*=)/g;
/** What remains of `NODE_OPTIONS="$NODE_OPTIONS --max-old-space-size=N"`: nothing worth keeping. */
const ONLY_INHERITED = /^\$\{?NODE_OPTIONS\}?$/;

function sizesIn(text: string): number[] {
  return [...text.matchAll(HEAP_FLAG)].map((match) => Number(match[1]));
}

export function extractHeapFlags(script: string): ExtractedHeapFlags {
  const sizesMb: number[] = [];
  let changedAssignment = false;
  let result = script.replace(
    NODE_OPTIONS_ASSIGNMENT,
    (whole, prefix: string, double?: string, single?: string, bare?: string) => {
      const value = double ?? single ?? bare ?? '';
      const found = sizesIn(value);
      if (found.length === 0) return whole;
      sizesMb.push(...found);
      changedAssignment = true;
      const rest = value.replace(HEAP_FLAG, ' ').replace(/\s+/g, ' ').trim();
      if (rest === '' || ONLY_INHERITED.test(rest)) return prefix;
      const quote = double !== undefined ? '"' : single !== undefined ? "'" : '';
      return `${prefix}NODE_OPTIONS=${quote}${rest}${quote} `;
    },
  );
  if (changedAssignment) result = result.replace(EMPTY_CROSS_ENV, '$1');
  result = result.replace(HEAP_ARGUMENT, (_whole, size: string) => {
    sizesMb.push(Number(size));
    return '';
  });
  return sizesMb.length === 0 ? { script, sizesMb } : { script: result.trim(), sizesMb };
}

/** Whether a script still mentions a heap size (used to report scripts init leaves alone). */
export function hasHeapFlag(script: string): boolean {
  return sizesIn(script).length > 0;
}
