// One suite's output: printed to stdout and written to bench/results/<suite>.md (+ .json) so that
// `npm run bench:readme` copies exactly what was printed into the READMEs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ContentionReport, Environment } from './environment.js';
import { packageVersion } from './environment.js';
import type { RunPlan } from './runner.js';

export const resultsDir = fileURLToPath(new URL('../../results/', import.meta.url));

/** `BENCH_QUICK=1` (or `--quick`): fewer runs and smaller sizes, for development only. */
export function isQuick(): boolean {
  return process.env.BENCH_QUICK === '1' || process.argv.includes('--quick');
}

/** Measured processes per cell and warm-ups: the rules' minimum by default, 2 and 0 in quick mode. */
export function defaultPlan(concurrency = 1): RunPlan {
  return isQuick() ? { runs: 2, warmups: 0, concurrency } : { runs: 5, warmups: 1, concurrency };
}

export interface Section {
  title: string;
  /** What was measured and how, one paragraph. */
  method: string;
  table: string;
  /** Goal check or caveats, printed under the table. */
  notes?: string[];
}

export interface SuiteReport {
  suite: string;
  command: string;
  environment: Environment;
  packages: string[];
  plan: RunPlan;
  contention: ContentionReport;
  sections: Section[];
  raw: unknown;
}

export function versionsLine(packages: string[]): string {
  // `a/node_modules/b` is the copy of b that a resolves (peers pin their own Elasticsearch client).
  return packages
    .map((name) => {
      const [owner, nested] = name.split('/node_modules/');
      return nested === undefined
        ? `${name} ${packageVersion(name)}`
        : `${nested} ${packageVersion(name)} (${owner}'s)`;
    })
    .join(', ');
}

export function renderSuite(report: SuiteReport): string {
  const env = report.environment;
  const lines: string[] = [];
  const quickNote = isQuick() ? ' (**quick mode: fewer runs, smaller sizes; not for publication**)' : '';
  lines.push(`Command: \`${report.command}\`${quickNote}`);
  lines.push('');
  lines.push(
    `Node ${env.node} · ${env.cpus} CPUs (${env.cpuModel}) · ${env.date} · ` +
      `median of ${report.plan.runs} fresh processes per cell after ${report.plan.warmups} warm-up · ` +
      `suite took ${((Date.now() - Date.parse(env.date)) / 60_000).toFixed(1)} min · ${report.contention.text}`,
  );
  lines.push('');
  lines.push(`Versions: ${versionsLine(report.packages)}`);
  for (const section of report.sections) {
    lines.push('', `#### ${section.title}`, '', section.method, '', section.table);
    if (section.notes !== undefined && section.notes.length > 0) lines.push('', ...section.notes.map((n) => `- ${n}`));
  }
  return lines.join('\n') + '\n';
}

export function writeSuite(report: SuiteReport): void {
  const text = renderSuite(report);
  process.stdout.write(`\n${text}`);
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}${report.suite}.md`, text);
  writeFileSync(`${resultsDir}${report.suite}.json`, JSON.stringify(report, null, 2) + '\n');
  process.stdout.write(`\nwrote bench/results/${report.suite}.md and .json\n`);
}
