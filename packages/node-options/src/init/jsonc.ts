// JSONC helpers for editing users' files in place: jsonc-parser's modify API
// changes only the bytes of the edited property, so comments, trailing
// commas, key order and the author's formatting survive.
import { applyEdits, modify, parse, printParseErrorCode, type FormattingOptions, type ParseError } from 'jsonc-parser';
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

/**
 * Parses a JSON(C) object or throws an InitError naming the file and the
 * first error's line:column. `jsonc` allows comments and trailing commas
 * (tsconfig.json); without it the text must be plain JSON (package.json).
 */
export function parseObject(relativePath: string, text: string, jsonc: boolean): Record<string, unknown> {
  const errors: ParseError[] = [];
  const value: unknown = parse(text, errors, { allowTrailingComma: jsonc, disallowComments: !jsonc });
  const [first] = errors;
  if (first) {
    throw new InitError(
      `${relativePath}:${position(text, first.offset)}: cannot parse (${printParseErrorCode(first.error)}); fix it and run heapwise init again. Nothing was changed.`,
    );
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InitError(
      `${relativePath}: expected a JSON object; fix it and run heapwise init again. Nothing was changed.`,
    );
  }
  return value as Record<string, unknown>;
}

export function setProperty(
  text: string,
  path: (string | number)[],
  value: unknown,
  getInsertionIndex?: (properties: string[]) => number,
): string {
  const edits = modify(text, path, value, {
    formattingOptions: formattingOf(text),
    ...(getInsertionIndex ? { getInsertionIndex } : {}),
  });
  return applyEdits(text, edits);
}

/** Appends `value` to the array at `path`, keeping the array's own layout. */
export function appendToArray(text: string, path: (string | number)[], value: unknown): string {
  const edits = modify(text, [...path, -1], value, { formattingOptions: formattingOf(text), isArrayInsertion: true });
  return applyEdits(text, edits);
}
