import type { Lang } from '../../protocol/index.ts';
import type { BadgeAnnouncement } from './batch.ts';

/**
 * Badge announcements, one message per game. Each badge is queued in the outbox as the result that
 * earned it is applied (atomically with it); a game's badges wait there until the game is over —
 * its final result applied, which the actor publishes after posting the last result table — and
 * then go out as one message, grouped by player. A game that never ends (a broken one publishes no
 * final result) is announced once its newest badge is STALE_GAME_MS old.
 */

export const STALE_GAME_MS = 30 * 60 * 1000;

export interface Pending {
  raw: string;
  announcement: BadgeAnnouncement;
}

export interface GameAnnouncement {
  /** Egress idempotency key: a retried drain never posts a game's badges twice. */
  key: string;
  team: string;
  channel: string;
  lang: Lang;
  /** Holders in the order they first earned something (null: the team), each with their badges in order. */
  holders: Array<{ user: string | null; badges: string[] }>;
  /** The outbox entries this message settles. */
  raws: string[];
}

/** The game a queued entry belongs to; entries from before grouping each stand alone. */
function gameOf(a: BadgeAnnouncement): string {
  return a.gameId === undefined ? `legacy:${a.key}` : `${a.team}:${a.channel}:${a.gameId}`;
}

/** Game ids the drain must ask about (legacy entries need no answer). */
export function gamesIn(pending: readonly Pending[]): string[] {
  return [...new Set(pending.flatMap((p) => (p.announcement.gameId === undefined ? [] : [p.announcement.gameId])))];
}

/** The messages due now: games that are over (`finished` holds their ids) or stale, in outbox order. */
export function dueAnnouncements(pending: readonly Pending[], finished: ReadonlySet<string>, now: number): GameAnnouncement[] {
  const groups = new Map<string, Pending[]>();
  for (const p of pending) {
    const key = gameOf(p.announcement);
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  const due: GameAnnouncement[] = [];
  for (const [key, entries] of groups) {
    const first = entries[0]!.announcement;
    const newest = Math.max(...entries.map((e) => e.announcement.at ?? 0));
    const over = first.gameId === undefined || finished.has(first.gameId) || now - newest >= STALE_GAME_MS;
    if (!over) continue;
    const holders: GameAnnouncement['holders'] = [];
    for (const { announcement: a } of entries) {
      let holder = holders.find((h) => h.user === a.user);
      if (!holder) holders.push((holder = { user: a.user, badges: [] }));
      if (!holder.badges.includes(a.badge)) holder.badges.push(a.badge);
    }
    // The first entry in the key: a game split across two drains (a huge outbox) is two messages, not one lost.
    due.push({ key: first.gameId === undefined ? first.key : `badges:${key}:${first.key}`, team: first.team, channel: first.channel, lang: first.lang, holders, raws: entries.map((e) => e.raw) });
  }
  return due;
}
