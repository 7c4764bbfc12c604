import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { SurfingerError } from '../../protocol/errors.ts';

/**
 * Installed teams' Slack credentials in Redis, encrypted at rest with AES-256-GCM.
 *
 * 1. Each record is one hash field `team → kid.iv.tag.ciphertext` (base64url parts), so the key id
 *    travels with the data and a rotation can re-encrypt record by record.
 * 2. The team id is bound in as GCM additional data: a record copied onto another team's field
 *    fails authentication instead of handing out the wrong team's token.
 * 3. Keys come from SF_TOKEN_KEYS = `kid1:base64key,kid2:base64key`; the first is the current key,
 *    the others only decrypt (old records until `rotate()` re-encrypts them).
 * 4. With Slack token rotation a record also holds the refresh token and the access token's expiry
 *    (sealed like the rest). `freshBotToken()` refreshes before use once the token is near expiry;
 *    a refresh token is single-use at Slack, so every replica refreshes under one Redis lock and
 *    re-reads the record first: whoever comes second finds the new token already stored.
 */

export const TokenStoreErrorCodes = {
  /** SF_TOKEN_KEYS is missing, malformed, or a key is not 32 bytes. */
  KEYS: 'SF_ERR_TOKEN_KEYS',
  /** A record names a key id we do not have, or fails GCM authentication. */
  DECRYPT: 'SF_ERR_TOKEN_DECRYPT',
  /** A rotating token could not be refreshed (Slack refused the refresh token, or no refresher is set up). */
  REFRESH: 'SF_ERR_TOKEN_REFRESH',
} as const;

export const TeamCredentials = z.object({
  teamName: z.string().max(256),
  botToken: z.string().min(1).max(512),
  botUserId: z.string().max(64),
  /** App-level token (xapp-…) for this team's Socket Mode connection, when the install has one. */
  appToken: z.string().min(1).max(512).optional(),
  installedAt: z.number().int().nonnegative(),
  /** Token rotation: the single-use refresh token for the next access token (xoxe-…). */
  refreshToken: z.string().min(1).max(512).optional(),
  /** Token rotation: when `botToken` stops working (ms since the epoch). */
  tokenExpiresAt: z.number().int().nonnegative().optional(),
  /** Token rotation: from when `freshBotToken()` refreshes instead of handing out `botToken`. */
  refreshAt: z.number().int().nonnegative().optional(),
  /**
   * A per-workspace app's own OAuth client (`surfinger workspaces add`), to refresh its rotating
   * token; absent for OAuth installs, which refresh with the cluster's app (SF_SLACK_CLIENT_ID).
   */
  client: z.object({ clientId: z.string().min(1).max(128), clientSecret: z.string().min(1).max(256) }).optional(),
});
export type TeamCredentials = z.infer<typeof TeamCredentials>;

/** What `list()` shows: everything but the secrets. */
export interface TeamSummary {
  team: string;
  teamName: string;
  botUserId: string;
  hasAppToken: boolean;
  installedAt: number;
  kid: string;
  /** Present for rotating tokens: when the current access token expires. */
  tokenExpiresAt?: number;
}

