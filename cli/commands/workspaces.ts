import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { createSubjects, SurfingerError } from '../../protocol/index.ts';
import { natsAuth } from '../../services/common/config.ts';
import { connectNats } from '../../services/common/nats.ts';
import { RegistrationErrorCodes, registerWorkspace, removeWorkspace, type Registration } from '../../services/common/workspace-registration.ts';
import { summaryLine, withStore } from './tokens.ts';

/**
 * `surfinger workspaces add|list|remove`: per-workspace apps (SF_SLACK_DELIVERY=workspace-apps).
 * Tokens come from environment variables or stdin, never from arguments by default, so they stay
 * out of shell history and `ps`. Config: SF_REDIS_URL, SF_NATS_URL, SF_PREFIX, SF_TOKEN_KEYS,
 * SF_SLACK_API_URL.
 */

interface AddOptions {
  team: string;
  botToken?: string;
  botTokenEnv: string;
  appToken?: string;
  appTokenEnv: string;
  refreshTokenEnv?: string;
  clientId?: string;
  clientSecretEnv?: string;
  stdin?: boolean;
}

/** `bot=…`, `app=…`, `refresh=…`, `client_secret=…` lines (blank lines and # comments skipped). */
export function parseTokenLines(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const at = trimmed.indexOf('=');
    if (at <= 0) throw new SurfingerError(RegistrationErrorCodes.BOT_TOKEN, 'stdin lines must be name=value (bot=, app=, refresh=, client_secret=)');
    out[trimmed.slice(0, at).trim()] = trimmed.slice(at + 1).trim();
  }
  return out;
}

async function readStdin(): Promise<string> {
  const lines: string[] = [];
  for await (const line of createInterface({ input: process.stdin })) lines.push(line);
  return lines.join('\n');
}

function fromEnv(name: string | undefined): string | undefined {
  const value = name ? process.env[name]?.trim() : undefined;
  return value === '' ? undefined : value;
}

async function registrationFrom(o: AddOptions): Promise<Registration> {
  const piped = o.stdin ? parseTokenLines(await readStdin()) : {};
  const botToken = piped.bot ?? o.botToken ?? fromEnv(o.botTokenEnv);
  const appToken = piped.app ?? o.appToken ?? fromEnv(o.appTokenEnv);
  const refreshToken = piped.refresh ?? fromEnv(o.refreshTokenEnv);
  const clientSecret = piped.client_secret ?? fromEnv(o.clientSecretEnv);
  if (!botToken) throw new SurfingerError(RegistrationErrorCodes.BOT_TOKEN, `no bot token: set ${o.botTokenEnv} (or --bot-token-env NAME, or --stdin with a bot= line)`);
  if (!appToken) throw new SurfingerError(RegistrationErrorCodes.APP_TOKEN, `no app-level token: set ${o.appTokenEnv} (or --app-token-env NAME, or --stdin with an app= line)`);
  return {
    team: o.team,
    botToken,
    appToken,
    ...(refreshToken === undefined ? {} : { refreshToken }),
    ...(o.clientId && clientSecret ? { client: { clientId: o.clientId, clientSecret } } : {}),
  };
}

export function register(program: Command): void {
  const workspaces = program
    .command('workspaces')
    .description('per-workspace Slack apps (SF_SLACK_DELIVERY=workspace-apps): register, list and remove their tokens');
  workspaces
    .command('add')
    .description('check a workspace app’s tokens with Slack (auth.test, apps.connections.open), store them encrypted, and open its socket')
    .requiredOption('--team <id>', 'the workspace’s team id (T…); the bot token must belong to it')
    .option('--bot-token-env <name>', 'environment variable holding the bot token (xoxb-…)', 'SF_REGISTER_BOT_TOKEN')
    .option('--app-token-env <name>', 'environment variable holding the app-level token (xapp-…, scope connections:write)', 'SF_REGISTER_APP_TOKEN')
    .option('--bot-token <token>', 'the bot token itself (stays in shell history: prefer --bot-token-env or --stdin)')
    .option('--app-token <token>', 'the app-level token itself (stays in shell history: prefer --app-token-env or --stdin)')
    .option('--refresh-token-env <name>', 'with token rotation on: environment variable holding the refresh token (xoxe-1-…)')
    .option('--client-id <id>', 'with token rotation on: the app’s client id (Basic Information)')
    .option('--client-secret-env <name>', 'with token rotation on: environment variable holding the app’s client secret')
    .option('--stdin', 'read name=value lines from stdin: bot=, app=, and with rotation refresh=, client_secret=')
    .addHelpText(
      'after',
      '\nExample:\n  read -rs SF_REGISTER_BOT_TOKEN; read -rs SF_REGISTER_APP_TOKEN; export SF_REGISTER_BOT_TOKEN SF_REGISTER_APP_TOKEN\n  surfinger workspaces add --team T0123ABCD\n\nSee docs/real-slack.md, "Per-workspace apps".',
    )
    .action(async (o: AddOptions) => {
      const reg = await registrationFrom(o);
      const done = await withStore(async (tokens, env) => {
        const nc = await connectNats(env.SF_NATS_URL, 'surfinger-cli', natsAuth(env));
        try {
          return await registerWorkspace(reg, { tokens, nc, subjects: createSubjects(env.SF_PREFIX), slackApiUrl: env.SF_SLACK_API_URL });
        } finally {
          await nc.close();
        }
      });
      process.stdout.write(
        `registered ${done.team} (${done.teamName || 'unnamed'}): bot ${done.botUserId}, token rotation ${done.rotating ? 'on' : 'off'}; tokens stored encrypted, the supervisor opens its socket now\n`,
      );
    });
  workspaces
    .command('list')
    .description('one JSON line per workspace with an app-level token (no secrets)')
    .action(async () => {
      const teams = await withStore((store) => store.list());
      for (const t of teams.filter((x) => x.hasAppToken)) process.stdout.write(`${summaryLine(t)}\n`);
    });
  workspaces
    .command('remove')
    .description('forget a workspace’s tokens; its socket closes and egress stops posting for it')
    .requiredOption('--team <id>', 'the workspace’s team id (T…)')
    .action(async (o: { team: string }) => {
      const existed = await withStore(async (tokens, env) => {
        const nc = await connectNats(env.SF_NATS_URL, 'surfinger-cli', natsAuth(env));
        try {
          return await removeWorkspace(o.team, { tokens, nc, subjects: createSubjects(env.SF_PREFIX) });
        } finally {
          await nc.close();
        }
      });
      process.stdout.write(existed ? `removed ${o.team}: tokens deleted, socket closing\n` : `${o.team} was not registered (nothing stored); removal announced anyway\n`);
    });
}
