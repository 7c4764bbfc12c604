import type { Command } from 'commander';
import { connectRedis } from '../../services/common/redis.ts';
import { z } from 'zod';
import { CommonEnv, parseEnv, redisUrl } from '../../services/common/config.ts';
import { parseTokenKeys, TokenStore, type TeamSummary } from '../../services/common/token-store.ts';

/**
 * `surfinger tokens list|rotate-key`: the installed teams' credentials (config from SF_REDIS_URL,
 * SF_PREFIX, SF_TOKEN_KEYS). Nothing secret is ever printed.
 */
export const TokensEnv = CommonEnv.extend({ NODE_ENV: z.string().default('development'), SF_TOKEN_KEYS: z.string().optional() });

/** The token store of the cluster the environment names, for one CLI command. */
export async function withStore<T>(use: (store: TokenStore, env: z.output<typeof TokensEnv>) => Promise<T>): Promise<T> {
  const env = parseEnv(TokensEnv, process.env);
  const redis = connectRedis(redisUrl(env), { maxRetriesPerRequest: 3 });
  try {
    return await use(new TokenStore(redis, parseTokenKeys(env.SF_TOKEN_KEYS, env.NODE_ENV === 'production'), env.SF_PREFIX), env);
  } finally {
    await redis.quit();
  }
}

export function register(program: Command): void {
  const tokens = program.command('tokens').description('installed teams and their encrypted Slack tokens');
  tokens
    .command('list')
    .description('one JSON line per installed team: id, name, bot user, whether it has an app token, install time, key id, token expiry when rotating (no secrets)')
    .action(async () => {
      const teams = await withStore((store) => store.list());
      for (const t of teams) process.stdout.write(`${summaryLine(t)}\n`);
    });
  tokens
    .command('rotate-key')
    .description('re-encrypt every record with the first key of SF_TOKEN_KEYS (keep the old key listed after it until this finishes)')
    .action(async () => {
      const result = await withStore(async (store) => ({ kid: store.currentKid, ...(await store.rotate()) }));
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });
}

/** A team summary as one JSON line with readable times. */
export function summaryLine(t: TeamSummary): string {
  return JSON.stringify({
    ...t,
    installedAt: new Date(t.installedAt).toISOString(),
    ...(t.tokenExpiresAt === undefined ? {} : { tokenExpiresAt: new Date(t.tokenExpiresAt).toISOString() }),
  });
}
