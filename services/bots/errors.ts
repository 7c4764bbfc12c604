/** Codes raised by the tester bots (listed in docs/errors.md). */
export const BotErrorCodes = {
  /** The sandbox driver API answered with an error or could not be reached. */
  SANDBOX: 'SF_ERR_BOTS_SANDBOX',
  /** Bad `surfinger bots` options (sizes that the sandbox cannot hold, unknown mode). */
  OPTIONS: 'SF_ERR_BOTS_OPTIONS',
} as const;
