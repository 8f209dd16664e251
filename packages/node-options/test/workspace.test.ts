// The one workspace reader: npm and pnpm declarations, globs as npm and pnpm match them, catalogs,
// services, and turbo's config file in either spelling.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/node-options-file.js';
import { persistentTasks, tasksWithDependencies } from '../src/turbo-graph.js';
import {
  countWorkspacesWithScript,
  expandWorkspacePatterns,
  findTurboConfig,
  findWorkspaceRoot,
  isService,
  listServices,
  listWorkspaces,
  readWorkspaceDeclaration,
} from '../src/workspace.js';
import { fixtureDir } from './helpers.js';

const PACKAGES = {
  'apps/web/package.json': '{}',
  'apps/docs/package.json': '{}',
  'apps/no-manifest/README.md': '',
  'services/api/package.json': '{ "scripts": { "dev": "node ." } }',
  'services/legacy/package.json': '{}',
  'packages/ui/package.json': '{ "scripts": { "dev": "vite" } }',
  'packages/tools/eslint/package.json': '{}',
  'packages/tools/eslint/node_modules/dep/package.json': '{}',
  'packages/.hidden/package.json': '{}',
};

describe('readWorkspaceDeclaration', () => {
  it('reads npm workspaces as an array or as { packages }', () => {
    const array = fixtureDir({ 'package.json': '{ "workspaces": ["apps/*"] }' });
    expect(readWorkspaceDeclaration(array)).toMatchObject({
      manager: 'npm',
      source: 'package.json',
      patterns: ['apps/*'],
    });
    const object = fixtureDir({ 'package.json': '{ "workspaces": { "packages": ["services/*"] } }' });
    expect(readWorkspaceDeclaration(object)?.patterns).toEqual(['services/*']);
    expect(readWorkspaceDeclaration(fixtureDir({ 'package.json': '{ "name": "x" }' }))).toBeUndefined();
  });

  it('reads pnpm-workspace.yaml with a YAML parser: a flow list over several lines works', () => {
    const root = fixtureDir({
      'package.json': '{}',
      'pnpm-workspace.yaml': 'packages: [\n  "apps/*",\n  services/* # ours\n]\n',
    });
    expect(readWorkspaceDeclaration(root)).toMatchObject({
      manager: 'pnpm',
      source: 'pnpm-workspace.yaml',
      patterns: ['apps/*', 'services/*'],
    });
  });

  it('reads pnpm catalogs: the default one and named ones', () => {
    const root = fixtureDir({
      'pnpm-workspace.yaml': [
        'packages:',
        '  - packages/*',
        'catalog:',
        '  react: ^19.0.0',
        "  '@types/node': ^20.19.0",
        'catalogs:',
        '  legacy:',
        '    react: ^17.0.2',
        '',
      ].join('\n'),
    });
    expect(readWorkspaceDeclaration(root)?.catalogs).toEqual({
      default: { react: '^19.0.0', '@types/node': '^20.19.0' },
      named: { legacy: { react: '^17.0.2' } },
    });
  });

  it('names file and line of a file it cannot read', () => {
    const yaml = fixtureDir({ 'pnpm-workspace.yaml': 'packages:\n  - apps/*\n   bad: [\n' });
    expect(() => readWorkspaceDeclaration(yaml)).toThrow(ConfigError);
    expect(() => readWorkspaceDeclaration(yaml)).toThrow(/pnpm-workspace\.yaml:\d+: cannot parse YAML/);
    const json = fixtureDir({ 'package.json': '{\n  "workspaces": ["a"]\n  "name": "x"\n}' });
    expect(() => readWorkspaceDeclaration(json)).toThrow(/package\.json:3: cannot parse \(CommaExpected\)/);
  });
});

describe('expandWorkspacePatterns', () => {
  const root = fixtureDir(PACKAGES);

  it('matches *, **, {a,b} and ! exclusions as npm and pnpm do; node_modules and dot folders never', () => {
    expect(expandWorkspacePatterns(root, ['apps/*'])).toEqual(['apps/docs', 'apps/web']);
    expect(expandWorkspacePatterns(root, ['{apps,services}/*', '!services/legacy'])).toEqual([
      'apps/docs',
      'apps/web',
      'services/api',
    ]);
    expect(expandWorkspacePatterns(root, ['packages/**'])).toEqual(['packages/tools/eslint', 'packages/ui']);
    expect(expandWorkspacePatterns(root, ['./services/api/', 'apps/web'])).toEqual(['apps/web', 'services/api']);
    expect(expandWorkspacePatterns(root, ['!apps/*'])).toEqual([]);
  });

  it('lists workspaces, services (apps/ and services/), and scripts through the declaration', () => {
    const npm = fixtureDir({ ...PACKAGES, 'package.json': '{ "workspaces": ["apps/*", "services/*", "packages/*"] }' });
    expect(listWorkspaces(npm).map((workspace) => workspace.path)).toEqual([
      'apps/docs',
      'apps/web',
      'packages/ui',
      'services/api',
      'services/legacy',
    ]);
    expect(listServices(npm).map((workspace) => workspace.path)).toEqual([
      'apps/docs',
      'apps/web',
      'services/api',
      'services/legacy',
    ]);
    expect(isService('packages/ui')).toBe(false);
    expect(countWorkspacesWithScript(npm, 'dev')).toBe(2);
    expect(findWorkspaceRoot(join(npm, 'services', 'api'))).toBe(npm);
  });
});

describe('the turbo config', () => {
  it('is turbo.json or turbo.jsonc, found walking up, read with comments', () => {
    const root = fixtureDir({
      'turbo.jsonc':
        '{\n  // tasks\n  "tasks": { "build": { "dependsOn": ["^build", "codegen#gen"] }, "gen": {},\n' +
        '  "dev": { "persistent": true, }, },\n}\n',
      'packages/a/package.json': '{}',
    });
    const file = findTurboConfig(join(root, 'packages', 'a'));
    expect(file).toBe(join(root, 'turbo.jsonc'));
    expect(tasksWithDependencies(['build'], file)).toEqual(['build', 'gen']);
    expect(persistentTasks(['build', 'dev'], file)).toEqual(['dev']);
    const both = fixtureDir({ 'turbo.json': '{}', 'turbo.jsonc': '{}' });
    expect(findTurboConfig(both)).toBe(join(both, 'turbo.json'));
  });
});
