import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { SurfingerError } from '../../protocol/errors.ts';
import { SandboxErrorCodes } from './errors.ts';

/**
 * The sandbox's in-memory Slack: teams, channels, users and channel history. Everything the Web
 * API, the driver API and the UI read or change goes through `Workspace`, which emits a `change`
 * for the live feed.
 */

const SlackId = z.string().regex(/^[A-Z0-9]+$/, 'Slack ids are upper-case letters and digits');

export const TeamSpec = z.object({
  id: SlackId.optional(),
  name: z.string().min(1).optional(),
  botToken: z.string().startsWith('xoxb-').optional(),
  appToken: z.string().startsWith('xapp-').optional(),
  signingSecret: z.string().min(8).optional(),
  channels: z.array(z.object({ id: SlackId.optional(), name: z.string().regex(/^[a-z0-9_-]{1,80}$/), private: z.boolean().default(false), botMember: z.boolean().default(true) })).optional(),
  users: z.array(z.object({ id: SlackId.optional(), name: z.string().regex(/^[a-z0-9._-]{1,80}$/) })).optional(),
});
export type TeamSpec = z.input<typeof TeamSpec>;

/** A workspace file (`surfinger sandbox --workspace file.json`): `{ "teams": [TeamSpec…] }`. */
export const WorkspaceFile = z.object({ teams: z.array(TeamSpec).min(1) });

export interface GenerateSpec {
  /** Total teams; the demo team is the first. */
  teams?: number;
  /** Channels per team (at least #general and #random). */
  channels?: number;
  /** Human users per team (at least alice, bob, carol). */
  users?: number;
}

export interface SandboxUser {
  id: string;
  name: string;
  isBot: boolean;
}

export interface SandboxChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  created: number;
  members: Set<string>;
  messages: StoredMessage[];
}

export interface SandboxTeam {
  id: string;
  name: string;
  domain: string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  bot: SandboxUser;
  botId: string;
  channels: Map<string, SandboxChannel>;
  users: Map<string, SandboxUser>;
}

export interface MessageRevision {
  text: string;
  blocks?: unknown[];
  /** When this revision was replaced. */
  replacedTs: string;
}

export interface StoredMessage {
  type: 'message';
  ts: string;
  user: string;
  text: string;
  team: string;
  blocks?: unknown[];
  attachments?: unknown[];
  thread_ts?: string;
  /** Set for messages posted by the app's bot. */
  bot_id?: string;
  app_id?: string;
  edited?: { user: string; ts: string };
  /** Earlier versions, oldest first (sandbox extra: lets tests and the UI see edits). */
  history?: MessageRevision[];
  /** Only this user sees the message (sandbox extra: Slack never stores ephemerals). */
  ephemeral_to?: string;
}

export type WorkspaceChange =
  | { kind: 'upsert'; teamId: string; channelId: string; message: StoredMessage }
  | { kind: 'delete'; teamId: string; channelId: string; ts: string };

export const APP_ID = 'A0SURFINGR';
const DEMO_TEAM = { id: 'T0DEMO0001', name: 'SurFinger Demo' };
const DEMO_CHANNELS = [
  { id: 'C0GENERAL1', name: 'general' },
  { id: 'C0RANDOM01', name: 'random' },
];
const DEMO_USERS = [
  { id: 'U0ALICE001', name: 'alice' },
  { id: 'U0BOB00001', name: 'bob' },
  { id: 'U0CAROL001', name: 'carol' },
];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const secret = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Deterministic team specs: the demo team, then T0GEN00002…, each with the requested sizes. */
export function generateTeams(spec: GenerateSpec = {}): TeamSpec[] {
  const teamCount = Math.max(1, spec.teams ?? 1);
  const channelCount = Math.max(DEMO_CHANNELS.length, spec.channels ?? DEMO_CHANNELS.length);
  const userCount = Math.max(DEMO_USERS.length, spec.users ?? DEMO_USERS.length);
  const teams: TeamSpec[] = [];
  for (let t = 1; t <= teamCount; t++) {
    const demo = t === 1;
    const channels = Array.from({ length: channelCount }, (_, i) => {
      const fixed = DEMO_CHANNELS[i];
      if (fixed) return { id: demo ? fixed.id : `C${pad(t, 4)}X${pad(i + 1, 4)}`, name: fixed.name };
      return { id: `C${pad(t, 4)}X${pad(i + 1, 4)}`, name: `channel-${i + 1}` };
    });
    const users = Array.from({ length: userCount }, (_, i) => {
      const fixed = DEMO_USERS[i];
      if (fixed) return { id: demo ? fixed.id : `U${pad(t, 4)}X${pad(i + 1, 4)}`, name: fixed.name };
      return { id: `U${pad(t, 4)}X${pad(i + 1, 4)}`, name: `user${i + 1}` };
    });
    teams.push({ id: demo ? DEMO_TEAM.id : `T0GEN${pad(t, 5)}`, name: demo ? DEMO_TEAM.name : `Sandbox Team ${t}`, channels, users });
  }
  return teams;
}

export class Workspace extends EventEmitter<{ change: [WorkspaceChange] }> {
  readonly teams = new Map<string, SandboxTeam>();
  readonly #byBotToken = new Map<string, SandboxTeam>();
  readonly #byAppToken = new Map<string, SandboxTeam>();
  readonly #maxMessagesPerChannel: number;
  #lastTsMicros = 0;

