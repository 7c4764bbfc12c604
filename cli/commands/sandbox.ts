import { InvalidArgumentError, Option, type Command } from 'commander';
import { runSandbox } from '../../services/sandbox/main.ts';

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000) throw new InvalidArgumentError('must be a whole number from 1 to 10000');
  return n;
}

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0 picks a free one)');
  return n;
}

export function register(program: Command): void {
  program
    .command('sandbox')
    .description('run a local Slack (Web API, Socket Mode, signed HTTP delivery, browser UI); prints one JSON line with URLs and tokens')
    .option('--port <port>', 'HTTP port (0 picks a free one)', port, 3100)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--app-url <url>', "the app's HTTP base URL (<url>/slack/commands, /slack/interactivity, /slack/events)")
    .option('--teams <n>', 'teams in total (the demo team is the first)', count)
    .option('--channels <n>', 'channels per team (at least #general, #random)', count)
    .option('--users <n>', 'people per team (at least alice, bob, carol)', count)
    .option('--workspace <file>', 'JSON file {"teams":[…]} defining teams, channels and users exactly')
    .option('--no-rate-limit', "turn Slack's rate limits off (benchmarks)")
    .addOption(new Option('--delivery <mode>', 'http: one distributed app over HTTP; socket: that app in Socket Mode; workspace-apps: one Socket Mode app per team').choices(['http', 'socket', 'workspace-apps']).default('http'))
    .option('--token-rotation', "Slack's token rotation: expiring xoxe.xoxb- tokens and refresh tokens")
    .option('--token-lifetime <seconds>', 'with --token-rotation: how long a bot token lives (Slack: 43200)', count)
    .option('--log-level <level>', 'log level for stderr', 'info')
    .action(async (opts: { port: number; host: string; appUrl?: string; teams?: number; channels?: number; users?: number; workspace?: string; rateLimit: boolean; delivery: 'http' | 'socket' | 'workspace-apps'; tokenRotation?: boolean; tokenLifetime?: number; logLevel: string }) => {
      await runSandbox({
        port: opts.port,
        host: opts.host,
        generate: { ...(opts.teams ? { teams: opts.teams } : {}), ...(opts.channels ? { channels: opts.channels } : {}), ...(opts.users ? { users: opts.users } : {}) },
        rateLimit: opts.rateLimit,
        logLevel: opts.logLevel,
        delivery: opts.delivery,
        ...(opts.tokenRotation ? { tokenRotation: true } : {}),
        ...(opts.tokenLifetime ? { tokenLifetimeSeconds: opts.tokenLifetime } : {}),
        ...(opts.appUrl ? { appUrl: opts.appUrl } : {}),
        ...(opts.workspace ? { workspaceFile: opts.workspace } : {}),
      });
    });
}
