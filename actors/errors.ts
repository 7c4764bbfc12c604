/** Codes the game core records on a broken game (state.broken.code); it never throws them. */
export const ActorErrorCodes = {
  /** A step failed on an unexpected condition; the game was dropped so the channel can start again. */
  BROKEN: 'SF_ERR_GAME_BROKEN',
} as const;
