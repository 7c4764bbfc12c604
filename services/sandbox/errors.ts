/** Codes raised by the Slack sandbox (listed in docs/sandbox.md). */
export const SandboxErrorCodes = {
  /** startSandbox options or a workspace file are invalid. */
  BAD_OPTIONS: 'SF_ERR_SANDBOX_BAD_OPTIONS',
  /** The HTTP server could not listen (port in use, bad host). */
  LISTEN: 'SF_ERR_SANDBOX_LISTEN',
} as const;
