import type { KV, NatsConnection } from 'nats';
import { z } from 'zod';
import { Lang, pack, unpack, type Subjects } from '../../protocol/index.ts';
import { openBucket } from './jetstream.ts';

/**
 * Per-team settings in the `teams` KV bucket: language (for all bot text and the prompt corpus)
 * and reminder opt-out. Read by ingress (to stamp `lang` on commands) and the scheduler.
 */
export const TeamSettings = z.object({
  lang: Lang.default('ko'),
  remindersOptOut: z.boolean().default(false),
  /** Per-user reminder opt-outs. */
  optedOutUsers: z.array(z.string()).default([]),
});
export type TeamSettings = z.infer<typeof TeamSettings>;

export const DEFAULT_TEAM_SETTINGS: TeamSettings = TeamSettings.parse({});

export class TeamSettingsStore {
  private constructor(private readonly kv: KV) {}

  static async open(nc: NatsConnection, subjects: Subjects): Promise<TeamSettingsStore> {
    return new TeamSettingsStore(await openBucket(nc, subjects.buckets.teams));
  }

  async get(team: string): Promise<TeamSettings> {
    const entry = await this.kv.get(team);
    if (!entry || entry.operation !== 'PUT' || entry.value.length === 0) return DEFAULT_TEAM_SETTINGS;
    const parsed = TeamSettings.safeParse(unpack(entry.value));
    // A corrupt record must not stop a team from playing: fall back to defaults.
    return parsed.success ? parsed.data : DEFAULT_TEAM_SETTINGS;
  }

  async update(team: string, change: Partial<TeamSettings>): Promise<TeamSettings> {
    const next = TeamSettings.parse({ ...(await this.get(team)), ...change });
    await this.kv.put(team, pack(next));
    return next;
  }
}
