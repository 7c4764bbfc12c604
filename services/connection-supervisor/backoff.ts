/**
 * Reconnect delay: exponential growth capped at `maxMs`, with "full jitter" (a uniform draw in
 * [0, cap]) so hundreds of team sockets dropped by one network blip do not reconnect in lockstep.
 * A floor of `minMs` keeps a flapping endpoint from being hammered. Pure: `random` is injected.
 */
export interface BackoffConfig {
  minMs: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffConfig = { minMs: 100, baseMs: 250, maxMs: 30_000 };

/** Delay before reconnect attempt `attempt` (1 = first retry after a drop). */
export function backoffMs(attempt: number, random: () => number, cfg: BackoffConfig = DEFAULT_BACKOFF): number {
  const cap = Math.min(cfg.maxMs, cfg.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.max(cfg.minMs, Math.floor(random() * cap));
}
