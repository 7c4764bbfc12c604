import { z } from 'zod';
import type { Interactions, Actor } from './interactions.ts';
import type { DisconnectReason, SocketHub } from './socket-mode.ts';
import type { SandboxTeam, SandboxUser, Workspace } from './workspace.ts';
import { MAX_TEXT_CHARS } from './content.ts';

/**
 * The driver API under /sandbox/v1: how tests, bots and the browser UI act as people in the
 * sandbox. JSON in, JSON out; bad input is a 400 `{ok:false,error}` naming the problem.
 */

export interface DriverResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface DriverDeps {
  workspace: Workspace;
  hub: SocketHub;
  interactions: Interactions;
  configure(change: AppConfigChange): Promise<Record<string, unknown>>;
}

/** `POST /sandbox/v1/config`: an app's URL and Socket Mode; no `appId` means every app. */
export interface AppConfigChange {
  appId?: string;
  /** `null` clears the URL; absent leaves it. */
  appUrl?: string | null;
  socketMode?: boolean;
}

const Where = { team_id: z.string().min(1), channel_id: z.string().min(1), user_id: z.string().min(1) };
const CommandBody = z.object({ ...Where, command: z.string().regex(/^\/[A-Za-z0-9_-]{1,31}$/, 'a slash command like /start'), text: z.string().max(MAX_TEXT_CHARS).default('') });
const MessageBody = z.object({ ...Where, text: z.string().min(1).max(MAX_TEXT_CHARS) });
const ClickBody = z.object({ ...Where, message_ts: z.string().min(1), action_id: z.string().min(1), value: z.string().optional() });
const ConfigBody = z
  .object({ app_url: z.union([z.url({ protocol: /^https?$/ }), z.literal(''), z.null()]).optional(), app_id: z.string().min(1).optional(), socket_mode: z.boolean().optional() })
  .refine((b) => b.app_url !== undefined || b.socket_mode !== undefined, 'app_url or socket_mode');
const DisconnectBody = z
  .object({ team_id: z.string().min(1).optional(), app_id: z.string().min(1).optional(), reason: z.enum(['refresh_requested', 'warning', 'link_disabled']) })
  .refine((b) => b.team_id !== undefined || b.app_id !== undefined, 'team_id or app_id');
const TeamChannelBody = z.object({ team_id: z.string().min(1), channel_id: z.string().min(1) });
const UninstallBody = z.object({ team_id: z.string().min(1), app_id: z.string().min(1).optional() });
const RevokeBody = z.object({ team_id: z.string().min(1) });
const HomeBody = z.object({ team_id: z.string().min(1), user_id: z.string().min(1) });
const HomeClickBody = HomeBody.extend({ action_id: z.string().min(1), value: z.string().optional() });

function personOf(workspace: Workspace, where: { team_id: string; user_id: string }): { team: SandboxTeam; user: SandboxUser } | DriverResponse {
  const team = workspace.teams.get(where.team_id);
  if (!team) return bad('team_not_found');
  const user = team.users.get(where.user_id);
  return user ? { team, user } : bad('user_not_found');
}

const eventTs = (): string => (Date.now() / 1000).toFixed(6);

const bad = (error: string, details?: unknown): DriverResponse => ({ status: 400, body: { ok: false, error, ...(details === undefined ? {} : { details }) } });

