// JSONC helpers for editing users' files in place: only the bytes of the
// edited value change, so comments, trailing commas, key order and the
// author's layout survive (a one-line array stays on one line).
import {
  applyEdits,
  findNodeAtLocation,
  modify,
  parse,
  parseTree,
  printParseErrorCode,
  type FormattingOptions,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import { InitError } from './errors.js';

export function formattingOf(text: string): FormattingOptions {
  const indent = /^([ \t]+)\S/m.exec(text)?.[1] ?? '  ';
  return {
    insertSpaces: !indent.startsWith('\t'),
    tabSize: indent.startsWith('\t') ? 1 : indent.length,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
  };
}

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split(/\r?\n/);
  return `${before.length}:${(before[before.length - 1]?.length ?? 0) + 1}`;
}

/** npm strips a UTF-8 byte order mark before parsing package.json; so do we (and keep it when writing). */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * Parses a JSON(C) object or throws an InitError naming the file and the
 * first error's line:column. `jsonc` allows comments and trailing commas
 * (tsconfig.json); without it the text must be plain JSON (package.json).
 * A leading byte order mark is accepted either way.
 */
export function parseObject(relativePath: string, text: string, jsonc: boolean): Record<string, unknown> {
  const errors: ParseError[] = [];
  const body = stripBom(text);
  const value: unknown = parse(body, errors, { allowTrailingComma: jsonc, disallowComments: !jsonc });
  const [first] = errors;
  if (first) {
    throw new InitError(
      `${relativePath}:${position(body, first.offset)}: cannot parse (${printParseErrorCode(first.error)}); ` +
        'fix it and run heapwise init again. Nothing was changed.',
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InitError(
      `${relativePath}: expected a JSON object; fix it and run heapwise init again. Nothing was changed.`,
    );
  }
  return value as Record<string, unknown>;
}

/** Applies `edit` to the text after its byte order mark, and puts the mark back. */
function keepingBom(text: string, edit: (body: string) => string): string {
  const bom = text.charCodeAt(0) === 0xfeff ? '\ufeff' : '';
  return bom + edit(bom ? text.slice(1) : text);
}

export function setProperty(
  text: string,
  path: (string | number)[],
  value: unknown,
  getInsertionIndex?: (properties: string[]) => number,
): string {
  return keepingBom(text, (body) =>
    applyEdits(
      body,
      modify(body, path, value, {
        formattingOptions: formattingOf(body),
        ...(getInsertionIndex ? { getInsertionIndex } : {}),
      }),
    ),
  );
}

function nodeAt(body: string, path: (string | number)[]): Node | undefined {
  const tree = parseTree(body, [], { allowTrailingComma: true });
  return tree ? findNodeAtLocation(tree, path) : undefined;
}

/** Replaces the value at `path` with `raw` (JSON text written as given). */
export function replaceValueText(text: string, path: (string | number)[], raw: string): string {
  return keepingBom(text, (body) => {
    const node = nodeAt(body, path);
    if (!node) throw new Error(`no value at ${path.join('.')}`);
    return body.slice(0, node.offset) + raw + body.slice(node.offset + node.length);
  });
}

/**
 * Inserts `value` into the array at `path`, first or last, in the array's own
 * layout: on the same line when the array is on one line (with the author's
 * separator, e.g. `, ` or `,`), else on a new line indented like its elements.
 */
export function insertIntoArray(text: string, path: (string | number)[], value: unknown, at: 'first' | 'last'): string {
  return keepingBom(text, (body) => {
    const array = nodeAt(body, path);
    if (!array || array.type !== 'array') throw new Error(`no array at ${path.join('.')}`);
    const raw = JSON.stringify(value);
    const elements = array.children ?? [];
    const first = elements[0];
    const last = elements[elements.length - 1];
    if (!first || !last) {
      // `[]` (possibly with spaces or comments inside): put the value right after `[`.
      return body.slice(0, array.offset + 1) + raw + body.slice(array.offset + 1);
    }
    const second = elements[1];
    const between = second
      ? body.slice(first.offset + first.length, second.offset)
      : body.slice(array.offset, array.offset + array.length).includes('\n')
        ? `,${formattingOf(body).eol}${indentBefore(body, first.offset)}`
        : ', ';
    // A separator holding a comment is not reusable: fall back to the plain one of the layout.
    const separator = /\/[/*]/.test(between)
      ? between.includes('\n')
        ? `,${formattingOf(body).eol}${indentBefore(body, first.offset)}`
        : ', '
      : between;
    if (at === 'first') return body.slice(0, first.offset) + raw + separator + body.slice(first.offset);
    const end = last.offset + last.length;
    return body.slice(0, end) + separator + raw + body.slice(end);
  });
}

function indentBefore(body: string, offset: number): string {
  const lineStart = body.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(body.slice(lineStart, offset))?.[0] ?? '';
}
