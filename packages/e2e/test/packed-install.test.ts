// Every public package, packed with `npm pack` and installed from the
// tarballs into a project outside the workspace, works as a user gets it:
// the tsconfig preset compiles, the CLI runs, the logger logs, the metrics
// registry scrapes. Nothing here can resolve to the workspace's own files.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, makeTempDir, repoRoot, rootBin, runOk } from './helpers.js';

/** The public packages, in dependency order. */
const PUBLIC_PACKAGES = ['tsconfig', 'cgroup', 'node-options', 'lifecycle', 'logger', 'metrics'] as const;
/** npm install of the tarballs (third-party deps come from the npm cache or the registry). */
const INSTALL_TIMEOUT_MS = 150_000;

/** npm install as a user runs it, from the cache where it can; `args` are the packages and flags. */
const npmInstall = (cwd: string, args: readonly string[] = []) =>
  runOk('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', ...args], {
    cwd,
    timeoutMs: INSTALL_TIMEOUT_MS,
  });

const versionOf = (name: string) =>
  (JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;

interface PackResult {
  filename: string;
  files: { path: string }[];
}

const PROGRAM = `import { createLogger } from '@heapwise/logger';
import { createRegistry } from '@heapwise/metrics';

const logger = createLogger({ name: 'packed' });
logger.info({ password: 'hunter2', route: '/' }, 'hello from the tarball');

const registry = createRegistry();
const requests = registry.counter({ name: 'packed_requests_total', help: 'Requests seen.', labelNames: ['route'] });
requests.inc({ route: '/' });
requests.inc({ route: '/' });
const text: string = await registry.metrics();
process.stdout.write(\`--- metrics \${registry.contentType}\\n\${text}\`);
await registry.destroy();
`;

const temp = makeTempDir('packed');
const tarballs = join(temp.dir, 'tarballs');
const packed = new Map<string, PackResult>();
const tarball = (name: string) => join(tarballs, packed.get(name)?.filename ?? `missing-${name}.tgz`);

beforeAll(async () => {
  mkdirSync(tarballs, { recursive: true });
  // A no-op when turbo already built them (test depends on ^build); needed when run alone.
  await runOk(
    join(rootBin, 'tsc'),
    ['-b', ...PUBLIC_PACKAGES.filter((name) => name !== 'tsconfig').map((name) => `packages/${name}`)],
    {
      cwd: repoRoot,
      timeoutMs: 120_000,
    },
  );
  for (const name of PUBLIC_PACKAGES) {
    const result = await runOk('npm', ['pack', '--json', '--pack-destination', tarballs], {
      cwd: join(repoRoot, 'packages', name),
    });
    const [info] = JSON.parse(result.stdout) as PackResult[];
    if (!info) throw new Error(`npm pack printed nothing for ${name}`);
    packed.set(name, info);
  }
}, 180_000);

afterAll(() => temp.remove());

describe('public packages installed from their npm pack tarballs, outside the workspace', () => {
  const project = join(temp.dir, 'project');

  beforeAll(async () => {
    mkdirSync(join(project, 'src'), { recursive: true });
    writeFileSync(
      join(project, 'package.json'),
      `${JSON.stringify({ name: 'packed-consumer', private: true, type: 'module' }, null, 2)}\n`,
    );
    await npmInstall(project, [
      ...PUBLIC_PACKAGES.map(tarball),
      // The preset's peer, and the types its base config names.
      `typescript@${versionOf('typescript')}`,
      `@types/node@${versionOf('@types/node')}`,
    ]);
  }, INSTALL_TIMEOUT_MS);

  it('packs what a user needs: JavaScript, types, the sources their maps point to; no tests or build info', () => {
    for (const name of PUBLIC_PACKAGES.filter((n) => n !== 'tsconfig')) {
      const paths = packed.get(name)?.files.map((file) => file.path) ?? [];
      expect(paths, name).toContain('dist/index.js');
      expect(paths, name).toContain('dist/index.d.ts');
      // declarationMap and sourceMap point into src/: ship it so go-to-definition and stack traces resolve.
      expect(paths, name).toContain('src/index.ts');
      expect(
        paths.filter((path) => /^test\/|tsbuildinfo$|\.test\./.test(path)),
        name,
      ).toEqual([]);
    }
    expect(packed.get('tsconfig')?.files.map((file) => file.path)).toEqual(
      expect.arrayContaining(['library.json', 'service.json', 'base.json']),
    );
  });

  it('installs every package from its tarball, not from the workspace', () => {
    for (const name of PUBLIC_PACKAGES) {
      const installed = realpathSync(join(project, 'node_modules', '@heapwise', name));
      expect(relative(project, installed).startsWith('..'), `${name} → ${installed}`).toBe(false);
    }
  });

  it('a program using logger and metrics compiles with @heapwise/tsconfig/library.json and runs', async () => {
    writeFileSync(join(project, 'tsconfig.json'), '{\n  "extends": "@heapwise/tsconfig/library.json"\n}\n');
    writeFileSync(join(project, 'src', 'index.ts'), PROGRAM);
    await runOk(join(project, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], {
      cwd: project,
      timeoutMs: 60_000,
    });
    const result = await runOk(process.execPath, ['dist/index.js'], { cwd: project, env: cleanEnv() });
    const [logPart = '', metricsPart = ''] = result.stdout.split(/^--- metrics .*$/m);
    const record = JSON.parse(logPart.trim().split('\n')[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({ msg: 'hello from the tarball', name: 'packed', route: '/' });
    // Redaction is on by default in the published build too.
    expect(JSON.stringify(record)).not.toContain('hunter2');
    expect(result.stdout).toMatch(/^--- metrics text\/plain; version=0\.0\.4/m);
    expect(metricsPart).toContain('# TYPE packed_requests_total counter');
    expect(metricsPart).toMatch(/^packed_requests_total\{route="\/"\} 2$/m);
  }, 120_000);

  it('npx heapwise print build reads the project .node-options', async () => {
    writeFileSync(join(project, '.node-options'), '[build]\n--max-old-space-size=1536\n');
    const result = await runOk(
      'npx',
      ['--no-install', 'heapwise', 'print', 'build', '--format', 'json', '--memory', '64g'],
      {
        cwd: project,
        env: cleanEnv(),
      },
    );
    const printed = JSON.parse(result.stdout) as {
      task: string;
      requestedHeapMb: number;
      heapMb: number;
      nodeOptions: string;
    };
    expect(printed).toMatchObject({ task: 'build', requestedHeapMb: 1536, heapMb: 1536 });
    expect(printed.nodeOptions).toContain('--max-old-space-size=1536');
  }, 60_000);
});

describe('adopting heapwise from the tarballs: heapwise init in an existing turbo monorepo, then a build', () => {
  const repo = join(temp.dir, 'adopter');
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  // The build records what Node was really given.
  const BUILD_SCRIPT = `import { mkdirSync, writeFileSync } from 'node:fs';
import { getHeapStatistics } from 'node:v8';
mkdirSync('dist', { recursive: true });
writeFileSync('dist/seen.json', JSON.stringify({
  nodeOptions: process.env.NODE_OPTIONS ?? '',
  concurrency: process.env.HEAPWISE_CONCURRENCY ?? '',
  heapSizeLimitBytes: getHeapStatistics().heap_size_limit,
}));
`;

  beforeAll(async () => {
    const files: Record<string, string> = {
      'package.json': json({
        name: 'adopter',
        private: true,
        packageManager: 'npm@11.19.1',
        workspaces: ['packages/*'],
        scripts: { build: 'turbo run build' },
      }),
      // As turbo's examples ship it: strict env mode, nothing passed through yet.
      'turbo.json': json({
        $schema: 'https://turborepo.com/schema.json',
        tasks: { build: { dependsOn: ['^build'], outputs: ['dist/**'] } },
      }),
      '.gitignore': 'node_modules\n.turbo\ndist\n',
      'packages/lib/package.json': json({
        name: 'lib',
        version: '1.0.0',
        type: 'module',
        scripts: { build: 'node --max-old-space-size=1800 build.mjs' },
      }),
      'packages/lib/build.mjs': BUILD_SCRIPT,
      'packages/lib/tsconfig.json': '{\n  // ours\n  "compilerOptions": { "strict": true, },\n}\n',
    };
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(repo, path, '..'), { recursive: true });
      writeFileSync(join(repo, path), content);
    }
    // What a team has before adopting: turbo, and heapwise installed to run init. node-options depends
    // on @heapwise/cgroup, which a user gets from the registry; here its tarball stands in for it.
    await npmInstall(repo, [
      '-D',
      tarball('node-options'),
      tarball('cgroup'),
      tarball('tsconfig'),
      `turbo@${versionOf('turbo')}`,
    ]);
  }, INSTALL_TIMEOUT_MS);

  it('init moves the hard-coded heap to .node-options; after npm install the build gets the fitted heap', async () => {
    const init = await runOk('npx', ['--no-install', 'heapwise', 'init'], { cwd: repo, env: cleanEnv() });
    expect(init.stdout).toContain('-    "build": "node --max-old-space-size=1800 build.mjs"');
    expect(init.stdout).toContain('+    "build": "heapwise run build -- node build.mjs"');
    expect(readFileSync(join(repo, '.node-options'), 'utf8')).toMatch(/\[build\]\n--max-old-space-size=4096\n/);
    expect(JSON.parse(readFileSync(join(repo, 'turbo.json'), 'utf8'))).toMatchObject({
      globalPassThroughEnv: ['NODE_OPTIONS', 'GOMEMLIMIT', 'HEAPWISE_*'],
    });
    expect(readFileSync(join(repo, 'packages/lib/tsconfig.json'), 'utf8')).toBe(
      '{\n  "extends": "@heapwise/tsconfig/adopt.json",\n  // ours\n  "compilerOptions": { "strict": true, },\n}\n',
    );
    // The new dev dependencies resolve to the installed tarballs, not the registry.
    await npmInstall(repo);
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string }>;
    };
    for (const name of ['node-options', 'cgroup', 'tsconfig']) {
      expect(lock.packages[`node_modules/@heapwise/${name}`]?.resolved, name).toMatch(/^file:.*\.tgz$/);
      expect(lock.packages[`packages/lib/node_modules/@heapwise/${name}`], name).toBeUndefined();
    }

    await runOk('npm', ['run', 'build'], { cwd: repo, env: cleanEnv(), timeoutMs: 90_000 });
    const seen = JSON.parse(readFileSync(join(repo, 'packages/lib/dist/seen.json'), 'utf8')) as {
      nodeOptions: string;
      concurrency: string;
      heapSizeLimitBytes: number;
    };
    // heapwise turbo's choice reached the task through turbo's strict env mode…
    expect(seen.concurrency).toMatch(/^[1-9]\d*$/);
    // …and what heapwise says the build gets at that concurrency…
    const planned = await runOk(
      'npx',
      ['--no-install', 'heapwise', 'print', 'build', '--format', 'json', '--concurrency', seen.concurrency],
      { cwd: repo, env: cleanEnv() },
    );
    const { heapMb, requestedHeapMb } = JSON.parse(planned.stdout) as { heapMb: number; requestedHeapMb: number };
    expect(requestedHeapMb).toBe(4096);
    // …is what the build's Node really ran with (V8 adds the young generation on top).
    expect(seen.nodeOptions).toContain(`--max-old-space-size=${heapMb}`);
    expect(seen.heapSizeLimitBytes).toBeGreaterThanOrEqual(heapMb * 1024 * 1024);
    expect(seen.heapSizeLimitBytes).toBeLessThan((heapMb + 512) * 1024 * 1024);

    const again = await runOk('npx', ['--no-install', 'heapwise', 'init'], { cwd: repo, env: cleanEnv() });
    expect(again.stdout).toContain('nothing to change');
  }, 240_000);
});
