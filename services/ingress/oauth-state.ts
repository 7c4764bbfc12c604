import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The OAuth `state` parameter (CSRF protection for "Add to Slack"): `nonce.expiresAt.mac`.
 * 1. The MAC (HMAC-SHA256 with a server secret) proves we issued it.
 * 2. `expiresAt` bounds it in time (the install page is a few clicks; 10 minutes is plenty).
 * 3. Single use is enforced by the caller: the nonce lives in Redis and is deleted on first use,
 *    and is also bound to the browser by a cookie.
 * Pure: the caller passes `now`.
 */
export type StateCheck = { ok: true; nonce: string } | { ok: false; reason: 'malformed' | 'bad_signature' | 'expired' };

const mac = (secret: string, payload: string) => createHmac('sha256', secret).update(`oauth-state:${payload}`).digest('base64url');

export function createState(secret: string, nonce: string, now: number, ttlMs: number): string {
  const payload = `${nonce}.${now + ttlMs}`;
  return `${payload}.${mac(secret, payload)}`;
}

export function checkState(secret: string, state: string, now: number): StateCheck {
  const parts = state.split('.');
  if (parts.length !== 3 || !/^[A-Za-z0-9_-]{16,64}$/.test(parts[0]!) || !/^\d{1,16}$/.test(parts[1]!)) return { ok: false, reason: 'malformed' };
  const [nonce, expires, given] = parts as [string, string, string];
  const expected = Buffer.from(mac(secret, `${nonce}.${expires}`));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false, reason: 'bad_signature' };
  if (now > Number(expires)) return { ok: false, reason: 'expired' };
  return { ok: true, nonce };
}
