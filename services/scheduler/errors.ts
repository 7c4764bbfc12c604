/** Codes raised by the scheduler (listed in docs/errors.md). */
export const SchedulerErrorCodes = {
  /** A job run threw; recorded in the job history with this code. The period is not retried. */
  JOB_FAILED: 'SF_ERR_SCHEDULER_JOB_FAILED',
} as const;