/** A rotating pair as Slack hands it out (oauth.v2.access with rotation on). */
export interface RotatingPair {
  accessToken: string;
  refreshToken: string;
  expiresInSec: number;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

/** Spends a refresh token at Slack for the next pair; Slack invalidates the one spent. */
export interface TokenRefresher {
  /** `client` is the team's own app, when it has one (per-workspace apps). */
  refresh(refreshToken: string, client?: OAuthClient): Promise<RotatingPair>;
}

/**
 * The credential fields for a rotating pair obtained at `now`. Refresh is due a quarter of the
 * lifetime before expiry, at most 5 minutes early (Slack's tokens live 12 h; tests use seconds).
 */
export function rotationFields(pair: RotatingPair, now: number): Pick<TeamCredentials, 'botToken' | 'refreshToken' | 'tokenExpiresAt' | 'refreshAt'> {
  const lifetimeMs = pair.expiresInSec * 1_000;
  const tokenExpiresAt = now + lifetimeMs;
  return { botToken: pair.accessToken, refreshToken: pair.refreshToken, tokenExpiresAt, refreshAt: tokenExpiresAt - Math.min(REFRESH_MARGIN_MAX_MS, lifetimeMs / 4) };
}

const REFRESH_MARGIN_MAX_MS = 5 * 60_000;
/** Longer than one oauth.v2.access call may take (the refresher's timeout is 10 s). */
const REFRESH_LOCK_MS = 20_000;
/** How long a replica waits for another replica's refresh before giving up on this use. */
const REFRESH_WAIT_MS = 25_000;
const RELEASE_LOCK = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";


/** Slack's `tokens_revoked` event payload: user ids whose user (oauth) or bot tokens were revoked. */
const RevokedTokens = z.object({ oauth: z.array(z.string().max(64)).max(10_000).default([]), bot: z.array(z.string().max(64)).max(10_000).default([]) });

export interface TokenStoreOptions {
  /** Needed only for rotating tokens; without one a due token is handed out as it is. */
  refresher?: TokenRefresher;
  now?: () => number;
}

export interface TokenKey {
  kid: string;
  key: Buffer;
}

/**
 * A fixed, public development key. Only used when SF_TOKEN_KEYS is unset outside production, so a
 * laptop run works out of the box; docs/security.md says never to rely on it.
 */
export const DEV_TOKEN_KEYS = 'dev:c3VyZmluZ2VyLWRldi1rZXktbm90LWEtc2VjcmV0ISE=';

export function parseTokenKeys(spec: string | undefined, production: boolean): TokenKey[] {
  if (!spec || spec.trim() === '') {
    if (production) throw new SurfingerError(TokenStoreErrorCodes.KEYS, 'SF_TOKEN_KEYS is required in production');
    return parseTokenKeys(DEV_TOKEN_KEYS, false);
  }
  const keys = spec.split(',').map((part) => {
    const at = part.indexOf(':');
    const kid = part.slice(0, at).trim();
    const key = Buffer.from(part.slice(at + 1).trim(), 'base64');
    if (at <= 0 || !/^[A-Za-z0-9_-]{1,32}$/.test(kid)) throw new SurfingerError(TokenStoreErrorCodes.KEYS, 'SF_TOKEN_KEYS entries must be kid:base64key');
    if (key.length !== 32) throw new SurfingerError(TokenStoreErrorCodes.KEYS, `token key ${kid} must be 32 bytes (base64 of 32 random bytes)`);
    return { kid, key };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new SurfingerError(TokenStoreErrorCodes.KEYS, 'duplicate kid in SF_TOKEN_KEYS');
  return keys;
}

const b64 = (buf: Buffer) => buf.toString('base64url');

export class TokenStore {
  private readonly byKid: Map<string, Buffer>;
  private readonly current: TokenKey;
  private readonly hashKey: string;
  /** One refresh per team per process at a time; the Redis lock makes it one per cluster. */
  private readonly refreshing = new Map<string, Promise<TeamCredentials | null>>();

  constructor(
    private readonly redis: Redis,
    keys: TokenKey[],
    /** Namespace (the subject prefix) so clusters and tests sharing a Redis do not mix teams. */
    prefix: string,
    private readonly options: TokenStoreOptions = {},
  ) {
    const first = keys[0];
    if (!first) throw new SurfingerError(TokenStoreErrorCodes.KEYS, 'at least one token key is required');
    this.current = first;
    this.byKid = new Map(keys.map((k) => [k.kid, k.key]));
    this.hashKey = `${prefix}:tokens`;
  }

  get currentKid(): string {
    return this.current.kid;
  }

  async put(team: string, creds: TeamCredentials): Promise<void> {
    await this.redis.hset(this.hashKey, team, this.seal(team, TeamCredentials.parse(creds)));
  }

  async get(team: string): Promise<TeamCredentials | null> {
    const sealed = await this.redis.hget(this.hashKey, team);
    return sealed === null ? null : this.open(team, sealed).creds;
  }

  async delete(team: string): Promise<boolean> {
    return (await this.redis.hdel(this.hashKey, team)) > 0;
  }

  /** Ids of every installed team, without decrypting anything (the supervisor asks every reconcile). */
  async teams(): Promise<string[]> {
    return this.redis.hkeys(this.hashKey);
  }

  async list(): Promise<TeamSummary[]> {
    const all = await this.redis.hgetall(this.hashKey);
    return Object.entries(all)
      .map(([team, sealed]) => {
        const { creds, kid } = this.open(team, sealed);
        return {
          team,
          teamName: creds.teamName,
          botUserId: creds.botUserId,
          hasAppToken: creds.appToken !== undefined,
          installedAt: creds.installedAt,
          kid,
          ...(creds.tokenExpiresAt === undefined ? {} : { tokenExpiresAt: creds.tokenExpiresAt }),
        };
      })
      .sort((a, b) => a.team.localeCompare(b.team));
  }

  /**
   * The team's bot token for a Web API call, refreshed first when rotation makes it due.
   * `refreshAt` says until when a caller may keep using (caching) this token.
   */
  async freshBotToken(team: string): Promise<{ token: string; refreshAt: number } | null> {
    let creds = await this.get(team);
    if (!creds) return null;
    if (creds.refreshToken !== undefined && creds.refreshAt !== undefined && this.now() >= creds.refreshAt && this.options.refresher) {
      creds = await this.refresh(team, creds.botToken);
      if (!creds) return null;
    }
    return { token: creds.botToken, refreshAt: creds.refreshAt ?? Number.POSITIVE_INFINITY };
  }

  /**
   * Replaces `staleToken` with a new access token (once near expiry, or after Slack answered
   * `token_expired`). Returns the record as it stands afterwards; null if the team is gone.
   * 1. Callers in this process share one flight per team.
   * 2. Across replicas, a Redis lock (SET NX PX) decides who spends the refresh token.
   * 3. Whoever holds the lock re-reads the record: if the token is no longer `staleToken`, another
   *    replica already refreshed, and nothing is spent. Waiters poll the record the same way.
   */
  refresh(team: string, staleToken: string): Promise<TeamCredentials | null> {
    let flight = this.refreshing.get(team);
    if (!flight) {
      flight = this.refreshOnce(team, staleToken).finally(() => this.refreshing.delete(team));
      this.refreshing.set(team, flight);
    }
    return flight;
  }

  private async refreshOnce(team: string, staleToken: string): Promise<TeamCredentials | null> {
    const refresher = this.options.refresher;
    const lockKey = `${this.hashKey}:refresh-lock:${team}`;
    const holder = randomBytes(12).toString('base64url');
    const giveUpAt = this.now() + REFRESH_WAIT_MS;
    for (;;) {
      const current = await this.get(team);
      if (!current || current.botToken !== staleToken || current.refreshToken === undefined) return current;
      if (!refresher) throw new SurfingerError(TokenStoreErrorCodes.REFRESH, `token for ${team} is due for refresh but this store has no refresher`, { details: { team } });
      if ((await this.redis.set(lockKey, holder, 'PX', REFRESH_LOCK_MS, 'NX')) === 'OK') {
        try {
          const locked = await this.get(team);
          if (!locked || locked.botToken !== staleToken || locked.refreshToken === undefined) return locked;
          const next = { ...locked, ...rotationFields(await refresher.refresh(locked.refreshToken, locked.client), this.now()) };
          await this.put(team, next);
          return next;
        } finally {
          await this.redis.eval(RELEASE_LOCK, 1, lockKey, holder);
        }
      }
      if (this.now() > giveUpAt) throw new SurfingerError(TokenStoreErrorCodes.REFRESH, `token for ${team}: another replica's refresh did not finish in time`, { details: { team } });
      await sleep(50);
    }
  }

  /**
   * Slack's `tokens_revoked`, token by token. We keep no user (oauth) tokens, so revoking those
   * changes nothing; a revoked bot token removes the team's bot credentials. `botRevoked` says
   * whether the caller should treat the team as removed (also when the record was already gone).
   */
  async revoke(team: string, tokens: unknown): Promise<{ botRevoked: boolean; removed: boolean }> {
    const parsed = RevokedTokens.safeParse(tokens ?? {});
    if (!parsed.success || parsed.data.bot.length === 0) return { botRevoked: false, removed: false };
    const creds = await this.get(team).catch(() => null);
    // A bot user id we know must match; a record without one (old installs) is taken as named.
    if (creds && creds.botUserId !== '' && !parsed.data.bot.includes(creds.botUserId)) return { botRevoked: false, removed: false };
    return { botRevoked: true, removed: await this.delete(team) };
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  /**
   * Re-encrypts every record not under the current key. Each write is a compare-and-set (WATCH)
   * so a concurrent `put` of a fresh token is never overwritten by the old one.
   */
  async rotate(): Promise<{ rotated: number; total: number }> {
    const all = await this.redis.hgetall(this.hashKey);
    let rotated = 0;
    for (const [team, sealed] of Object.entries(all)) {
      const { creds, kid } = this.open(team, sealed);
      if (kid === this.current.kid) continue;
      const conn = this.redis.duplicate();
      try {
        await conn.watch(this.hashKey);
        if ((await conn.hget(this.hashKey, team)) === sealed) {
          const done = await conn.multi().hset(this.hashKey, team, this.seal(team, creds)).exec();
          if (done) rotated += 1;
        } else {
          await conn.unwatch();
        }
      } finally {
        conn.disconnect();
      }
    }
    return { rotated, total: Object.keys(all).length };
  }

  private seal(team: string, creds: TeamCredentials): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(team));
    const ct = Buffer.concat([cipher.update(JSON.stringify(creds), 'utf8'), cipher.final()]);
    return [this.current.kid, b64(iv), b64(cipher.getAuthTag()), b64(ct)].join('.');
  }

  private open(team: string, sealed: string): { creds: TeamCredentials; kid: string } {
    const [kid, iv, tag, ct] = sealed.split('.');
    const key = kid === undefined ? undefined : this.byKid.get(kid);
    if (kid === undefined || !key || iv === undefined || tag === undefined || ct === undefined) {
      throw new SurfingerError(TokenStoreErrorCodes.DECRYPT, `token record for ${team} uses an unknown key id`, { details: { team, kid } });
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(team));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const plain = Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      return { creds: TeamCredentials.parse(JSON.parse(plain)), kid };
    } catch (cause) {
      throw new SurfingerError(TokenStoreErrorCodes.DECRYPT, `token record for ${team} failed to decrypt`, { cause, details: { team, kid } });
    }
  }
}
