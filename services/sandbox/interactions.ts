import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from '../common/logger.ts';
import { postToApp, replyAsMessage, type AppResult } from './app-http.ts';
import { readContent } from './content.ts';
import { messageLimitError } from './message-limits.ts';
import type { Envelope, SocketHub } from './socket-mode.ts';
import { retryDelayMs, type RetryPolicy } from './retry-policy.ts';
import type { SandboxApp, SandboxChannel, SandboxTeam, SandboxUser, StoredMessage, Workspace } from './workspace.ts';

/**
 * What Slack does when a person acts: runs a slash command, posts a message, clicks a button.
 * Routing rules (docs/sandbox.md), all decided by the app that serves the team:
 *  1. Socket Mode on: commands, clicks and events go only as envelopes over the app's open links;
 *     the request URLs are ignored. No link: a command or click fails for the user with Slackbot's
 *     `dispatch_failed`; an event is kept and retried on Slack's schedule, then dropped.
 *  2. Socket Mode off: everything goes by signed HTTP to the app URL; none set means
 *     `dispatch_failed` for commands and clicks and no delivery for events. Open links get nothing.
 *  3. A message event exists only for channels the team's bot is a member of, and only while the
 *     app is installed with a working token. Bot posts never generate events.
 *  4. An app reply (slash command HTTP body, slash command ack payload, response_url POST) is
 *     shown like Slack shows it: ephemeral to the user unless `response_type: in_channel`.
 */

/** Slack's deprecated verification token, still sent in payloads. */
export const VERIFICATION_TOKEN = 'sandboxVerificationTok1';
/** Slack's system user: it speaks timeouts and errors to the person who ran a command. */
export const SLACKBOT = 'USLACKBOT';
/** response_url: at most 5 uses within 30 minutes (https://api.slack.com/interactivity/handling#message_responses). */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

/** `queued`: an event for a Socket Mode app with no link open, kept for a retry (rule 1). */
export type Via = 'http' | 'socket' | 'queued' | 'none';

export interface InteractionsOptions {
  workspace: Workspace;
  hub: SocketHub;
  logger: Logger;
  /** The sandbox's own base URL (for response_url). */
  baseUrl(): string;
  retry: RetryPolicy;
}

interface ResponseTarget {
  teamId: string;
  channelId: string;
  userId: string;
  /** For clicks: the message whose button was pressed (replace_original / delete_original). */
  messageTs?: string;
  uses: number;
  expiresAt: number;
}

export interface Actor {
  team: SandboxTeam;
  channel: SandboxChannel;
  user: SandboxUser;
}

/**
 * `app_error`: delivery failed and Slack told the user so: the HTTP reason (`http_error`,
 * `http_timeout`, `connection_failed`), `dispatch_failed` (nowhere to deliver: no link open in
 * Socket Mode, no request URL without it) or `not_installed` (the app was uninstalled).
 */
export type DispatchResult = { ok: true; via: Via; envelope_id?: string; status?: number; app_error?: string } | { ok: false; error: string };

/** Slackbot's words when a command's app is gone, as Slack shows them. */
const UNKNOWN_COMMAND = (command: string): string => `${command} is not a valid command. In Slack, all messages that start with the "/" character are interpreted as commands.`;

/**
 * A command whose manifest entry has `should_escape: true` (`/duel`) gets `@name` of a member as
 * `<@U…|name>`, the way Slack sends it. The sandbox does not read manifests, so it escapes every
 * command: only /duel takes a mention, and an `@word` that names no member stays as typed.
 */
export function escapeMentions(text: string, users: Iterable<SandboxUser>): string {
  const byName = new Map([...users].map((u) => [u.name, u.id] as const));
  return text.replace(/(^|\s)@([a-z0-9._-]{1,80})/g, (all, space: string, name: string) => {
    const id = byName.get(name);
    return id === undefined ? all : `${space}<@${id}|${name}>`;
  });
}

