import { connectRedis } from './redis.ts';
import { parseTokenKeys, TokenStore } from './token-store.ts';
import type { SandboxInfo } from '../sandbox/index.ts';

/**
 * Installs every sandbox team as if it had gone through OAuth: the token store receives its bot
 * and app tokens, encrypted as in production. Used only by local clusters; the OAuth flow itself
 * has its own end-to-end test.
 */
export async function seedSandboxTeams(env: Record<string, string>, sandbox: SandboxInfo): Promise<void> {
  const redis = connectRedis(env.SF_REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 3 });
  try {
    const store = new TokenStore(redis, parseTokenKeys(env.SF_TOKEN_KEYS, false), env.SF_PREFIX ?? 'sf');
    const now = Date.now();
    await Promise.all(
      sandbox.teams.map((t) =>
        store.put(t.teamId, {
          teamName: t.teamName,
          botToken: t.botToken,
          botUserId: t.botUserId,
          appToken: t.appToken,
          installedAt: now,
        }),
      ),
    );
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
