import type { Redis } from 'ioredis';
import type { Lang } from '../../protocol/index.ts';
import type { TeamSettings } from '../common/team-settings.ts';
import type { Seen } from '../ranking/reads.ts';

/**
 * The daily inactivity reminder.
 * 1. Candidates: installed teams' players idle for at least `inactiveMs`.
 * 2. Dropped: teams that opted out, users who opted out, and anyone already reminded since their
 *    last game ("one friendly reminder" per idle spell) or within the last week.
 * 3. The rest are grouped by the channel they last played in: one message per channel mentioning
 *    at most `maxMentions` players, in the team's language. When the whole team is idle, the message
 *    speaks to the team.
 */

export const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

export interface ReminderPost {
  team: string;
  channel: string;
  lang: Lang;
  users: string[];
  teamIdle: boolean;
}

export interface ReminderInputs {
  inactive: readonly Seen[];
  /** Last activity per team. */
  teamLastAt: ReadonlyMap<string, number>;
  settings: ReadonlyMap<string, TeamSettings>;
  installed: ReadonlySet<string>;
  /** `team:user` → last reminder time. */
  remindedAt: ReadonlyMap<string, number>;
  now: number;
  inactiveMs: number;
  maxMentions: number;
}

export function planReminders(inputs: ReminderInputs): ReminderPost[] {
  const groups = new Map<string, ReminderPost>();
  for (const seen of inputs.inactive) {
    const settings = inputs.settings.get(seen.team);
    if (!inputs.installed.has(seen.team) || !settings || settings.remindersOptOut) continue;
    if (settings.optedOutUsers.includes(seen.user) || seen.lastChannel === '') continue;
    const reminded = inputs.remindedAt.get(`${seen.team}:${seen.user}`) ?? 0;
    if (reminded >= seen.lastAt || inputs.now - reminded < WEEK_MS) continue;
    const key = `${seen.team}:${seen.lastChannel}`;
    const group = groups.get(key) ?? {
      team: seen.team,
      channel: seen.lastChannel,
      lang: settings.lang,
      users: [],
      teamIdle: inputs.now - (inputs.teamLastAt.get(seen.team) ?? 0) >= inputs.inactiveMs,
    };
    if (group.users.length < inputs.maxMentions) group.users.push(seen.user);
    groups.set(key, group);
  }
  return [...groups.values()].map((g) => ({ ...g, users: g.users.sort() })).sort((a, b) => a.team.localeCompare(b.team) || a.channel.localeCompare(b.channel));
}

/** When each user was last reminded (a ZSET `team:user` → time, outside the ranking generations). */
export class ReminderLog {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.key = `${prefix}:sched:reminded`;
  }

  async all(): Promise<Map<string, number>> {
    const raw = await this.redis.zrangebyscore(this.key, '-inf', '+inf', 'WITHSCORES');
    const map = new Map<string, number>();
    for (let i = 0; i + 1 < raw.length; i += 2) map.set(raw[i] ?? '', Number(raw[i + 1]));
    return map;
  }

  async mark(team: string, users: readonly string[], at: number): Promise<void> {
    if (users.length === 0) return;
    await this.redis.zadd(this.key, ...users.flatMap((u) => [at, `${team}:${u}`]));
  }
}
