import { isRobot, type GameResult, type ResultEntry, type ResultMessage, type RoundResult } from '../../protocol/index.ts';
import { INITIAL_RATING, rateDuel } from './elo.ts';

/**
 * The pure half of the ranking service: what one result does to a player's and a team's running
 * statistics. No Redis here; store.ts reads the "before" state, calls `foldResult`, and writes the
 * "after" state in one transaction. Because the fold is a function of (state, result), replaying the
 * stream in the same order always produces the same state, which `surfinger ranking rebuild` relies on.
 */

export interface UserStats {
  /** Every answer, ranked or not. */
  answers: number;
  /** Answers that were neither pasted nor flagged. */
  ranked: number;
  /** Answers caught carrying anti-paste markers. */
  pasted: number;
  flagged: number;
  /** Finished games the player answered in at least once. */
  games: number;
  /** Rounds won under the round's rule. */
  wins: number;
  /** Rounds won that had a mission twist. */
  missionWins: number;
  /** Ranked answers at 100 % accuracy. */
  perfects: number;
  bestScore: number;
  bestAccuracy: number;
  /** Best speed among ranked answers at ≥ CLEAN_ACCURACY, so mashing keys fast earns nothing. */
  bestSpeed: number;
  /** Sum of ranked accuracies, for the average. */
  sumAccuracy: number;
  kokCrowns: number;
  /** Round-mode games finished with at least MARATHON_ROUNDS answered rounds. */
  marathons: number;
  exits: number;
  /** Duel rating (elo.ts); INITIAL_RATING until the first rated duel. */
  duelRating: number;
  /** Rated duels played and won. */
  duels: number;
  duelWins: number;
  firstAt: number;
  lastAt: number;
  lastChannel: string;
}

export interface TeamStats {
  games: number;
  /** Distinct players ever seen in the team. */
  players: number;
  answers: number;
  pasted: number;
  kokCrowns: number;
  firstAt: number;
  lastAt: number;
  lastChannel: string;
}

export const CLEAN_ACCURACY = 90;
export const MARATHON_ROUNDS = 10;

export const EMPTY_USER: Readonly<UserStats> = Object.freeze({
  answers: 0,
  ranked: 0,
  pasted: 0,
  flagged: 0,
  games: 0,
  wins: 0,
  missionWins: 0,
  perfects: 0,
  bestScore: 0,
  bestAccuracy: 0,
  bestSpeed: 0,
  sumAccuracy: 0,
  kokCrowns: 0,
  marathons: 0,
  exits: 0,
  duelRating: INITIAL_RATING,
  duels: 0,
  duelWins: 0,
  firstAt: 0,
  lastAt: 0,
  lastChannel: '',
});

export const EMPTY_TEAM: Readonly<TeamStats> = Object.freeze({
  games: 0,
  players: 0,
  answers: 0,
  pasted: 0,
  kokCrowns: 0,
  firstAt: 0,
  lastAt: 0,
  lastChannel: '',
});

/** A ranked answer as the leaderboards store it (compact keys: it is a sorted-set member). */
export interface RecordEntry {
  /** resultId of the round. */
  r: string;
  t: string;
  c: string;
  u: string;
  score: number;
  acc: number;
  speed: number;
  wpm: number | null;
  /** The prompt sentence. */
  prompt: string;
  promptId: string;
  lang: string;
  mode: string;
  /** The round's deadline: the record's time. */
  at: number;
}

export function isRanked(entry: ResultEntry): boolean {
  return !entry.pasted && !entry.flagged;
}

/** The robot of a robot battle is no player: it never enters statistics or leaderboards. */
const isRobotEntry = (entry: ResultEntry): boolean => entry.robot === true || isRobot(entry.user);

/** Duels whose outcome rates the pair: played to the end, or forfeited once accepted. */
const RATED_OUTCOMES: ReadonlySet<string> = new Set(['won', 'draw', 'forfeit']);

/** Scores are floats on the wire; leaderboards keep one decimal so equal-looking scores tie. */
export function roundScore(score: number): number {
  return Math.round(score * 10) / 10;
}

export function recordOf(result: RoundResult, entry: ResultEntry): RecordEntry {
  return {
    r: result.resultId,
    t: result.team,
    c: result.channel,
    u: entry.user,
    score: roundScore(entry.score),
    acc: entry.accuracy,
    speed: Math.round(entry.speed),
    wpm: entry.wpm === null ? null : Math.round(entry.wpm),
    prompt: result.prompt,
    promptId: result.promptId,
    lang: result.lang,
    mode: result.mode,
    at: result.deadline,
  };
}

/** The time a result happened, used for last-seen and day counters. */
export function resultTime(result: ResultMessage): number {
  return result.type === 'surfinger.result.v1.round' ? result.deadline : result.finishedAt;
}

