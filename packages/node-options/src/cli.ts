// `heapwise`: dispatches to commands/<name>.ts through one table. A new subcommand is a file in
// commands/ and one line in COMMANDS.
import { ConfigError } from './node-options-file.js';
import { UsageError, type Command, type CommandContext } from './commands/common.js';
import { doctorCommand } from './commands/doctor.js';
import { initCommand } from './commands/init.js';
import { printCommand } from './commands/print.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { syncCommand } from './commands/sync.js';
import { turboCommand } from './commands/turbo.js';

const COMMANDS: readonly Command[] = [
  runCommand,
  turboCommand,
  printCommand,
  doctorCommand,
  syncCommand,
  initCommand,
  reportCommand,
];

/** Exit code of a usage or configuration error. */
export const EXIT_USAGE = 2;

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'Usage: heapwise <command> [options]   (heapwise <command> --help for more)',
    '',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
  ].join('\n');
}

export async function main(argv: string[], context: CommandContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    context.out(mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  try {
    if (!command)
      throw new UsageError(`unknown command '${name}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    // `run … -- cmd --help` is the command's --help, not ours; turbo passes its args through.
    const ownArgs =
      command.name === 'run' ? args.slice(0, args.includes('--') ? args.indexOf('--') : args.length) : args;
    if (command.name !== 'turbo' && (ownArgs.includes('--help') || ownArgs.includes('-h'))) {
      context.out(command.help);
      return 0;
    }
    return await command.main(args, context);
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.message.split('\n')) context.err(problem);
      return EXIT_USAGE;
    }
    if (error instanceof UsageError) {
      context.err(`heapwise: ${error.message}`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

const exitCode = await main(process.argv.slice(2), {
  cwd: process.cwd(),
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
process.exitCode = exitCode;
