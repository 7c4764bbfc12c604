import type { Redis } from 'ioredis';
import type { Lang } from '../../protocol/index.ts';
import { dataKeys, FIRST_GENERATION, rankingRoot, rootKeys, type DataKeys } from './keys.ts';
import { EMPTY_TEAM, EMPTY_USER, type RecordEntry, type TeamStats, type UserStats } from './model.ts';

/**
 * The ranking read model: every read the replies, pages, jobs, watchdog and tools need, and
 * nothing that writes. Other services reach ranking data only through `openRankingReads` (this
 * file is their contract), so ranking's Redis key layout (keys.ts) stays its own; the write side
 * (applying results, outbox, generations) is store.ts.
 */

/** The /rank "recent" rule: each player's best score among their last N ranked records in D days. */
export const RECENT_GAMES = 10;
export const RECENT_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How many records a player's page shows (the apply side keeps as many). */
export const USER_RECENT_KEEP = 20;

const NUMERIC_USER_FIELDS = Object.keys(EMPTY_USER).filter((k) => k !== 'lastChannel') as Array<keyof UserStats>;
const NUMERIC_TEAM_FIELDS = Object.keys(EMPTY_TEAM).filter((k) => k !== 'lastChannel') as Array<keyof TeamStats>;

function parseStats<T extends object>(raw: Record<string, string>, empty: Readonly<T>, numeric: ReadonlyArray<keyof T>): T {
  const stats = { ...empty } as Record<string, unknown>;
  for (const field of Object.keys(empty)) {
    const value = raw[field];
    if (value === undefined) continue;
    stats[field] = numeric.includes(field as keyof T) ? Number(value) : value;
  }
  return stats as T;
}

export const parseUserStats = (raw: Record<string, string>): UserStats => parseStats(raw, EMPTY_USER, NUMERIC_USER_FIELDS);
export const parseTeamStats = (raw: Record<string, string>): TeamStats => parseStats(raw, EMPTY_TEAM, NUMERIC_TEAM_FIELDS);

function parseRecord(member: string): RecordEntry | null {
  try {
    return JSON.parse(member) as RecordEntry;
  } catch {
    return null;
  }
}

function parseRecords(members: string[]): RecordEntry[] {
  return members.map(parseRecord).filter((r): r is RecordEntry => r !== null);
}

export function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface RankRow {
  user: string;
  best: RecordEntry;
  /** Records counted under the recent rule. */
  records: number;
}

export interface DuelRow {
  user: string;
  rating: number;
  duels: number;
  wins: number;
}

export interface MyScore {
  rank: number | null;
  of: number;
  recent: RecordEntry[];
  bests: { channel: Best; team: Best; global: Best };
  stats: UserStats;
}

export interface Best {
  score: number | null;
  rank: number | null;
}

export interface ActiveCounts {
  activeUsers: number;
  totalUsers: number;
  activeTeams: number;
  totalTeams: number;
}

export interface Seen {
  team: string;
  user: string;
  lastAt: number;
  lastChannel: string;
}

/** The read model over the live generation of `prefix`'s ranking data, on a shared connection. */
export function openRankingReads(redis: Redis, prefix: string): RankingReads {
  return new RankingReads(redis, rankingRoot(prefix));
}

/** The Redis key pattern all of `prefix`'s ranking data lives under, for access rules (deploy/redis/acl.ts). */
export function rankingKeySpace(prefix: string): string {
  return `${rankingRoot(prefix)}:*`;
}

export class RankingReads {
  protected readonly root: ReturnType<typeof rootKeys>;

  constructor(
    protected readonly redis: Redis,
    readonly rootKey: string,
  ) {
    this.root = rootKeys(rootKey);
  }

  async generation(): Promise<string> {
    return (await this.redis.get(this.root.pointer)) ?? FIRST_GENERATION;
  }

  protected async keys(): Promise<DataKeys> {
    return dataKeys(this.rootKey, await this.generation());
  }

  /** The last stream sequence applied to the live generation (0 before the first). */
  async checkpoint(): Promise<number> {
    return Number((await this.redis.get((await this.keys()).checkpoint)) ?? 0);
  }

  /** How many results the live generation has counted (each once, by its id). */
  async appliedCount(): Promise<number> {
    return this.redis.scard((await this.keys()).applied);
  }

  /** The ids of every result the live generation has counted. */
  async appliedIds(): Promise<Set<string>> {
    return new Set(await this.redis.smembers((await this.keys()).applied));
  }

  // ---- queries --------------------------------------------------------------------------------

