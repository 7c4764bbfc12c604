/**
 * Token buckets for Slack's rate limits. Pure: the caller passes `nowMs`, so tests drive time.
 * Slack answers an exhausted bucket with HTTP 429 and `Retry-After` in whole seconds.
 */
export interface BucketSpec {
  /** Tokens added per second (the steady rate). */
  perSecond: number;
  /** Bucket size: how many calls may arrive at once after a quiet period. */
  burst: number;
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

export class RateLimiter {
  readonly #buckets = new Map<string, { tokens: number; updatedMs: number }>();

  take(key: string, spec: BucketSpec, nowMs: number): Take {
    const bucket = this.#buckets.get(key) ?? { tokens: spec.burst, updatedMs: nowMs };
    bucket.tokens = Math.min(spec.burst, bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * spec.perSecond);
    bucket.updatedMs = nowMs;
    this.#buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { ok: true };
    }
    // Whole seconds, at least 1: that is what Slack sends and what the SDK clients parse.
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - bucket.tokens) / spec.perSecond)) };
  }
}

/** Slack's published tiers, in calls per minute per workspace (Tier 1 relaxed: see docs/sandbox.md). */
export type Tier = 1 | 2 | 3 | 4;

export interface RateLimitOptions {
  /** chat.postMessage per channel (Slack: about 1 per second, short bursts tolerated). */
  postMessagePerSecond: number;
  postMessageBurst: number;
  /** Calls per minute per team and method for each tier; the whole minute's allowance may burst. */
  tierPerMinute: Record<Tier, number>;
}

export const DEFAULT_RATE_LIMITS: RateLimitOptions = {
  postMessagePerSecond: 1,
  postMessageBurst: 5,
  tierPerMinute: { 1: 20, 2: 20, 3: 50, 4: 100 },
};

export function tierBucket(options: RateLimitOptions, tier: Tier): BucketSpec {
  const perMinute = options.tierPerMinute[tier];
  return { perSecond: perMinute / 60, burst: perMinute };
}
