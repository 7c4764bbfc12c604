import { setTimeout as sleep } from 'node:timers/promises';
import { backoffMs, type BackoffConfig } from './backoff.ts';

/**
 * Hands an event on, and keeps trying past Slack's 3 s ack window while the supervisor lives.
 *
 * Leaving an envelope unacked is enough for Slack to redeliver it, but Slack's Events API retries
 * come after ~0 s, 1 min and 5 min: an outage of NATS (or of every game host) longer than the first
 * two attempts (~6 s) would put the next one a minute later, after the round the answer was for.
 * So the envelope stays unacked (Slack keeps its copy, which covers this process dying) and we try
 * again ourselves with a short backoff; the ack follows the first successful handoff, whichever
 * delivery made it. Slack's own retry may hand the same event on meanwhile: harmless, the game
 * recognises an answer it already has (actors/game.ts).
 */
export interface HandOnOptions {
  /** Give up (and leave the rest to Slack's retries) this long after the first attempt. */
  giveUpMs: number;
  backoff: BackoffConfig;
  random: () => number;
  /** True once the supervisor is stopping: no further attempts. */
  stopped: () => boolean;
  onRetry?: (attempt: number, err: unknown) => void;
  now?: () => number;
}

/** Until an answer an outage delayed is of no more use: the longest round lasts about a minute. */
export const HAND_ON_GIVE_UP_MS = 60_000;

/** Short waits between our own attempts: NATS reconnects in a fraction of a second once it is back. */
export const HAND_ON_BACKOFF: BackoffConfig = { minMs: 200, baseMs: 250, maxMs: 2_000 };

export async function handOn<T>(work: () => Promise<T>, opts: HandOnOptions): Promise<T> {
  const now = opts.now ?? Date.now;
  const until = now() + opts.giveUpMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (opts.stopped() || now() >= until) throw err;
      opts.onRetry?.(attempt, err);
    }
    await sleep(Math.min(backoffMs(attempt, opts.random, opts.backoff), Math.max(0, until - now())));
  }
}
