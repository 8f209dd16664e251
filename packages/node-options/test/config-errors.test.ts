import { describe, expect, it } from 'vitest';
import { parseNodeOptions } from '../src/index.js';
import { fixtureDir, runMain } from './helpers.js';

// Each bad file, through the CLI's main (in-process): exit 2 and exactly the `file:line: reason` line(s).
const BAD_FILES: { name: string; text: string; expected: RegExp[] }[] = [
  {
    name: 'a flag NODE_OPTIONS refuses',
    text: '--enable-source-maps\n[build]\n--gc-interval=100\n',
    expected: [
      new RegExp(
        String.raw`^\.node-options:3: --gc-interval is not allowed in NODE_OPTIONS on Node v\d+.*` +
          "mark the line '@node --gc-interval'",
      ),
    ],
  },
  {
    name: 'a malformed size',
    text: '[build]\n--max-old-space-size=4gb\n',
    expected: [/^\.node-options:2: --max-old-space-size expects a positive integer of MB, got '4gb'$/],
  },
  {
    name: 'a zero size',
    text: '[test]\n--expose-gc\n--max-old-space-size=0\n',
    expected: [/^\.node-options:3: --max-old-space-size expects a positive integer of MB, got '0'$/],
  },
  {
    name: 'a malformed section header',
    text: '[build\n--max-old-space-size=4096\n',
    expected: [/^\.node-options:1: malformed section header '\[build' \(expected \[task\], e\.g\. \[build\]\)$/],
  },
  {
    name: 'a section name with spaces',
    text: '[my build]\n',
    expected: [/^\.node-options:1: malformed section header '\[my build\]'/],
  },
  {
    name: 'a duplicate section',
    text: '[build]\n--max-old-space-size=4096\n\n[build]\n--expose-gc\n',
    expected: [/^\.node-options:4: duplicate section \[build\] \(first at line 1\)$/],
  },
  {
    name: 'a line that is not a flag',
    text: 'max-old-space-size=4096\n',
    expected: [
      /^\.node-options:1: expected a flag starting with --, a \[section\] or a comment, got 'max-old-space-size=4096'$/,
    ],
  },
  {
    name: 'two flags on one line',
    text: '--expose-gc --enable-source-maps\n',
    expected: [/^\.node-options:1: one flag per line, got '--expose-gc --enable-source-maps'$/],
  },
  {
    name: 'a bad headroom',
    text: '[heapwise]\nheadroom = 1.5\n',
    expected: [/^\.node-options:2: headroom must be a fraction in \(0, 1\], got '1\.5'$/],
  },
  {
    name: 'an unknown setting',
    text: '[heapwise]\nconcurrency = 4\n',
    expected: [/^\.node-options:2: unknown setting 'concurrency' in \[heapwise\] \(known: headroom, ledger\)$/],
  },
  {
    name: 'several problems at once, each on its line',
    text: '--gc-interval=1\n[build]\n--max-old-space-size=big\n[build]\n',
    expected: [
      /^\.node-options:1: --gc-interval/,
      /^\.node-options:3: --max-old-space-size expects/,
      /^\.node-options:4: duplicate section/,
    ],
  },
];

