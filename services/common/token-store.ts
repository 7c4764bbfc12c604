import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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
 */

export const TokenStoreErrorCodes = {
  /** SF_TOKEN_KEYS is missing, malformed, or a key is not 32 bytes. */
  KEYS: 'SF_ERR_TOKEN_KEYS',
  /** A record names a key id we do not have, or fails GCM authentication. */
  DECRYPT: 'SF_ERR_TOKEN_DECRYPT',
} as const;

export const TeamCredentials = z.object({
  teamName: z.string().max(256),
  botToken: z.string().min(1).max(512),
  botUserId: z.string().max(64),
  /** App-level token (xapp-…) for this team's Socket Mode connection, when the install has one. */
  appToken: z.string().min(1).max(512).optional(),
  installedAt: z.number().int().nonnegative(),
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

  constructor(
    private readonly redis: Redis,
    keys: TokenKey[],
    /** Namespace (the subject prefix) so clusters and tests sharing a Redis do not mix teams. */
    prefix: string,
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
        return { team, teamName: creds.teamName, botUserId: creds.botUserId, hasAppToken: creds.appToken !== undefined, installedAt: creds.installedAt, kid };
      })
      .sort((a, b) => a.team.localeCompare(b.team));
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
