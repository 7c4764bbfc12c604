import type { Blocks, Lang } from '../../protocol/index.ts';
import { renderStandings } from './render.ts';

/**
 * A tournament across channels and workspaces, as a pure core like the channel game:
 * `step(state, event, now)` → `{ state, effects }`, no clock, I/O or randomness; a restored
 * snapshot resumes from its absolute deadlines.
 *
 * Rules:
 *  1. Round k opens in every channel at the same moment, `startsAt + (k-1)·roundGapMs` (absolute,
 *     so a failover never shifts the schedule): one `startRound` effect per channel.
 *  2. A round collects channel results until `openedAt + collectMs`. A channel's result counts when
 *     its game started at or after the round opened (a game already running there is not ours),
 *     once per channel per round, once per result id (redeliveries). All channels in → it closes early.
 *  3. At the close a channel that sent nothing is `skipped` for that round; its players score 0 and
 *     the tournament goes on without it.
 *  4. Points: a player's score in their channel's round (accuracy² × speed) when ranked, else 0
 *     (pasted or implausibly fast answers still count as played). A player who does not answer a
 *     round scores 0 for it and keeps what they had.
 *  5. Standings: points, highest first; equal points share a place (competition ranking 1, 1, 3);
 *     every player tied first wins. A player who withdrew keeps their points on the table, below
 *     the ranked players, and takes no place; later results of theirs are ignored.
 *  6. After every close the standings message is edited in every channel; after the last round the
 *     tournament is finished. Cancelling stops it wherever it is.
 *  7. `step` never throws: an event that does not fit the phase is ignored.
 */

export interface TournamentChannel {
  team: string;
  channel: string;
}

export interface TournamentSpec {
  id: string;
  name: string;
  lang: Lang;
  channels: TournamentChannel[];
  rounds: number;
  startsAt: number;
  /** From one round's opening to the next's. */
  roundGapMs: number;
  /** How long a round waits for channel results (less than roundGapMs). */
  collectMs: number;
  createdBy: string;
}

export interface PlayerStanding {
  team: string;
  user: string;
  channel: string;
  points: number;
  /** Rounds the player answered in. */
  played: number;
  withdrawn: boolean;
}

export interface RoundRecord {
  round: number;
  openedAt: number;
  /** channel key → result id that counted. */
  reported: Record<string, string>;
  /** Channels that sent nothing by the close (rule 3). */
  skipped: string[];
  closedAt: number | null;
}

export type TournamentPhase = 'scheduled' | 'collecting' | 'between' | 'finished' | 'cancelled';

export interface TournamentState {
  spec: TournamentSpec;
  phase: TournamentPhase;
  rounds: RoundRecord[];
  /** player key (`team:user`) → standing. */
  players: Record<string, PlayerStanding>;
}

export interface ChannelRoundEntry {
  user: string;
  score: number;
  /** False for pasted or flagged answers: played, but 0 points. */
  ranked: boolean;
}

export type TournamentEvent =
  | { type: 'tick' }
  /** One channel game's round result, as the channel actor published it. */
  | { type: 'channelResult'; team: string; channel: string; resultId: string; startedAt: number; entries: ChannelRoundEntry[] }
  | { type: 'withdraw'; team: string; user: string }
  | { type: 'cancel'; by: string };

export type TournamentEffect =
  /** Start a one-round game in the channel now (the runtime asks that channel's game actor). */
  | { type: 'startRound'; team: string; channel: string; round: number }
  /** Post (first time) or edit the message named `key` in the channel. */
  | { type: 'post' | 'update'; team: string; channel: string; key: string; text: string; blocks?: Blocks };

export interface TournamentStep {
  state: TournamentState;
  effects: TournamentEffect[];
}

export const STANDINGS_KEY = 'standings';

export const channelKey = (c: TournamentChannel): string => `${c.team}:${c.channel}`;
const playerKey = (team: string, user: string): string => `${team}:${user}`;
const roundPoints = (n: number): number => Math.round(n * 10) / 10;

/** Why a spec cannot be a tournament, or null when it can. */
export function specProblem(spec: TournamentSpec): string | null {
  if (spec.channels.length < 2) return 'a tournament needs at least two channels';
  if (new Set(spec.channels.map(channelKey)).size !== spec.channels.length) return 'a channel is listed twice';
  if (!Number.isInteger(spec.rounds) || spec.rounds < 1 || spec.rounds > 20) return 'rounds must be 1–20';
  if (spec.collectMs <= 0 || spec.collectMs >= spec.roundGapMs) return 'collectMs must be positive and shorter than roundGapMs';
  return null;
}

/** A new tournament: announced, with an empty standings table, in every channel. */
export function createTournament(spec: TournamentSpec): TournamentStep {
  const state: TournamentState = { spec, phase: 'scheduled', rounds: [], players: {} };
  return { state, effects: show(state, 'post', true) };
}

export function openTimeOf(spec: TournamentSpec, round: number): number {
  return spec.startsAt + (round - 1) * spec.roundGapMs;
}