describe('a bad .node-options', () => {
  for (const bad of BAD_FILES) {
    it(`reports ${bad.name} as file:line and exits 2`, async () => {
      const cwd = fixtureDir({ '.node-options': bad.text });
      const result = await runMain(['print', 'build'], { cwd });
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(bad.expected.length);
      bad.expected.forEach((pattern, index) => expect(lines[index]).toMatch(pattern));
    });
  }

  it('fails `run` the same way, before starting the command', async () => {
    const cwd = fixtureDir({ '.node-options': '[test]\n--optimize-for-size\n' });
    const result = await runMain(['run', 'test', '--', 'node', '-e', 'console.log("started")'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toMatch(/^\.node-options:2: --optimize-for-size is not allowed in NODE_OPTIONS/);
  });

  it('names a missing file and exits 2', async () => {
    const cwd = fixtureDir({});
    const result = await runMain(['print', 'build', '--config', 'nope/.node-options'], { cwd });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^nope\/\.node-options: cannot read: ENOENT/);
  });
});

describe('usage errors', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /^heapwise: unknown command 'frobnicate' \(commands: run, turbo, print, doctor, sync/],
    [['print'], /^heapwise: print: missing <task>/],
    [['print', 'build', '--format', 'yaml'], /^heapwise: print: --format must be one of env, shell, json, got 'yaml'$/],
    [
      ['print', 'build', '--memory', 'lots'],
      /^heapwise: --memory expects a size such as 7g, 512m or 8GiB, got 'lots'$/,
    ],
    [['print', 'build', '--concurrency', '0'], /^heapwise: --concurrency expects a positive integer, got '0'$/],
    [['print', 'build', '--colour'], /^heapwise: Unknown option '--colour'/],
    [['run', 'build', 'node'], /^heapwise: run: missing -- before the command/],
    [['run', 'build', '--'], /^heapwise: run: missing <command> after --$/],
  ];
  for (const [args, pattern] of cases) {
    it(`heapwise ${args.join(' ')} → exit 2, one line`, async () => {
      const cwd = fixtureDir({ '.node-options': '[build]\n--max-old-space-size=1024\n' });
      const result = await runMain(args, { cwd });
      expect(result.code).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr.trimEnd()).toMatch(pattern);
    });
  }

  it('each subcommand has --help', async () => {
    const cwd = fixtureDir({});
    for (const name of ['run', 'turbo', 'print', 'doctor', 'sync', 'init']) {
      const result = await runMain([name, '--help'], { cwd });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: heapwise ${name}`));
    }
  });
});

describe('parseNodeOptions', () => {
  it('applies the common lines to every task and keeps sections apart', () => {
    const { config, problems } = parseNodeOptions(
      '# c\n--enable-source-maps  # why\n[build]\n--max-old-space-size=4096\n[test]\n--expose-gc\n',
      {
        file: 'x',
      },
    );
    expect(problems).toEqual([]);
    expect(config.common.map((flag) => flag.name)).toEqual(['--enable-source-maps']);
    expect(config.sections.get('build')?.flags).toEqual([
      { name: '--max-old-space-size', value: '4096', line: 4, nodeOnly: false },
    ]);
    expect(config.sections.get('test')?.flags.map((flag) => flag.line)).toEqual([6]);
    expect(config.headroom).toBe(0.75);
  });

  it('accepts @node lines for flags NODE_OPTIONS refuses, and underscores in names', () => {
    const { config, problems } = parseNodeOptions('[build]\n@node --optimize-for-size\n--max_old_space_size=512\n', {
      file: 'x',
    });
    expect(problems).toEqual([]);
    expect(config.sections.get('build')?.flags).toEqual([
      { name: '--optimize-for-size', value: undefined, line: 2, nodeOnly: true },
      { name: '--max-old-space-size', value: '512', line: 3, nodeOnly: false },
    ]);
  });

  it('validates against the allowed-flag set it is given (the running Node by default)', () => {
    const text = '--expose-gc\n';
    expect(parseNodeOptions(text, { file: 'x', allowedFlags: new Set(['--expose-gc']) }).problems).toEqual([]);
    expect(parseNodeOptions(text, { file: 'x', allowedFlags: new Set() }).problems).toHaveLength(1);
  });

  it('reads headroom from [heapwise]', () => {
    const { config, problems } = parseNodeOptions('[heapwise]\nheadroom = 0.5\n[build]\n--expose-gc\n', { file: 'x' });
    expect(problems).toEqual([]);
    expect(config.headroom).toBe(0.5);
    expect([...config.sections.keys()]).toEqual(['build']);
  });
});
