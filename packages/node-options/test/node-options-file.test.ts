// The one `.node-options` reader and editor: positions, exact round trips, and edits that change only
// the bytes they must.
import { describe, expect, it } from 'vitest';
import {
  addSection,
  parseDocument,
  parseNodeOptions,
  raiseHeapRequest,
  renderDocument,
  setFlag,
  taskFlags,
  taskHeapFlag,
} from '../src/node-options-file.js';

const TEAM_FILE = `# team settings
--enable-source-maps   # stack traces in TS

[heapwise]
headroom = 0.6

[build] # the big one
--max-old-space-size 4096
@node --optimize-for-size
--trace-warnings
[test]
--expose-gc
`;

describe('parseDocument', () => {
  it('keeps every line with its number, raw text and section', () => {
    const { lines } = parseDocument(TEAM_FILE);
    expect(lines.map((line) => [line.line, line.kind, line.section])).toEqual([
      [1, 'comment', null],
      [2, 'flag', null],
      [3, 'blank', null],
      [4, 'section', 'heapwise'],
      [5, 'setting', 'heapwise'],
      [6, 'blank', 'heapwise'],
      [7, 'section', 'build'],
      [8, 'flag', 'build'],
      [9, 'flag', 'build'],
      [10, 'flag', 'build'],
      [11, 'section', 'test'],
      [12, 'flag', 'test'],
      [13, 'blank', 'test'],
    ]);
    expect(lines[1]).toMatchObject({
      raw: '--enable-source-maps   # stack traces in TS',
      name: '--enable-source-maps',
    });
    expect(lines[4]).toMatchObject({ kind: 'setting', key: 'headroom', value: '0.6' });
    expect(lines[7]).toMatchObject({ name: '--max-old-space-size', value: '4096', nodeOnly: false });
    expect(lines[8]).toMatchObject({ name: '--optimize-for-size', value: undefined, nodeOnly: true });
  });

  it('renders back byte for byte, whatever the line ends and the last line', () => {
    for (const text of [TEAM_FILE, '', '\n\n', 'a\r\nb\nc', '[build\r\n  --x  #c', '[build]\n--max_old_space_size 1']) {
      expect(renderDocument(parseDocument(text))).toBe(text);
    }
  });

  it('reads --name value as --name=value, for the runtime too', () => {
    const { config, problems } = parseNodeOptions(TEAM_FILE, { file: '.node-options' });
    expect(problems).toEqual([]);
    expect(config.headroom).toBe(0.6);
    expect(taskHeapFlag(config, 'build')).toEqual({
      name: '--max-old-space-size',
      value: '4096',
      line: 8,
      nodeOnly: false,
    });
    expect(taskFlags(config, 'test').map((flag) => flag.name)).toEqual(['--enable-source-maps', '--expose-gc']);
  });
});

describe('edits', () => {
  it('setFlag edits the last line of that flag in place, keeping its spelling and comment', () => {
    const document = parseDocument('[build]\n--max_old_space_size 2048 # old\n--max-old-space-size   3000  # newer\n');
    expect(renderDocument(setFlag(document, 'build', '--max-old-space-size', '6000'))).toBe(
      '[build]\n--max_old_space_size 2048 # old\n--max-old-space-size   6000  # newer\n',
    );
  });

  it('setFlag gives a bare flag a value, inserts below the header, or adds the section', () => {
    const document = parseDocument('--expose-gc # for leak tests\n[test]\n--trace-warnings\n');
    expect(renderDocument(setFlag(document, null, '--expose-gc', 'yes'))).toBe(
      '--expose-gc=yes # for leak tests\n[test]\n--trace-warnings\n',
    );
    expect(renderDocument(setFlag(document, 'test', '--stack-size', '2000'))).toBe(
      '--expose-gc # for leak tests\n[test]\n--stack-size=2000\n--trace-warnings\n',
    );
    expect(renderDocument(setFlag(document, 'dev', '--stack-size', '2000'))).toBe(
      '--expose-gc # for leak tests\n[test]\n--trace-warnings\n\n[dev]\n--stack-size=2000\n',
    );
  });

  it('setFlag on the common lines goes after the last one, or above the first section', () => {
    expect(renderDocument(setFlag(parseDocument('# c\n\n[build]\n'), null, '--expose-gc', '1'))).toBe(
      '# c\n--expose-gc=1\n\n[build]\n',
    );
    expect(renderDocument(setFlag(parseDocument('--a\n# c\n[build]\n'), null, '--b', '1'))).toBe(
      '--a\n--b=1\n# c\n[build]\n',
    );
    expect(renderDocument(setFlag(parseDocument(''), null, '--b', '1'))).toBe('--b=1\n');
  });

  it('addSection appends after one blank line with exactly one final newline, and refuses a duplicate', () => {
    expect(renderDocument(addSection(parseDocument('[a]\n--x\n\n\n'), 'b', ['--y']))).toBe('[a]\n--x\n\n[b]\n--y\n');
    expect(renderDocument(addSection(parseDocument('[a]'), 'b', []))).toBe('[a]\n\n[b]\n');
    expect(renderDocument(addSection(parseDocument(''), 'b', ['--y']))).toBe('[b]\n--y\n');
    expect(() => addSection(parseDocument('[a]\n'), 'a', [])).toThrow(/exists already/);
  });

  it('raiseHeapRequest: space form replaced in place, so the raised size is the one that applies', () => {
    const raised = raiseHeapRequest(parseDocument(TEAM_FILE), 'build', 6000);
    expect(raised.changed).toBe(true);
    const text = renderDocument(raised.document);
    expect(text).toBe(TEAM_FILE.replace('--max-old-space-size 4096', '--max-old-space-size 6000'));
    expect(taskHeapFlag(parseNodeOptions(text, { file: 'x' }).config, 'build')?.value).toBe('6000');
    expect(raiseHeapRequest(raised.document, 'build', 5000).changed).toBe(false);
  });
});
