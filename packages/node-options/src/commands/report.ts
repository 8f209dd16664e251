import { renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderReport } from '../report.js';
import { latestRunFile, readRunRecords } from '../run-records.js';
import { ledgerFileFor } from '../task-identity.js';
import {
  CONFIG_OPTION,
  UsageError,
  displayPath,
  loadConfig,
  locateConfig,
  parseOptions,
  type Command,
  type CommandContext,
} from './common.js';

export const REPORT_FILE_NAME = 'report.svg';

/** Renders the run recorded in `runFile` to `<cacheDir>/report.svg`; undefined when it holds no task. */
export function writeReport(cacheDir: string, runFile: string): { svgFile: string; table: string } | undefined {
  const records = readRunRecords(runFile);
  if (records.tasks.length === 0) return undefined;
  const { svg, table } = renderReport(records);
  const svgFile = join(cacheDir, REPORT_FILE_NAME);
  const temporary = `${svgFile}.${process.pid}.tmp`;
  writeFileSync(temporary, svg);
  renameSync(temporary, svgFile);
  return { svgFile, table };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'draw the last `heapwise turbo` run: an SVG timeline of its tasks and memory, and a table',
  help: `Usage: heapwise report [--config <file>]

Draws the last \`heapwise turbo\` run as an SVG next to the ledger (report.svg): one bar per task on a
timeline (its wait for the memory pool, then its run, coloured by its peak against its estimate),
and the summed memory of the running tasks, measured and reserved, against the pool's limit.
Prints a table of the tasks (waited, ran, peak, estimate) and the SVG's path.`,
  main(args, context) {
    return Promise.resolve(reportMain(args, context));
  },
};

function reportMain(args: string[], context: CommandContext): number {
  const { values, positionals } = parseOptions(args, { ...CONFIG_OPTION });
  if (positionals.length > 0) throw new UsageError(`report: unexpected argument '${positionals[0]}'`);
  const configFile = locateConfig(context, values.config);
  const config = loadConfig(context, values.config);
  const ledgerFile = ledgerFileFor({
    env: context.env,
    cwd: context.cwd,
    configFile,
    configLedger: config.ledger,
  });
  const cacheDir = dirname(ledgerFile);
  const runFile = latestRunFile(cacheDir);
  const written = runFile === undefined ? undefined : writeReport(cacheDir, runFile);
  if (written === undefined) {
    context.err(
      `heapwise: no heapwise turbo run with tasks recorded in ${displayPath(cacheDir, context.cwd)} ` +
        '(run heapwise turbo <task> first)',
    );
    return 1;
  }
  context.out(written.table);
  context.out(`\nreport: ${displayPath(written.svgFile, context.cwd)}`);
  return 0;
}
