/** Codes raised by the connection supervisor (listed in docs/errors.md). */
export const SupervisorErrorCodes = {
  /** The unit has no app token (a team installed without one), so no Socket Mode connection can be opened. */
  NO_APP_TOKEN: 'SF_ERR_SUPERVISOR_NO_APP_TOKEN',
  /** apps.connections.open or the WebSocket handshake failed. */
  CONNECT: 'SF_ERR_SUPERVISOR_CONNECT',
} as const;
export type SupervisorErrorCode = (typeof SupervisorErrorCodes)[keyof typeof SupervisorErrorCodes];
