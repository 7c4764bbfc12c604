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

/** The purpose leads the signed text, so a link of one kind never opens a page of another. */
function signature(secret: string, purpose: string, parts: readonly string[]): string {
  return createHmac('sha256', secret).update([purpose, ...parts].join('\n')).digest().subarray(0, 16).toString('base64url');
}

function sameSignature(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== 22) return false;
  const [a, b] = [Buffer.from(expected), Buffer.from(given)];
  return a.length === b.length && timingSafeEqual(a, b);
}

export function userLinkSignature(secret: string, team: string, user: string): string {
  return signature(secret, 'user-page', [team, user]);
}

export function validUserLink(secret: string, team: string, user: string, given: unknown): boolean {
  return sameSignature(userLinkSignature(secret, team, user), given);
}

export function userPageUrl(publicUrl: string, secret: string, team: string, user: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/u/${encodeURIComponent(team)}/${encodeURIComponent(user)}?k=${userLinkSignature(secret, team, user)}`;
}

/**
 * Links to a game's whole result table `/r/<team>/<channel>/<gameId>/<part>?k=<sig>` (part: a round
 * number or `final`), for a result message that had to leave rows out. The table was posted in the
 * channel already, so the link goes in the channel too; the signature keeps other channels' games
 * from being read by guessing ids (a game id is team, channel and start time).
 */
export interface TableRef {
  team: string;
  channel: string;
  gameId: string;
  part: string;
}

const tableParts = (r: TableRef) => [r.team, r.channel, r.gameId, r.part];

export function validTableLink(secret: string, ref: TableRef, given: unknown): boolean {
  return sameSignature(signature(secret, 'result-table', tableParts(ref)), given);
}

export function tableUrl(publicUrl: string, secret: string, ref: TableRef): string {
  const path = tableParts(ref).map(encodeURIComponent).join('/');
  return `${publicUrl.replace(/\/+$/, '')}/r/${path}?k=${signature(secret, 'result-table', tableParts(ref))}`;
}