function parse<S extends z.ZodType>(schema: S, body: unknown): { ok: true; data: z.output<S> } | { ok: false; response: DriverResponse } {
  const parsed = schema.safeParse(body);
  if (parsed.success) return { ok: true, data: parsed.data };
  return { ok: false, response: bad('invalid_arguments', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`)) };
}

function actorOf(workspace: Workspace, where: { team_id: string; channel_id: string; user_id: string }): Actor | DriverResponse {
  const team = workspace.teams.get(where.team_id);
  if (!team) return bad('team_not_found');
  const channel = team.channels.get(where.channel_id);
  if (!channel) return bad('channel_not_found');
  const user = team.users.get(where.user_id);
  if (!user) return bad('user_not_found');
  if (!channel.members.has(user.id)) return bad('user_not_in_channel');
  return { team, channel, user };
}

const isResponse = (value: Actor | DriverResponse): value is DriverResponse => 'status' in value;

export async function handleDriver(deps: DriverDeps, method: string, route: string, query: URLSearchParams, body: unknown): Promise<DriverResponse> {
  const key = `${method} ${route}`;
  switch (key) {
    case 'POST command': {
      const p = parse(CommandBody, body);
      if (!p.ok) return p.response;
      const actor = actorOf(deps.workspace, p.data);
      if (isResponse(actor)) return actor;
      const result = await deps.interactions.command(actor, p.data.command, p.data.text);
      return result.ok ? { status: 200, body: { ...result } } : { status: 409, body: result };
    }
    case 'POST message': {
      const p = parse(MessageBody, body);
      if (!p.ok) return p.response;
      const actor = actorOf(deps.workspace, p.data);
      if (isResponse(actor)) return actor;
      const { message, via } = deps.interactions.message(actor, p.data.text);
      return { status: 200, body: { ok: true, ts: message.ts, via } };
    }
    case 'POST click': {
      const p = parse(ClickBody, body);
      if (!p.ok) return p.response;
      const actor = actorOf(deps.workspace, p.data);
      if (isResponse(actor)) return actor;
      const message = deps.workspace.find(actor.channel, p.data.message_ts);
      if (!message || (message.ephemeral_to !== undefined && message.ephemeral_to !== actor.user.id)) return bad('message_not_found');
      const result = await deps.interactions.click(actor, message, p.data.action_id, p.data.value);
      if (result.ok) return { status: 200, body: { ...result } };
      return result.error === 'action_not_found' ? bad(result.error) : { status: 409, body: result };
    }
    case 'GET messages': {
      const team = deps.workspace.teams.get(query.get('team_id') ?? '');
      if (!team) return bad('team_not_found');
      const channel = team.channels.get(query.get('channel_id') ?? '');
      if (!channel) return bad('channel_not_found');
      return { status: 200, body: { ok: true, team_id: team.id, channel_id: channel.id, messages: channel.messages } };
    }
    case 'POST home_open': {
      const p = parse(HomeBody, body);
      if (!p.ok) return p.response;
      const who = personOf(deps.workspace, p.data);
      if ('status' in who) return who;
      return { status: 200, body: { ok: true, via: deps.interactions.homeOpened(who.team, who.user) } };
    }
    case 'GET home': {
      const who = personOf(deps.workspace, { team_id: query.get('team_id') ?? '', user_id: query.get('user_id') ?? '' });
      if ('status' in who) return who;
      return { status: 200, body: { ok: true, view: deps.workspace.home(who.team, who.user.id) ?? null } };
    }
    case 'POST home_click': {
      const p = parse(HomeClickBody, body);
      if (!p.ok) return p.response;
      const who = personOf(deps.workspace, p.data);
      if ('status' in who) return who;
      const result = await deps.interactions.viewClick(who.team, who.user, p.data.action_id, p.data.value);
      if (result.ok) return { status: 200, body: { ...result } };
      return bad(result.error);
    }
    case 'GET sockets': {
      const counts = deps.hub.counts();
      const apps = [...deps.workspace.apps.values()].map((a) => ({ app_id: a.id, socket_mode: a.socketMode, count: counts.get(a.id) ?? 0, teams: a.teams }));
      // A team's count is the links of the app that serves it: those are the links its envelopes ride.
      const teams = [...deps.workspace.teams.values()]
        .map((t) => ({ team_id: t.id, app_id: t.appId, count: counts.get(t.appId) ?? 0 }))
        .filter((t) => t.count > 0);
      return { status: 200, body: { ok: true, total: apps.reduce((n, a) => n + a.count, 0), apps, teams } };
    }
    case 'GET workspace': {
      const teams = [...deps.workspace.teams.values()].map((t) => ({
        id: t.id,
        name: t.name,
        bot_user_id: t.bot.id,
        app_id: t.appId,
        installed: t.installed,
        channels: [...t.channels.values()].map((c) => ({ id: c.id, name: c.name, is_private: c.isPrivate, bot_member: c.members.has(t.bot.id) })),
        users: [...t.users.values()].map((u) => ({ id: u.id, name: u.name })),
      }));
      const apps = [...deps.workspace.apps.values()].map((a) => ({ app_id: a.id, app_url: a.appUrl ?? null, socket_mode: a.socketMode, teams: a.teams }));
      return { status: 200, body: { ok: true, delivery: deps.workspace.delivery, app_url: apps[0]?.app_url ?? null, apps, teams } };
    }
    case 'POST config': {
      const p = parse(ConfigBody, body);
      if (!p.ok) return p.response;
      if (p.data.app_id !== undefined && !deps.workspace.apps.has(p.data.app_id)) return bad('app_not_found');
      return {
        status: 200,
        body: await deps.configure({
          ...(p.data.app_id === undefined ? {} : { appId: p.data.app_id }),
          ...(p.data.app_url === undefined ? {} : { appUrl: p.data.app_url || null }),
          ...(p.data.socket_mode === undefined ? {} : { socketMode: p.data.socket_mode }),
        }),
      };
    }
    case 'POST disconnect': {
      const p = parse(DisconnectBody, body);
      if (!p.ok) return p.response;
      const team = p.data.team_id === undefined ? undefined : deps.workspace.teams.get(p.data.team_id);
      if (p.data.team_id !== undefined && !team) return bad('team_not_found');
      const appId = team?.appId ?? p.data.app_id ?? '';
      if (!deps.workspace.apps.has(appId)) return bad('app_not_found');
      const sent = deps.hub.disconnect(appId, p.data.reason as DisconnectReason);
      return { status: 200, body: { ok: true, app_id: appId, sockets: sent } };
    }
    case 'POST invite': {
      const p = parse(TeamChannelBody, body);
      if (!p.ok) return p.response;
      const team = deps.workspace.teams.get(p.data.team_id);
      if (!team) return bad('team_not_found');
      const channel = team.channels.get(p.data.channel_id);
      if (!channel) return bad('channel_not_found');
      const joined = deps.workspace.addBot(team, channel);
      return { status: 200, body: { ok: true, already_in_channel: !joined, bot_user_id: team.bot.id } };
    }
    case 'POST uninstall': {
      const p = parse(UninstallBody, body);
      if (!p.ok) return p.response;
      const team = deps.workspace.teams.get(p.data.team_id);
      if (!team) return bad('team_not_found');
      if (p.data.app_id !== undefined && p.data.app_id !== team.appId) return bad('app_not_found');
      if (!team.installed) return bad('not_installed');
      const bots = deps.workspace.uninstall(team);
      // Slack tells the app both: its tokens are gone, then the app itself.
      const revoked = deps.interactions.event(team, { type: 'tokens_revoked', tokens: { oauth: [], bot: bots }, event_ts: eventTs() }, true);
      const uninstalled = deps.interactions.event(team, { type: 'app_uninstalled', event_ts: eventTs() }, true);
      return { status: 200, body: { ok: true, app_id: team.appId, events: { tokens_revoked: revoked, app_uninstalled: uninstalled } } };
    }
    case 'POST revoke': {
      const p = parse(RevokeBody, body);
      if (!p.ok) return p.response;
      const team = deps.workspace.teams.get(p.data.team_id);
      if (!team) return bad('team_not_found');
      if (!deps.workspace.authorized(team)) return bad('not_installed');
      const bots = deps.workspace.revokeTokens(team);
      const via = deps.interactions.event(team, { type: 'tokens_revoked', tokens: { oauth: [], bot: bots }, event_ts: eventTs() }, true);
      return { status: 200, body: { ok: true, app_id: team.appId, via } };
    }
    default:
      return { status: 404, body: { ok: false, error: 'unknown_route', details: `${method} /sandbox/v1/${route}` } };
  }
}
