import { EventEmitter } from 'node:events';
import { randomBytes, randomInt } from 'node:crypto';
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

/**
 * Delivery modes (docs/sandbox.md):
 *  - `http`: one distributed app installed in every team, Socket Mode off (the Events API).
 *  - `socket`: that same app with Socket Mode on: one app token, its links carry every team.
 *  - `workspace-apps`: one app per team made from the manifest, each with Socket Mode on.
 */
export const DeliveryMode = z.enum(['http', 'socket', 'workspace-apps']);
export type DeliveryMode = z.infer<typeof DeliveryMode>;

/** A Slack app: what its app-level token, signing secret and OAuth client belong to. */
export interface SandboxApp {
  id: string;
  clientId: string;
  clientSecret: string;
  signingSecret: string;
  appToken: string;
  /** On: Slack delivers only over the app's Socket Mode links and ignores its request URLs. */
  socketMode: boolean;
  /** The app's HTTP base URL (request URLs are <appUrl>/slack/{commands,interactivity,events}). */
  appUrl: string | undefined;
  /** Teams the app is installed in, in workspace order. */
  teams: string[];
}

export interface SandboxTeam {
  id: string;
  name: string;
  domain: string;
  /** The app that serves this team (the distributed app, or the team's own). */
  appId: string;
  /** False after an uninstall: commands are unknown and no events flow until a new install. */
  installed: boolean;
  /** Bot scopes of the current install (x-oauth-scopes; conversations.join needs channels:join). */
  scopes: string[];
  /** The newest bot token; with rotation, earlier access tokens still work until they expire. */
  botToken: string;
  /** Token rotation only: the one refresh token that can mint the next pair. */
  refreshToken?: string;
  /** Token rotation only: when `botToken` expires (epoch ms). */
  tokenExpiresAt?: number;
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
  | { kind: 'delete'; teamId: string; channelId: string; ts: string }
  | { kind: 'home'; teamId: string; userId: string };

/** A user's App Home tab as the app last published it (views.publish). */
export interface HomeView {
  id: string;
  type: 'home';
  blocks: unknown[];
  /** Changes on every publish (Slack's `hash`). */
  hash: string;
}

/** The distributed app's id (http and socket modes), and the first team's own app otherwise. */
export const APP_ID = 'A0SURFINGR';
/** What the app manifest asks for, plus channels:join so conversations.join can be tried. */
export const BOT_SCOPES = ['commands', 'chat:write', 'chat:write.public', 'channels:history', 'channels:join', 'groups:history', 'users:read', 'team:read'];
/** Slack's access token lifetime with token rotation on: 12 hours. */
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 12 * 60 * 60;
const DEMO_TEAM = { id: 'T0DEMO0001', name: 'SurFinger Demo' };
const DEMO_CHANNELS = [
  { id: 'C0GENERAL1', name: 'general' },
  { id: 'C0RANDOM01', name: 'random' },
];
/** A demo channel the bot is not in, to try /invite; last, so generated ids never shift. */
const DEMO_LOUNGE = { id: 'C0LOUNGE01', name: 'lounge', botMember: false };
const DEMO_USERS = [
  { id: 'U0ALICE001', name: 'alice' },
  { id: 'U0BOB00001', name: 'bob' },
  { id: 'U0CAROL001', name: 'carol' },
];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');
const secret = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Deterministic team specs: the demo team (plus #lounge), then T0GEN00002…, each with the requested sizes. */
export function generateTeams(spec: GenerateSpec = {}): TeamSpec[] {
  const teamCount = Math.max(1, spec.teams ?? 1);
  const channelCount = Math.max(DEMO_CHANNELS.length, spec.channels ?? DEMO_CHANNELS.length);
  const userCount = Math.max(DEMO_USERS.length, spec.users ?? DEMO_USERS.length);
  const teams: TeamSpec[] = [];
  for (let t = 1; t <= teamCount; t++) {
    const demo = t === 1;
    const channels: NonNullable<TeamSpec['channels']> = Array.from({ length: channelCount }, (_, i) => {
      const fixed = DEMO_CHANNELS[i];
      if (fixed) return { id: demo ? fixed.id : `C${pad(t, 4)}X${pad(i + 1, 4)}`, name: fixed.name };
      return { id: `C${pad(t, 4)}X${pad(i + 1, 4)}`, name: `channel-${i + 1}` };
    });
    if (demo) channels.push(DEMO_LOUNGE);
    const users = Array.from({ length: userCount }, (_, i) => {
      const fixed = DEMO_USERS[i];
      if (fixed) return { id: demo ? fixed.id : `U${pad(t, 4)}X${pad(i + 1, 4)}`, name: fixed.name };
      return { id: `U${pad(t, 4)}X${pad(i + 1, 4)}`, name: `user${i + 1}` };
    });
    teams.push({ id: demo ? DEMO_TEAM.id : `T0GEN${pad(t, 5)}`, name: demo ? DEMO_TEAM.name : `Sandbox Team ${t}`, channels, users });
  }
  return teams;
}

export interface WorkspaceOptions {
  maxMessagesPerChannel?: number;
  nowMs?: number;
  delivery?: DeliveryMode;
  /** Slack's token rotation: bot tokens expire and are renewed with a refresh token. */
  tokenRotation?: boolean;
  tokenLifetimeSeconds?: number;
}

/** Why a bot token does not work, in Slack's words. */
export type TokenProblem = 'invalid_auth' | 'token_revoked' | 'token_expired';

interface BotTokenEntry {
  teamId: string;
  /** Epoch ms; absent without token rotation. */
  expiresAt?: number;
}

function makeApp(id: string, overrides: { appToken?: string | undefined; signingSecret?: string | undefined }, socketMode: boolean): SandboxApp {
  return {
    id,
    clientId: `${randomInt(1e9, 1e10)}.${randomInt(1e12, 1e13)}`,
    clientSecret: secret(16),
    signingSecret: overrides.signingSecret ?? secret(16),
    appToken: overrides.appToken ?? `xapp-1-${id}-${randomInt(1e12, 1e13)}-${secret(32)}`,
    socketMode,
    appUrl: undefined,
    teams: [],
  };
}

export class Workspace extends EventEmitter<{ change: [WorkspaceChange] }> {
  readonly teams = new Map<string, SandboxTeam>();
  readonly apps = new Map<string, SandboxApp>();
  readonly delivery: DeliveryMode;
  readonly tokenRotation: boolean;
  readonly tokenLifetimeSeconds: number;
  readonly #botTokens = new Map<string, BotTokenEntry>();
  /** Tokens that were revoked (uninstall, revoke): Slack answers token_revoked, not invalid_auth. */
  readonly #revoked = new Set<string>();
  readonly #refreshTokens = new Map<string, string>();
  readonly #byAppToken = new Map<string, SandboxApp>();
  readonly #byClientId = new Map<string, SandboxApp>();
  readonly #maxMessagesPerChannel: number;
  /** `${teamId}:${userId}` → that user's Home tab of the team's app. */
  readonly #homes = new Map<string, HomeView>();
  #lastTsMicros = 0;

  constructor(specs: TeamSpec[], options: WorkspaceOptions = {}) {
    super();
    this.#maxMessagesPerChannel = options.maxMessagesPerChannel ?? 1000;
    this.delivery = options.delivery ?? 'http';
    this.tokenRotation = options.tokenRotation ?? false;
    this.tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
    const nowMs = options.nowMs ?? Date.now();
    const perTeamApps = this.delivery === 'workspace-apps';
    // One distributed app for every team, unless each team runs its own.
    const shared = perTeamApps ? undefined : makeApp(APP_ID, {}, this.delivery === 'socket');
    if (shared) this.#addApp(shared);
    const created = Math.floor(nowMs / 1000);
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
      if (shared && (spec.appToken || spec.signingSecret)) {
        throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, `team ${index}: appToken and signingSecret belong to an app; a team may set them only with delivery "workspace-apps"`);
      }
      const n = index + 1;
      const id = unique(spec.id ?? `T0GEN${pad(n, 5)}`);
      const app = shared ?? this.#addApp(makeApp(unique(n === 1 ? APP_ID : `A0APP${pad(n, 5)}`), { appToken: spec.appToken, signingSecret: spec.signingSecret }, true));
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
        appId: app.id,
        installed: false,
        scopes: [],
        botToken: '',
        bot,
        botId: `B${pad(n, 4)}XBOT`,
        channels,
        users,
      };
      this.teams.set(id, team);
      this.install(team, BOT_SCOPES, nowMs, spec.botToken);
    });
    if (this.teams.size === 0) throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, 'a sandbox needs at least one team');
  }

  #addApp(app: SandboxApp): SandboxApp {
    this.apps.set(app.id, app);
    this.#byAppToken.set(app.appToken, app);
    this.#byClientId.set(app.clientId, app);
    return app;
  }

  appOf(team: SandboxTeam): SandboxApp {
    const app = this.apps.get(team.appId);
    if (!app) throw new SurfingerError(SandboxErrorCodes.BAD_OPTIONS, `team ${team.id} has no app ${team.appId}`);
    return app;
  }

  appByToken(token: string): SandboxApp | undefined {
    return this.#byAppToken.get(token);
  }

  appByClientId(clientId: string): SandboxApp | undefined {
    return this.#byClientId.get(clientId);
  }

  /**
   * Installs the team's app (seeding, or an OAuth approval). An install that already holds a live
   * token keeps it, as Slack does on a re-install; with token rotation every install gets a new pair.
   */
  install(team: SandboxTeam, scopes: string[], nowMs: number, botToken?: string): SandboxTeam {
    const app = this.appOf(team);
    if (!app.teams.includes(team.id)) app.teams.push(team.id);
    team.installed = true;
    team.scopes = scopes;
    if (this.tokenRotation) return this.#issueRotating(team, nowMs);
    if (team.botToken && this.#botTokens.has(team.botToken)) return team;
    const token = botToken ?? `xoxb-${randomInt(1e12, 1e13)}-${team.id}-${secret(12)}`;
    this.#botTokens.set(token, { teamId: team.id });
    team.botToken = token;
    return team;
  }

  #issueRotating(team: SandboxTeam, nowMs: number): SandboxTeam {
    if (team.refreshToken) this.#refreshTokens.delete(team.refreshToken);
    const access = `xoxe.xoxb-1-${team.id}-${secret(16)}`;
    const refresh = `xoxe-1-${team.id}-${secret(24)}`;
    const expiresAt = nowMs + this.tokenLifetimeSeconds * 1000;
    this.#botTokens.set(access, { teamId: team.id, expiresAt });
    this.#refreshTokens.set(refresh, team.id);
    team.botToken = access;
    team.refreshToken = refresh;
    team.tokenExpiresAt = expiresAt;
    return team;
  }

  /** oauth.v2.access grant_type=refresh_token: a new pair; the used refresh token stops working. */
  refresh(app: SandboxApp, refreshToken: string, nowMs: number): SandboxTeam | undefined {
    const team = this.teams.get(this.#refreshTokens.get(refreshToken) ?? '');
    if (!team || team.appId !== app.id || !team.installed) return undefined;
    return this.#issueRotating(team, nowMs);
  }

  /** The team a bot token belongs to, or Slack's error for why it does not work. */
  resolveBotToken(token: string, nowMs: number): { ok: true; team: SandboxTeam } | { ok: false; error: TokenProblem } {
    const entry = this.#botTokens.get(token);
    const team = entry ? this.teams.get(entry.teamId) : undefined;
    if (!entry || !team) return { ok: false, error: this.#revoked.has(token) ? 'token_revoked' : 'invalid_auth' };
    if (entry.expiresAt !== undefined && entry.expiresAt <= nowMs) return { ok: false, error: 'token_expired' };
    return { ok: true, team };
  }

  /** Revokes every bot token of the team (auth.revoke, uninstall); returns the bot user ids they acted as. */
  revokeTokens(team: SandboxTeam): string[] {
    for (const [token, entry] of this.#botTokens) {
      if (entry.teamId !== team.id) continue;
      this.#botTokens.delete(token);
      this.#revoked.add(token);
    }
    if (team.refreshToken) this.#refreshTokens.delete(team.refreshToken);
    delete team.refreshToken;
    delete team.tokenExpiresAt;
    team.botToken = '';
    return [team.bot.id];
  }

  /** Removes the team's app: its tokens are revoked and it no longer receives anything from the team. */
  uninstall(team: SandboxTeam): string[] {
    const bots = this.revokeTokens(team);
    team.installed = false;
    const app = this.appOf(team);
    app.teams = app.teams.filter((t) => t !== team.id);
    return bots;
  }

  /** True when the team's app may receive its events (installed, with a working token). */
  authorized(team: SandboxTeam): boolean {
    return team.installed && team.botToken !== '';
  }

  /** What `/invite @surfinger` does: the team's bot joins the channel. False if already a member. */
  addBot(team: SandboxTeam, channel: SandboxChannel): boolean {
    if (channel.members.has(team.bot.id)) return false;
    channel.members.add(team.bot.id);
    return true;
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

  /** The user's Home tab, if the app ever published one. */
  home(team: SandboxTeam, userId: string): HomeView | undefined {
    return this.#homes.get(`${team.id}:${userId}`);
  }

  /** views.publish: replaces the user's Home tab (the view id stays, as in Slack). */
  publishHome(team: SandboxTeam, userId: string, blocks: unknown[]): HomeView {
    const earlier = this.home(team, userId);
    const view: HomeView = { id: earlier?.id ?? `V${randomBytes(5).toString('hex').toUpperCase()}`, type: 'home', blocks, hash: `${Math.floor(Date.now() / 1000)}.${secret(4)}` };
    this.#homes.set(`${team.id}:${userId}`, view);
    this.emit('change', { kind: 'home', teamId: team.id, userId });
    return view;
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
