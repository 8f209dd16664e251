// `npm run bench`: every suite in turn (logger, es, metrics, service, tsc, build), each as its own root npm
// script so that each one can also be run alone. A failing suite does not stop the others; the exit
// code is 1 if any failed. Budget: about 20 minutes on 2 cores (see README).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const SUITES = ['bench:logger', 'bench:es', 'bench:metrics', 'bench:service', 'bench:tsc', 'bench:build'];

function run(script: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn('npm', ['run', '--silent', script], { cwd: repoDir, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const started = Date.now();
const outcomes: string[] = [];
let failed = 0;
const defined =
  (JSON.parse(readFileSync(`${repoDir}package.json`, 'utf8')) as { scripts?: Record<string, string> }).scripts ?? {};
for (const script of SUITES) {
  if (defined[script] === undefined) {
    outcomes.push(`${script}: not defined in the root package.json, skipped`);
    failed++;
    continue;
  }
  const t0 = Date.now();
  const code = await run(script);
  if (code !== 0) failed++;
  outcomes.push(`${script}: ${code === 0 ? 'ok' : `exit ${code}`} in ${((Date.now() - t0) / 60_000).toFixed(1)} min`);
}
process.stdout.write(`\nbench: ${outcomes.join('; ')}; total ${((Date.now() - started) / 60_000).toFixed(1)} min\n`);
process.stdout.write('Copy the tables into the READMEs with `npm run bench:readme`.\n');
process.exitCode = failed > 0 ? 1 : 0;
