/**
 * The one error class the whole project throws. Every failure carries a stable `code`
 * (listed in docs/errors.md, kept in sync by a test) so edges can answer and count it.
 */
export class SurfingerError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SurfingerError';
    this.code = code;
    this.details = options.details;
  }
}

/** Wraps anything thrown into a SurfingerError so a boundary always sees a code. */
export function asSurfingerError(err: unknown, code: string = CommonErrorCodes.INTERNAL): SurfingerError {
  if (err instanceof SurfingerError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new SurfingerError(code, message, { cause: err });
}

/** Codes every package may raise: the floor's own failures (configuration, infrastructure, our bugs). */
export const CommonErrorCodes = {
  /** Something thrown without a code: our bug (asSurfingerError's default). */
  INTERNAL: 'SF_ERR_INTERNAL',
  /** Configuration (environment, flags) is invalid; the process refuses to start. */
  CONFIG: 'SF_ERR_CONFIG',
  /** Redis did not answer, or refused. */
  REDIS: 'SF_ERR_REDIS',
  /** A NATS call failed for another reason than the two below. */
  NATS: 'SF_ERR_NATS',
  /** NATS: nobody subscribes to the subject (the actor or service is not there). */
  NO_RESPONDERS: 'SF_ERR_NO_RESPONDERS',
  /** NATS: no answer within the request's timeout. */
  TIMEOUT: 'SF_ERR_TIMEOUT',
  /** A service answered an error without a code of ours. */
  REMOTE: 'SF_ERR_REMOTE',
  /** Egress answered ok:false without a code of its own (an older egress). */
  EGRESS: 'SF_ERR_EGRESS',
} as const;
export type CommonErrorCode = (typeof CommonErrorCodes)[keyof typeof CommonErrorCodes];

/** Codes raised by protocol/ itself. */
export const ProtocolErrorCodes = {
  /** A payload was not msgpack, or not an object. */
  DECODE: 'SF_ERR_PROTOCOL_DECODE',
  /** A payload decoded but failed its schema. */
  INVALID: 'SF_ERR_PROTOCOL_INVALID',
  /** A payload names a message type or version this process does not speak. */
  UNKNOWN_TYPE: 'SF_ERR_PROTOCOL_UNKNOWN_TYPE',
} as const;
export type ProtocolErrorCode = (typeof ProtocolErrorCodes)[keyof typeof ProtocolErrorCodes];

/** Codes placement answers when a new game finds no room (admission control): the edges act on them, so they are part of the wire. */
export const PlacementErrorCodes = {
  /** This host runs as many games as its budget allows; placement moves the game to a host with room (callers retry). */
  HOST_FULL: 'SF_ERR_HOST_FULL',
  /** No host has room for a new game: `/start` answers "busy, try again in a minute". */
  CLUSTER_FULL: 'SF_ERR_CLUSTER_FULL',
} as const;

/** Codes egress answers in `EgressReply.code`: callers act on them, so they are part of the wire. */
export const EgressErrorCodes = {
  /** The team has no stored bot token (not installed, or uninstalled). */
  NOT_INSTALLED: 'SF_ERR_EGRESS_NOT_INSTALLED',
  /** Slack refused the call (platform error such as channel_not_found) or it failed after retries. */
  SLACK: 'SF_ERR_EGRESS_SLACK',
  /** Another request with this idempotency key is still being posted. */
  IN_FLIGHT: 'SF_ERR_EGRESS_IN_FLIGHT',
  /** update/delete without `ts`, or ephemeral without `user`. */
  INVALID: 'SF_ERR_EGRESS_INVALID',
  /** The op, team or channel is not what the request's subject allows (see EgressKinds). */
  SCOPE: 'SF_ERR_EGRESS_SCOPE',
  /** The rate budget has no room within the request's `maxWaitMs`; nothing was sent or spent. */
  BUSY: 'SF_ERR_EGRESS_BUSY',
} as const;
export type EgressErrorCode = (typeof EgressErrorCodes)[keyof typeof EgressErrorCodes];

/** Codes of the tournament endpoint (actor hosts): the CLI and the admin page act on them. */
export const TournamentErrorCodes = {
  /** No tournament has this id. */
  NOT_FOUND: 'SF_ERR_TOURNAMENT_NOT_FOUND',
  /** A tournament with this id already exists (ids are never reused, finished ones stay listed). */
  EXISTS: 'SF_ERR_TOURNAMENT_EXISTS',
  /** The tournament spec or request breaks a rule (fewer than two channels, collect window too long, …). */
  INVALID: 'SF_ERR_TOURNAMENT_INVALID',
} as const;
