import type { Redis } from 'ioredis';
import { SurfingerError, type ResultMessage } from '../../protocol/index.ts';
import { announcementOf, foldBatch, playerKey, type BadgeAnnouncement, type BatchFold, type BatchState } from './batch.ts';
import { RankingErrorCodes } from './errors.ts';
import { dataKeys, FIRST_GENERATION, type DataKeys } from './keys.ts';
import { BatchWrites } from './batch-writes.ts';
import { resultTime, usersOf, type RecordEntry, type TeamStats, type UserStats } from './model.ts';
import { parseTeamStats, parseUserStats, RankingReads, RECENT_GAMES, USER_RECENT_KEEP, utcDay } from './reads.ts';

/**
 * Ranking data in Redis, the write side: applying results (exactly once, in stream order), the
 * badge outbox and rebuild generations. Applies go through their own connection; reads (reads.ts)
 * use the shared one.
 */

/** How many records the per-channel/team/global top lists and a player's page keep. */
const TOP_KEEP = 100;
const MAX_APPLY_ATTEMPTS = 50;
const REBUILD_POLL_MS = 100;
/** A crashed rebuild must not hold live applies forever. */
const REBUILD_HOLD_SEC = 120;

export type { BadgeAnnouncement } from './batch.ts';

export interface ApplyOptions {
  /** Write this generation instead of the live one (rebuilds); ignores the rebuild hold. */
  gen?: string;
  /** Queue badge announcements in the outbox (the live consumer; never a rebuild). */
  announce?: boolean;
  /**
   * Badges earned by stream messages at or below this sequence were announced before: they are
   * awarded again but not queued (a replay after Redis lost data must not announce them twice).
   */
  announcedThrough?: number;
  /**
   * Every stream message through this sequence is applied, or handed to an earlier applyBatch. A
   * lower checkpoint once those are written means Redis lost acknowledged writes (or a shorter
   * generation was swapped in): nothing is written, and SF_ERR_RANKING_CHECKPOINT_BEHIND tells the
   * caller to read again from the checkpoint.
   */
  appliedThrough?: number;
}

/** One message of the results stream: its sequence (omitted outside the stream) and its result, null if it failed its schema. */
export interface BatchItem {
  seq?: number;
  result: ResultMessage | null;
}

export type ItemOutcome = 'applied' | 'duplicate' | 'rejected';

export interface BatchOutcome {
  /** Per item, in order. `duplicate`: its id was already applied, or its sequence is at or below the checkpoint. */
  outcomes: ItemOutcome[];
  /** The generation's checkpoint after the batch. */
  checkpoint: number;
  announcements: BadgeAnnouncement[];
}

export interface ApplyOutcome {
  applied: boolean;
  announcements: BadgeAnnouncement[];
}

