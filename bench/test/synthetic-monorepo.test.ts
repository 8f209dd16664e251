// The generator's dependency graph: a strict chain at width 1, layers that build in parallel above it.
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dependenciesOf, generate, setTaskRunner, linkTypeScript } from '../../scripts/synthetic-monorepo.mjs';

/** A fixed sequence of "random" numbers, so each expectation is exact. */
function sequence(values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length];
}

/** Layer of each package: 0 without dependencies, else 1 + its deepest dependency's. */
function layers(graph: number[][]): number[] {
  const depth: number[] = [];
  graph.forEach((deps, index) => {
    depth[index] = deps.length === 0 ? 0 : 1 + Math.max(...deps.map((dep) => depth[dep]));
  });
  return depth;
}

function graphOf(packages: number, deps: number, width: number, random = sequence([0.1, 0.5, 0.9, 0.3])) {
  return Array.from({ length: packages }, (_, index) => dependenciesOf(index, deps, random, width));
}

describe('dependenciesOf', () => {
  it('width 1 is a strict chain: package i depends on i − 1', () => {
    const graph = graphOf(12, 3, 1);
    graph.slice(1).forEach((deps, i) => expect(deps).toContain(i));
    expect(layers(graph)).toEqual([...Array(12).keys()]);
  });

  it('width W builds W packages per layer, each depending only on earlier layers', () => {
    const width = 4;
    const graph = graphOf(24, 3, width);
    expect(layers(graph)).toEqual(Array.from({ length: 24 }, (_, index) => Math.floor(index / width)));
    graph.forEach((deps, index) => {
      const layerStart = index - (index % width);
      for (const dep of deps) expect(dep).toBeLessThan(layerStart);
      if (index >= width) expect(deps).toContain(index - width);
      expect(deps.length).toBe(Math.min(3, layerStart));
    });
  });

  it('a width at least the package count is flat: nothing depends on anything', () => {
    expect(graphOf(6, 3, 6).every((deps) => deps.length === 0)).toBe(true);
  });

  it('deps 0 means no dependencies at any width', () => {
    expect(graphOf(8, 0, 1).every((deps) => deps.length === 0)).toBe(true);
  });
});

describe('generate', () => {
  const out = mkdtempSync(join(tmpdir(), 'heapwise-synthetic-test-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('writes a turbo workspace whose package dependencies and references are the layered graph', () => {
    const summary = generate({ out, packages: 9, files: 2, deps: 2, width: 3, seed: 7, runner: 'plain' });
    expect(summary).toMatchObject({ packages: 9, width: 3, layers: 3, sourceFiles: 9 * 3 });
    const manifests = readdirSync(join(out, 'packages'))
      .sort()
      .map((pkg) => ({
        pkg,
        manifest: JSON.parse(readFileSync(join(out, 'packages', pkg, 'package.json'), 'utf8')) as {
          dependencies: Record<string, string>;
          scripts: Record<string, string>;
        },
        references: (
          JSON.parse(readFileSync(join(out, 'packages', pkg, 'tsconfig.json'), 'utf8')) as {
            references: { path: string }[];
          }
        ).references.map((reference) => reference.path.replace('../', '')),
      }));
    const graph = manifests.map(({ manifest }) =>
      Object.keys(manifest.dependencies).map((name) => Number(name.replace('@syn/p', ''))),
    );
    expect(layers(graph)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    for (const { manifest, references } of manifests)
      expect(references).toEqual(Object.keys(manifest.dependencies).map((name) => name.replace('@syn/', '')));
    expect(manifests[0].manifest.scripts).toEqual({
      build: 'tsc -b',
      typecheck: 'tsc -p tsconfig.test.json',
      test: 'node --test test/index.test.mjs',
    });
    const turbo = JSON.parse(readFileSync(join(out, 'turbo.json'), 'utf8')) as { tasks: Record<string, unknown> };
    expect(Object.keys(turbo.tasks).sort()).toEqual(['build', 'test', 'typecheck']);
  });

  it('switches every package to heapwise run, and tsc to TypeScript 5.9, in place', () => {
    setTaskRunner(out, 'heapwise');
    const manifest = JSON.parse(readFileSync(join(out, 'packages', 'p04', 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts.build).toBe('heapwise run build -- tsc -b');
    expect(manifest.scripts.test).toBe('heapwise run test -- node --test test/index.test.mjs');
    linkTypeScript(out, '5.9');
    expect(readlinkSync(join(out, 'node_modules', '.bin', 'tsc'))).toMatch(/typescript-5\.9[/\\]bin[/\\]tsc$/);
    expect(() => setTaskRunner(out, 'npx' as 'plain')).toThrow(/runner must be one of plain, heapwise/);
  });
});
