/** Codes raised by the `surfinger` CLI itself (listed in docs/errors.md). */
export const CliErrorCodes = {
  /** A command's arguments or flags are invalid. */
  USAGE: 'SF_ERR_CLI_USAGE',
  /** `surfinger bench` was asked for a scenario that does not exist. */
  UNKNOWN_SCENARIO: 'SF_ERR_BENCH_UNKNOWN_SCENARIO',
  /** `surfinger bench --repeat` outside 1..20. */
  BENCH_REPEAT: 'SF_ERR_BENCH_REPEAT',
} as const;
export type CliErrorCode = (typeof CliErrorCodes)[keyof typeof CliErrorCodes];
