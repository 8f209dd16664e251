// The shipped Prometheus rules, checked and unit-tested with promtool (Debian's prometheus
// package): the rule file is valid, and tests/*.test.yml — a leak fires, a sawtooth, a restart
// and a deploy do not — pass.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { toolMissing } from './tool.js';

const RULES_DIR = fileURLToPath(new URL('../observability/prometheus/', import.meta.url));
const promtoolMissing = toolMissing('promtool', ['--version'], 'apt-get install prometheus');

function promtool(args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: RULES_DIR, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe.skipIf(promtoolMissing)('observability/prometheus rules', () => {
  it('pass promtool check rules', () => {
    const result = promtool(['check', 'rules', 'heapwise-rules.yml']);
    expect(result.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(result.status, result.output).toBe(0);
  });

  it('pass their promtool unit tests', () => {
    const tests = readdirSync(`${RULES_DIR}tests`).filter((file) => file.endsWith('.test.yml'));
    expect(tests.length).toBeGreaterThan(0);
    const result = promtool(['test', 'rules', ...tests.map((file) => `tests/${file}`)]);
    expect(result.status, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  }, 120_000);

  it('and the unit tests can fail: a leak rule without its uptime condition fires on a deploy', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heapwise-rules-'));
    try {
      const rules = readFileSync(join(RULES_DIR, 'heapwise-rules.yml'), 'utf8');
      const broken = rules.replace(
        /\n\s+and on\(job, instance\)\n\s+\(time\(\) - process_start_time_seconds\) > 1800/,
        '',
      );
      expect(broken).not.toBe(rules);
      writeFileSync(join(dir, 'heapwise-rules.yml'), broken);
      mkdirSync(join(dir, 'tests'));
      copyFileSync(join(RULES_DIR, 'tests', 'heapwise-rules.test.yml'), join(dir, 'tests', 'heapwise-rules.test.yml'));
      const result = spawnSync('promtool', ['test', 'rules', 'tests/heapwise-rules.test.yml'], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(result.status).not.toBe(0);
      expect(result.stdout + result.stderr).toMatch(/alertname: NodeHeapLeak[\s\S]*instance="deploy"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
