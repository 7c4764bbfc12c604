/**
 * Slack's Events API retry policy (https://api.slack.com/apis/events-api#retries): a delivery that
 * is not acknowledged within 3 s (socket) or fails or times out (HTTP) is retried up to 3 times,
 * "nearly immediately, then after 1 minute, then after 5 minutes"; after that the event is
 * dropped. Slash commands and interactivity are never retried.
 */
export interface RetryPolicy {
  /** How long one attempt may stay unacknowledged (Slack: 3000). */
  ackTimeoutMs: number;
  /** Retries after the first attempt (Slack: 3). */
  maxRetries: number;
  /** Pause before retry n (index n-1) once attempt n-1 failed; the last value repeats. */
  retryDelaysMs: readonly number[];
}

export const SLACK_RETRY_DELAYS_MS: readonly number[] = [0, 60_000, 300_000];

/** The pause before retry `attempt` (1-based). Pure: the schedule is all it reads. */
export function retryDelayMs(policy: RetryPolicy, attempt: number): number {
  const delays = policy.retryDelaysMs;
  if (delays.length === 0) return 0;
  return delays[Math.min(attempt, delays.length) - 1] ?? 0;
}
