/** Codes raised by the watchdog and `surfinger status` (listed in docs/errors.md). */
export const WatchdogErrorCodes = {
  /** A whole look at the cluster failed (NATS gone mid-look); the next look tries again. */
  LOOK_FAILED: 'SF_ERR_WATCHDOG_LOOK_FAILED',
  /** Egress did not accept an alert for the ops channel; it is retried on the next look. */
  POST_FAILED: 'SF_ERR_WATCHDOG_POST_FAILED',
  /** The ranking store (Redis) could not be read; threshold rules skip that look. */
  RECORDS_UNAVAILABLE: 'SF_ERR_WATCHDOG_RECORDS_UNAVAILABLE',
} as const;
