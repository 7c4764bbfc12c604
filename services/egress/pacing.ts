import type { Redis } from 'ioredis';

/**
 * Slack's rate limits, paced for every egress replica at once. Slack allows about one message per
 * second per channel (short bursts tolerated) and gives each Web API method a per-workspace budget
 * by tier (chat.update and chat.delete: Tier 3, 50+/min; chat.postEphemeral: Tier 4, 100+/min).
 * Going faster earns 429s that stall the team's posts.
 *
 * Egress replicas share a queue group, so one channel's posts reach any replica. Each bucket
 * therefore lives in Redis, and a Lua script reserves from it atomically (Redis' own clock, so
 * replicas' clocks do not matter): however many replicas run, a channel gets its rate once.
 *
 * A token bucket in "reservation" form: every call takes a token now and waits until the bucket
 * would have had it, so concurrent calls to one bucket go out in reservation order without a loop.
 */
export interface PaceConfig {
  /** Sustained calls per second. */
  ratePerSec: number;
  /** Calls allowed back to back before pacing starts. */
  burst: number;
}

export interface Bucket {
  key: string;
  cfg: PaceConfig;
}

/**
 * KEYS: bucket hashes {tokens, at, blocked}; ARGV: per key ratePerSec, burst, then the longest wait
 * the caller accepts (ms, -1 = any). Returns the wait (ms) before the call may go: the longest over
 * all its buckets, a 429's Retry-After included; or, when that is over the accepted wait, minus the
 * wait, and then no bucket is touched (a refused call spends nothing).
 *  1. now = Redis TIME in ms.
 *  2. Per bucket: refill since `at` (capped at burst), take one token; a negative balance is a
 *     reservation into the future: wait = -tokens / rate.
 *  3. The bucket expires once it would be full again (it then carries no information).
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local maxWait = tonumber(ARGV[#ARGV])
local wait = 0
local next = {}
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1]) / 1000
  local burst = tonumber(ARGV[2 * i])
  local s = redis.call('HMGET', key, 'tokens', 'at', 'blocked')
  local tokens = tonumber(s[1]) or burst
  local at = tonumber(s[2]) or now
  local blocked = tonumber(s[3]) or 0
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate) - 1
  local w = math.max(0, blocked - now)
  if tokens < 0 then w = math.max(w, -tokens / rate) end
  if w > wait then wait = w end
  next[i] = { tokens, blocked, rate, burst }
end
if maxWait >= 0 and wait > maxWait then return -math.max(1, math.ceil(wait)) end
for i, key in ipairs(KEYS) do
  local tokens, blocked, rate, burst = next[i][1], next[i][2], next[i][3], next[i][4]
  redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now, 'blocked', blocked)
  redis.call('PEXPIRE', key, math.ceil(math.max(blocked - now, 0) + (burst - tokens) / rate) + 1000)
end
return math.ceil(wait)
`;

/** KEYS[1]: the bucket; ARGV[1]: Retry-After seconds. Nothing goes out of it before then. */
const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local untilMs = now + tonumber(ARGV[1]) * 1000
local blocked = tonumber(redis.call('HGET', KEYS[1], 'blocked')) or 0
if untilMs > blocked then redis.call('HSET', KEYS[1], 'blocked', untilMs) end
redis.call('PEXPIRE', KEYS[1], math.max(untilMs - now, 0) + 60000)
return 1
`;

/**
 * KEYS: buckets; ARGV: per key ratePerSec, burst, then the delay (ms). Brings each bucket to now
 * (refill capped at burst), then takes back the refill of the delay: as if the token had been
 * taken `delay` later than reserved.
 */
const DEFER = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local delay = tonumber(ARGV[#ARGV])
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i - 1]) / 1000
  local burst = tonumber(ARGV[2 * i])
  local s = redis.call('HMGET', key, 'tokens', 'at')
  local tokens = tonumber(s[1])
  local at = tonumber(s[2])
  if tokens and at then
    tokens = math.min(burst, tokens + math.max(0, now - at) * rate) - math.min(delay, math.max(0, now - at)) * rate
    redis.call('HSET', key, 'tokens', tostring(tokens), 'at', now)
  end
end
return 1
`;

type PacingRedis = Redis & {
  egressReserve(n: number, ...args: Array<string | number>): Promise<number>;
  egressBlock(key: string, retryAfterSec: number): Promise<number>;
  egressDefer(n: number, ...args: Array<string | number>): Promise<number>;
};

export class SharedPacer {
  private readonly redis: PacingRedis;

  constructor(redis: Redis) {
    redis.defineCommand('egressReserve', { lua: RESERVE });
    redis.defineCommand('egressBlock', { numberOfKeys: 1, lua: BLOCK });
    redis.defineCommand('egressDefer', { lua: DEFER });
    this.redis = redis as PacingRedis;
  }

  /** Takes a token from every bucket; resolves with how long to wait before calling Slack. */
  async reserve(buckets: readonly Bucket[]): Promise<number> {
    return this.call(buckets, -1);
  }

  /** As `reserve`, unless the wait would pass `maxWaitMs`: then nothing is taken and it resolves `{ busyForMs }`. */
  async tryReserve(buckets: readonly Bucket[], maxWaitMs: number): Promise<number | { busyForMs: number }> {
    const wait = await this.call(buckets, maxWaitMs);
    return wait < 0 ? { busyForMs: -wait } : wait;
  }

  private async call(buckets: readonly Bucket[], maxWaitMs: number): Promise<number> {
    if (buckets.length === 0) return 0;
    const args = buckets.flatMap((b) => [b.cfg.ratePerSec, b.cfg.burst]);
    return Number(await this.redis.egressReserve(buckets.length, ...buckets.map((b) => b.key), ...args, maxWaitMs));
  }

  /**
   * A call that took `delayMs` to be answered may have arrived that late: its token counts from
   * then, so the buckets' next slots move back by the delay (a paced sender's arrivals stay apart).
   */
  async defer(buckets: readonly Bucket[], delayMs: number): Promise<void> {
    if (buckets.length === 0 || delayMs <= 0) return;
    await this.redis.egressDefer(buckets.length, ...buckets.map((b) => b.key), ...buckets.flatMap((b) => [b.cfg.ratePerSec, b.cfg.burst]), delayMs);
  }

  /** After Slack answered 429 with Retry-After, hold the bucket for that long on every replica. */
  async block(key: string, retryAfterSec: number): Promise<void> {
    await this.redis.egressBlock(key, retryAfterSec);
  }
}
