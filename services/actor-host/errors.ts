import { TournamentErrorCodes } from '../../protocol/errors.ts';
/** Codes raised by the actor host (listed in docs/errors.md and docs/runtime.md). */
export const ActorHostErrorCodes = {
  /** This host no longer owns the actor (its lease was taken over or its membership lapsed); the caller retries. */
  LEASE_LOST: 'SF_ERR_LEASE_LOST',
  /** The host is shutting down (graceful handoff) and refuses activations; the caller retries elsewhere. */
  DRAINING: 'SF_ERR_HOST_DRAINING',
  /** The actor's step threw; it was restarted from its last snapshot and this event was dropped. */
  ACTOR_CRASHED: 'SF_ERR_ACTOR_CRASHED',
  /** A game payload's team/channel do not match the actor subject it was sent to. */
  MISROUTED: 'SF_ERR_ACTOR_MISROUTED',
  /** Activation did not lead to a reachable actor after every retry. */
  ACTIVATION_FAILED: 'SF_ERR_ACTIVATION_FAILED',
  /** A stored snapshot or lease record could not be decoded. */
  CORRUPT_RECORD: 'SF_ERR_ACTOR_RECORD_CORRUPT',
  /** `surfinger replay` found no events for the game. */
  REPLAY_NOT_FOUND: 'SF_ERR_REPLAY_NOT_FOUND',
  // Tournament codes are part of the wire (protocol/errors.ts).
  TOURNAMENT_NOT_FOUND: TournamentErrorCodes.NOT_FOUND,
  TOURNAMENT_EXISTS: TournamentErrorCodes.EXISTS,
  TOURNAMENT_INVALID: TournamentErrorCodes.INVALID,
} as const;
