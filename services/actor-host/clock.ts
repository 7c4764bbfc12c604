/**
 * The runtime's only source of time (xstate's Clock idea): the host reads `now()` for every step
 * and arms deadlines with `setTimer`; tests swap in `ManualClock` and drive time explicitly.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once at absolute time `at` (ms, or at once if past); returns a cancel function. */
  setTimer(at: number, fn: () => void): () => void;
}

/** Node's timers cap delays at 2^31-1 ms; longer deadlines are re-armed in chunks. */
const MAX_DELAY = 2_147_483_647;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(at, fn) {
    let handle: NodeJS.Timeout;
    const arm = () => {
      const delay = at - Date.now();
      handle = setTimeout(delay > MAX_DELAY ? arm : fn, Math.min(Math.max(0, delay), MAX_DELAY));
    };
    arm();
    return () => clearTimeout(handle);
  },
};

/** A clock that only moves when a test calls `advance`/`set`; due timers fire in time order. */
export class ManualClock implements Clock {
  private current: number;
  private timers: Array<{ at: number; fn: () => void }> = [];

  constructor(start = 1_700_000_000_000) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(at: number, fn: () => void): () => void {
    const timer = { at, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that becomes due. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  set(to: number): void {
    this.current = Math.max(this.current, to);
    const due = this.timers.filter((t) => t.at <= this.current).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.current);
    for (const t of due) t.fn();
  }
}
