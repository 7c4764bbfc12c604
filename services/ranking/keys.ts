/**
 * Redis key layout of the ranking data (docs/ranking.md explains each structure and its query).
 *
 * Everything a result writes lives under a *generation*: `<root>:<gen>:…`, where `<root>:gen`
 * names the live generation. `surfinger ranking rebuild` replays the results stream into a fresh
 * generation and flips the pointer, so readers never see a half-built leaderboard. Keys outside a
 * generation (outbox, job history, admin sessions) are operational state, not derived from results.
 *
 * Slack ids never contain `:`, so `:` separates key parts unambiguously.
 */
export function rankingRoot(prefix: string): string {
  return `${prefix}:rk`;
}

export function rootKeys(root: string) {
  return {
    /** The live generation id. Missing = generation "0". */
    pointer: `${root}:gen`,
    /** Counter handing out fresh generation ids to rebuilds. */
    generations: `${root}:gens`,
    /** Badge announcements waiting to be posted (list of JSON). */
    outbox: `${root}:outbox`,
    /** Set while a rebuild catches up and flips: live applies wait, so both see stream order. */
    rebuilding: `${root}:rebuilding`,
  } as const;
}

export const FIRST_GENERATION = '0';

export type DataKeys = ReturnType<typeof dataKeys>;

export function dataKeys(root: string, gen: string) {
  const d = `${root}:${gen}`;
  return {
    base: d,
    /** Set of applied resultIds: the idempotency marker written in the same transaction as the data. */
    applied: `${d}:applied`,
    /**
     * The last results-stream sequence applied to this generation, written in the same transaction:
     * readers resume right after it, so each stream message is applied once and in stream order.
     */
    checkpoint: `${d}:seq`,
    /**
     * Which results stream the checkpoint counts in (its creation time): a stream recreated after
     * NATS lost its volume numbers from 1 again, so the checkpoint starts over with it.
     */
    stream: `${d}:stream`,
    /** Hash: a player's running statistics (model.ts UserStats). */
    user: (team: string, user: string) => `${d}:u:${team}:${user}`,
    /** Hash: badge id → time earned. */
    userBadges: (team: string, user: string) => `${d}:ub:${team}:${user}`,
    /** Hash: a team's running statistics (model.ts TeamStats). */
    team: (team: string) => `${d}:t:${team}`,
    teamBadges: (team: string) => `${d}:tb:${team}`,
    /** ZSET by time: a player's last ranked records anywhere in the team (public page). */
    userRecent: (team: string, user: string) => `${d}:ur:${team}:${user}`,
    /** ZSET by time: a player's last ranked records in one channel (the /rank recent rule). */
    channelRecent: (team: string, channel: string, user: string) => `${d}:cr:${team}:${channel}:${user}`,
    /** ZSET user → last time seen in the channel (who to consider for /rank). */
    channelUsers: (team: string, channel: string) => `${d}:cu:${team}:${channel}`,
    /** ZSET by score: the top records (with their sentence) per channel, team and everywhere. */
    channelTop: (team: string, channel: string) => `${d}:ctop:${team}:${channel}`,
    teamTop: (team: string) => `${d}:ttop:${team}`,
    globalTop: `${d}:gtop`,
    /** ZSET user → all-time best score per channel, team, and everywhere (`team:user`). */
    channelBest: (team: string, channel: string) => `${d}:cbest:${team}:${channel}`,
    teamBest: (team: string) => `${d}:tbest:${team}`,
    globalBest: `${d}:gbest`,
    /** ZSET user → duel rating, for players with at least one rated duel in the team (`/rank duel`). */
    duelRatings: (team: string) => `${d}:duel:${team}`,
    /** Hash UTC date → finished games, everywhere and per team. */
    days: `${d}:days`,
    teamDays: (team: string) => `${d}:tdays:${team}`,
    /** ZSET `team:channel` → finished games (admin "top channels"). */
    channelGames: `${d}:chgames`,
    /** ZSET `team:user` / team → last time seen (active users/teams, reminders). */
    seenUsers: `${d}:seen:u`,
    seenTeams: `${d}:seen:t`,
    /** Hashes promptId → ranked answers / sum of their accuracies (weekly re-level). */
    promptAnswers: (lang: string) => `${d}:pn:${lang}`,
    promptAccuracy: (lang: string) => `${d}:pacc:${lang}`,
    /** Hash of global counters: games, rounds, answers, ranked, pasted, flagged. */
    totals: `${d}:totals`,
  } as const;
}
