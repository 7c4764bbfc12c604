/**
 * Per-channel pacing for Slack posts. Slack allows about one message per second per channel
 * (short bursts tolerated); going faster earns 429s that stall the whole team's client.
 *
 * A token bucket in "reservation" form: every post takes a token now and waits until the bucket
 * would have had it, so concurrent posts to one channel queue up in arrival order without a loop.
 * Pure: the caller passes `now`.
 */
export interface PaceConfig {
  /** Sustained posts per second per channel. */
  ratePerSec: number;
  /** Posts allowed back to back before pacing starts. */
  burst: number;
}

export interface PaceState {
  /** Tokens at `at`; negative = posts already reserved into the future. */
  tokens: number;
  at: number;
  /** A 429's Retry-After for this channel: nothing goes out before this time. */
  blockedUntil: number;
}

export function reserve(state: PaceState | undefined, now: number, cfg: PaceConfig): { state: PaceState; waitMs: number } {
  const prev = state ?? { tokens: cfg.burst, at: now, blockedUntil: 0 };
  const refilled = Math.min(cfg.burst, prev.tokens + (Math.max(0, now - prev.at) * cfg.ratePerSec) / 1_000);
  const tokens = refilled - 1;
  const bucketWait = tokens >= 0 ? 0 : (-tokens * 1_000) / cfg.ratePerSec;
  const waitMs = Math.ceil(Math.max(bucketWait, prev.blockedUntil - now, 0));
  return { state: { tokens, at: now, blockedUntil: prev.blockedUntil }, waitMs };
}

/** After Slack answered 429 with Retry-After, hold the channel for that long. */
export function block(state: PaceState | undefined, now: number, retryAfterSec: number, cfg: PaceConfig): PaceState {
  const prev = state ?? { tokens: cfg.burst, at: now, blockedUntil: 0 };
  return { ...prev, blockedUntil: Math.max(prev.blockedUntil, now + retryAfterSec * 1_000) };
}

/** A bucket that has refilled completely carries no information and can be forgotten. */
export function isIdle(state: PaceState, now: number, cfg: PaceConfig): boolean {
  return now >= state.blockedUntil && state.tokens + ((now - state.at) * cfg.ratePerSec) / 1_000 >= cfg.burst;
}
