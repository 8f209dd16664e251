// doctor's checks as pure functions of the facts: no files, no machine.
import { describe, expect, it } from 'vitest';
import { computeBudget } from '../src/budget.js';
import {
  checkBudget,
  checkConcurrency,
  checkMemory,
  checkNode,
  checkPackageSections,
  runChecks,
  type DoctorFacts,
  type TaskPlan,
} from '../src/doctor/checks.js';
import { parseNodeOptions } from '../src/node-options-file.js';
import { GIB } from './helpers.js';

function facts(overrides: Partial<DoctorFacts> = {}): DoctorFacts {
  const { config } = parseNodeOptions('[build]\n--max-old-space-size=4096\n', { file: '.node-options' });
  const memory = { bytes: 8 * GIB, source: 'cgroup-v2' as const, detail: '/sys/fs/cgroup/memory.max' };
  return {
    configDisplay: '.node-options',
    config,
    problems: [],
    node: {
      version: 'v22.21.0',
      nvmrc: { display: '.nvmrc', version: '20' },
      endOfLife: { major: 22, date: '2027-04-30', past: false },
      acceptsHeapPercentage: true,
    },
    memory,
    budget: computeBudget(memory.bytes, config.headroom, 1),
    cpus: 4,
    plannedConcurrency: undefined,
    concurrencyCap: 4,
    plans: [],
    workspace: undefined,
    ...overrides,
  };
}

const plan = (fields: Partial<TaskPlan>): TaskPlan => ({
  task: 'build',
  package: null,
  requestedHeapMb: 4096,
  heapSection: 'build',
  concurrency: 2,
  perTaskMb: 3072,
  heapMb: 3072,
  fits: false,
  heapPercentage: 37.5,
  goMemLimit: '3072MiB',
  ...fields,
});

describe('doctor checks', () => {
  it('node: a different .nvmrc major is a warning, naming the file', () => {
    expect(checkNode(facts())).toEqual([
      { check: 'node', status: 'warn', message: 'Node v22.21.0 differs from .nvmrc (20) in .nvmrc' },
      { check: 'node-eol', status: 'ok', message: 'Node 22 is supported until 2027-04-30' },
      {
        check: 'percentage',
        status: 'info',
        message: 'this Node accepts --max-old-space-size-percentage (heapwise print <task> --percentage)',
      },
    ]);
  });

  it('memory: names the headroom source only when it is not the default', () => {
    expect(checkMemory(facts())[0]?.message).toBe(
      'memory limit 8 GiB (cgroup-v2: /sys/fs/cgroup/memory.max); × 0.75 headroom = 6 GiB usable',
    );
    const { config } = parseNodeOptions('[heapwise]\nheadroom = 0.5\n', { file: 'x' });
    expect(checkMemory(facts({ config, budget: computeBudget(8 * GIB, 0.5, 1) }))[0]?.message).toContain(
      '× 0.5 headroom (from [heapwise]) = 4 GiB usable',
    );
  });

  it('budget: a heap that would be lowered is a problem with the concurrency that fits', () => {
    const findings = checkBudget(
      facts({
        plans: [plan({}), plan({ task: 'test', heapSection: 'test', requestedHeapMb: 1024, fits: true, heapMb: 1024 })],
      }),
    );
    expect(findings).toEqual([
      {
        check: 'budget',
        status: 'problem',
        message:
          '[build] 4096 MB requested; 2 at once → 3072 MB each: ' +
          'would be lowered to 3072 MB (run fewer at once: --concurrency 1, or give it more memory)',
      },
      {
        check: 'budget',
        status: 'ok',
        message:
          '[test] 1024 MB requested; 2 at once → 3072 MB each: ' +
          'fits (as a percentage: --max-old-space-size-percentage=37.5)',
      },
    ]);
  });

  it('budget: a [package#task] plan is named by its section, and by the section its heap comes from', () => {
    const [own] = checkBudget(facts({ plans: [plan({ package: '@acme/ui', heapSection: '@acme/ui#build' })] }));
    expect(own?.message).toMatch(/^\[@acme\/ui#build\] 4096 MB requested; 2 at once → 3072 MB each: would be/);
    // The package's section sets other flags only: the heap is [build]'s, and the line says so.
    const [inherited] = checkBudget(facts({ plans: [plan({ package: '@acme/ui', heapSection: 'build' })] }));
    expect(inherited?.message).toMatch(/^\[@acme\/ui#build\] \(from \[build\]\) 4096 MB requested; 2 at once/);
    const [common] = checkBudget(facts({ plans: [plan({ task: 'lint', heapSection: null })] }));
    expect(common?.message).toMatch(/^\[lint\] \(from the common lines\) 4096 MB requested;/);
  });

  it('package sections: warns on a package the workspace lacks and on a script the package lacks', () => {
    const { config } = parseNodeOptions(
      '[build]\n--max-old-space-size=2048\n[@acme/ui#build]\n--max-old-space-size=4096\n' +
        '[@acme/uii#build]\n--max-old-space-size=4096\n[@acme/ui#lint]\n--max-old-space-size=4096\n',
      { file: '.node-options' },
    );
    const workspace = {
      root: '/repo',
      packages: [],
      packageScripts: new Map([['@acme/ui', ['build', 'test']]]),
      serviceCopies: [],
    };
    expect(checkPackageSections(facts({ config, workspace }))).toEqual([
      {
        check: 'sections',
        status: 'warn',
        message: '.node-options:5: [@acme/uii#build]: no workspace package is named @acme/uii',
      },
      { check: 'sections', status: 'warn', message: '.node-options:7: [@acme/ui#lint]: @acme/ui has no "lint" script' },
    ]);
    // Outside a workspace there is nothing to compare with.
    expect(checkPackageSections(facts({ config }))).toEqual([]);
  });

  it('concurrency: explained only when --concurrency did not set it; runChecks keeps the order', () => {
    expect(checkConcurrency(facts({ plannedConcurrency: 3 }))).toEqual([]);
    expect(runChecks(facts()).map((finding) => finding.check)).toEqual([
      'node',
      'node-eol',
      'percentage',
      'flags',
      'memory',
      'concurrency',
      'workspaces',
    ]);
  });
});
