import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Admin sessions in Redis. The cookie holds a random id; Redis keys hold only its SHA-256, so a
 * Redis dump does not hand out live sessions. Each session carries its own CSRF token, which
 * every admin form posts back (SameSite=Strict cookies are the second line).
 */

export const SESSION_COOKIE = 'sf_admin';
/** Double-submit token for the login form, which has no session yet. */
export const LOGIN_CSRF_COOKIE = 'sf_login_csrf';
const SESSION_TTL_SEC = 8 * 60 * 60;
/** Failed logins allowed per client address per window before the form locks. */
export const MAX_LOGIN_FAILURES = 10;
const FAILURE_WINDOW_SEC = 15 * 60;

export interface AdminSession {
  user: string;
  csrf: string;
}

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time string equality (hashing first makes the lengths equal). */
export function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at <= 0) continue;
    const name = part.slice(0, at).trim();
    try {
      cookies.set(name, decodeURIComponent(part.slice(at + 1).trim()));
    } catch {
      // A malformed cookie is as good as none.
    }
  }
  return cookies;
}

export function cookie(name: string, value: string, opts: { maxAgeSec: number; secure: boolean; path?: string }): string {
  return [`${name}=${encodeURIComponent(value)}`, `Path=${opts.path ?? '/admin'}`, `Max-Age=${opts.maxAgeSec}`, 'HttpOnly', 'SameSite=Strict', ...(opts.secure ? ['Secure'] : [])].join('; ');
}

export class AdminSessions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:admin:session:${digest(id).toString('hex')}`;
  }

  async create(user: string): Promise<{ id: string; session: AdminSession; maxAgeSec: number }> {
    const id = newToken();
    const session = { user, csrf: newToken() };
    await this.redis.set(this.key(id), JSON.stringify(session), 'EX', SESSION_TTL_SEC);
    return { id, session, maxAgeSec: SESSION_TTL_SEC };
  }

  async get(id: string | undefined): Promise<AdminSession | null> {
    if (!id) return null;
    const raw = await this.redis.get(this.key(id));
    return raw === null ? null : (JSON.parse(raw) as AdminSession);
  }

  async destroy(id: string | undefined): Promise<void> {
    if (id) await this.redis.del(this.key(id));
  }

  async failures(client: string): Promise<number> {
    return Number((await this.redis.get(`${this.prefix}:admin:fail:${client}`)) ?? 0);
  }

  async recordFailure(client: string): Promise<void> {
    const key = `${this.prefix}:admin:fail:${client}`;
    await this.redis.multi().incr(key).expire(key, FAILURE_WINDOW_SEC).exec();
  }
}
