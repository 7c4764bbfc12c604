import type { Blocks, GameResult, Lang, RoundResult } from '../protocol/index.ts';

/**
 * The seam between the pure game core (actors/) and the runtime that hosts it
 * (services/actor-host). The runtime owns mailboxes, timers, I/O and persistence; the core owns
 * every rule. Nothing in actors/ may touch a clock, randomness, the network or `node:*`.
 */

/** What the runtime feeds an actor, one at a time, with the current time beside it. */
export type ActorEvent =
  | { type: 'command'; user: string; command: 'start' | 'exit' | 'duel'; text: string; lang: Lang }
  | { type: 'message'; user: string; text: string; ts: string; eventId: string }
  | { type: 'click'; user: string; actionId: string; value: string; messageTs: string }
  /** The deadline returned by `nextDeadline` has passed (`now >= deadline`). */
  | { type: 'tick' };

/** What an actor asks the runtime to do, as data, in order. */
export type Effect =
  /** Post a channel message; `key` names it so a later `update` can edit the same message. */
  | { type: 'post'; key: string; text: string; blocks?: Blocks }
  /** Edit the message previously posted under `key` (the runtime remembers its Slack ts). */
  | { type: 'update'; key: string; text: string; blocks?: Blocks }
  /** A message only `user` sees (e.g. "your answer looked pasted"). */
  | { type: 'ephemeral'; user: string; text: string; blocks?: Blocks }
  /** The answer to the request that carried this event (a slash command's HTTP response). */
  | { type: 'reply'; responseType: 'ephemeral' | 'in_channel'; text: string; blocks?: Blocks }
  /** Append to the results stream (exactly once, deduplicated by `result.resultId`). */
  | { type: 'publish'; result: RoundResult | GameResult };

export interface StepResult<S> {
  state: S;
  effects: Effect[];
}

export interface ActorIdentity {
  team: string;
  channel: string;
}

/**
 * A channel-game actor's logic. State is plain data (msgpack/JSON safe) so the runtime can
 * snapshot it at any step and restore it without replaying effects.
 */
export interface GameLogic<S> {
  /** The state of a channel with no game; `seed` seeds the RNG that lives inside the state. */
  initial(id: ActorIdentity, seed: number): S;
  /** The whole game: pure, total (never throws on bad input; a broken game is a phase). */
  step(state: S, event: ActorEvent, now: number): StepResult<S>;
  /** Absolute time (ms) at which the runtime must deliver a `tick`, or null for none. */
  nextDeadline(state: S): number | null;
  /** True when no game is running and the actor may be passivated. */
  isIdle(state: S): boolean;
  /** Id of the game in progress (or last finished), for logs and the event log; null before any. */
  gameId(state: S): string | null;
}

/** One corpus sentence. Levels are data: the weekly job may rewrite them. */
export interface CorpusEntry {
  id: string;
  text: string;
  /** 1 (easiest) … 5 (hardest). */
  level: number;
}

export type Corpus = Record<Lang, readonly CorpusEntry[]>;
