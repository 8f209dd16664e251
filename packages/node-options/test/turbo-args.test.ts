import { describe, expect, it } from 'vitest';
import { parseTurboRunArgs, selectPackages, TurboArgsError, type WorkspaceNode } from '../src/turbo-args.js';

describe('parseTurboRunArgs', () => {
  it('finds tasks before and after options, takes --concurrency out, keeps the rest in order', () => {
    expect(
      parseTurboRunArgs(['--filter=web', 'build', '-F', 'api', 'test', '--concurrency', '3', '--continue', '--', 'x']),
    ).toEqual({
      tasks: ['build', 'test'],
      filters: ['web', 'api'],
      affected: false,
      userConcurrency: '3',
      rest: ['--filter=web', '-F', 'api', '--continue', '--', 'x'],
    });
    expect(parseTurboRunArgs(['build', '--affected']).affected).toBe(true);
    expect(() => parseTurboRunArgs(['build', '--filter'])).toThrow(TurboArgsError);
  });
});

describe('selectPackages (turbo --filter)', () => {
  const graph: WorkspaceNode[] = [
    { name: '@x/web', path: 'apps/web', dependencies: ['@x/ui'], scripts: {} },
    { name: '@x/docs', path: 'apps/docs', dependencies: ['@x/ui'], scripts: {} },
    { name: '@x/ui', path: 'packages/ui', dependencies: ['@x/utils'], scripts: {} },
    { name: '@x/utils', path: 'packages/utils', dependencies: [], scripts: {} },
  ];
  const names = (...filters: string[]) => [...selectPackages(graph, filters).names].sort();
  it('names, globs, folders, dependencies, dependents, ^ and !', () => {
    expect(names()).toEqual(['@x/docs', '@x/ui', '@x/utils', '@x/web']);
    expect(names('@x/web')).toEqual(['@x/web']);
    expect(names('@x/w*')).toEqual(['@x/web']);
    expect(names('./apps/*')).toEqual(['@x/docs', '@x/web']);
    expect(names('{packages/ui}')).toEqual(['@x/ui']);
    expect(names('@x/web...')).toEqual(['@x/ui', '@x/utils', '@x/web']);
    expect(names('@x/web^...')).toEqual(['@x/ui', '@x/utils']);
    expect(names('...@x/ui')).toEqual(['@x/docs', '@x/ui', '@x/web']);
    expect(names('...^@x/ui')).toEqual(['@x/docs', '@x/web']);
    expect(names('!@x/docs')).toEqual(['@x/ui', '@x/utils', '@x/web']);
    expect(names('./apps/*', '!@x/docs')).toEqual(['@x/web']);
    expect(selectPackages(graph, ['[main]']).unknown).toContain('git range');
    expect(selectPackages(graph, [], true).unknown).toBe('--affected');
  });
});
