import { randomBytes } from 'node:crypto';
import { readContent } from './content.ts';
import { messageLimitError } from './message-limits.ts';
import { str, type Params } from './http-util.ts';
import type { OAuth } from './oauth.ts';
import { tierBucket, type RateLimiter, type RateLimitOptions, type Tier } from './rate-limit.ts';
import type { SocketHub } from './socket-mode.ts';
import type { SandboxApp, SandboxChannel, SandboxTeam, SandboxUser, StoredMessage, Workspace } from './workspace.ts';

/**
 * The Web API subset under /api/<method>, with Slack's response shapes and error codes. Errors are
 * HTTP 200 with `{ok:false,error}`, except rate limits: HTTP 429 + Retry-After (seconds).
 */

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

export interface WebApiDeps {
  workspace: Workspace;
  hub: SocketHub;
  oauth: OAuth;
  limiter: RateLimiter;
  rateLimits: RateLimitOptions | false;
  /** Base for socket URLs, e.g. ws://127.0.0.1:P/ */
  socketBase(): string;
}

export interface ApiCall {
  method: string;
  params: Params;
  token: string | undefined;
  authorization: string | undefined;
  nowMs: number;
}

interface Ctx {
  deps: WebApiDeps;
  call: ApiCall;
  team: SandboxTeam;
}
interface AppCtx {
  deps: WebApiDeps;
  call: ApiCall;
  app: SandboxApp;
}
type Result = Record<string, unknown> | ApiResponse;
/** Bot-token methods act in one team; app-token methods (xapp-) act for the app across its teams. */
type Method = { token: 'bot'; tier: Tier | undefined; handle: (ctx: Ctx) => Result } | { token: 'app'; tier: Tier; handle: (ctx: AppCtx) => Result };

const fail = (error: string): Record<string, unknown> => ({ ok: false, error });

/** What a stored message looks like on the wire (sandbox-only fields dropped). */
export function wireMessage(message: StoredMessage): Record<string, unknown> {
  const { history: _history, ephemeral_to: _ephemeralTo, ...wire } = message;
  return wire;
}

function botProfile(team: SandboxTeam): Record<string, unknown> {
  return { id: team.botId, app_id: team.appId, name: team.bot.name, icons: {}, deleted: false, updated: 0, team_id: team.id };
}

function channelOf(ctx: Ctx): SandboxChannel | undefined {
  const id = str(ctx.call.params, 'channel');
  return id ? ctx.team.channels.get(id) : undefined;
}

function channelInfo(team: SandboxTeam, channel: SandboxChannel): Record<string, unknown> {
  const blank = { value: '', creator: '', last_set: 0 };
  return {
    id: channel.id,
    name: channel.name,
    is_channel: !channel.isPrivate,
    is_group: channel.isPrivate,
    is_im: false,
    is_mpim: false,
    is_private: channel.isPrivate,
    created: channel.created,
    is_archived: false,
    is_general: channel.name === 'general',
    unlinked: 0,
    name_normalized: channel.name,
    is_shared: false,
    is_org_shared: false,
    is_ext_shared: false,
    is_member: channel.members.has(team.bot.id),
    context_team_id: team.id,
    topic: blank,
    purpose: blank,
    num_members: channel.members.size,
  };
}

function userInfo(team: SandboxTeam, user: SandboxUser): Record<string, unknown> {
  return {
    id: user.id,
    team_id: team.id,
    name: user.name,
    deleted: false,
    real_name: user.name,
    tz: 'Asia/Seoul',
    tz_label: 'Korea Standard Time',
    tz_offset: 32400,
    is_admin: false,
    is_owner: false,
    is_bot: user.isBot,
    is_app_user: false,
    updated: 0,
    profile: { real_name: user.name, display_name: user.name, real_name_normalized: user.name, display_name_normalized: user.name, team: team.id, ...(user.isBot ? { bot_id: team.botId } : {}) },
  };
}

function postMessage(ctx: Ctx): Record<string, unknown> | ApiResponse {
  const channel = channelOf(ctx);
  if (!channel) return fail('channel_not_found');
  if (!channel.members.has(ctx.team.bot.id)) return fail('not_in_channel');
  const content = readContent(ctx.call.params);
  if (!content.ok) return fail(content.error);
  const overLimit = messageLimitError(content.content); if (overLimit) return overLimit;
  const { rateLimits, limiter } = ctx.deps;
  if (rateLimits) {
    // Slack's special limit for chat.postMessage: about one message per second per channel.
    const take = limiter.take(`post:${channel.id}`, { perSecond: rateLimits.postMessagePerSecond, burst: rateLimits.postMessageBurst }, ctx.call.nowMs);
    if (!take.ok) return rateLimited(take.retryAfterSeconds);
  }
  const threadTs = str(ctx.call.params, 'thread_ts');
  const message = ctx.deps.workspace.append(ctx.team, channel, {
    user: ctx.team.bot.id,
    bot_id: ctx.team.botId,
    app_id: ctx.team.appId,
    ...content.content,
    ...(threadTs ? { thread_ts: threadTs } : {}),
  });
  return { ok: true, channel: channel.id, ts: message.ts, message: { ...wireMessage(message), bot_profile: botProfile(ctx.team) } };
}

