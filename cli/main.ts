import { Command } from 'commander';
import { commands } from './commands/index.ts';

/**
 * `surfinger <command>`: each subcommand lives in cli/commands/<name>.ts and registers itself.
 * Commander gives every subcommand `--help`; errors exit with a message, never a stack trace.
 */
const program = new Command('surfinger')
  .description('SurFinger — a Slack typing game on an actor cluster (NATS + Redis)')
  .showHelpAfterError('(run with --help for usage)')
  .version('0.1.0');

for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const message = err instanceof Error ? err.message : String(err);
  const code = typeof err === 'object' && err !== null && 'code' in err ? ` [${String((err as { code: unknown }).code)}]` : '';
  process.stderr.write(`surfinger: ${message}${code}\n`);
  process.exitCode = 1;
}