export interface FoldInput {
  users: ReadonlyMap<string, UserStats>;
  team: TeamStats;
}

export interface FoldOutput {
  users: Map<string, UserStats>;
  team: TeamStats;
  /** Ranked answers of a round result, for the leaderboards. */
  records: RecordEntry[];
}

function seen<T extends { firstAt: number; lastAt: number; lastChannel: string }>(stats: T, at: number, channel: string): T {
  return {
    ...stats,
    firstAt: stats.firstAt === 0 ? at : Math.min(stats.firstAt, at),
    lastAt: Math.max(stats.lastAt, at),
    lastChannel: at >= stats.lastAt ? channel : stats.lastChannel,
  };
}

/** Users whose statistics a result touches (the store reads exactly these before folding). */
export function usersOf(result: ResultMessage): string[] {
  const users = new Set<string>();
  if (result.type === 'surfinger.result.v1.round') {
    for (const entry of result.entries) if (!isRobotEntry(entry)) users.add(entry.user);
    for (const user of result.winners) users.add(user);
  } else {
    for (const total of result.totals) users.add(total.user);
    if (result.champion !== null) users.add(result.champion);
    if (result.exitedBy !== null) users.add(result.exitedBy);
    if (result.duel && RATED_OUTCOMES.has(result.duel.outcome)) for (const user of result.duel.players) users.add(user);
  }
  return [...users].filter((user) => !isRobot(user)).sort();
}

export function foldResult(result: ResultMessage, before: FoldInput): FoldOutput {
  const users = new Map<string, UserStats>();
  let team: TeamStats = { ...before.team };
  const get = (user: string): UserStats => users.get(user) ?? { ...(before.users.get(user) ?? EMPTY_USER) };
  const put = (user: string, stats: UserStats): void => {
    if (stats.firstAt !== 0 && (before.users.get(user)?.firstAt ?? 0) === 0 && !users.has(user)) team.players += 1;
    users.set(user, stats);
  };
  const at = resultTime(result);
  return result.type === 'surfinger.result.v1.round' ? foldRound(result) : foldGame(result);

  function foldRound(round: RoundResult): FoldOutput {
    const records: RecordEntry[] = [];
    const winners = new Set(round.winners);
    for (const entry of round.entries) {
      if (isRobotEntry(entry)) continue;
      const s = seen(get(entry.user), at, round.channel);
      s.answers += 1;
      team.answers += 1;
      if (entry.pasted) {
        s.pasted += 1;
        team.pasted += 1;
      }
      if (entry.flagged) s.flagged += 1;
      if (isRanked(entry)) {
        const record = recordOf(round, entry);
        records.push(record);
        s.ranked += 1;
        s.sumAccuracy += entry.accuracy;
        if (entry.accuracy === 100) s.perfects += 1;
        s.bestScore = Math.max(s.bestScore, record.score);
        s.bestAccuracy = Math.max(s.bestAccuracy, entry.accuracy);
        if (entry.accuracy >= CLEAN_ACCURACY) s.bestSpeed = Math.max(s.bestSpeed, record.speed);
        if (winners.has(entry.user)) {
          s.wins += 1;
          if (round.mission !== null) s.missionWins += 1;
        }
      }
      put(entry.user, s);
    }
    team = seen(team, at, round.channel);
    return { users, team, records };
  }

  function foldGame(game: GameResult): FoldOutput {
    for (const total of game.totals) {
      if (total.rounds === 0 || isRobot(total.user)) continue;
      const s = seen(get(total.user), at, game.channel);
      s.games += 1;
      if (game.mode === 'round' && total.rounds >= MARATHON_ROUNDS) s.marathons += 1;
      put(total.user, s);
    }
    if (game.mode === 'kok' && game.champion !== null) {
      const s = seen(get(game.champion), at, game.channel);
      s.kokCrowns += 1;
      team.kokCrowns += 1;
      put(game.champion, s);
    }
    if (game.exitedBy !== null) {
      const s = seen(get(game.exitedBy), at, game.channel);
      s.exits += 1;
      put(game.exitedBy, s);
    }
    const duel = game.duel;
    if (duel && RATED_OUTCOMES.has(duel.outcome)) {
      const [a, b] = duel.players;
      const sa = seen(get(a), at, game.channel);
      const sb = seen(get(b), at, game.channel);
      [sa.duelRating, sb.duelRating] = rateDuel(sa.duelRating, sb.duelRating, duel.winner === a ? 1 : duel.winner === b ? 0 : 0.5);
      sa.duels += 1;
      sb.duels += 1;
      if (duel.winner === a) sa.duelWins += 1;
      if (duel.winner === b) sb.duelWins += 1;
      put(a, sa);
      put(b, sb);
    }
    team.games += 1;
    team = seen(team, at, game.channel);
    return { users, team, records: [] };
  }
}
