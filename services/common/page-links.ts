import { createHmac, timingSafeEqual } from 'node:crypto';
import { SurfingerError } from '../../protocol/errors.ts';

/**
 * Personal links to a player's page `/u/<team>/<user>?k=<sig>`. The page shows one player's
 * records, so it opens only with a signature that the server made for exactly that team and user:
 * HMAC-SHA256 keyed by SF_PAGE_LINK_SECRET, truncated to 128 bits. Ranking hands the link to the
 * player alone (an ephemeral after /myscore); without a valid `k` the page is a 404 with no data.
 * Changing the secret revokes every link handed out.
 */

export const PageLinkErrorCodes = {
  /** SF_PAGE_LINK_SECRET is missing in production or shorter than 32 characters. */
  SECRET: 'SF_ERR_PAGE_LINK_SECRET',
} as const;

/** A fixed, public development secret (like DEV_TOKEN_KEYS): only used outside production. */
const DEV_PAGE_LINK_SECRET = 'surfinger-dev-page-link-secret-not-a-secret';

export function parsePageLinkSecret(value: string | undefined, production: boolean): string {
  if (value === undefined || value.trim() === '') {
    if (production) throw new SurfingerError(PageLinkErrorCodes.SECRET, 'SF_PAGE_LINK_SECRET is required in production');
    return DEV_PAGE_LINK_SECRET;
  }
  if (value.length < 32) throw new SurfingerError(PageLinkErrorCodes.SECRET, 'SF_PAGE_LINK_SECRET must be at least 32 characters');
  return value;
}

export function userLinkSignature(secret: string, team: string, user: string): string {
  return createHmac('sha256', secret).update(`user-page\n${team}\n${user}`).digest().subarray(0, 16).toString('base64url');
}

export function validUserLink(secret: string, team: string, user: string, signature: unknown): boolean {
  if (typeof signature !== 'string' || signature.length !== 22) return false;
  const expected = Buffer.from(userLinkSignature(secret, team, user));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function userPageUrl(publicUrl: string, secret: string, team: string, user: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/u/${encodeURIComponent(team)}/${encodeURIComponent(user)}?k=${userLinkSignature(secret, team, user)}`;
}
