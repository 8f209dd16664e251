// The bin shim as a real process: what only a process shows (exit codes, stdout/stderr, the message
// when dist/ is missing). Everything else runs the same `main` in-process.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { binPath, cleanEnv, fixtureDir, packageDir, runCli, TEST_PROFILE } from './helpers.js';

const LOG_IMPORTS = join(packageDir, 'test', 'fixtures', 'log-imports.mjs');

describe('bin/heapwise.js', () => {
  it('prints usage: exit 0 with --help, 2 without a command', async () => {
    const cwd = fixtureDir({});
    const help = await runCli(['--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: heapwise <command>/);
    expect(help.stdout).toMatch(/\n {2}run {5}run a command with the task's NODE_OPTIONS/);
    const none = await runCli([], { cwd });
    expect(none.code).toBe(2);
    expect(none.stdout).toBe(help.stdout);
  });

  it('a bad .node-options: exit 2, file:line: reason on stderr, nothing on stdout', async () => {
    const cwd = fixtureDir({ '.node-options': '[build]\n--max-old-space-size 4gb\n' });
    const result = await runCli(['print', 'build'], { cwd });
    expect(result).toEqual({
      code: 2,
      signal: null,
      stdout: '',
      stderr: ".node-options:2: --max-old-space-size expects a positive integer of MB, got '4gb'\n",
    });
  });

  it('prints one line and exits 2 when the package is not built', async () => {
    const copy = fixtureDir({});
    mkdirSync(join(copy, 'bin'));
    copyFileSync(binPath, join(copy, 'bin', 'heapwise.js'));
    const result = await runCli(['run', 'build', '--', 'true'], { cwd: copy, bin: join(copy, 'bin', 'heapwise.js') });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'heapwise: not built yet; run `npm run prepare` (or `npm run build -w @heapwise/node-options`) ' +
        'at the repository root\n',
    );
  });

  it('keeps working while the bundle is rebuilt beside it (bundled again as other tasks run heapwise)', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const bundle = (async () => {
      for (let round = 0; round < 3; round++)
        await promisify(execFile)(process.execPath, [join(packageDir, 'scripts', 'bundle.mjs')], { cwd: packageDir });
    })();
    let finished = false;
    void bundle.finally(() => (finished = true));
    const failures: string[] = [];
    let runs = 0;
    while (!finished || runs < 3) {
      const result = await runCli(['print', 'test'], { cwd });
      runs++;
      if (result.code !== 0) failures.push(result.stderr);
    }
    await bundle;
    expect(failures).toEqual([]);
  });

  it('`run` loads only what run uses: no other command, no workspace or JSON libraries', async () => {
    const cwd = fixtureDir({ '.node-options': TEST_PROFILE });
    const log = join(cwd, 'imports.log');
    const result = await runCli(['run', 'test', '--', 'true'], {
      cwd,
      env: cleanEnv({ IMPORT_LOG: log }),
      nodeArgs: ['--import', LOG_IMPORTS],
    });
    expect(result.code).toBe(0);
    const files = readFileSync(log, 'utf8')
      .split('\n')
      .filter((url) => url.startsWith('file:') && url.includes('/dist/'))
      .map((url) => fileURLToPath(url));
    expect(files.some((file) => /\/run(-\w+)?\.js$/.test(file))).toBe(true);
    // The bundle names its sources in comments; the help texts mark each command's code.
    const code = files.map((file) => readFileSync(file, 'utf8')).join('\n');
    for (const unused of [
      'Usage: heapwise doctor',
      'Usage: heapwise init',
      'Usage: heapwise sync',
      'Usage: heapwise turbo',
      'node_modules/yaml',
      'node_modules/tinyglobby',
      'node_modules/jsonc-parser',
    ])
      expect(code, unused).not.toContain(unused);
    expect(code).toContain('Usage: heapwise run');
  });
});
