import { EMPTY_TEAM, EMPTY_USER, type TeamStats, type UserStats } from './model.ts';

/**
 * The badge catalog. Every rule is pure: `earned(before, after)` looks at the statistics just
 * before and just after one result, so a badge is decided by the result that crosses its line.
 * Counting badges also expose `progress` so `/badge` can show how close the next ones are.
 * Names and descriptions live in i18n.ts under `badge.<id>`.
 */

export const COMEBACK_GAP_MS = 14 * 24 * 60 * 60 * 1000;

interface BadgeRule<S> {
  id: string;
  emoji: string;
  earned(before: S, after: S): boolean;
  /** Current value and the target, for badges that count toward a number. */
  progress?: (stats: S) => { value: number; target: number };
}

function atLeast<S>(id: string, emoji: string, metric: (s: S) => number, target: number): BadgeRule<S> {
  return {
    id,
    emoji,
    earned: (_before, after) => metric(after) >= target,
    progress: (stats) => ({ value: Math.min(metric(stats), target), target }),
  };
}

export const USER_BADGES: ReadonlyArray<BadgeRule<UserStats>> = [
  atLeast('first_game', '🎮', (s) => s.games, 1),
  atLeast('games_10', '🔟', (s) => s.games, 10),
  atLeast('games_100', '💯', (s) => s.games, 100),
  atLeast('first_win', '🏁', (s) => s.wins, 1),
  atLeast('perfect', '🎯', (s) => s.perfects, 1),
  atLeast('perfect_10', '🏹', (s) => s.perfects, 10),
  atLeast('speed_300', '🚲', (s) => s.bestSpeed, 300),
  atLeast('speed_500', '🏎️', (s) => s.bestSpeed, 500),
  atLeast('speed_700', '🚀', (s) => s.bestSpeed, 700),
  atLeast('marathon', '🏃', (s) => s.marathons, 1),
  atLeast('kok_crown', '👑', (s) => s.kokCrowns, 1),
  atLeast('mission_specialist', '🧩', (s) => s.missionWins, 5),
  {
    id: 'comeback',
    emoji: '🔁',
    // Back after a long break: the previous activity is at least two weeks before this one.
    earned: (before, after) => before.lastAt > 0 && after.lastAt - before.lastAt >= COMEBACK_GAP_MS,
  },
  atLeast('first_exit', '🚪', (s) => s.exits, 1),
];

export const TEAM_BADGES: ReadonlyArray<BadgeRule<TeamStats>> = [
  atLeast('team_games_10', '🎉', (s) => s.games, 10),
  atLeast('team_games_200', '🏟️', (s) => s.games, 200),
  atLeast('team_players_5', '🤝', (s) => s.players, 5),
  atLeast('team_crown', '🏰', (s) => s.kokCrowns, 1),
];

export const ALL_BADGES = [...USER_BADGES, ...TEAM_BADGES];

export function badgeEmoji(id: string): string {
  return ALL_BADGES.find((b) => b.id === id)?.emoji ?? '🏅';
}

/** Badges newly earned by this change, in catalog order, excluding ones already owned. */
export function newUserBadges(owned: ReadonlySet<string>, before: UserStats | undefined, after: UserStats): string[] {
  return USER_BADGES.filter((b) => !owned.has(b.id) && b.earned(before ?? EMPTY_USER, after)).map((b) => b.id);
}

export function newTeamBadges(owned: ReadonlySet<string>, before: TeamStats | undefined, after: TeamStats): string[] {
  return TEAM_BADGES.filter((b) => !owned.has(b.id) && b.earned(before ?? EMPTY_TEAM, after)).map((b) => b.id);
}

export interface BadgeProgress {
  id: string;
  emoji: string;
  value: number;
  target: number;
}

/** Unearned counting badges sorted by how close they are (closest first). */
export function nextBadges<S>(rules: ReadonlyArray<BadgeRule<S>>, owned: ReadonlySet<string>, stats: S, limit: number): BadgeProgress[] {
  const open: BadgeProgress[] = [];
  for (const rule of rules) {
    if (owned.has(rule.id) || !rule.progress) continue;
    open.push({ id: rule.id, emoji: rule.emoji, ...rule.progress(stats) });
  }
  return open.sort((a, b) => b.value / b.target - a.value / a.target || a.id.localeCompare(b.id)).slice(0, limit);
}
