import { join } from 'node:path';
import type { Command } from 'commander';
import { REPO_ROOT, SERVICE_NAMES } from '../../services/local/cluster.ts';
import { SurfingerError } from '../../protocol/errors.ts';
import { CliErrorCodes } from '../errors.ts';

export function register(program: Command): void {
  program
    .command('service')
    .description('run one service in the foreground; configuration comes from SF_* environment variables (see docs/configuration.md)')
    .argument('<name>', `one of: ${SERVICE_NAMES.join(', ')}`)
    .addHelpText('after', '\nExample:\n  SF_NATS_URL=nats://127.0.0.1:4222 SF_REDIS_URL=redis://127.0.0.1:6379 surfinger service actor-host')
    .action(async (name: string) => {
      if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
        throw new SurfingerError(CliErrorCodes.USAGE, `unknown service "${name}"; choose one of: ${SERVICE_NAMES.join(', ')}`);
      }
      // main.ts owns the process from here: env, signals, exit.
      await import(join(REPO_ROOT, 'services', name, 'main.ts'));
    });
}
