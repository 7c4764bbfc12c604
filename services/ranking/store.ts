import type { Redis } from 'ioredis';
import { SurfingerError, type Lang, type ResultMessage } from '../../protocol/index.ts';
import { newTeamBadges, newUserBadges } from './badges.ts';
import { RankingErrorCodes } from './errors.ts';
import { dataKeys, FIRST_GENERATION, rootKeys, type DataKeys } from './keys.ts';
import { EMPTY_TEAM, EMPTY_USER, foldResult, resultTime, usersOf, type RecordEntry, type TeamStats, type UserStats } from './model.ts';

/**
 * Ranking data in Redis: applying results (exactly once) and every read the replies, pages and
 * jobs need. Writes go through one dedicated connection so WATCH/MULTI works; reads use the shared one.
 */

/** The /rank "recent" rule: each player's best score among their last N ranked records in D days. */
export const RECENT_GAMES = 10;
export const RECENT_DAYS = 30;
const DAY_MS = 24 * 60 * 60 * 1000;
/** How many records the per-channel/team/global top lists and a player's page keep. */
const TOP_KEEP = 100;
const USER_RECENT_KEEP = 20;
const MAX_APPLY_ATTEMPTS = 50;
const REBUILD_POLL_MS = 100;
/** A crashed rebuild must not hold live applies forever. */
const REBUILD_HOLD_SEC = 120;

export interface BadgeAnnouncement {
  /** Stable per badge and holder: the egress idempotency key. */
  key: string;
  team: string;
  channel: string;
  lang: Lang;
  /** null for a team badge. */
  user: string | null;
  badge: string;
}

export interface ApplyOptions {
  /** Write this generation instead of the live one (rebuilds); ignores the rebuild hold. */
  gen?: string;
  /** Queue badge announcements in the outbox (the live consumer; never a rebuild). */
  announce?: boolean;
  /** Called while the apply waits for a rebuild to flip (e.g. to tell JetStream we are working). */
  onWait?: () => void | Promise<void>;
}

export interface ApplyOutcome {
  applied: boolean;
  announcements: BadgeAnnouncement[];
}

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

const parseUserStats = (raw: Record<string, string>): UserStats => parseStats(raw, EMPTY_USER, NUMERIC_USER_FIELDS);
const parseTeamStats = (raw: Record<string, string>): TeamStats => parseStats(raw, EMPTY_TEAM, NUMERIC_TEAM_FIELDS);

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

function utcDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export interface RankRow {
  user: string;
  best: RecordEntry;
  /** Records counted under the recent rule. */
  records: number;
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

export class RankingStore {
  private readonly root: ReturnType<typeof rootKeys>;
  /** Opened on the first apply: readers (pages, scheduler) never need it. */
  private writerConnection: Redis | null = null;
  /** One apply at a time on the writer: WATCH state is per connection. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    readonly rootKey: string,
  ) {
    this.root = rootKeys(rootKey);
  }

  private get writer(): Redis {
    this.writerConnection ??= this.redis.duplicate();
    return this.writerConnection;
  }

  async close(): Promise<void> {
    await this.queue.catch(() => undefined);
    const writer = this.writerConnection;
    if (writer) await writer.quit().catch(() => writer.disconnect());
  }

  async generation(): Promise<string> {
    return (await this.redis.get(this.root.pointer)) ?? FIRST_GENERATION;
  }

  private async keys(): Promise<DataKeys> {
    return dataKeys(this.rootKey, await this.generation());
  }

  /**
   * Applies one result exactly once to the live generation (or to `gen`, for rebuilds).
   * 1. WATCH the generation pointer, the rebuild hold and the applied-id set; while a rebuild
   *    holds, wait; an id already applied is a duplicate.
   * 2. Read the statistics of every user the result touches, fold the result (model.ts).
   * 3. MULTI: all writes + the applied marker (+ announcements into the outbox); EXEC.
   * A concurrent apply or a generation flip aborts EXEC and we start again from 1.
   */
  apply(result: ResultMessage, options: ApplyOptions = {}): Promise<ApplyOutcome> {
    const run = this.queue.then(() => this.applyNow(result, options));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async applyNow(result: ResultMessage, options: ApplyOptions): Promise<ApplyOutcome> {
    const w = this.writer;
    for (let attempt = 0; attempt < MAX_APPLY_ATTEMPTS; ) {
      let gen = options.gen;
      if (gen === undefined) {
        await w.watch(this.root.pointer, this.root.rebuilding);
        const [pointer, rebuilding] = await w.mget(this.root.pointer, this.root.rebuilding);
        if (rebuilding !== null) {
          // A rebuild is flipping generations: hold this result (not a conflict) until it is done.
          await w.unwatch();
          await options.onWait?.();
          await new Promise((r) => setTimeout(r, REBUILD_POLL_MS));
          continue;
        }
        gen = pointer ?? FIRST_GENERATION;
      }
      attempt += 1;
      const k = dataKeys(this.rootKey, gen);
      await w.watch(k.applied);
      if ((await w.sismember(k.applied, result.resultId)) === 1) {
        await w.unwatch();
        return { applied: false, announcements: [] };
      }
      const users = usersOf(result);
      const team = result.team;
      const read = w.pipeline();
      for (const user of users) read.hgetall(k.user(team, user)).hgetall(k.userBadges(team, user));
      read.hgetall(k.team(team)).hgetall(k.teamBadges(team));
      const replies = ((await read.exec()) ?? []).map(([err, value]) => {
        if (err) throw err;
        return value as Record<string, string>;
      });
      const before = new Map<string, UserStats>();
      const owned = new Map<string, Set<string>>();
      users.forEach((user, i) => {
        before.set(user, parseUserStats(replies[2 * i] ?? {}));
        owned.set(user, new Set(Object.keys(replies[2 * i + 1] ?? {})));
      });
      const teamBefore = parseTeamStats(replies[2 * users.length] ?? {});
      const teamOwned = new Set(Object.keys(replies[2 * users.length + 1] ?? {}));

      const folded = foldResult(result, { users: before, team: teamBefore });
      const at = resultTime(result);
      const tx = w.multi();
      const announcements: BadgeAnnouncement[] = [];
      const announce = (user: string | null, badge: string): void => {
        announcements.push({ key: `badge:${team}:${user ?? '*'}:${badge}`, team, channel: result.channel, lang: result.lang, user, badge });
      };
      for (const [user, stats] of folded.users) {
        tx.hset(k.user(team, user), stats as unknown as Record<string, string | number>);
        tx.zadd(k.seenUsers, 'GT', stats.lastAt, `${team}:${user}`);
        for (const badge of newUserBadges(owned.get(user) ?? new Set(), before.get(user), stats)) {
          tx.hsetnx(k.userBadges(team, user), badge, at);
          announce(user, badge);
        }
      }
      tx.hset(k.team(team), folded.team as unknown as Record<string, string | number>);
      tx.zadd(k.seenTeams, 'GT', folded.team.lastAt, team);
      for (const badge of newTeamBadges(teamOwned, teamBefore, folded.team)) {
        tx.hsetnx(k.teamBadges(team), badge, at);
        announce(null, badge);
      }
      this.writeRecords(tx, k, folded.records);
      if (result.type === 'surfinger.result.v1.round') {
        const pasted = result.entries.filter((e) => e.pasted).length;
        const flagged = result.entries.filter((e) => e.flagged).length;
        tx.hincrby(k.totals, 'rounds', 1);
        tx.hincrby(k.totals, 'answers', result.entries.length);
        tx.hincrby(k.totals, 'ranked', folded.records.length);
        tx.hincrby(k.totals, 'pasted', pasted);
        tx.hincrby(k.totals, 'flagged', flagged);
      } else {
        const day = utcDay(at);
        tx.hincrby(k.totals, 'games', 1);
        tx.hincrby(k.days, day, 1);
        tx.hincrby(k.teamDays(team), day, 1);
        tx.zincrby(k.channelGames, 1, `${team}:${result.channel}`);
      }
      if (options.announce && announcements.length > 0) tx.rpush(this.root.outbox, ...announcements.map((a) => JSON.stringify(a)));
      tx.sadd(k.applied, result.resultId);
      const done = await tx.exec();
      if (done === null) continue;
      const failed = done.find(([err]) => err !== null);
      if (failed) throw failed[0];
      return { applied: true, announcements };
    }
    throw new SurfingerError(RankingErrorCodes.APPLY_CONFLICT, `gave up applying ${result.resultId} after ${MAX_APPLY_ATTEMPTS} conflicts`, {
      details: { resultId: result.resultId },
    });
  }

  private writeRecords(tx: ReturnType<Redis['multi']>, k: DataKeys, records: RecordEntry[]): void {
    const trimTo = (key: string, keep: number) => tx.zremrangebyrank(key, 0, -(keep + 1));
    for (const record of records) {
      const member = JSON.stringify(record);
      const { t, c, u } = record;
      tx.zadd(k.channelRecent(t, c, u), record.at, member);
      trimTo(k.channelRecent(t, c, u), RECENT_GAMES);
      tx.zadd(k.userRecent(t, u), record.at, member);
      trimTo(k.userRecent(t, u), USER_RECENT_KEEP);
      tx.zadd(k.channelUsers(t, c), 'GT', record.at, u);
      for (const top of [k.channelTop(t, c), k.teamTop(t), k.globalTop]) {
        tx.zadd(top, record.score, member);
        trimTo(top, TOP_KEEP);
      }
      tx.zadd(k.channelBest(t, c), 'GT', record.score, u);
      tx.zadd(k.teamBest(t), 'GT', record.score, u);
      tx.zadd(k.globalBest, 'GT', record.score, `${t}:${u}`);
      tx.hincrby(k.promptAnswers(record.lang), record.promptId, 1);
      tx.hincrby(k.promptAccuracy(record.lang), record.promptId, record.acc);
    }
  }

  // ---- outbox (badge announcements) -----------------------------------------------------------

  async pendingAnnouncements(limit = 100): Promise<Array<{ raw: string; announcement: BadgeAnnouncement }>> {
    const raws = await this.redis.lrange(this.root.outbox, 0, limit - 1);
    return raws.map((raw) => ({ raw, announcement: JSON.parse(raw) as BadgeAnnouncement }));
  }

  async announced(raw: string): Promise<void> {
    await this.redis.lrem(this.root.outbox, 1, raw);
  }

  // ---- generations (rebuild) ------------------------------------------------------------------

  async newGeneration(): Promise<string> {
    return String(await this.redis.incr(this.root.generations));
  }

  /** Holds live applies (they wait, in order) until `release` or REBUILD_HOLD_SEC. */
  async holdLiveApplies(): Promise<void> {
    await this.redis.set(this.root.rebuilding, '1', 'EX', REBUILD_HOLD_SEC);
  }

  async releaseLiveApplies(): Promise<void> {
    await this.redis.del(this.root.rebuilding);
  }

  /** Makes `gen` live and returns the generation it replaced. */
  async swapGeneration(gen: string): Promise<string> {
    return (await this.redis.getset(this.root.pointer, gen)) ?? FIRST_GENERATION;
  }

  async dropGeneration(gen: string): Promise<number> {
    let cursor = '0';
    let dropped = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${dataKeys(this.rootKey, gen).base}:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) dropped += await this.redis.unlink(...keys);
    } while (cursor !== '0');
    return dropped;
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
