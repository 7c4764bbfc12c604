import { SurfingerError } from '../../protocol/errors.ts';
import { BotErrorCodes } from './errors.ts';

/**
 * The sandbox's driver API (services/sandbox): the bots act as people would — type a slash
 * command, send a channel message, press a button — and read the channel history a person sees.
 */

export interface Block {
  type: string;
  block_id?: string;
  text?: { type: string; text: string };
  elements?: Array<Record<string, unknown>>;
}

export interface ChannelMessage {
  ts: string;
  user: string;
  text: string;
  blocks?: Block[];
  bot_id?: string;
  ephemeral_to?: string;
  edited?: { ts: string };
}

export class SandboxDriver {
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: Record<string, string>): Promise<T> {
    let res: Response;
    try {
      res = await fetch(new URL(path, this.baseUrl), {
        method,
        ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
      });
    } catch (cause) {
      throw new SurfingerError(BotErrorCodes.SANDBOX, `${method} ${path}: sandbox unreachable at ${this.baseUrl}`, { cause });
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const ok = res.ok && (json as { ok?: unknown } | undefined)?.ok !== false;
    if (!ok) {
      const error = (json as { error?: unknown } | undefined)?.error ?? text.slice(0, 200);
      throw new SurfingerError(BotErrorCodes.SANDBOX, `${method} ${path}: HTTP ${res.status} ${String(error)}`, { details: { status: res.status } });
    }
    return json as T;
  }

  /** A slash command typed by `user`; resolves with the app's response (what the user sees). */
  command(team: string, channel: string, user: string, command: string, text: string): Promise<Record<string, unknown>> {
    return this.call('POST', '/sandbox/v1/command', { team_id: team, channel_id: channel, user_id: user, command, text });
  }

  /** A channel message typed by `user`; resolves with its Slack ts. */
  async message(team: string, channel: string, user: string, text: string): Promise<string> {
    return (await this.call<{ ts: string }>('POST', '/sandbox/v1/message', { team_id: team, channel_id: channel, user_id: user, text })).ts;
  }

  /** Every team with its channels and users. */
  async teams(): Promise<Array<{ id: string; channels: Array<{ id: string }>; users: Array<{ id: string }> }>> {
    return (await this.call<{ teams: Array<{ id: string; channels: Array<{ id: string }>; users: Array<{ id: string }> }> }>('GET', '/sandbox/v1/workspace')).teams;
  }

  /** Presses a button on a message (e.g. King of the Keyboard's join). */
  async click(team: string, channel: string, user: string, messageTs: string, actionId: string, value: string): Promise<void> {
    await this.call('POST', '/sandbox/v1/click', { team_id: team, channel_id: channel, user_id: user, message_ts: messageTs, action_id: actionId, value });
  }

  /** Channel history, oldest first, including bot posts with their blocks. */
  async messages(team: string, channel: string): Promise<ChannelMessage[]> {
    const query = new URLSearchParams({ team_id: team, channel_id: channel });
    const out = await this.call<{ messages: ChannelMessage[] }>('GET', `/sandbox/v1/messages?${query}`);
    return out.messages;
  }
}
