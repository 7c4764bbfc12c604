import { stripMarkers } from '../../actors/markers.ts';
import { missionTarget } from '../../actors/missions.ts';
import { missionFromBanner, type MissionView } from '../../actors/render.ts';
import { SandboxDriver, type ChannelMessage } from '../../services/bots/driver.ts';
import type { Cluster } from '../../services/local/cluster.ts';

/**
 * What end-to-end tests do in a channel, the way a person would: type commands and messages in
 * the sandbox, and read the channel until the bot has posted what they wait for.
 */
export class Channel {
  readonly driver: SandboxDriver;

  constructor(
    cluster: Pick<Cluster, 'sandboxUrl'>,
    readonly team: string,
    readonly channel: string,
  ) {
    this.driver = new SandboxDriver(cluster.sandboxUrl);
  }

  command(user: string, command: string, text = ''): Promise<Record<string, unknown>> {
    return this.driver.command(this.team, this.channel, user, command, text);
  }

  /** Resolves with the message's ts. */
  say(user: string, text: string): Promise<string> {
    return this.driver.message(this.team, this.channel, user, text);
  }

  messages(): Promise<ChannelMessage[]> {
    return this.driver.messages(this.team, this.channel);
  }

  /** Polls the channel until `pick` returns something. */
  async waitFor<T>(what: string, pick: (messages: ChannelMessage[]) => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last: ChannelMessage[] = [];
    while (Date.now() < deadline) {
      last = await this.messages();
      const found = pick(last);
      if (found !== undefined) return found;
      await new Promise((r) => setTimeout(r, 150));
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} in ${this.team}/${this.channel}; last messages:\n${last.map((m) => `  ${m.user}: ${m.text.slice(0, 160)}`).join('\n')}`);
  }

  /** The newest bot message with a block whose block_id starts with `prefix`, after `afterTs`. */
  async waitForBlock(prefix: string, afterTs = '0', timeoutMs = 30_000): Promise<{ message: ChannelMessage; text: string }> {
    return this.waitFor(`a "${prefix}" block`, (messages) => {
      for (const message of [...messages].reverse()) {
        if (message.bot_id === undefined || Number(message.ts) <= Number(afterTs)) continue;
        const block = message.blocks?.find((b) => (b.block_id ?? '').startsWith(prefix));
        if (block) return { message, text: blockText(block) };
      }
      return undefined;
    }, timeoutMs);
  }

  /** Waits for the prompt and returns it as shown (with markers) and as a person would type it. */
  async waitForPrompt(afterTs = '0', timeoutMs = 30_000): Promise<{ ts: string; shown: string; typed: string }> {
    const { message, text } = await this.waitForBlock('prompt', afterTs, timeoutMs);
    return { ts: message.ts, shown: text, typed: stripMarkers(text) };
  }
}

export function blockText(block: { text?: { text: string }; elements?: Array<Record<string, unknown>>; fields?: unknown }): string {
  const parts: string[] = [];
  if (block.text?.text) parts.push(block.text.text);
  for (const el of block.elements ?? []) if (typeof el.text === 'string') parts.push(el.text);
  if (Array.isArray(block.fields)) for (const f of block.fields) if (typeof (f as { text?: unknown }).text === 'string') parts.push((f as { text: string }).text);
  return parts.join('\n');
}

/** Everything a message says, its text and the text of all its blocks. */
export function messageText(message: ChannelMessage): string {
  return [message.text, ...(message.blocks ?? []).map((b) => blockText(b as Parameters<typeof blockText>[0]))].join('\n');
}

/** The round's mission as its banner announces it (null: none). */
export function missionOf(message: ChannelMessage, lang: 'ko' | 'en'): MissionView | null {
  const banner = message.blocks?.find((b) => b.block_id === 'mission')?.text?.text ?? '';
  return missionFromBanner(lang, banner);
}

/** What the round asks players to type: the prompt, transformed by the round's mission if any. */
export function targetOf(message: ChannelMessage, typed: string, lang: 'ko' | 'en'): string {
  const mission = missionOf(message, lang);
  return missionTarget(mission?.id ?? null, typed, lang, mission?.args ?? null);
}

/** A few jamo-level slips: replaces letters near the end with a neighbour. */
export function withTypos(text: string, n: number): string {
  const chars = [...text];
  let done = 0;
  for (let i = chars.length - 1; i >= 0 && done < n; i--) {
    if (!/\p{L}/u.test(chars[i]!)) continue;
    chars[i] = /[a-z]/i.test(chars[i]!) ? (chars[i] === 'x' ? 'y' : 'x') : chars[i] === '가' ? '나' : '가';
    done++;
  }
  return chars.join('');
}
