import { Counter, type Registry } from 'prom-client';
import type { Logger } from './logger.ts';

/**
 * One place for "rejected message" logs. A peer (or an attacker with NATS access) can send
 * thousands of malformed messages a second; one warn line each filled 2.9 MB of log for 5,000
 * messages. So every rejection is counted (`sf_rejected_messages_total{code}`), while only the
 * first few per code and interval are logged in full and the rest are summed into one summary
 * line per code when the interval ends.
 */

export interface RejectionFields {
  code: string;
  subject?: string;
  reason?: string;
  [field: string]: unknown;
}

export interface RejectionLimits {
  /** Full log lines per code per interval. */
  firstN: number;
  intervalMs: number;
}

export const DEFAULT_REJECTION_LIMITS: RejectionLimits = { firstN: 5, intervalMs: 60_000 };

/**
 * Counted once per process whatever registry exposes it: the metric object is registered into
 * each service registry by `createMetricsRegistry`.
 */
const METRIC = 'sf_rejected_messages_total';
export const rejectedMessages = new Counter({
  name: METRIC,
  help: 'Messages rejected at a NATS edge (bad payload, misrouted), by error code',
  labelNames: ['code'],
  registers: [],
});

interface Window {
  startedAt: number;
  logged: number;
  suppressed: number;
  log: Logger;
}

export class RejectionLog {
  private readonly windows = new Map<string, Window>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: RejectionLimits = DEFAULT_REJECTION_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts the rejection and logs it at `warn` unless this code is over its budget. */
  reject(log: Logger, fields: RejectionFields, msg = 'rejected message'): void {
    rejectedMessages.inc({ code: fields.code });
    const at = this.now();
    const key = `${fields.code}\u0000${msg}`;
    let w = this.windows.get(key);
    if (w && at - w.startedAt >= this.limits.intervalMs) {
      this.summarize(key, w);
      w = undefined;
    }
    if (!w) {
      w = { startedAt: at, logged: 0, suppressed: 0, log };
      this.windows.set(key, w);
      this.arm();
    }
    if (w.logged < this.limits.firstN) {
      w.logged++;
      log.warn(fields, msg);
    } else {
      w.suppressed++;
    }
  }

  /** Writes the summary of every interval that has ended (called by a timer, and by tests). */
  flush(force = false): void {
    const at = this.now();
    for (const [key, w] of this.windows) {
      if (force || at - w.startedAt >= this.limits.intervalMs) this.summarize(key, w);
    }
    if (this.windows.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private summarize(key: string, w: Window): void {
    this.windows.delete(key);
    if (w.suppressed === 0) return;
    const [code, msg] = key.split('\u0000');
    w.log.warn({ code, suppressed: w.suppressed, intervalMs: this.limits.intervalMs }, `${msg} (more of the same, not logged one by one)`);
  }

  private arm(): void {
    if (this.timer) return;
    // A quiet process still gets its summary line; unref so it never keeps a process alive.
    this.timer = setInterval(() => this.flush(), Math.max(1_000, Math.floor(this.limits.intervalMs / 4)));
    this.timer.unref();
  }
}

/** The process-wide limiter every edge uses (one budget per code per process). */
export const rejections = new RejectionLog();

/** Shorthand for the shared limiter: `rejected(log, { code, subject, reason })`. */
export function rejected(log: Logger, fields: RejectionFields, msg?: string): void {
  rejections.reject(log, fields, msg);
}

/** Exposes the shared counter on a service's registry. */
export function registerRejectionMetric(registry: Registry): void {
  if (!registry.getSingleMetric(METRIC)) registry.registerMetric(rejectedMessages);
}
