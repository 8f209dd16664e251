#!/usr/bin/env node
// One closing line over every workspace's vitest JSON report: "N passed, N failed, N skipped".
//
// Usage: node scripts/test-tally.mjs <script…>   e.g. node scripts/test-tally.mjs test test:soak
// Each workspace that has one of those npm scripts must have left `test-results/<script>.json`
// (`:` becomes `-`), written by vitest's JSON reporter (.ci/run passes `--reporter=json
// --outputFile.json=…`). A missing or unreadable report counts as one failure and is named, so a
// suite that crashed before reporting cannot pass unseen. Exit 1 when anything failed.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPORT_DIR = 'test-results';

/** Where a workspace's report for an npm script lands, relative to the workspace. */
export function reportPath(script) {
  return join(REPORT_DIR, `${script.replaceAll(':', '-')}.json`);
}

/** Workspace directories from package.json `workspaces` (`dir/*` or `dir`). */
function workspaceDirs(root) {
  const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  return workspaces.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [join(root, pattern)];
    const parent = join(root, pattern.slice(0, -2));
    return readdirSync(parent, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(parent, entry.name, 'package.json')))
      .map((entry) => join(parent, entry.name));
  });
}

/** Counts of one vitest JSON report (skipped includes todo). */
export function countsOf(report) {
  const passed = report.numPassedTests;
  const failed = report.numFailedTests;
  if (!Number.isInteger(passed) || !Number.isInteger(failed)) throw new Error('not a vitest JSON report');
  const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  // A suite that failed to load (syntax error, failed import) has no test to count: count it.
  const failedSuites = (report.testResults ?? []).filter(
    (suite) => suite.status === 'failed' && (suite.assertionResults ?? []).length === 0,
  ).length;
  let failedTotal = failed + failedSuites;
  // A failing hook (afterAll, a leaked handle check) fails the run without failing a test.
  if (report.success === false && failedTotal === 0) failedTotal = 1;
  return { passed, failed: failedTotal, skipped };
}

function tally(root, scripts) {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const problems = [];
  for (const dir of workspaceDirs(root)) {
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    for (const script of scripts) {
      if (!pkg.scripts?.[script]) continue;
      const file = join(dir, reportPath(script));
      try {
        const counts = countsOf(JSON.parse(readFileSync(file, 'utf8')));
        total.passed += counts.passed;
        total.failed += counts.failed;
        total.skipped += counts.skipped;
      } catch (error) {
        total.failed += 1;
        const reason =
          error?.code === 'ENOENT'
            ? 'missing: the suite did not run, or crashed before reporting'
            : error instanceof Error
              ? error.message
              : String(error);
        problems.push(`${relative(root, file)}: ${reason}`);
      }
    }
  }
  return { total, problems };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const scripts = process.argv.slice(2);
  if (scripts.length === 0) {
    console.error('usage: node scripts/test-tally.mjs <npm script…>   (e.g. test test:soak)');
    process.exit(2);
  }
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const { total, problems } = tally(root, scripts);
  // On stdout like the tally, so that the tally stays the last line whatever the buffering.
  for (const problem of problems) console.log(`test-tally: counted as failed: ${problem}`);
  console.log(`${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  process.exitCode = total.failed > 0 ? 1 : 0;
}