  /** The /rank table under the recent rule, best first (ties: earlier record, then user id). */
  async rank(team: string, channel: string, now: number): Promise<RankRow[]> {
    const k = await this.keys();
    const since = now - RECENT_DAYS * DAY_MS;
    const users = await this.redis.zrangebyscore(k.channelUsers(team, channel), since, '+inf');
    if (users.length === 0) return [];
    const read = this.redis.pipeline();
    for (const user of users) read.zrevrangebyscore(k.channelRecent(team, channel, user), '+inf', since, 'LIMIT', 0, RECENT_GAMES);
    const replies = (await read.exec()) ?? [];
    const rows: RankRow[] = [];
    users.forEach((user, i) => {
      const records = parseRecords((replies[i]?.[1] as string[] | undefined) ?? []);
      const best = bestOf(records);
      if (best) rows.push({ user, best, records: records.length });
    });
    return rows.sort(compareRows);
  }

  /** `/rank duel`: the team's rated duelists, best rating first (ties: user id), with their record. */
  async duelRatings(team: string, limit: number): Promise<DuelRow[]> {
    const k = await this.keys();
    const flat = await this.redis.zrevrange(k.duelRatings(team), 0, limit - 1, 'WITHSCORES');
    const rows: Array<{ user: string; rating: number }> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) rows.push({ user: flat[i]!, rating: Number(flat[i + 1]) });
    if (rows.length === 0) return [];
    const read = this.redis.pipeline();
    for (const row of rows) read.hmget(k.user(team, row.user), 'duels', 'duelWins');
    const replies = (await read.exec()) ?? [];
    return rows
      .map((row, i) => {
        const [duels, wins] = (replies[i]?.[1] as Array<string | null> | undefined) ?? [];
        return { ...row, duels: Number(duels ?? 0), wins: Number(wins ?? 0) };
      })
      .sort((a, b) => b.rating - a.rating || a.user.localeCompare(b.user));
  }

  async topScores(team: string, channel: string, limit: number): Promise<RecordEntry[]> {
    const k = await this.keys();
    return parseRecords(await this.redis.zrevrange(k.channelTop(team, channel), 0, limit - 1));
  }

  async myScore(team: string, channel: string, user: string, now: number): Promise<MyScore> {
    const k = await this.keys();
    const [rows, recent, stats, channelBest, teamBest, globalBest] = await Promise.all([
      this.rank(team, channel, now),
      this.redis.zrevrange(k.channelRecent(team, channel, user), 0, RECENT_GAMES - 1),
      this.redis.hgetall(k.user(team, user)),
      this.best(k.channelBest(team, channel), user),
      this.best(k.teamBest(team), user),
      this.best(k.globalBest, `${team}:${user}`),
    ]);
    const index = rows.findIndex((row) => row.user === user);
    return {
      rank: index < 0 ? null : index + 1,
      of: rows.length,
      recent: parseRecords(recent),
      bests: { channel: channelBest, team: teamBest, global: globalBest },
      stats: parseUserStats(stats),
    };
  }

  private async best(key: string, member: string): Promise<Best> {
    const [score, rank] = await Promise.all([this.redis.zscore(key, member), this.redis.zrevrank(key, member)]);
    return { score: score === null ? null : Number(score), rank: rank === null ? null : rank + 1 };
  }

  async userStats(team: string, user: string): Promise<UserStats> {
    return parseUserStats(await this.redis.hgetall((await this.keys()).user(team, user)));
  }

  async teamStats(team: string): Promise<TeamStats> {
    return parseTeamStats(await this.redis.hgetall((await this.keys()).team(team)));
  }

  async badges(team: string, user: string): Promise<{ user: Map<string, number>; team: Map<string, number> }> {
    const k = await this.keys();
    const [mine, ours] = await Promise.all([this.redis.hgetall(k.userBadges(team, user)), this.redis.hgetall(k.teamBadges(team))]);
    const toMap = (raw: Record<string, string>) => new Map(Object.entries(raw).map(([id, at]) => [id, Number(at)]));
    return { user: toMap(mine), team: toMap(ours) };
  }

  async userRecent(team: string, user: string): Promise<RecordEntry[]> {
    return parseRecords(await this.redis.zrevrange((await this.keys()).userRecent(team, user), 0, USER_RECENT_KEEP - 1));
  }

  async userBests(team: string, user: string): Promise<{ team: Best; global: Best }> {
    const k = await this.keys();
    const [teamBest, globalBest] = await Promise.all([this.best(k.teamBest(team), user), this.best(k.globalBest, `${team}:${user}`)]);
    return { team: teamBest, global: globalBest };
  }

  // ---- admin, landing page, jobs --------------------------------------------------------------

  async totals(): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall((await this.keys()).totals);
    return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
  }

  /** Finished games per UTC day for the `days` days ending today, oldest first, zeros included. */
  async gamesPerDay(days: number, now: number): Promise<Array<{ day: string; games: number }>> {
    const wanted = Array.from({ length: days }, (_, i) => utcDay(now - (days - 1 - i) * DAY_MS));
    const counts = await this.redis.hmget((await this.keys()).days, ...wanted);
    return wanted.map((day, i) => ({ day, games: Number(counts[i] ?? 0) }));
  }

  async activeCounts(now: number, activeWithinMs: number): Promise<ActiveCounts> {
    const k = await this.keys();
    const since = now - activeWithinMs;
    const [activeUsers, totalUsers, activeTeams, totalTeams] = await Promise.all([
      this.redis.zcount(k.seenUsers, since, '+inf'),
      this.redis.zcard(k.seenUsers),
      this.redis.zcount(k.seenTeams, since, '+inf'),
      this.redis.zcard(k.seenTeams),
    ]);
    return { activeUsers, totalUsers, activeTeams, totalTeams };
  }

  async topChannels(limit: number): Promise<Array<{ team: string; channel: string; games: number }>> {
    const raw = await this.redis.zrevrange((await this.keys()).channelGames, 0, limit - 1, 'WITHSCORES');
    const rows: Array<{ team: string; channel: string; games: number }> = [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const [team = '', channel = ''] = (raw[i] ?? '').split(':');
      rows.push({ team, channel, games: Number(raw[i + 1]) });
    }
    return rows;
  }

  /** Players whose last activity is older than `idleMs`, with where they last played. */
  async inactiveUsers(now: number, idleMs: number): Promise<Seen[]> {
    const k = await this.keys();
    const members = await this.redis.zrangebyscore(k.seenUsers, '-inf', now - idleMs, 'WITHSCORES');
    const pairs: Array<{ team: string; user: string; lastAt: number }> = [];
    for (let i = 0; i + 1 < members.length; i += 2) {
      const [team = '', user = ''] = (members[i] ?? '').split(':');
      pairs.push({ team, user, lastAt: Number(members[i + 1]) });
    }
    const read = this.redis.pipeline();
    for (const p of pairs) read.hget(k.user(p.team, p.user), 'lastChannel');
    const channels = (await read.exec()) ?? [];
    return pairs.map((p, i) => ({ ...p, lastChannel: String(channels[i]?.[1] ?? '') }));
  }

  /** Every team that ever played, with its last activity and channel. */
  async knownTeams(): Promise<Array<{ team: string; lastAt: number; lastChannel: string }>> {
    const k = await this.keys();
    const members = await this.redis.zrangebyscore(k.seenTeams, '-inf', '+inf', 'WITHSCORES');
    const teams: Array<{ team: string; lastAt: number }> = [];
    for (let i = 0; i + 1 < members.length; i += 2) teams.push({ team: members[i] ?? '', lastAt: Number(members[i + 1]) });
    const read = this.redis.pipeline();
    for (const t of teams) read.hget(k.team(t.team), 'lastChannel');
    const channels = (await read.exec()) ?? [];
    return teams.map((t, i) => ({ ...t, lastChannel: String(channels[i]?.[1] ?? '') }));
  }

  /** Ranked answers and average accuracy per prompt id, for the weekly re-level. */
  async promptStats(lang: Lang): Promise<Map<string, { answers: number; avgAccuracy: number }>> {
    const k = await this.keys();
    const [answers, sums] = await Promise.all([this.redis.hgetall(k.promptAnswers(lang)), this.redis.hgetall(k.promptAccuracy(lang))]);
    const stats = new Map<string, { answers: number; avgAccuracy: number }>();
    for (const [id, n] of Object.entries(answers)) {
      const count = Number(n);
      stats.set(id, { answers: count, avgAccuracy: count === 0 ? 0 : Number(sums[id] ?? 0) / count });
    }
    return stats;
  }
}

function bestOf(records: RecordEntry[]): RecordEntry | null {
  let best: RecordEntry | null = null;
  for (const r of records) if (best === null || r.score > best.score || (r.score === best.score && r.at < best.at)) best = r;
  return best;
}

function compareRows(a: RankRow, b: RankRow): number {
  return b.best.score - a.best.score || a.best.at - b.best.at || a.user.localeCompare(b.user);
}
