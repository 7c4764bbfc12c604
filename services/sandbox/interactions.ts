import { randomBytes, randomInt } from 'node:crypto';
import type { Logger } from '../common/logger.ts';
import { postToApp, replyAsMessage, type AppResult } from './app-http.ts';
import { readContent } from './content.ts';
import type { Envelope, SocketHub } from './socket-mode.ts';
import { APP_ID, type SandboxChannel, type SandboxTeam, type SandboxUser, type StoredMessage, type Workspace } from './workspace.ts';

/**
 * What Slack does when a person acts: runs a slash command, posts a message, clicks a button.
 * Routing rules (docs/sandbox.md):
 *  1. Slash commands and clicks go to the app over HTTP when an app URL is configured, else as
 *     envelopes over the team's open socket, else they fail with `app_unreachable`.
 *  2. Messages are stored, then delivered as `events_api` over the team's open socket, else as
 *     Events API HTTP when an app URL is configured, else only stored.
 *  3. An app reply (slash command HTTP body, slash command ack payload, response_url POST) is
 *     shown like Slack shows it: ephemeral to the user unless `response_type: in_channel`.
 */

/** Slack's deprecated verification token, still sent in payloads. */
export const VERIFICATION_TOKEN = 'sandboxVerificationTok1';
/** Slack's system user: it speaks timeouts and errors to the person who ran a command. */
export const SLACKBOT = 'USLACKBOT';
/** response_url: at most 5 uses within 30 minutes (https://api.slack.com/interactivity/handling#message_responses). */
const RESPONSE_URL_USES = 5;
const RESPONSE_URL_TTL_MS = 30 * 60_000;

export type Via = 'http' | 'socket' | 'none';

