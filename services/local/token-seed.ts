import { connectRedis } from '../common/redis.ts';
import { parseTokenKeys, rotationFields, TokenStore } from '../common/token-store.ts';
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
    const apps = new Map(sandbox.apps.map((a) => [a.appId, a]));
    await Promise.all(
      sandbox.teams.map((t) => {
        const app = apps.get(t.appId);
        // Per-workspace apps refresh with their own client; the shared app uses SF_SLACK_CLIENT_ID.
        const ownClient = app && sandbox.delivery === 'workspace-apps' ? { client: { clientId: app.clientId, clientSecret: app.clientSecret } } : {};
        return store.put(t.teamId, {
          teamName: t.teamName,
          botUserId: t.botUserId,
          appToken: t.appToken,
          installedAt: now,
          ...(t.refreshToken !== undefined && t.tokenExpiresAt !== undefined
            ? { ...rotationFields({ accessToken: t.botToken, refreshToken: t.refreshToken, expiresInSec: Math.max(1, Math.round((t.tokenExpiresAt - now) / 1_000)) }, now), ...ownClient }
            : {}),
          botToken: t.botToken,
        });
      }),
    );
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
