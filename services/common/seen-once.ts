import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import { CommonErrorCodes } from '../../protocol/errors.ts';

/**
 * "Have we seen this key before?" for the edges (Slack request signatures, Socket Mode envelope
 * ids): cluster-wide through Redis `SET NX`, and never a reason to fail a Slack request when Redis
 * is briefly unreachable.
 *
 * 1. Every claim is also remembered in a bounded in-process set, so a replay to *this* replica is
 *    refused whatever Redis does.
 * 2. Redis answers within `redisTimeoutMs` or not at all (ioredis queues commands while it
 *    reconnects, which would eat Slack's 3 s). Without an answer the local set decides: during an
 *    outage a replay could only succeed against another replica, within the signature's own
 *    5-minute window, which is the smallest hole that keeps commands working.
 */
export class SeenOnce {
  readonly #local = new Map<string, number>();
  readonly #capacity: number;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly log: Logger,
    opts: { capacity?: number; redisTimeoutMs?: number; now?: () => number } = {},
  ) {
    this.#capacity = opts.capacity ?? 100_000;
    this.#timeoutMs = opts.redisTimeoutMs ?? 300;
    this.#now = opts.now ?? Date.now;
  }

  /** True the first time `key` is claimed within `ttlSeconds`. */
  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.#now();
    const localUntil = this.#local.get(key);
    if (localUntil !== undefined && localUntil > now) return false;
    this.#remember(key, now + ttlSeconds * 1_000);
    const answer = await withTimeout(this.redis.set(key, '1', 'EX', ttlSeconds, 'NX'), this.#timeoutMs).catch((err: unknown) => {
      this.log.warn({ code: CommonErrorCodes.REDIS, reason: (err as Error).message }, 'redis unreachable; deduplicating in process only');
      return 'unknown' as const;
    });
    return answer === 'unknown' || answer === 'OK';
  }

  /**
   * Forgets a claim whose request was refused unprocessed (an event answered 503), so Slack's retry
   * of it is not taken for a replay: Slack re-signs a retry, but one sent in the same second as the
   * refused attempt carries the very same signature. Best effort: a key Redis keeps despite this
   * only costs that retry, and Slack's next one is signed in another second.
   */
  async release(key: string): Promise<void> {
    this.#local.delete(key);
    await withTimeout(this.redis.del(key), this.#timeoutMs).catch((err: unknown) => {
      this.log.warn({ code: CommonErrorCodes.REDIS, reason: (err as Error).message }, 'redis unreachable; replay claim released in process only');
    });
  }

  #remember(key: string, until: number): void {
    this.#local.delete(key);
    this.#local.set(key, until);
    // Oldest first (Map keeps insertion order): drop expired and overflow from the front.
    for (const [k, at] of this.#local) {
      if (this.#local.size <= this.#capacity && at > this.#now()) break;
      this.#local.delete(k);
    }
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