function postEphemeral(ctx: Ctx): Record<string, unknown> {
  const channel = channelOf(ctx);
  if (!channel) return fail('channel_not_found');
  const userId = str(ctx.call.params, 'user') ?? '';
  if (!ctx.team.users.has(userId) || !channel.members.has(userId)) return fail('user_not_in_channel');
  const content = readContent(ctx.call.params);
  if (!content.ok) return fail(content.error);
  const overLimit = messageLimitError(content.content); if (overLimit) return overLimit;
  const message = ctx.deps.workspace.append(ctx.team, channel, { user: ctx.team.bot.id, bot_id: ctx.team.botId, app_id: ctx.team.appId, ...content.content, ephemeral_to: userId });
  return { ok: true, message_ts: message.ts };
}

/** The bot's own, non-ephemeral message named by `channel` + `ts`, or Slack's error for why not. */
function ownMessage(ctx: Ctx, forbidden: string): { ok: true; channel: SandboxChannel; message: StoredMessage } | { ok: false; error: string } {
  const channel = channelOf(ctx);
  if (!channel) return { ok: false, error: 'channel_not_found' };
  const message = ctx.deps.workspace.find(channel, str(ctx.call.params, 'ts') ?? '');
  if (!message || message.ephemeral_to !== undefined) return { ok: false, error: 'message_not_found' };
  if (message.bot_id !== ctx.team.botId) return { ok: false, error: forbidden };
  return { ok: true, channel, message };
}

function update(ctx: Ctx): Record<string, unknown> {
  const found = ownMessage(ctx, 'cant_update_message');
  if (!found.ok) return fail(found.error);
  const content = readContent(ctx.call.params);
  if (!content.ok) return fail(content.error);
  const overLimit = messageLimitError(content.content); if (overLimit) return overLimit;
  const updated = ctx.deps.workspace.edit(ctx.team, found.channel, found.message, { ...content.content, editor: ctx.team.bot.id });
  return { ok: true, channel: found.channel.id, ts: updated.ts, text: updated.text, message: { ...wireMessage(updated), bot_profile: botProfile(ctx.team) } };
}

function remove(ctx: Ctx): Record<string, unknown> {
  const found = ownMessage(ctx, 'cant_delete_message');
  if (!found.ok) return fail(found.error);
  ctx.deps.workspace.remove(ctx.team, found.channel, found.message.ts);
  return { ok: true, channel: found.channel.id, ts: found.message.ts };
}

function conversationsList(ctx: Ctx): Record<string, unknown> {
  const types = (str(ctx.call.params, 'types') ?? 'public_channel').split(',');
  const limit = Math.min(1000, Math.max(1, Number(str(ctx.call.params, 'limit') ?? 100) || 100));
  const cursor = str(ctx.call.params, 'cursor') ?? '';
  let start = 0;
  if (cursor !== '') {
    const match = /^next:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
    if (!match) return fail('invalid_cursor');
    start = Number(match[1]);
  }
  const visible = [...ctx.team.channels.values()].filter((c) =>
    c.isPrivate ? types.includes('private_channel') && c.members.has(ctx.team.bot.id) : types.includes('public_channel'),
  );
  const page = visible.slice(start, start + limit);
  const next = start + limit < visible.length ? Buffer.from(`next:${start + limit}`).toString('base64') : '';
  return { ok: true, channels: page.map((c) => channelInfo(ctx.team, c)), response_metadata: { next_cursor: next } };
}

/** conversations.join: public channels only, and only with the channels:join scope (Slack's rules). */
function join(ctx: Ctx): Record<string, unknown> {
  const channel = channelOf(ctx);
  if (!channel) return fail('channel_not_found');
  if (!ctx.team.scopes.includes('channels:join')) return { ok: false, error: 'missing_scope', needed: 'channels:join', provided: ctx.team.scopes.join(',') };
  if (channel.isPrivate) return fail('method_not_supported_for_channel_type');
  const joined = ctx.deps.workspace.addBot(ctx.team, channel);
  return { ok: true, channel: channelInfo(ctx.team, channel), ...(joined ? {} : { warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } }) };
}

/** A Home tab holds at most 100 blocks (messages: 50). */
const MAX_VIEW_BLOCKS = 100;

/**
 * views.publish: `user_id` + a `home` view (JSON string in forms, an object in JSON bodies). Slack's
 * errors: a user outside the team is `user_not_found`; a view that is not a `home` view with a
 * block array is `invalid_arguments`; too many or untyped blocks are `invalid_blocks`.
 */
