/** Codes raised by the ranking service (listed in docs/errors.md). */
export const RankingErrorCodes = {
  /** A result on the results stream failed its schema; the checkpoint passes it, it is never applied. */
  BAD_RESULT: 'SF_ERR_RANKING_BAD_RESULT',
  /** Applying a batch lost the optimistic-lock race too many times in a row; it is re-read from the checkpoint. */
  APPLY_CONFLICT: 'SF_ERR_RANKING_APPLY_CONFLICT',
  /** Redis holds less than this replica saw applied (lost writes, or a shorter generation swapped in); it re-reads from the checkpoint. */
  CHECKPOINT_BEHIND: 'SF_ERR_RANKING_CHECKPOINT_BEHIND',
  /** The results stream was recreated under a reader (NATS lost it): the reader starts over on the new one. */
  STREAM_RECREATED: 'SF_ERR_RANKING_STREAM_RECREATED',
  /** `surfinger ranking rebuild` could not finish (stream unreadable, Redis gone). */
  REBUILD_FAILED: 'SF_ERR_RANKING_REBUILD_FAILED',
} as const;
