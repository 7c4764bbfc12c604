import type { Alert, Severity } from './rules.ts';

/**
 * Between the rules and the ops channel: deduplication and rate limiting, pure with `now` passed
 * in. Numbered rules:
 * 1. A firing condition is posted once, then again only after `repeatMs` (a reminder) or when its
 *    severity rises (warning → critical).
 * 2. A warning/critical condition that stops firing is posted once as resolved.
 * 3. At most `maxPerWindow` messages per `windowMs`; the rest are counted, and the count is posted
 *    as one summary message when the window has room again, so a storm is one line, not a flood.
 */

export interface GateConfig {
  repeatMs: number;
  maxPerWindow: number;
  windowMs: number;
}

export const DEFAULT_GATE: GateConfig = { repeatMs: 60 * 60_000, maxPerWindow: 10, windowMs: 10 * 60_000 };

export interface Outgoing {
  /** The condition (alert key) this message is about. */
  key: string;
  /** Idempotency key for egress: a retried post of the same message never posts twice. */
  id: string;
  text: string;
  rule: string;
  severity: Severity | 'resolved' | 'summary';
}

export interface GateState {
  /** Conditions currently firing: when last posted and at which severity. */
  firing: Record<string, { postedAt: number; severity: Severity; text: string }>;
  /** Times of messages posted in the current window. */
  sent: number[];
  suppressed: number;
}

export const INITIAL_GATE: GateState = { firing: {}, sent: [], suppressed: 0 };

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };
const ICON: Record<Outgoing['severity'], string> = { info: ':tada:', warning: ':warning:', critical: ':rotating_light:', resolved: ':white_check_mark:', summary: ':mute:' };

export function format(o: Pick<Outgoing, 'severity' | 'text'>): string {
  return `${ICON[o.severity]} *surfinger ${o.severity}* ${o.text}`;
}

export function admit(state: GateState, alerts: Alert[], config: GateConfig, now: number): { state: GateState; out: Outgoing[] } {
  const sent = state.sent.filter((t) => t > now - config.windowMs);
  const out: Outgoing[] = [];
  const firing: GateState['firing'] = {};
  let suppressed = state.suppressed;
  const emit = (o: Outgoing): boolean => {
    if (sent.length >= config.maxPerWindow) {
      suppressed++;
      return false;
    }
    sent.push(now);
    out.push(o);
    return true;
  };
  if (suppressed > 0 && sent.length < config.maxPerWindow) {
    const held = suppressed;
    suppressed = 0;
    emit({ key: 'rate-limit', id: `rate-limit@${now}`, rule: 'rate-limit', severity: 'summary', text: `${held} more alert message${held === 1 ? ' was' : 's were'} held back by the rate limit; see \`surfinger status\` and the watchdog log` });
  }

  // 1. Firing conditions, most severe first so a storm of infos cannot crowd out a critical.
  for (const a of [...alerts].sort((x, y) => RANK[y.severity] - RANK[x.severity])) {
    const prev = state.firing[a.key];
    const due = !prev || now - prev.postedAt >= config.repeatMs || RANK[a.severity] > RANK[prev.severity];
    // The id is stable within a repeat period, so egress drops a retried duplicate.
    if (due && emit({ key: a.key, id: `${a.key}@${a.severity}@${Math.floor(now / config.repeatMs)}`, rule: a.rule, severity: a.severity, text: a.text })) {
      firing[a.key] = { postedAt: now, severity: a.severity, text: a.text };
    } else if (prev) firing[a.key] = prev;
  }
  // 2. Resolved: was a warning/critical condition, is not firing any more (kept until posted).
  const current = new Set(alerts.map((a) => a.key));
  for (const [key, prev] of Object.entries(state.firing)) {
    if (current.has(key) || prev.severity === 'info') continue;
    if (!emit({ key, id: `${key}@resolved@${prev.postedAt}`, rule: key.split(':')[0] ?? key, severity: 'resolved', text: `resolved: ${prev.text}` })) firing[key] = prev;
  }
  return { state: { firing, sent, suppressed }, out };
}

/** A post that failed (egress down): undo what admit() recorded for it, so the next look retries. */
export function unpost(before: GateState, after: GateState, key: string): GateState {
  const firing = { ...after.firing };
  const previous = before.firing[key];
  if (previous) firing[key] = previous;
  else delete firing[key];
  return { ...after, firing };
}