/** When the runtime must deliver the next `tick`, or null once it is over. */
export function nextDeadline(state: TournamentState): number | null {
  const current = state.rounds[state.rounds.length - 1];
  switch (state.phase) {
    case 'scheduled':
      return state.spec.startsAt;
    case 'collecting':
      return current ? current.openedAt + state.spec.collectMs : null;
    case 'between':
      return openTimeOf(state.spec, state.rounds.length + 1);
    default:
      return null;
  }
}

export function isOver(state: TournamentState): boolean {
  return state.phase === 'finished' || state.phase === 'cancelled';
}

export function step(state: TournamentState, event: TournamentEvent, now: number): TournamentStep {
  switch (event.type) {
    case 'tick':
      return tick(state, now);
    case 'channelResult':
      return channelResult(state, event, now);
    case 'withdraw':
      return withdraw(state, event.team, event.user);
    case 'cancel':
      if (isOver(state)) return { state, effects: [] };
      return after({ ...state, phase: 'cancelled' });
  }
}

function tick(state: TournamentState, now: number): TournamentStep {
  const due = nextDeadline(state);
  if (due === null || now < due) return { state, effects: [] };
  if (state.phase === 'collecting') return close(state, now);
  // Opening at the scheduled time, not `now`: a late tick (a failover) keeps every round's window.
  const round = state.rounds.length + 1;
  const opened: RoundRecord = { round, openedAt: openTimeOf(state.spec, round), reported: {}, skipped: [], closedAt: null };
  const next: TournamentState = { ...state, phase: 'collecting', rounds: [...state.rounds, opened] };
  return { state: next, effects: state.spec.channels.map((c) => ({ type: 'startRound', team: c.team, channel: c.channel, round })) };
}

function channelResult(state: TournamentState, r: Extract<TournamentEvent, { type: 'channelResult' }>, now: number): TournamentStep {
  const current = state.rounds[state.rounds.length - 1];
  const key = channelKey(r);
  const ours = state.spec.channels.some((c) => channelKey(c) === key);
  if (state.phase !== 'collecting' || !current || !ours || r.startedAt < current.openedAt || key in current.reported) return { state, effects: [] };
  const players = { ...state.players };
  for (const e of r.entries) {
    const pk = playerKey(r.team, e.user);
    const before = players[pk] ?? { team: r.team, user: e.user, channel: r.channel, points: 0, played: 0, withdrawn: false };
    if (before.withdrawn) continue;
    players[pk] = { ...before, channel: r.channel, points: roundPoints(before.points + (e.ranked ? e.score : 0)), played: before.played + 1 };
  }
  const reported = { ...current.reported, [key]: r.resultId };
  const next: TournamentState = { ...state, players, rounds: [...state.rounds.slice(0, -1), { ...current, reported }] };
  return Object.keys(reported).length === state.spec.channels.length ? close(next, now) : { state: next, effects: [] };
}

function close(state: TournamentState, now: number): TournamentStep {
  const current = state.rounds[state.rounds.length - 1]!;
  const skipped = state.spec.channels.map(channelKey).filter((k) => !(k in current.reported));
  const closed = { ...current, skipped, closedAt: now };
  const last = current.round >= state.spec.rounds;
  return after({ ...state, phase: last ? 'finished' : 'between', rounds: [...state.rounds.slice(0, -1), closed] });
}

function withdraw(state: TournamentState, team: string, user: string): TournamentStep {
  const pk = playerKey(team, user);
  const player = state.players[pk];
  if (isOver(state) || !player || player.withdrawn) return { state, effects: [] };
  return after({ ...state, players: { ...state.players, [pk]: { ...player, withdrawn: true } } });
}

function after(state: TournamentState): TournamentStep {
  return { state, effects: show(state, 'update', false) };
}

function show(state: TournamentState, kind: 'post' | 'update', announce: boolean): TournamentEffect[] {
  const { text, blocks } = renderStandings(state, standings(state), announce);
  return state.spec.channels.map((c) => ({ type: kind, team: c.team, channel: c.channel, key: STANDINGS_KEY, text, blocks }));
}

export interface Standings {
  /** Ranked players, best first, with their place (ties share it). */
  ranked: Array<PlayerStanding & { place: number }>;
  withdrawn: PlayerStanding[];
  /** Everyone in first place with points, or nobody. */
  winners: PlayerStanding[];
}

/** Rule 5. Ties in points keep a stable order (team, then user id) so every channel reads the same table. */
export function standings(state: TournamentState): Standings {
  const all = Object.values(state.players).sort((a, b) => b.points - a.points || a.team.localeCompare(b.team) || a.user.localeCompare(b.user));
  const active = all.filter((p) => !p.withdrawn);
  const ranked = active.map((p) => ({ ...p, place: active.findIndex((q) => q.points === p.points) + 1 }));
  const top = ranked[0];
  const winners = state.phase === 'finished' && top && top.points > 0 ? ranked.filter((p) => p.place === 1) : [];
  return { ranked, withdrawn: all.filter((p) => p.withdrawn), winners };
}
