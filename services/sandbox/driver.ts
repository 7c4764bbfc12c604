import { z } from 'zod';
import type { Interactions, Actor } from './interactions.ts';
import type { DisconnectReason, SocketHub } from './socket-mode.ts';
import type { Workspace } from './workspace.ts';
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
  setAppUrl(url: string | undefined): Promise<Record<string, unknown>>;
  appUrl(): string | undefined;
}

const Where = { team_id: z.string().min(1), channel_id: z.string().min(1), user_id: z.string().min(1) };
const CommandBody = z.object({ ...Where, command: z.string().regex(/^\/[A-Za-z0-9_-]{1,31}$/, 'a slash command like /start'), text: z.string().max(MAX_TEXT_CHARS).default('') });
const MessageBody = z.object({ ...Where, text: z.string().min(1).max(MAX_TEXT_CHARS) });
const ClickBody = z.object({ ...Where, message_ts: z.string().min(1), action_id: z.string().min(1), value: z.string().optional() });
const ConfigBody = z.object({ app_url: z.union([z.url({ protocol: /^https?$/ }), z.literal(''), z.null()]) });
const DisconnectBody = z.object({ team_id: z.string().min(1), reason: z.enum(['refresh_requested', 'warning', 'link_disabled']) });

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
    case 'GET sockets': {
      const counts = deps.hub.counts();
      const teams = Object.entries(counts).map(([team_id, count]) => ({ team_id, count }));
      return { status: 200, body: { ok: true, total: teams.reduce((n, t) => n + t.count, 0), teams } };
    }
    case 'GET workspace': {
      const teams = [...deps.workspace.teams.values()].map((t) => ({
        id: t.id,
        name: t.name,
        bot_user_id: t.bot.id,
        channels: [...t.channels.values()].map((c) => ({ id: c.id, name: c.name, is_private: c.isPrivate })),
        users: [...t.users.values()].map((u) => ({ id: u.id, name: u.name })),
      }));
      return { status: 200, body: { ok: true, app_url: deps.appUrl() ?? null, teams } };
    }
    case 'POST config': {
      const p = parse(ConfigBody, body);
      if (!p.ok) return p.response;
      return { status: 200, body: await deps.setAppUrl(p.data.app_url || undefined) };
    }
    case 'POST disconnect': {
      const p = parse(DisconnectBody, body);
      if (!p.ok) return p.response;
      if (!deps.workspace.teams.has(p.data.team_id)) return bad('team_not_found');
      const sent = deps.hub.disconnect(p.data.team_id, p.data.reason as DisconnectReason);
      return { status: 200, body: { ok: true, sockets: sent } };
    }
    default:
      return { status: 404, body: { ok: false, error: 'unknown_route', details: `${method} /sandbox/v1/${route}` } };
  }
}
