/** Codes raised by the ranking service (listed in docs/errors.md). */
export const RankingErrorCodes = {
  /** A result on the results stream failed its schema; it is terminated, never applied. */
  BAD_RESULT: 'SF_ERR_RANKING_BAD_RESULT',
  /** Applying a result lost the optimistic-lock race too many times in a row. */
  APPLY_CONFLICT: 'SF_ERR_RANKING_APPLY_CONFLICT',
  /** `surfinger ranking rebuild` could not finish (stream unreadable, Redis gone). */
  REBUILD_FAILED: 'SF_ERR_RANKING_REBUILD_FAILED',
} as const;
