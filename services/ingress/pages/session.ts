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
/** Failed logins allowed per client address per window before the form locks for that address. */
export const MAX_LOGIN_FAILURES = 10;
/**
 * Failed logins allowed per account per window, from all addresses together: an attacker with
 * many addresses (or a proxy we wrongly trusted) still gets this many guesses and no more. The
 * price is that such an attacker can lock the real admin out for one window; we prefer that.
 */
export const MAX_ACCOUNT_FAILURES = 20;
/**
 * Addresses tracked per window. Past this the address counters stop growing (a flood of new
 * addresses cannot grow Redis), and the account counter alone still locks.
 */
export const MAX_TRACKED_ADDRESSES = 10_000;
const FAILURE_WINDOW_SEC = 15 * 60;

/**
 * One hash of per-address counters and one counter per account bucket, so the number of lockout
 * keys is constant whatever the attacker sends. 1. An address already counted, or a new one while
 * the hash has room, is incremented. 2. Both keys expire one window after the last failure.
 */
const RECORD_FAILURE = `
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 or redis.call('HLEN', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[2])
return 1
`;

/**
 * The address a lockout counts: IPv4 as is, IPv6 by its /64 (one host usually owns a whole /64,
 * so counting single IPv6 addresses would give it 2^64 tries).
 */
export function lockoutAddress(ip: string): string {
  if (!ip.includes(':') || /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

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
    private readonly adminUser: string,
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

  /**
   * Whether sign-in is locked for this address or this account. `account` is the submitted user
   * name; every name but the configured one shares one counter, so made-up names add no keys.
   */
  async lockedOut(address: string, account: string): Promise<boolean> {
    const [perAddress, perAccount] = await Promise.all([this.redis.hget(this.addressKey(), address), this.redis.get(this.accountKey(account))]);
    return Number(perAddress ?? 0) >= MAX_LOGIN_FAILURES || Number(perAccount ?? 0) >= MAX_ACCOUNT_FAILURES;
  }

  async recordFailure(address: string, account: string): Promise<void> {
    await this.redis.eval(RECORD_FAILURE, 2, this.addressKey(), this.accountKey(account), address, FAILURE_WINDOW_SEC, MAX_TRACKED_ADDRESSES);
  }

  private addressKey(): string {
    return `${this.prefix}:admin:fail:addr`;
  }

  private accountKey(account: string): string {
    return `${this.prefix}:admin:fail:account:${sameSecret(account, this.adminUser) ? 'admin' : 'other'}`;
  }
}