export class Interactions {
  readonly #o: InteractionsOptions;
  readonly #targets = new Map<string, ResponseTarget>();
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(options: InteractionsOptions) {
    this.#o = options;
  }

  #responseUrl(kind: 'commands' | 'actions', target: Omit<ResponseTarget, 'uses' | 'expiresAt'>): string {
    const now = Date.now();
    for (const [id, t] of this.#targets) if (t.expiresAt < now) this.#targets.delete(id);
    const id = `${randomInt(1e11, 1e12)}/${randomBytes(12).toString('base64url')}`;
    this.#targets.set(id, { ...target, uses: 0, expiresAt: now + RESPONSE_URL_TTL_MS });
    return `${this.#o.baseUrl()}hooks/${kind}/${target.teamId}/${id}`;
  }

  #triggerId(): string {
    return `${randomInt(1e11, 1e12)}.${randomInt(1e10, 1e11)}.${randomBytes(16).toString('hex')}`;
  }

  async command(actor: Actor, command: string, text: string): Promise<DispatchResult> {
    const { team, channel, user } = actor;
    const app = this.#o.workspace.appOf(team);
    if (!team.installed) {
      this.#note(actor, UNKNOWN_COMMAND(command));
      return { ok: true, via: 'none', app_error: 'not_installed' };
    }
    const fields: Record<string, string> = {
      token: VERIFICATION_TOKEN,
      team_id: team.id,
      team_domain: team.domain,
      channel_id: channel.id,
      channel_name: channel.isPrivate ? 'privategroup' : channel.name,
      user_id: user.id,
      user_name: user.name,
      command,
      text: escapeMentions(text, team.users.values()),
      api_app_id: app.id,
      is_enterprise_install: 'false',
      response_url: this.#responseUrl('commands', { teamId: team.id, channelId: channel.id, userId: user.id }),
      trigger_id: this.#triggerId(),
    };
    if (app.socketMode) {
      const delivered = this.#o.hub.deliver(app.id, 'slash_commands', fields);
      if (delivered) return { ok: true, via: 'socket', envelope_id: delivered.envelope.envelope_id };
      return this.#dispatchFailed(actor, command);
    }
    if (!app.appUrl) return this.#dispatchFailed(actor, command);
    const result = await this.#post(app, `${app.appUrl}/slack/commands`, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
    if (!result.ok) {
      const shown = result.reason === 'http_timeout' ? 'operation_timeout' : 'dispatch_failed';
      this.#note(actor, `${command} failed with the error "${shown}"`);
      return { ok: true, via: 'http', app_error: result.reason, ...(result.status ? { status: result.status } : {}) };
    }
    const reply = replyAsMessage(result.reply);
    if (reply) this.show({ teamId: team.id, channelId: channel.id, userId: user.id }, reply);
    return { ok: true, via: 'http', status: result.reply.status };
  }

  /** Nowhere to deliver (rule 1, 2): Slack tells the user, and the app never hears of it. */
  #dispatchFailed(actor: Actor, what: string): DispatchResult {
    this.#note(actor, `${what} failed with the error "dispatch_failed"`);
    return { ok: true, via: 'none', app_error: 'dispatch_failed' };
  }

  /** Stores a person's message and delivers it as a `message` event (rule 3). */
  message(actor: Actor, text: string): { message: StoredMessage; via: Via } {
    const { team, channel, user } = actor;
    const message = this.#o.workspace.append(team, channel, { user: user.id, text });
    if (!channel.members.has(team.bot.id)) return { message, via: 'none' };
    const event = { type: 'message', channel: channel.id, user: user.id, text, ts: message.ts, team: team.id, event_ts: message.ts, channel_type: channel.isPrivate ? 'group' : 'channel' };
    return { message, via: this.event(team, event) };
  }

  /**
   * Delivers an Events API `event_callback` to the team's app (rules 1-3). `final` events
   * (app_uninstalled, tokens_revoked) are the last word of an install and go out without one.
   */
  event(team: SandboxTeam, event: Record<string, unknown>, final = false): Via {
    if (!final && !this.#o.workspace.authorized(team)) return 'none';
    const app = this.#o.workspace.appOf(team);
    const payload = {
      token: VERIFICATION_TOKEN,
      team_id: team.id,
      api_app_id: app.id,
      event,
      type: 'event_callback',
      event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: team.id, user_id: team.bot.id, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(16).toString('base64url')}`,
    };
    if (app.socketMode) return this.#o.hub.deliver(app.id, 'events_api', payload)?.via ?? 'none';
    if (!app.appUrl) return 'none';
    void this.#deliverEvent(app, `${app.appUrl}/slack/events`, JSON.stringify(payload), 0);
    return 'http';
  }

  /** Events API over HTTP: failures are retried on Slack's schedule with X-Slack-Retry-Num / -Reason. */
  async #deliverEvent(app: SandboxApp, url: string, body: string, attempt: number, reason = ''): Promise<void> {
    const headers: Record<string, string> = attempt > 0 ? { 'x-slack-retry-num': String(attempt), 'x-slack-retry-reason': reason } : {};
    const result = await this.#post(app, url, body, 'application/json', headers);
    if (result.ok || attempt >= this.#o.retry.maxRetries) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#deliverEvent(app, url, body, attempt + 1, result.reason);
    }, retryDelayMs(this.#o.retry, attempt + 1));
    this.#timers.add(timer);
  }

  async click(actor: Actor, message: StoredMessage, actionId: string, value: string | undefined): Promise<DispatchResult> {
    const { team, channel, user } = actor;
    const app = this.#o.workspace.appOf(team);
    const found = findButton(message.blocks ?? [], actionId);
    if (!found) return { ok: false, error: 'action_not_found' };
    if (!team.installed) return { ok: true, via: 'none', app_error: 'not_installed' };
    const { ephemeral_to, history: _sandboxOnly, ...shown } = message;
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
      api_app_id: app.id,
      token: VERIFICATION_TOKEN,
      container: { type: 'message', message_ts: message.ts, channel_id: channel.id, is_ephemeral: ephemeral_to !== undefined },
      trigger_id: this.#triggerId(),
      team: { id: team.id, domain: team.domain },
      enterprise: null,
      is_enterprise_install: false,
      channel: { id: channel.id, name: channel.name },
      // Slack does not include ephemeral messages' content in block_actions.
      ...(ephemeral_to === undefined ? { message: shown } : {}),
      state: { values: {} },
      response_url: this.#responseUrl('actions', { teamId: team.id, channelId: channel.id, userId: user.id, messageTs: message.ts }),
      actions: [buttonAction(found, actionId, value)],
    };
    return this.#deliverActions(app, payload, () => this.#dispatchFailed(actor, 'The button'));
  }

  /** A `block_actions` payload to the app (rules 1, 2); `undeliverable` says what the user sees when it cannot go. */
  async #deliverActions(app: SandboxApp, payload: Record<string, unknown>, undeliverable: () => DispatchResult): Promise<DispatchResult> {
    if (app.socketMode) {
      const delivered = this.#o.hub.deliver(app.id, 'interactive', payload);
      if (delivered) return { ok: true, via: 'socket', envelope_id: delivered.envelope.envelope_id };
      return undeliverable();
    }
    if (!app.appUrl) return undeliverable();
    // Slack ignores the body of a block_actions response; the app answers via response_url or the API.
    const result = await this.#post(app, `${app.appUrl}/slack/interactivity`, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
    if (result.ok) return { ok: true, via: 'http', status: result.reply.status };
    return { ok: true, via: 'http', app_error: result.reason, ...(result.status ? { status: result.status } : {}) };
  }

  /**
   * The user opens the app's Home tab: an `app_home_opened` event (rules 1-3), carrying the view
   * the app published before, if any. `channel` is the user's DM with the app, as in Slack.
   */
  homeOpened(team: SandboxTeam, user: SandboxUser): Via {
    const view = this.#o.workspace.home(team, user.id);
    const ts = (Date.now() / 1000).toFixed(6);
    return this.event(team, { type: 'app_home_opened', user: user.id, channel: dmChannelId(user), tab: 'home', event_ts: ts, ...(view ? { view: { ...view, team_id: team.id, app_id: team.appId } } : {}) });
  }

  /** A button on the user's Home tab: `block_actions` from a view (no channel, no response_url). */
  async viewClick(team: SandboxTeam, user: SandboxUser, actionId: string, value: string | undefined): Promise<DispatchResult> {
    const view = this.#o.workspace.home(team, user.id);
    const found = view ? findButton(view.blocks, actionId) : undefined;
    if (!view || !found) return { ok: false, error: 'action_not_found' };
    if (!team.installed) return { ok: true, via: 'none', app_error: 'not_installed' };
    const app = this.#o.workspace.appOf(team);
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
      api_app_id: app.id,
      token: VERIFICATION_TOKEN,
      container: { type: 'view', view_id: view.id },
      trigger_id: this.#triggerId(),
      team: { id: team.id, domain: team.domain },
      enterprise: null,
      is_enterprise_install: false,
      view: { ...view, team_id: team.id, app_id: team.appId, bot_id: team.botId },
      actions: [buttonAction(found, actionId, value)],
    };
    // A Home tab has no channel for Slackbot to explain a failure in: the click just does nothing.
    return this.#deliverActions(app, payload, () => ({ ok: true, via: 'none', app_error: 'dispatch_failed' }));
  }

  /** Sends Slack's `url_verification` to the app's URL and checks it echoes the challenge. */
  async verifyUrl(app: SandboxApp, appUrl: string): Promise<{ ok: boolean; error?: string }> {
    const challenge = randomBytes(24).toString('base64url');
    const result = await this.#post(app, `${appUrl}/slack/events`, JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' }), 'application/json');
    if (!result.ok) return { ok: false, error: result.reason };
    const reply = replyAsMessage(result.reply);
    const echoed = result.reply.text.trim() === challenge || reply?.['challenge'] === challenge;
    return echoed ? { ok: true } : { ok: false, error: 'challenge_not_echoed' };
  }

  onSocketAck(envelope: Envelope, payload: Record<string, unknown> | undefined): void {
    if (envelope.type !== 'slash_commands' || !payload || Object.keys(payload).length === 0) return;
    const p = envelope.payload;
    this.show({ teamId: String(p['team_id']), channelId: String(p['channel_id']), userId: String(p['user_id']) }, payload);
  }

  onSocketGiveUp(envelope: Envelope): void {
    if (envelope.type === 'events_api') return;
    const p = envelope.payload as Record<string, unknown> & { user?: { id?: string }; channel?: { id?: string }; team?: { id?: string } };
    const teamId = typeof p['team_id'] === 'string' ? p['team_id'] : p.team?.id;
    const userId = typeof p['user_id'] === 'string' ? p['user_id'] : p.user?.id;
    const channelId = typeof p['channel_id'] === 'string' ? p['channel_id'] : p.channel?.id;
    const what = envelope.type === 'slash_commands' ? String(p['command']) : 'The button';
    const actor = teamId ? this.#actor(teamId, channelId, userId) : undefined;
    if (actor) this.#note(actor, `${what} failed with the error "operation_timeout"`);
  }

  /** POST to a response_url. Returns the HTTP status and body Slack would answer with. */
  respond(teamId: string, id: string, body: Record<string, unknown>): { status: number; body: Record<string, unknown> } {
    const target = this.#targets.get(id);
    if (!target || target.teamId !== teamId || target.expiresAt < Date.now()) return { status: 404, body: { ok: false, error: 'expired_url' } };
    if (target.uses >= RESPONSE_URL_USES) return { status: 404, body: { ok: false, error: 'used_url' } };
    const error = this.show(target, body);
    if (error) return { status: 400, body: { ok: false, error } };
    target.uses += 1;
    return { status: 200, body: { ok: true } };
  }

  /** Shows an app reply (rule 4). Returns Slack's error code when the reply is not a message. */
  show(target: { teamId: string; channelId: string; userId: string; messageTs?: string }, reply: Record<string, unknown>): string | undefined {
    const actor = this.#actor(target.teamId, target.channelId, target.userId);
    if (!actor) return 'channel_not_found';
    const { workspace } = this.#o;
    const original = target.messageTs ? workspace.find(actor.channel, target.messageTs) : undefined;
    if (reply['delete_original'] === true || reply['delete_original'] === 'true') {
      if (original) workspace.remove(actor.team, actor.channel, original.ts);
      return undefined;
    }
    const content = readContent(reply);
    if (!content.ok) return content.error;
    // An app's reply is a message like any other: Slack holds it to the same limits.
    const overLimit = messageLimitError(content.content);
    if (overLimit) return String(overLimit['error']);
    if (original && (reply['replace_original'] === true || reply['replace_original'] === 'true')) {
      workspace.edit(actor.team, actor.channel, original, { ...content.content, editor: actor.team.bot.id });
      return undefined;
    }
    const inChannel = reply['response_type'] === 'in_channel';
    workspace.append(actor.team, actor.channel, {
      user: actor.team.bot.id,
      bot_id: actor.team.botId,
      app_id: actor.team.appId,
      ...content.content,
      ...(inChannel ? {} : { ephemeral_to: actor.user.id }),
    });
    return undefined;
  }

  #note(actor: Actor, text: string): void {
    this.#o.workspace.append(actor.team, actor.channel, { user: SLACKBOT, text, ephemeral_to: actor.user.id });
  }

  #actor(teamId: string, channelId: string | undefined, userId: string | undefined): Actor | undefined {
    const team = this.#o.workspace.teams.get(teamId);
    const channel = channelId ? team?.channels.get(channelId) : undefined;
    const user = team && userId ? this.#o.workspace.user(team, userId) : undefined;
    return team && channel && user ? { team, channel, user } : undefined;
  }

  #post(app: SandboxApp, url: string, body: string, contentType: 'application/x-www-form-urlencoded' | 'application/json', headers?: Record<string, string>): Promise<AppResult> {
    return postToApp({ url, signingSecret: app.signingSecret, body, contentType, timeoutMs: this.#o.retry.ackTimeoutMs, logger: this.#o.logger, ...(headers ? { headers } : {}) });
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
}

/** The `actions[]` entry of a pressed button, as Slack sends it. */
function buttonAction(found: { blockId: string; element: Record<string, unknown> }, actionId: string, value: string | undefined): Record<string, unknown> {
  return {
    action_id: actionId,
    block_id: found.blockId,
    text: found.element['text'] ?? { type: 'plain_text', text: actionId },
    value: value ?? (typeof found.element['value'] === 'string' ? found.element['value'] : undefined),
    type: 'button',
    action_ts: `${(Date.now() / 1000).toFixed(6)}`,
  };
}

/** The id of a user's direct-message channel with the app (Slack's D… ids). */
export function dmChannelId(user: SandboxUser): string {
  return `D${user.id.replace(/^U/, '')}`;
}

/** Finds a button by action_id in `actions` blocks or as a section accessory. */
export function findButton(blocks: unknown[], actionId: string): { blockId: string; element: Record<string, unknown> } | undefined {
  for (const raw of blocks) {
    if (typeof raw !== 'object' || raw === null) continue;
    const block = raw as { block_id?: unknown; elements?: unknown; accessory?: unknown };
    const candidates = [...(Array.isArray(block.elements) ? block.elements : []), block.accessory];
    for (const el of candidates) {
      if (typeof el === 'object' && el !== null && (el as { action_id?: unknown }).action_id === actionId) {
        return { blockId: typeof block.block_id === 'string' ? block.block_id : '', element: el as Record<string, unknown> };
      }
    }
  }
  return undefined;
}
