// pnpm catalogs: a workspace that keeps its dependency versions in pnpm-workspace.yaml's `catalog:`
// references them as `"name": "catalog:"` in package.json, and often checks that every package does.
// init follows that: the heapwise packages are added to the default catalog and referenced from it.
// The YAML is edited as text (new lines at the end of the `catalog:` block, in its indentation), so
// the rest of the file keeps its bytes; the result is read back with the YAML parser to be sure.
import { parseDocument } from 'yaml';
import type { PnpmCatalogs } from '../workspace.js';
import { InitError } from './errors.js';

export const CATALOG_REFERENCE = 'catalog:';

/** Whether versions should be written as `catalog:` references: the workspace defines any catalog. */
export function usesCatalogs(catalogs: PnpmCatalogs): boolean {
  return catalogs.default !== undefined || Object.keys(catalogs.named).length > 0;
}

/** pnpm-workspace.yaml with `entries` in the default catalog (those already there are kept as they are). */
export function addToDefaultCatalog(relativePath: string, text: string, entries: ReadonlyMap<string, string>): string {
  const before = parseDocument(text);
  const missing = [...entries].filter(([name]) => !before.hasIn(['catalog', name]));
  if (missing.length === 0) return text;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text.split(/\r?\n/);
  const header = lines.findIndex((line) => /^catalog:\s*(#.*)?$/.test(line));
  let after: string;
  if (header >= 0) {
    let last = header;
    let indent = '  ';
    for (let index = header + 1; index < lines.length; index += 1) {
      const line = lines[index] ?? '';
      if (/^\S/.test(line)) break;
      if (/^\s+\S/.test(line) && !/^\s+#/.test(line)) {
        if (last === header) indent = /^(\s+)/.exec(line)?.[1] ?? indent;
        last = index;
      }
    }
    lines.splice(
      last + 1,
      0,
      ...missing.map(([name, range]) => `${indent}${JSON.stringify(name)}: ${JSON.stringify(range)}`),
    );
    after = lines.join(eol);
  } else if (!/^catalog\s*:/m.test(text)) {
    const body = text.endsWith('\n') || text === '' ? text : `${text}${eol}`;
    const entryLines = missing.map(([name, range]) => `  ${JSON.stringify(name)}: ${JSON.stringify(range)}${eol}`);
    after = `${body}catalog:${eol}${entryLines.join('')}`;
  } else {
    throw new InitError(
      `${relativePath}: "catalog:" is not a block mapping init can add to; ` +
        `add ${missing.map(([name, range]) => `${name}: ${range}`).join(', ')} to it and run heapwise init again. ` +
        'Nothing was changed.',
    );
  }
  const check = parseDocument(after);
  if (check.errors.length > 0 || missing.some(([name, range]) => check.getIn(['catalog', name]) !== range)) {
    throw new InitError(
      `${relativePath}: could not add ${missing.map(([name]) => name).join(', ')} to "catalog:" safely; ` +
        'add them by hand and run heapwise init again. Nothing was changed.',
    );
  }
  return after;
}
