import type { Lang, ResultMessage } from '../../protocol/index.ts';
import { newTeamBadges, newUserBadges } from './badges.ts';
import { EMPTY_TEAM, EMPTY_USER, foldResult, resultTime, usersOf, type FoldOutput, type TeamStats, type UserStats } from './model.ts';

/**
 * Folding a batch of results over the statistics read before it: the pure half of a batched apply.
 * store.ts reads every key the batch touches once, calls `foldBatch`, and writes all steps in one
 * transaction. Each result is folded over the state the previous ones left (statistics, owned
 * badges, applied ids), exactly as if it had been applied alone, so a batch of N writes what N
 * single applies in the same order would — whatever the batch boundaries (tests compare both).
 */

export interface BadgeAnnouncement {
  /** Stable per badge and holder: the egress idempotency key. */
  key: string;
  team: string;
  channel: string;
  lang: Lang;
  /** null for a team badge. */
  user: string | null;
  badge: string;
  /**
   * The game that earned it, and when (the result's time): a game's badges are announced together,
   * once it is over (announcements.ts). Absent in entries queued before games were grouped.
   */
  gameId?: string;
  at?: number;
}

export function announcementOf(result: ResultMessage, user: string | null, badge: string): BadgeAnnouncement {
  return { key: `badge:${result.team}:${user ?? '*'}:${badge}`, team: result.team, channel: result.channel, lang: result.lang, user, badge, gameId: result.gameId, at: resultTime(result) };
}

/** Players are keyed by `team:user` (Slack ids never contain `:`). */
export function playerKey(team: string, user: string): string {
  return `${team}:${user}`;
}

/**
 * Statistics and owned badges of players (by `playerKey`) and teams (by team id). Before a batch:
 * what Redis holds for everything its results touch, a missing entry meaning never seen.
 */
export interface BatchState {
  users: ReadonlyMap<string, UserStats>;
  userBadges: ReadonlyMap<string, ReadonlySet<string>>;
  teams: ReadonlyMap<string, TeamStats>;
  teamBadges: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface AppliedStep {
  result: ResultMessage;
  folded: FoldOutput;
  /** Badges this result earned, in catalog order; `user` null for a team badge. */
  badges: Array<{ user: string | null; badge: string }>;
}

export interface BatchFold {
  /** One per input result, in order: what it changed, or null for a duplicate. */
  steps: Array<AppliedStep | null>;
  /** The entries the batch changed, as they are after it (badge sets: owned after it). */
  after: BatchState;
  /** Players whose statistics changed, as `[team, user]`. */
  changedUsers: Array<[string, string]>;
}

/**
 * Folds `results` in order over `before`; a result whose id is in `applied` (already in Redis) or
 * earlier in the batch is a duplicate — republished under another message id after the stream's
 * dedup window. `before` is left untouched.
 */
export function foldBatch(results: readonly ResultMessage[], before: BatchState, applied: ReadonlySet<string>): BatchFold {
  const users = new Map<string, UserStats>();
  const teams = new Map<string, TeamStats>();
  const userBadges = new Map<string, Set<string>>();
  const teamBadges = new Map<string, Set<string>>();
  const changedUsers: Array<[string, string]> = [];
  const seen = new Set(applied);
  // Owned badges, copied from `before` on first use.
  const owned = (mine: Map<string, Set<string>>, theirs: ReadonlyMap<string, ReadonlySet<string>>, key: string): Set<string> => {
    let set = mine.get(key);
    if (!set) mine.set(key, (set = new Set(theirs.get(key))));
    return set;
  };

  const steps = results.map((result): AppliedStep | null => {
    if (seen.has(result.resultId)) return null;
    seen.add(result.resultId);
    const { team } = result;
    const usersBefore = new Map<string, UserStats>();
    for (const user of usersOf(result)) {
      const key = playerKey(team, user);
      usersBefore.set(user, users.get(key) ?? before.users.get(key) ?? EMPTY_USER);
    }
    const teamBefore = teams.get(team) ?? before.teams.get(team) ?? EMPTY_TEAM;
    const folded = foldResult(result, { users: usersBefore, team: teamBefore });

    const badges: AppliedStep['badges'] = [];
    for (const [user, stats] of folded.users) {
      const key = playerKey(team, user);
      const mine = owned(userBadges, before.userBadges, key);
      for (const badge of newUserBadges(mine, usersBefore.get(user), stats)) {
        mine.add(badge);
        badges.push({ user, badge });
      }
      if (!users.has(key)) changedUsers.push([team, user]);
      users.set(key, stats);
    }
    const ours = owned(teamBadges, before.teamBadges, team);
    for (const badge of newTeamBadges(ours, teamBefore, folded.team)) {
      ours.add(badge);
      badges.push({ user: null, badge });
    }
    teams.set(team, folded.team);
    return { result, folded, badges };
  });
  return { steps, after: { users, userBadges, teams, teamBadges }, changedUsers };
}