/** The values of a pipeline's replies; any error fails the whole read. */
function replyValues(replies: Array<[Error | null, unknown]> | null): unknown[] {
  return (replies ?? []).map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

/**
 * A generation's state as this store knows it: the checkpoint, the applied count, and the
 * statistics and badges of the players and teams its recent batches touched. Either what Redis
 * held at this store's last read or write (`known`), or what a batch being written will leave (a
 * plan's `after`), on which the next batch is folded meanwhile. The checkpoint and applied count
 * identify the state — every apply, by any replica, moves one of them — and APPLY_SCRIPT writes a
 * batch only over exactly the state it was folded on. Maps are never changed once built.
 */
interface Known extends BatchState {
  gen: string;
  checkpoint: number;
  appliedCount: number;
}

/** A batch folded over a state and packed for APPLY_SCRIPT. */
interface Plan {
  over: Known;
  after: Known;
  outcome: BatchOutcome;
  /** The result ids it applies. */
  ids: string[];
  /** The writes (batch-writes.ts); null when there is nothing to write. */
  packed: Buffer | null;
}

/** One applyBatch call, as the next one sees it. */
interface Turn {
  /** What it will leave, once folded (null if it could not be). */
  after: Promise<Known | null>;
  /** Settles when it is written, or failed. */
  done: Promise<void>;
}

/** Players and teams remembered at most (a few hundred bytes each); past it the memory starts over. */
const KNOWN_MAX = 4_096;

/** The write side of ranking data; reads (its own replies' too) are the read model it extends. */
export class RankingStore extends RankingReads {
  /** Opened on the first apply (readers never need it), so a big batch never delays a query. */
  private writerConnection: Redis | null = null;
  private known: Known | null = null;
  private turn: Turn = { after: Promise.resolve(null), done: Promise.resolve() };

  private get writer(): Redis {
    this.writerConnection ??= this.redis.duplicate();
    return this.writerConnection;
  }

  async close(): Promise<void> {
    await this.turn.done;
    const writer = this.writerConnection;
    if (writer) await writer.quit().catch(() => writer.disconnect());
  }

  /**
   * The checkpoint of the live generation (or `gen`) in the results stream created at `stream`
   * (its creation time). The first call records the stream; if the generation counted in another
   * stream — recreated since, numbering from 1 again — the checkpoint starts over at 0 (results it
   * already holds stay duplicates by their ids).
   */
  async checkpointIn(stream: string, gen?: string): Promise<number> {
    const k = dataKeys(this.rootKey, gen ?? (await this.generation()));
    return Number(await this.redis.eval(CHECKPOINT_IN_SCRIPT, 2, k.stream, k.checkpoint, stream));
  }

  /** Applies one result outside the stream (tests, tools): a batch of one without a sequence. */
  async apply(result: ResultMessage, options: ApplyOptions = {}): Promise<ApplyOutcome> {
    const outcome = await this.applyBatch([{ result }], options);
    return { applied: outcome.outcomes[0] === 'applied', announcements: outcome.announcements };
  }

  /**
   * Applies stream messages exactly once and in stream order to the live generation (or to `gen`,
   * for rebuilds), in one atomic write per batch. Batches are written in call order; the next may
   * be handed over before this one is written (see applyInTurn).
   * 1. Fold: items at or below the checkpoint were applied before (by this replica before a
   *    restart, or by another replica); the rest are folded in order (batch.ts), a result id
   *    already applied being a duplicate.
   * 2. APPLY_SCRIPT writes everything — data, applied ids, checkpoint, announcements into the
   *    outbox — only over the exact state the batch was folded on; otherwise we read Redis's
   *    state and fold again. While a rebuild holds live applies, we wait.
   */
  applyBatch(items: readonly BatchItem[], options: ApplyOptions = {}): Promise<BatchOutcome> {
    const previous = this.turn;
    let publish!: (after: Known | null) => void;
    const after = new Promise<Known | null>((resolve) => (publish = resolve));
    const run = this.applyInTurn(items, options, previous, publish);
    run.catch(() => publish(null));
    this.turn = { after, done: run.then(() => undefined, () => undefined) };
    return run;
  }

  /**
   * While the previous batch is being written, this one is folded over what it will leave — no
   * Redis access, so this process's work overlaps Redis's. That is a prediction: once the previous
   * batch is written, it holds only if Redis holds exactly that state (else we fold again), and the
   * script checks it once more.
   */
  private async applyInTurn(items: readonly BatchItem[], options: ApplyOptions, previous: Turn, publish: (after: Known | null) => void): Promise<BatchOutcome> {
    const ahead = await previous.after;
    let plan = ahead && this.canFoldOn(ahead, items, options) ? this.plan(items, options, ahead, new Set()) : null;
    if (plan) publish(plan.after);
    await previous.done;
    for (let attempt = 0; attempt < MAX_APPLY_ATTEMPTS; ) {
      if (plan === null || plan.over !== this.known) {
        const read = await this.read(items, options.gen);
        if (read === null) {
          // A rebuild is flipping generations: hold the batch (not a conflict) until it is done.
          await new Promise((r) => setTimeout(r, REBUILD_POLL_MS));
          continue;
        }
        if (options.appliedThrough !== undefined && read.over.checkpoint < options.appliedThrough) {
          throw new SurfingerError(RankingErrorCodes.CHECKPOINT_BEHIND, `generation ${read.over.gen} is applied through ${read.over.checkpoint}, but ${options.appliedThrough} was applied before`, {
            details: { checkpoint: read.over.checkpoint, appliedThrough: options.appliedThrough },
          });
        }
        plan = this.plan(items, options, read.over, read.applied);
        publish(plan.after);
      }
      attempt += 1;
      if (plan.packed !== null) {
        const { over } = plan;
        const k = dataKeys(this.rootKey, over.gen);
        const live = options.gen === undefined ? over.gen : '';
        const guard = [live, String(over.checkpoint), String(over.appliedCount), plan.packed, ...plan.ids];
        if ((await this.writer.eval(APPLY_SCRIPT, 4, this.root.pointer, this.root.rebuilding, k.checkpoint, k.applied, ...guard)) !== 1) {
          this.known = null;
          plan = null;
          continue;
        }
      }
      this.known = plan.after;
      return plan.outcome;
    }
    throw new SurfingerError(RankingErrorCodes.APPLY_CONFLICT, `gave up applying a batch of ${items.length} after ${MAX_APPLY_ATTEMPTS} conflicts`, {
      details: { first: items[0]?.result?.resultId, seq: items[0]?.seq },
    });
  }

  /** A state holds all a batch needs to be folded on it without reading Redis. */
  private canFoldOn(state: Known, items: readonly BatchItem[], options: ApplyOptions): boolean {
    if (options.gen !== undefined && state.gen !== options.gen) return false;
    if (options.appliedThrough !== undefined && state.checkpoint < options.appliedThrough) return false;
    const known = (result: ResultMessage): boolean => state.teams.has(result.team) && usersOf(result).every((user) => state.users.has(playerKey(result.team, user)));
    return items.every(({ result }) => result === null || known(result));
  }

  /** Step 1 over `over`; `applied` = the batch's result ids known to be applied already. */
  private plan(items: readonly BatchItem[], options: ApplyOptions, over: Known, applied: ReadonlySet<string>): Plan {
    const fresh = items.filter((item) => item.seq === undefined || item.seq > over.checkpoint);
    const fold = foldBatch(fresh.flatMap((item) => (item.result ? [item.result] : [])), over, applied);
    const ids = fold.steps.flatMap((step) => (step === null ? [] : [step.result.resultId]));
    const checkpoint = Math.max(over.checkpoint, ...fresh.map((item) => item.seq ?? 0));
    const after: Known = { gen: over.gen, checkpoint, appliedCount: over.appliedCount + ids.length, ...remembered(over, fold.after) };
    const outcome = (announcements: BadgeAnnouncement[]): BatchOutcome => ({ outcomes: outcomesOf(items, over.checkpoint, fold), checkpoint, announcements });
    if (ids.length === 0 && checkpoint === over.checkpoint) return { over, after, outcome: outcome([]), ids, packed: null };

    const k = dataKeys(this.rootKey, over.gen);
    const writes = new BatchWrites();
    const announcements = writeBatch(writes, k, fold);
    writes.append('SADD', k.applied, ids);
    if (checkpoint > over.checkpoint) writes.command('SET', k.checkpoint, checkpoint);
    const announcedBefore = new Set(fresh.flatMap(({ seq, result }) => (result && seq !== undefined && seq <= (options.announcedThrough ?? 0) ? [result.resultId] : [])));
    const announced = options.announce ? announcements.filter(([resultId]) => !announcedBefore.has(resultId)).map(([, a]) => a) : [];
    writes.append('RPUSH', this.root.outbox, announced.map((a) => JSON.stringify(a)));
    return { over, after, outcome: outcome(announced), ids, packed: writes.pack() };
  }

  /**
   * Redis's state for a batch, in one round trip when `known` still holds (its checkpoint and
   * applied count unchanged) — then only players and teams it lacks are read; a flipped generation
   * or someone else's apply costs one more read of everything. Null while a rebuild holds live
   * applies. Becomes `known`.
   */
  private async read(items: readonly BatchItem[], rebuildGen?: string): Promise<{ over: Known; applied: ReadonlySet<string> } | null> {
    const results = items.flatMap((item) => (item.result ? [item.result] : []));
    const players = new Map<string, [string, string]>();
    const teams = new Set<string>();
    for (const result of results) {
      teams.add(result.team);
      for (const user of usersOf(result)) players.set(playerKey(result.team, user), [result.team, user]);
    }
    let gen = rebuildGen ?? this.known?.gen ?? (await this.generation());
    for (;;) {
      const known = this.known?.gen === gen ? this.known : null;
      const k = dataKeys(this.rootKey, gen);
      const read = this.writer.pipeline();
      if (rebuildGen === undefined) read.get(this.root.pointer).exists(this.root.rebuilding);
      read.get(k.checkpoint).scard(k.applied);
      if (results.length > 0) read.smismember(k.applied, ...results.map((r) => r.resultId));
      const readPlayers = [...players].filter(([key]) => !known?.users.has(key));
      const readTeams = [...teams].filter((team) => !known?.teams.has(team));
      for (const [, [team, user]] of readPlayers) read.hgetall(k.user(team, user)).hkeys(k.userBadges(team, user));
      for (const team of readTeams) read.hgetall(k.team(team)).hkeys(k.teamBadges(team));
      const values = replyValues(await read.exec()).reverse();
      const next = <T>(): T => values.pop() as T;

      if (rebuildGen === undefined) {
        const pointer = next<string | null>() ?? FIRST_GENERATION;
        if (next<number>() === 1) return null;
        if (pointer !== gen) {
          gen = pointer;
          continue;
        }
      }
      const checkpoint = Number(next<string | null>() ?? 0);
      const appliedCount = next<number>();
      if (known && (known.checkpoint !== checkpoint || known.appliedCount !== appliedCount)) {
        // Someone else applied since: what we know may be stale.
        this.known = null;
        continue;
      }
      const isApplied = results.length > 0 ? next<number[]>() : [];
      const fetched = { users: new Map<string, UserStats>(), userBadges: new Map<string, ReadonlySet<string>>(), teams: new Map<string, TeamStats>(), teamBadges: new Map<string, ReadonlySet<string>>() };
      for (const [key] of readPlayers) {
        fetched.users.set(key, parseUserStats(next()));
        fetched.userBadges.set(key, new Set(next<string[]>()));
      }
      for (const team of readTeams) {
        fetched.teams.set(team, parseTeamStats(next()));
        fetched.teamBadges.set(team, new Set(next<string[]>()));
      }
      this.known = { gen, checkpoint, appliedCount, ...remembered(known ?? EMPTY_STATE, fetched) };
      return { over: this.known, applied: new Set(results.filter((_, i) => isApplied[i] === 1).map((r) => r.resultId)) };
    }
  }

  // ---- outbox (badge announcements) -----------------------------------------------------------

  async pendingAnnouncements(limit = 100): Promise<Array<{ raw: string; announcement: BadgeAnnouncement }>> {
    const raws = await this.redis.lrange(this.root.outbox, 0, limit - 1);
    return raws.map((raw) => ({ raw, announcement: JSON.parse(raw) as BadgeAnnouncement }));
  }

  async announced(raws: readonly string[]): Promise<void> {
    if (raws.length === 0) return;
    const tx = this.redis.multi();
    for (const raw of raws) tx.lrem(this.root.outbox, 1, raw);
    await tx.exec();
  }

  /** Which of these games are over: their final result (`${gameId}:final`) is applied. */
  async finishedGames(gameIds: readonly string[]): Promise<Set<string>> {
    if (gameIds.length === 0) return new Set();
    const applied = await this.redis.smismember((await this.keys()).applied, ...gameIds.map((id) => `${id}:final`));
    return new Set(gameIds.filter((_, i) => applied[i] === 1));
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

}

/**
 * Step 2, a compare-and-set over the whole batch. It writes only over the state the batch was
 * folded on: none of the result ids it applies is applied yet, the checkpoint and the applied
 * set's size are the ones it was folded on (every apply moves one of them) and, for the live
 * generation, the pointer still names it and no rebuild holds. Then it runs the batch's commands
 * (batch-writes.ts) in order; as in a MULTI, a failing command does not stop the others (a Lua
 * error would leave half a batch written), and the first failure becomes the script's error.
 * Being one atomic check-and-write, it is also safe to re-send after a reconnect: a repeat finds
 * its own write and writes nothing.
 * KEYS: pointer, rebuild hold, checkpoint, applied set. ARGV: the live generation ('' for a
 * rebuild's, whose pointer and hold are not checked), checkpoint, applied count, packed commands,
 * then the result ids.
 * Returns 1 when written, 0 when the batch must be read again.
 */
const APPLY_SCRIPT = `
for i = 5, #ARGV do
  if redis.call('SISMEMBER', KEYS[4], ARGV[i]) == 1 then return 0 end
end
if ARGV[1] ~= '' and ((redis.call('GET', KEYS[1]) or '${FIRST_GENERATION}') ~= ARGV[1] or redis.call('EXISTS', KEYS[2]) == 1) then return 0 end
if (redis.call('GET', KEYS[3]) or '0') ~= ARGV[2] or redis.call('SCARD', KEYS[4]) ~= tonumber(ARGV[3]) then return 0 end
local failed = nil
for _, command in ipairs(cmsgpack.unpack(ARGV[4])) do
  local reply = redis.pcall(unpack(command))
  if type(reply) == 'table' and reply.err and not failed then failed = reply.err end
end
if failed then return redis.error_reply(failed) end
return 1
`;

/** KEYS: the generation's stream, its checkpoint. ARGV: the stream's creation time. */
const CHECKPOINT_IN_SCRIPT = `
local recorded = redis.call('GET', KEYS[1])
if recorded ~= ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1])
  if recorded then redis.call('SET', KEYS[2], '0') end
end
return tonumber(redis.call('GET', KEYS[2]) or '0')
`;

function outcomesOf(items: readonly BatchItem[], checkpoint: number, fold: BatchFold): ItemOutcome[] {
  let step = 0;
  return items.map((item) => {
    if (item.seq !== undefined && item.seq <= checkpoint) return 'duplicate';
    if (item.result === null) return 'rejected';
    return fold.steps[step++] === null ? 'duplicate' : 'applied';
  });
}

/** The batch's data writes; returns its badge announcements in order, each with its result's id. */
function writeBatch(writes: BatchWrites, k: DataKeys, fold: BatchFold): Array<[string, BadgeAnnouncement]> {
  const announcements: Array<[string, BadgeAnnouncement]> = [];
  for (const step of fold.steps) {
    if (step === null) continue;
    const { result, folded } = step;
    const { team } = result;
    const at = resultTime(result);
    for (const { user, badge } of step.badges) {
      writes.command('HSETNX', user === null ? k.teamBadges(team) : k.userBadges(team, user), badge, at);
      announcements.push([result.resultId, announcementOf(result, user, badge)]);
    }
    for (const record of folded.records) addRecord(writes, k, record);
    if (result.type === 'surfinger.result.v1.round') {
      writes.hincrby(k.totals, 'rounds', 1);
      writes.hincrby(k.totals, 'answers', result.entries.length);
      writes.hincrby(k.totals, 'ranked', folded.records.length);
      writes.hincrby(k.totals, 'pasted', result.entries.filter((e) => e.pasted).length);
      writes.hincrby(k.totals, 'flagged', result.entries.filter((e) => e.flagged).length);
    } else {
      const day = utcDay(at);
      writes.hincrby(k.totals, 'games', 1);
      writes.hincrby(k.days, day, 1);
      writes.hincrby(k.teamDays(team), day, 1);
      writes.zincrby(k.channelGames, `${team}:${result.channel}`, 1);
    }
  }
  // Statistics are running values: writing each hash once, after the batch, ends in the same state
  // as writing it after every result.
  for (const [team, user] of fold.changedUsers) {
    const stats = fold.after.users.get(playerKey(team, user))!;
    writes.command('HSET', k.user(team, user), ...fieldsOf(stats));
    writes.zadd(k.seenUsers, stats.lastAt, playerKey(team, user), { gt: true });
    if (stats.duels > 0) writes.zadd(k.duelRatings(team), stats.duelRating, user);
  }
  for (const [team, stats] of fold.after.teams) {
    writes.command('HSET', k.team(team), ...fieldsOf(stats));
    writes.zadd(k.seenTeams, stats.lastAt, team, { gt: true });
  }
  return announcements;
}

/** HSET's field-value arguments for a statistics object. */
function fieldsOf(stats: UserStats | TeamStats): Array<string | number> {
  const args: Array<string | number> = [];
  for (const [field, value] of Object.entries(stats)) args.push(field, value);
  return args;
}

const EMPTY_STATE: BatchState = { users: new Map(), userBadges: new Map(), teams: new Map(), teamBadges: new Map() };

/** `base` with `changes` on top, in new maps; past KNOWN_MAX entries only `changes` are kept. */
function remembered(base: BatchState, changes: BatchState): BatchState {
  const keep = base.users.size + changes.users.size <= KNOWN_MAX && base.teams.size + changes.teams.size <= KNOWN_MAX;
  const merge = <V>(a: ReadonlyMap<string, V>, b: ReadonlyMap<string, V>): Map<string, V> => new Map([...(keep ? a : []), ...b]);
  return { users: merge(base.users, changes.users), userBadges: merge(base.userBadges, changes.userBadges), teams: merge(base.teams, changes.teams), teamBadges: merge(base.teamBadges, changes.teamBadges) };
}

/** One ranked answer into the leaderboards (docs/ranking.md lists each structure). */
function addRecord(writes: BatchWrites, k: DataKeys, record: RecordEntry): void {
  const member = JSON.stringify(record);
  const { t, c, u } = record;
  writes.zadd(k.channelRecent(t, c, u), record.at, member, { keep: RECENT_GAMES });
  writes.zadd(k.userRecent(t, u), record.at, member, { keep: USER_RECENT_KEEP });
  writes.zadd(k.channelUsers(t, c), record.at, u, { gt: true });
  for (const top of [k.channelTop(t, c), k.teamTop(t), k.globalTop]) writes.zadd(top, record.score, member, { keep: TOP_KEEP });
  writes.zadd(k.channelBest(t, c), record.score, u, { gt: true });
  writes.zadd(k.teamBest(t), record.score, u, { gt: true });
  writes.zadd(k.globalBest, record.score, `${t}:${u}`, { gt: true });
  writes.hincrby(k.promptAnswers(record.lang), record.promptId, 1);
  writes.hincrby(k.promptAccuracy(record.lang), record.promptId, record.acc);
}