function publishView(ctx: Ctx): Record<string, unknown> {
  const userId = str(ctx.call.params, 'user_id') ?? '';
  const user = ctx.team.users.get(userId);
  if (!user) return fail('user_not_found');
  let view: unknown = ctx.call.params['view'];
  if (typeof view === 'string') {
    try {
      view = JSON.parse(view);
    } catch {
      return fail('invalid_arguments');
    }
  }
  const v = view as { type?: unknown; blocks?: unknown } | null;
  if (typeof v !== 'object' || v === null || v.type !== 'home' || !Array.isArray(v.blocks)) return fail('invalid_arguments');
  if (v.blocks.length > MAX_VIEW_BLOCKS || !v.blocks.every((b) => typeof b === 'object' && b !== null && typeof (b as { type?: unknown }).type === 'string')) return fail('invalid_blocks');
  const published = ctx.deps.workspace.publishHome(ctx.team, user.id, v.blocks);
  return { ok: true, view: { ...published, team_id: ctx.team.id, app_id: ctx.team.appId, bot_id: ctx.team.botId, callback_id: '', private_metadata: '', external_id: '' } };
}

function rateLimited(retryAfterSeconds: number): ApiResponse {
  return { status: 429, headers: { 'retry-after': String(retryAfterSeconds) }, body: { ok: false, error: 'ratelimited' } };
}

const METHODS: Record<string, Method> = {
  'auth.test': {
    token: 'bot',
    tier: 4,
    handle: ({ team }) => ({ ok: true, url: `https://${team.domain}.slack.com/`, team: team.name, user: team.bot.name, team_id: team.id, user_id: team.bot.id, bot_id: team.botId, is_enterprise_install: false }),
  },
  'chat.postMessage': { token: 'bot', tier: undefined, handle: postMessage },
  'chat.postEphemeral': { token: 'bot', tier: 4, handle: postEphemeral },
  'chat.update': { token: 'bot', tier: 3, handle: update },
  'chat.delete': { token: 'bot', tier: 3, handle: remove },
  'views.publish': { token: 'bot', tier: 4, handle: publishView },
  'conversations.info': {
    token: 'bot',
    tier: 3,
    handle: (ctx) => {
      const channel = channelOf(ctx);
      return channel ? { ok: true, channel: channelInfo(ctx.team, channel) } : fail('channel_not_found');
    },
  },
  'conversations.list': { token: 'bot', tier: 2, handle: conversationsList },
  'conversations.join': { token: 'bot', tier: 3, handle: join },
  'users.info': {
    token: 'bot',
    tier: 4,
    handle: (ctx) => {
      const user = ctx.deps.workspace.user(ctx.team, str(ctx.call.params, 'user') ?? '');
      return user ? { ok: true, user: userInfo(ctx.team, user) } : fail('user_not_found');
    },
  },
  'team.info': {
    token: 'bot',
    tier: 3,
    handle: ({ team }) => ({ ok: true, team: { id: team.id, name: team.name, url: `https://${team.domain}.slack.com/`, domain: team.domain, email_domain: '', icon: { image_default: true }, is_verified: false } }),
  },
  'apps.connections.open': {
    token: 'app',
    // Slack puts this in Tier 1; the sandbox's Tier 1 default is relaxed (docs/sandbox.md).
    tier: 1,
    handle: ({ deps, app, call }) => ({ ok: true, url: `${deps.socketBase()}socket/${deps.hub.issueTicket(app.id, call.nowMs)}` }),
  },
};

export function callWebApi(deps: WebApiDeps, call: ApiCall): ApiResponse {
  const respond = (body: Record<string, unknown>, headers: Record<string, string> = {}): ApiResponse => ({ status: 200, headers, body });
  const headers = { 'x-slack-req-id': randomBytes(16).toString('hex') };
  if (call.method === 'oauth.v2.access') return respond(deps.oauth.exchange(call.params, call.authorization, call.nowMs), headers);
  const method = Object.hasOwn(METHODS, call.method) ? METHODS[call.method] : undefined;
  if (!method) return respond(fail('unknown_method'), headers);
  if (!call.token) return respond(fail('not_authed'), headers);
  const bot = deps.workspace.resolveBotToken(call.token, call.nowMs);
  const app = deps.workspace.appByToken(call.token);
  if (method.token === 'app') {
    if (!app) return respond(fail(bot.ok ? 'not_allowed_token_type' : 'invalid_auth'), headers);
    return finish(deps, call, method.tier, app.id, headers, () => method.handle({ deps, call, app }));
  }
  if (!bot.ok) return respond(fail(app ? 'not_allowed_token_type' : bot.error), headers);
  const team = bot.team;
  const result = finish(deps, call, method.tier, team.id, headers, () => method.handle({ deps, call, team }));
  if (result.status === 200) result.headers['x-oauth-scopes'] = team.scopes.join(',');
  return result;
}

/** Applies the method's tier limit (per team, or per app for app tokens), then runs it. */
function finish(deps: WebApiDeps, call: ApiCall, tier: Tier | undefined, owner: string, headers: Record<string, string>, run: () => Result): ApiResponse {
  if (deps.rateLimits && tier !== undefined) {
    const take = deps.limiter.take(`tier:${owner}:${call.method}`, tierBucket(deps.rateLimits, tier), call.nowMs);
    if (!take.ok) return rateLimited(take.retryAfterSeconds);
  }
  const result = run();
  if ('status' in result && 'body' in result) return result as ApiResponse;
  return { status: 200, headers: { ...headers }, body: result as Record<string, unknown> };
}