  constructor(specs: TeamSpec[], options: { maxMessagesPerChannel?: number; nowMs?: number } = {}) {
    super();
    this.#maxMessagesPerChannel = options.maxMessagesPerChannel ?? 1000;
    // Slack signs every workspace's requests with the app's one signing secret; a team spec may
    // still set its own (to test an app that accepts several).
    const appSigningSecret = secret(16);
    const created = Math.floor((options.nowMs ?? Date.now()) / 1000);
    const seen = new Set<string>();
    const unique = (id: string): string => {
      if (seen.has(id)) throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, `duplicate id ${id} in workspace`);
      seen.add(id);
      return id;
    };
    specs.forEach((raw, index) => {
      const parsed = TeamSpec.safeParse(raw);
      if (!parsed.success) {
        throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, `team ${index}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      }
      const spec = parsed.data;
      const n = index + 1;
      const id = unique(spec.id ?? `T0GEN${pad(n, 5)}`);
      const bot: SandboxUser = { id: unique(`U${pad(n, 4)}XBOT`), name: 'surfinger', isBot: true };
      const users = new Map<string, SandboxUser>();
      (spec.users ?? []).forEach((u, i) => {
        const uid = unique(u.id ?? `U${pad(n, 4)}X${pad(i + 1, 4)}`);
        users.set(uid, { id: uid, name: u.name, isBot: false });
      });
      const channels = new Map<string, SandboxChannel>();
      (spec.channels ?? []).forEach((c, i) => {
        const cid = unique(c.id ?? `C${pad(n, 4)}X${pad(i + 1, 4)}`);
        const members = new Set(users.keys());
        if (c.botMember) members.add(bot.id);
        channels.set(cid, { id: cid, name: c.name, isPrivate: c.private, created, members, messages: [] });
      });
      const team: SandboxTeam = {
        id,
        name: spec.name ?? `Sandbox Team ${n}`,
        domain: (spec.name ?? id).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || id.toLowerCase(),
        botToken: spec.botToken ?? `xoxb-${id}-${secret(12)}`,
        appToken: spec.appToken ?? `xapp-1-${APP_ID}-${id}-${secret(16)}`,
        signingSecret: spec.signingSecret ?? appSigningSecret,
        bot,
        botId: `B${pad(n, 4)}XBOT`,
        channels,
        users,
      };
      this.teams.set(id, team);
      this.#byBotToken.set(team.botToken, team);
      this.#byAppToken.set(team.appToken, team);
    });
    if (this.teams.size === 0) throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, 'a sandbox needs at least one team');
  }

  teamByBotToken(token: string): SandboxTeam | undefined {
    return this.#byBotToken.get(token);
  }

  teamByAppToken(token: string): SandboxTeam | undefined {
    return this.#byAppToken.get(token);
  }

  /** Looks a user up among the team's people and its bot. */
  user(team: SandboxTeam, id: string): SandboxUser | undefined {
    return id === team.bot.id ? team.bot : team.users.get(id);
  }

  /** Slack message timestamps: seconds.micros, unique and increasing within the workspace. */
  nextTs(nowMs = Date.now()): string {
    this.#lastTsMicros = Math.max(this.#lastTsMicros + 1, Math.floor(nowMs * 1000));
    return `${Math.floor(this.#lastTsMicros / 1e6)}.${pad(this.#lastTsMicros % 1e6, 6)}`;
  }

  find(channel: SandboxChannel, ts: string): StoredMessage | undefined {
    return channel.messages.find((m) => m.ts === ts);
  }

  append(team: SandboxTeam, channel: SandboxChannel, message: Omit<StoredMessage, 'type' | 'ts' | 'team'>): StoredMessage {
    const stored: StoredMessage = { type: 'message', ts: this.nextTs(), team: team.id, ...message };
    channel.messages.push(stored);
    // Bounded history keeps long benchmarks from growing memory without limit.
    if (channel.messages.length > this.#maxMessagesPerChannel) channel.messages.shift();
    this.emit('change', { kind: 'upsert', teamId: team.id, channelId: channel.id, message: stored });
    return stored;
  }

  edit(team: SandboxTeam, channel: SandboxChannel, message: StoredMessage, update: { text: string; blocks?: unknown[]; attachments?: unknown[]; editor: string }): StoredMessage {
    const editedTs = this.nextTs();
    const revision: MessageRevision = { text: message.text, replacedTs: editedTs, ...(message.blocks ? { blocks: message.blocks } : {}) };
    message.history = [...(message.history ?? []), revision];
    message.text = update.text;
    if (update.blocks) message.blocks = update.blocks;
    else delete message.blocks;
    if (update.attachments) message.attachments = update.attachments;
    message.edited = { user: update.editor, ts: editedTs };
    this.emit('change', { kind: 'upsert', teamId: team.id, channelId: channel.id, message });
    return message;
  }

  remove(team: SandboxTeam, channel: SandboxChannel, ts: string): boolean {
    const index = channel.messages.findIndex((m) => m.ts === ts);
    if (index < 0) return false;
    channel.messages.splice(index, 1);
    this.emit('change', { kind: 'delete', teamId: team.id, channelId: channel.id, ts });
    return true;
  }
}