export interface InteractionsOptions {
  workspace: Workspace;
  hub: SocketHub;
  logger: Logger;
  /** The sandbox's own base URL (for response_url). */
  baseUrl(): string;
  /** The app's HTTP base URL, when configured. */
  appUrl(): string | undefined;
  ackTimeoutMs: number;
  maxRetries: number;
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

/** `app_error`: HTTP delivery failed (timeout, error status, no connection); for commands Slack shows the user a note. */
export type DispatchResult = { ok: true; via: Via; envelope_id?: string; status?: number; app_error?: string } | { ok: false; error: string };

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
    const fields: Record<string, string> = {
      token: VERIFICATION_TOKEN,
      team_id: team.id,
      team_domain: team.domain,
      channel_id: channel.id,
      channel_name: channel.isPrivate ? 'privategroup' : channel.name,
      user_id: user.id,
      user_name: user.name,
      command,
      text,
      api_app_id: APP_ID,
      is_enterprise_install: 'false',
      response_url: this.#responseUrl('commands', { teamId: team.id, channelId: channel.id, userId: user.id }),
      trigger_id: this.#triggerId(),
    };
    const appUrl = this.#o.appUrl();
    if (appUrl) {
      const result = await this.#post(team, `${appUrl}/slack/commands`, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
      if (!result.ok) {
        const shown = result.reason === 'http_timeout' ? 'operation_timeout' : 'dispatch_failed';
        this.#note(actor, `${command} failed with the error "${shown}"`);
        return { ok: true, via: 'http', app_error: result.reason, ...(result.status ? { status: result.status } : {}) };
      }
      const reply = replyAsMessage(result.reply);
      if (reply) this.show({ teamId: team.id, channelId: channel.id, userId: user.id }, reply);
      return { ok: true, via: 'http', status: result.reply.status };
    }
    const envelope = this.#o.hub.deliver(team.id, 'slash_commands', fields);
    if (envelope) return { ok: true, via: 'socket', envelope_id: envelope.envelope_id };
    this.#note(actor, `${command} failed: the app is not connected (no app URL, no open socket)`);
    return { ok: false, error: 'app_unreachable' };
  }

  /** Stores a person's message and delivers it as a `message` event (rule 2). */
  message(actor: Actor, text: string): { message: StoredMessage; via: Via } {
    const { team, channel, user } = actor;
    const message = this.#o.workspace.append(team, channel, { user: user.id, text });
    const eventTime = Math.floor(Date.now() / 1000);
    const payload = {
      token: VERIFICATION_TOKEN,
      team_id: team.id,
      api_app_id: APP_ID,
      event: { type: 'message', channel: channel.id, user: user.id, text, ts: message.ts, team: team.id, event_ts: message.ts, channel_type: channel.isPrivate ? 'group' : 'channel' },
      type: 'event_callback',
      event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
      event_time: eventTime,
      authorizations: [{ enterprise_id: null, team_id: team.id, user_id: team.bot.id, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(16).toString('base64url')}`,
    };
    if (this.#o.hub.deliver(team.id, 'events_api', payload)) return { message, via: 'socket' };
    const appUrl = this.#o.appUrl();
    if (!appUrl) return { message, via: 'none' };
    void this.#deliverEvent(team, `${appUrl}/slack/events`, JSON.stringify(payload), 0);
    return { message, via: 'http' };
  }

  /** Events API over HTTP: failures are retried with X-Slack-Retry-Num / X-Slack-Retry-Reason. */
  async #deliverEvent(team: SandboxTeam, url: string, body: string, attempt: number, reason = ''): Promise<void> {
    const headers: Record<string, string> = attempt > 0 ? { 'x-slack-retry-num': String(attempt), 'x-slack-retry-reason': reason } : {};
    const result = await this.#post(team, url, body, 'application/json', headers);
    if (result.ok || attempt >= this.#o.maxRetries) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#deliverEvent(team, url, body, attempt + 1, result.reason);
    }, this.#o.ackTimeoutMs);
    this.#timers.add(timer);
  }

  async click(actor: Actor, message: StoredMessage, actionId: string, value: string | undefined): Promise<DispatchResult> {
    const { team, channel, user } = actor;
    const found = findButton(message.blocks ?? [], actionId);
    if (!found) return { ok: false, error: 'action_not_found' };
    const { ephemeral_to, history: _sandboxOnly, ...shown } = message;
    const payload = {
      type: 'block_actions',
      user: { id: user.id, username: user.name, name: user.name, team_id: team.id },
      api_app_id: APP_ID,
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
      actions: [
        {
          action_id: actionId,
          block_id: found.blockId,
          text: found.element['text'] ?? { type: 'plain_text', text: actionId },
          value: value ?? (typeof found.element['value'] === 'string' ? found.element['value'] : undefined),
          type: 'button',
          action_ts: `${(Date.now() / 1000).toFixed(6)}`,
        },
      ],
    };
    const appUrl = this.#o.appUrl();
    if (appUrl) {
      // Slack ignores the body of a block_actions response; the app answers via response_url or the API.
      const result = await this.#post(team, `${appUrl}/slack/interactivity`, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded');
      if (result.ok) return { ok: true, via: 'http', status: result.reply.status };
      return { ok: true, via: 'http', app_error: result.reason, ...(result.status ? { status: result.status } : {}) };
    }
    const envelope = this.#o.hub.deliver(team.id, 'interactive', payload);
    if (envelope) return { ok: true, via: 'socket', envelope_id: envelope.envelope_id };
    return { ok: false, error: 'app_unreachable' };
  }

  /** Sends Slack's `url_verification` to the app and checks it echoes the challenge. */
  async verifyUrl(appUrl: string, team: SandboxTeam): Promise<{ ok: boolean; error?: string }> {
    const challenge = randomBytes(24).toString('base64url');
    const result = await this.#post(team, `${appUrl}/slack/events`, JSON.stringify({ token: VERIFICATION_TOKEN, challenge, type: 'url_verification' }), 'application/json');
    if (!result.ok) return { ok: false, error: result.reason };
    const reply = replyAsMessage(result.reply);
    const echoed = result.reply.text.trim() === challenge || reply?.['challenge'] === challenge;
    return echoed ? { ok: true } : { ok: false, error: 'challenge_not_echoed' };
  }

  onSocketAck(teamId: string, envelope: Envelope, payload: Record<string, unknown> | undefined): void {
    if (envelope.type !== 'slash_commands' || !payload || Object.keys(payload).length === 0) return;
    const p = envelope.payload;
    this.show({ teamId, channelId: String(p['channel_id']), userId: String(p['user_id']) }, payload);
  }

  onSocketGiveUp(teamId: string, envelope: Envelope): void {
    if (envelope.type === 'events_api') return;
    const p = envelope.payload as Record<string, unknown> & { user?: { id?: string }; channel?: { id?: string } };
    const userId = typeof p['user_id'] === 'string' ? p['user_id'] : p.user?.id;
    const channelId = typeof p['channel_id'] === 'string' ? p['channel_id'] : p.channel?.id;
    const what = envelope.type === 'slash_commands' ? String(p['command']) : 'The button';
    const actor = this.#actor(teamId, channelId, userId);
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

  /** Shows an app reply (rule 3). Returns Slack's error code when the reply is not a message. */
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
    if (original && (reply['replace_original'] === true || reply['replace_original'] === 'true')) {
      workspace.edit(actor.team, actor.channel, original, { ...content.content, editor: actor.team.bot.id });
      return undefined;
    }
    const inChannel = reply['response_type'] === 'in_channel';
    workspace.append(actor.team, actor.channel, {
      user: actor.team.bot.id,
      bot_id: actor.team.botId,
      app_id: APP_ID,
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

  #post(team: SandboxTeam, url: string, body: string, contentType: 'application/x-www-form-urlencoded' | 'application/json', headers?: Record<string, string>): Promise<AppResult> {
    return postToApp({ url, signingSecret: team.signingSecret, body, contentType, timeoutMs: this.#o.ackTimeoutMs, logger: this.#o.logger, ...(headers ? { headers } : {}) });
  }

  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }
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
