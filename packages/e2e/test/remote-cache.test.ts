// A self-hosted turbo remote cache (turborepo-remote-cache, local storage)
// serving a small fixture monorepo: after the local cache is wiped, every
// task must come back from the server.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeTempDir, rootBin, runOk } from './helpers.js';

const TOKEN = 'e2e-token-not-a-secret';
const TEAM = 'team_heapwise_e2e';
/** How long the cache server may take to print its listening line. */
const SERVER_START_TIMEOUT_MS = 30_000;
const turbo = join(rootBin, 'turbo');

interface TaskSummary {
  taskId: string;
  cache: { status: string; source?: string; local: boolean; remote: boolean };
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Two packages, `b` depending on `a`; each build writes dist/out.txt. */
function writeFixture(root: string): void {
  writeJson(join(root, 'package.json'), {
    name: 'remote-cache-fixture',
    private: true,
    packageManager: 'npm@11.19.1',
    workspaces: ['packages/*'],
  });
  // Same pass-through list as the heapwise repository: NODE_OPTIONS reaches
  // the tasks but is not part of the hash.
  writeJson(join(root, 'turbo.json'), {
    $schema: 'https://turborepo.com/schema.json',
    globalPassThroughEnv: ['NODE_OPTIONS', 'GOMEMLIMIT', 'HEAPWISE_*'],
    tasks: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } },
  });
  writeFileSync(join(root, '.gitignore'), 'node_modules\n.turbo\ndist\n');
  const build = (text: string) =>
    `node -e "require('fs').mkdirSync('dist',{recursive:true});require('fs').writeFileSync('dist/out.txt','${text}')"`;
  writeJson(join(root, 'packages/a/package.json'), {
    name: 'a',
    version: '1.0.0',
    scripts: { build: build('built a') },
  });
  writeJson(join(root, 'packages/b/package.json'), {
    name: 'b',
    version: '1.0.0',
    scripts: { build: build('built b') },
    dependencies: { a: '1.0.0' },
  });
}

function startCacheServer(storagePath: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(join(rootBin, 'turborepo-remote-cache'), [], {
    env: cleanEnv({
      // It binds 0.0.0.0 by default; a test must stay on loopback.
      HOST: '127.0.0.1',
      PORT: '0',
      STORAGE_PROVIDER: 'local',
      STORAGE_PATH: storagePath,
      STORAGE_PATH_USE_TMP_FOLDER: 'false',
      TURBO_TOKEN: TOKEN,
      NODE_ENV: 'production',
      LOG_LEVEL: 'info',
    }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolvePromise, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`cache server did not start:\n${output}`)),
      SERVER_START_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      if (output.length < 64 * 1024) output += chunk.toString('utf8');
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolvePromise({ child, url: match[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`cache server exited with ${code}:\n${output}`));
    });
  });
}

function readSummary(root: string): TaskSummary[] {
  const runsDir = join(root, '.turbo', 'runs');
  const [latest] = readdirSync(runsDir)
    .map((name) => join(runsDir, name))
    .sort()
    .reverse();
  if (!latest) throw new Error(`no run summary in ${runsDir}`);
  return (JSON.parse(readFileSync(latest, 'utf8')) as { tasks: TaskSummary[] }).tasks;
}

function wipeLocalCache(root: string): void {
  for (const dir of ['.turbo', 'node_modules/.cache/turbo', 'packages/a/dist', 'packages/b/dist']) {
    rmSync(join(root, dir), { recursive: true, force: true });
  }
}

describe('turbo with a self-hosted remote cache (turborepo-remote-cache, local storage)', () => {
  const temp = makeTempDir('remote-cache');
  const fixture = join(temp.dir, 'repo');
  const storage = join(temp.dir, 'storage');
  let server: { child: ChildProcess; url: string };

  beforeAll(async () => {
    mkdirSync(fixture, { recursive: true });
    mkdirSync(storage, { recursive: true });
    writeFixture(fixture);
    const git = (...args: string[]) =>
      runOk('git', ['-c', 'user.email=e2e@heapwise.invalid', '-c', 'user.name=e2e', ...args], { cwd: fixture });
    // turbo resolves the workspace from the lockfile and hashes with git.
    await runOk('npm', ['install', '--package-lock-only', '--offline', '--ignore-scripts'], { cwd: fixture });
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-qm', 'fixture');
    server = await startCacheServer(storage);
  }, 90_000);

  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      const exited = once(server.child, 'exit');
      server.child.kill('SIGTERM');
      await exited;
    }
    temp.remove();
  }, 30_000);

  const turboEnv = (extra: Record<string, string> = {}) =>
    cleanEnv({ TURBO_API: server.url, TURBO_TOKEN: TOKEN, TURBO_TEAM: TEAM, ...extra });

  it('serves every task from the remote cache after the local cache is wiped', async () => {
    const first = await runOk(turbo, ['run', 'build', '--summarize'], { cwd: fixture, env: turboEnv() });
    expect(first.stdout).toContain('Remote caching enabled');
    expect(readSummary(fixture).map((task) => [task.taskId, task.cache.status])).toEqual([
      ['a#build', 'MISS'],
      ['b#build', 'MISS'],
    ]);
    // The server stored one artifact per task under the team.
    expect(readdirSync(join(storage, TEAM))).toHaveLength(2);

    wipeLocalCache(fixture);
    // A different heap size must not change the hash: NODE_OPTIONS is pass-through.
    const second = await runOk(turbo, ['run', 'build', '--summarize'], {
      cwd: fixture,
      env: turboEnv({ NODE_OPTIONS: '--max-old-space-size=1536' }),
    });
    expect(second.stdout).toContain('FULL TURBO');
    const tasks = readSummary(fixture);
    expect(tasks).toHaveLength(2);
    for (const task of tasks) {
      expect(task.cache).toMatchObject({ status: 'HIT', source: 'REMOTE', local: false, remote: true });
    }
    // Outputs were restored from the artifacts, not rebuilt.
    expect(readFileSync(join(fixture, 'packages/b/dist/out.txt'), 'utf8')).toBe('built b');
  }, 120_000);

  it('misses when the token is wrong: the hits above came from the authenticated server', async () => {
    wipeLocalCache(fixture);
    await runOk(turbo, ['run', 'build', '--summarize'], {
      cwd: fixture,
      env: turboEnv({ TURBO_TOKEN: 'wrong-token' }),
    });
    expect(readSummary(fixture).map((task) => task.cache.status)).toEqual(['MISS', 'MISS']);
    expect(existsSync(join(fixture, 'packages/a/dist/out.txt'))).toBe(true);
  }, 120_000);
});
