// `heapwise`: `main(argv, context)` dispatches to commands/<name>.ts through one table. It touches no
// process state of its own (bin/heapwise.js wires argv, cwd, env, stdout and the exit code), so tests
// run it in-process. Each command is imported only when it runs: every task of a monorepo starts
// through `heapwise run`, which must not pay for loading doctor, init or their libraries.
import { ConfigError } from './node-options-file.js';
import { UsageError, type Command, type CommandContext } from './commands/common.js';

export type { CommandContext } from './commands/common.js';

/** A new subcommand is a file in commands/ and one line here. */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  run: async () => (await import('./commands/run.js')).runCommand,
  turbo: async () => (await import('./commands/turbo.js')).turboCommand,
  print: async () => (await import('./commands/print.js')).printCommand,
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand,
  sync: async () => (await import('./commands/sync.js')).syncCommand,
  init: async () => (await import('./commands/init.js')).initCommand,
  report: async () => (await import('./commands/report.js')).reportCommand,
};
export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

/** Exit code of a usage or configuration error. */
export const EXIT_USAGE = 2;

/** `heapwise --help`: the one place that loads every command, for their summaries. */
async function mainHelp(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  const width = Math.max(...commands.map((command) => command.name.length));
  return [
    'Usage: heapwise <command> [options]   (heapwise <command> --help for more)',
    '',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
  ].join('\n');
}

/** The command's own options: `run … -- cmd --help` is the command's --help, not ours. */
function ownArgs(name: string, args: string[]): string[] {
  return name === 'run' && args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
}

export async function main(argv: string[], context: CommandContext): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    context.out(await mainHelp());
    return name === undefined ? EXIT_USAGE : 0;
  }
  try {
    const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
    if (!load) throw new UsageError(`unknown command '${name}' (commands: ${COMMAND_NAMES.join(', ')})`);
    const command = await load();
    // turbo passes every argument through to turbo, --help included.
    if (name !== 'turbo' && ownArgs(name, args).some((arg) => arg === '--help' || arg === '-h')) {
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
