import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Slack request signing, version 0 (https://api.slack.com/authentication/verifying-requests-from-slack):
 *   basestring = "v0:" + X-Slack-Request-Timestamp + ":" + raw body
 *   X-Slack-Signature = "v0=" + hex(HMAC-SHA256(signing secret, basestring))
 * Pure: the caller passes the clock (`nowSeconds`), so the check is testable and replayable.
 */

export const SignatureErrorCodes = {
  /** Signature or timestamp header absent or not in the v0 format. */
  MISSING: 'SF_ERR_SIGNATURE_MISSING',
  /** Timestamp further than the tolerance from now: a possible replay. */
  STALE: 'SF_ERR_SIGNATURE_STALE',
  /** Well-formed but not what the signing secret produces for this body. */
  MISMATCH: 'SF_ERR_SIGNATURE_MISMATCH',
} as const;
export type SignatureErrorCode = (typeof SignatureErrorCodes)[keyof typeof SignatureErrorCodes];

export type SignatureCheck = { ok: true } | { ok: false; code: SignatureErrorCode; reason: string };

/** Slack's documented replay window: requests older than five minutes are rejected. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signSlackRequest(input: { signingSecret: string; timestamp: number | string; body: string | Buffer }): string {
  const hmac = createHmac('sha256', input.signingSecret);
  hmac.update(`v0:${String(input.timestamp)}:`);
  hmac.update(input.body);
  return `v0=${hmac.digest('hex')}`;
}

export function verifySlackRequest(input: {
  signingSecret: string;
  body: string | Buffer;
  timestamp: string | number | undefined;
  signature: string | undefined;
  nowSeconds: number;
  toleranceSeconds?: number;
}): SignatureCheck {
  const tolerance = input.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  // 1. Both headers present and well-formed; anything else is "missing", never a throw.
  if (input.signature === undefined || input.timestamp === undefined || input.timestamp === '') {
    return { ok: false, code: SignatureErrorCodes.MISSING, reason: 'signature or timestamp header absent' };
  }
  const timestamp = Number(input.timestamp);
  if (!Number.isInteger(timestamp) || !/^v0=[0-9a-f]{64}$/.test(input.signature)) {
    return { ok: false, code: SignatureErrorCodes.MISSING, reason: 'signature or timestamp not in v0 format' };
  }
  // 2. Fresh: outside the window it may be a replay, whatever the signature says.
  if (Math.abs(input.nowSeconds - timestamp) > tolerance) {
    return { ok: false, code: SignatureErrorCodes.STALE, reason: `timestamp ${timestamp} outside ±${tolerance}s of now` };
  }
  // 3. Constant-time compare; the format check above already guarantees equal lengths, and we
  //    compare the buffers' lengths again so timingSafeEqual can never throw.
  const expected = Buffer.from(signSlackRequest({ signingSecret: input.signingSecret, timestamp, body: input.body }));
  const given = Buffer.from(input.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { ok: false, code: SignatureErrorCodes.MISMATCH, reason: 'signature does not match body' };
  }
  return { ok: true };
}
