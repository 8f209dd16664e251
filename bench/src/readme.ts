// `npm run bench:readme`: copies the tables the last bench runs printed (bench/results/*.md) into
// bench/README.md between `<!-- bench:<suite>:start -->` / `<!-- bench:<suite>:end -->` markers,
// and a summary with links to those tables into the root README's "Results" section
// (`<!-- bench:summary:start -->` … `<!-- bench:summary:end -->`). Nothing else is written, so a
// README never carries a number that no command printed. `--dry-run` prints instead of writing.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resultsDir } from './harness/report.js';

const benchDir = fileURLToPath(new URL('../', import.meta.url));
const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const tsconfigReadme = `${repoDir}packages/tsconfig/README.md`;
const nodeOptionsReadme = `${repoDir}packages/node-options/README.md`;
/** The bench:build tables that state the wrapper's own cost, copied into the node-options README too. */
const WRAPPER_SECTIONS = ['Build 4', 'Build 5'];

/**
 * The `#### <title>` sections of a suite's markdown whose titles start with one of `prefixes`, with
 * its header lines.
 */
export function sectionsOf(markdown: string, prefixes: readonly string[]): string | undefined {
  const parts = markdown.split(/\n(?=#### )/);
  const header = (parts[0] ?? '').split('\n').filter((line) => line.startsWith('Command:') || line.startsWith('Node '));
  const chosen = parts.slice(1).filter((part) => prefixes.some((prefix) => part.startsWith(`#### ${prefix}`)));
  if (chosen.length === 0) return undefined;
  return [header.join('\n\n'), ...chosen.map((part) => part.trim().replace(/^#### /, '##### '))].join('\n\n');
}

/** Suites in README order, with the command that reruns each one. */
const SUITES = [
  { suite: 'logger', title: 'Logger', command: 'npm run bench:logger' },
  { suite: 'es', title: 'Loopback Elasticsearch', command: 'npm run bench:es' },
  { suite: 'metrics', title: 'Metrics', command: 'npm run bench:metrics' },
  { suite: 'service', title: 'Service', command: 'npm run bench:service' },
  { suite: 'tsc', title: 'TypeScript build memory', command: 'npm run bench:tsc' },
  { suite: 'build', title: 'Whole-workspace build', command: 'npm run bench:build' },
] as const;

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function replaceBetween(text: string, name: string, content: string, file: string): string {
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: markers ${start} … ${end} not found`);
  return `${text.slice(0, from + start.length)}\n${content.trim()}\n${text.slice(to)}`;
}

function between(text: string, name: string): string | undefined {
  const start = `<!-- bench:${name}:start -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(`<!-- bench:${name}:end -->`);
  return from < 0 || to < from ? undefined : text.slice(from + start.length, to).trim();
}

interface SuiteText {
  suite: string;
  title: string;
  command: string;
  markdown?: string;
}

function readSuites(): SuiteText[] {
  return SUITES.map((s) => {
    const file = `${resultsDir}${s.suite}.md`;
    return existsSync(file) ? { ...s, markdown: readFileSync(file, 'utf8') } : { ...s };
  });
}

/** The root README's lines: each suite's goal lines and "loses" rows, each with a link to its table. */
function summary(suites: SuiteText[]): string {
  const lines: string[] = [
    'Every number below was printed by the command next to it and copied here by `npm run bench:readme`; each line ' +
      'links to the table it comes from in [bench/README.md](bench/README.md), which also states the method, Node ' +
      'and package versions, CPUs, date and whether the machine was busy. Rerun everything with `npm run bench` ' +
      '(each suite header says how long it took), then `npm run bench:readme`.',
    '',
  ];
  for (const s of suites) {
    lines.push(`**${s.title}** — \`${s.command}\``);
    if (s.markdown === undefined) {
      lines.push('', `- not run yet: run \`${s.command}\`.`, '');
      continue;
    }
    const header = s.markdown.split('\n').find((l) => l.startsWith('Node ')) ?? '';
    const quickMode = s.markdown.includes('quick mode') ? 'QUICK MODE, not for publication · ' : '';
    lines.push(`<sub>${quickMode}${header.replace(/\*\*/g, '')}</sub>`, '');
    // One bullet per table: its goal verdicts, the rows where heapwise loses, the rows where it wins.
    const tables = new Map<string, { goals: string[]; loses: string[]; wins: string[] }>();
    let heading: string | undefined;
    // A table headed `| goal | measured | target | verdict | …` (bench:logger's goals) lists one goal per row.
    let goalTable = false;
    for (const line of s.markdown.split('\n')) {
      if (line.startsWith('#### ')) {
        heading = line.slice(5).trim();
        tables.set(heading, { goals: [], loses: [], wins: [] });
      }
      const entry = heading === undefined ? undefined : tables.get(heading);
      if (entry === undefined) continue;
      const cells = line.startsWith('|') ? line.split('|').map((cell) => cell.trim()) : [];
      if (!line.startsWith('|')) goalTable = false;
      else if (cells[1] === 'goal') goalTable = true;
      if (goalTable) {
        if (cells[1] !== 'goal' && cells[1] !== '---')
          entry.goals.push(`${cells[1]} (${cells[3]}): ${cells[4]} (${cells[2]})`);
        continue;
      }
      const row = (cells[1] ?? '').replace(/\*\*/g, '');
      if (line.startsWith('- Goal')) entry.goals.push(line.slice(2));
      else if (line.includes('heapwise loses') && !entry.loses.includes(row)) entry.loses.push(row);
      else if (line.includes('heapwise better') && !entry.wins.includes(row)) entry.wins.push(row);
    }
    let any = false;
    for (const [title, entry] of tables) {
      const parts = [...entry.goals];
      if (entry.loses.length > 0)
        parts.push(`**heapwise loses** (to at least one peer) in: ${entry.loses.map((r) => `"${r}"`).join(', ')}`);
      if (entry.wins.length > 0) parts.push(`heapwise better in: ${entry.wins.map((r) => `"${r}"`).join(', ')}`);
      if (parts.length === 0) continue;
      lines.push(`- [${title}](bench/README.md#${slug(title)}): ${parts.join(' · ')}`);
      any = true;
    }
    if (!any) lines.push(`- see the tables: [${s.title}](bench/README.md#${slug(`${s.title} results`)})`);
    lines.push('');
  }
  return lines.join('\n');
}

function main(): void {
  const suites = readSuites();
  const benchReadme = `${benchDir}README.md`;
  let text = readFileSync(benchReadme, 'utf8');
  for (const s of suites) {
    if (s.markdown === undefined) {
      // bench:tsc can write its own table here (`--readme bench/README.md`): keep what is there.
      const current = between(text, s.suite);
      if (current !== undefined && !current.startsWith('Not run yet')) {
        s.markdown = current;
        continue;
      }
      // … or into the @heapwise/tsconfig README, whose flag table it feeds: copy it from there.
      const elsewhere =
        s.suite === 'tsc' && existsSync(tsconfigReadme)
          ? between(readFileSync(tsconfigReadme, 'utf8'), s.suite)
          : undefined;
      if (elsewhere !== undefined && elsewhere !== '')
        s.markdown = `${elsewhere}\n\n(copied from [packages/tsconfig/README.md](../packages/tsconfig/README.md))`;
    }
    const body =
      s.markdown ?? `Not run yet: \`${s.command}\` prints this table and writes bench/results/${s.suite}.md.`;
    text = replaceBetween(text, s.suite, body, 'bench/README.md');
  }
  const rootReadme = `${repoDir}README.md`;
  const rootText = replaceBetween(readFileSync(rootReadme, 'utf8'), 'summary', summary(suites), 'README.md');
  // The wrapper's cost per task belongs in the CLI's README as well, as bench:build printed it.
  const build = suites.find((s) => s.suite === 'build')?.markdown;
  const wrapper = build === undefined ? undefined : sectionsOf(build, WRAPPER_SECTIONS);
  const nodeOptionsText =
    wrapper === undefined
      ? undefined
      : replaceBetween(
          readFileSync(nodeOptionsReadme, 'utf8'),
          'wrapper',
          `${wrapper}\n\n(copied from [bench/README.md](../../bench/README.md#whole-workspace-build-results) by ` +
            `\`npm run bench:readme\`)`,
          'packages/node-options/README.md',
        );
  if (process.argv.includes('--dry-run')) {
    process.stdout.write(`${text}\n----- README.md -----\n${rootText}`);
    if (nodeOptionsText !== undefined)
      process.stdout.write(`\n----- packages/node-options/README.md -----\n${nodeOptionsText}`);
    return;
  }
  if (nodeOptionsText !== undefined) writeFileSync(nodeOptionsReadme, nodeOptionsText);
  writeFileSync(benchReadme, text);
  writeFileSync(rootReadme, rootText);
  const missing = suites.filter((s) => s.markdown === undefined).map((s) => s.suite);
  const wrapperNote = nodeOptionsText === undefined ? '' : ' and packages/node-options/README.md (wrapper cost)';
  const notRun = missing.length ? `; not run yet: ${missing.join(', ')}` : '';
  process.stdout.write(`updated bench/README.md, README.md (Results)${wrapperNote}${notRun}\n`);
}

main();
