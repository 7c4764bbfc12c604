import { WebClient } from '@slack/web-api';
import type { Redis } from 'ioredis';
import { defineCatalog } from '../../actors/i18n/index.ts';
import { asSurfingerError, type Lang } from '../../protocol/index.ts';
import type { Logger } from './logger.ts';
import { platformError, slackSdkLogger } from './slack-sdk.ts';
import type { TokenStore } from './token-store.ts';

/**
 * Is the bot a member of this channel? Slack refuses `chat.postMessage` from a bot that is not in
 * the channel (`not_in_channel`), and a game's posts go out through egress after the `/start`
 * reply: the player would see nothing. So `/start` asks first, and the answer to the slash
 * command itself — which Slack shows whatever the bot's membership — tells the player to invite
 * the bot.
 * 1. `conversations.info` says `is_member`; a private channel the bot is not in is
 *    `channel_not_found` to the bot, which also means "not a member".
 * 2. A "yes" is cached in Redis (shared by every replica) for a few minutes; a "no" is not, so the
 *    `/start` right after `/invite` plays.
 * 3. Any other failure (Slack down, a missing scope) answers "yes": the check must never stop a
 *    game that could run, and egress still reports a refused post.
 */

const MEMBER_CACHE_SEC = 300;

export const membershipText = defineCatalog({
  ko: { inviteBot: '🙋 이 채널에 SurFinger 봇이 없어서 게임을 올릴 수 없어요. `/invite @surfinger` 로 초대한 다음 다시 `/start` 해 주세요.' },
  en: { inviteBot: '🙋 SurFinger’s bot is not in this channel, so it cannot post the game. Invite it with `/invite @surfinger`, then `/start` again.' },
});

export function inviteHint(lang: Lang): string {
  return membershipText(lang, 'inviteBot');
}

export class BotMembership {
  constructor(
    private readonly deps: { redis: Redis; prefix: string; tokens: TokenStore; slackApiUrl: string; log: Logger },
  ) {}

  async isMember(team: string, channel: string): Promise<boolean> {
    const key = `${this.deps.prefix}:bot-member:${team}:${channel}`;
    if ((await this.deps.redis.get(key)) !== null) return true;
    const bot = await this.deps.tokens.freshBotToken(team).catch(() => null);
    // Not installed: egress will say so; membership is not the problem to report.
    if (!bot) return true;
    try {
      const client = new WebClient(bot.token, { slackApiUrl: this.deps.slackApiUrl, logger: slackSdkLogger(this.deps.log), retryConfig: { retries: 1 }, timeout: 2_000 });
      const res = await client.conversations.info({ channel });
      if (res.channel?.is_member === false) return false;
      await this.deps.redis.set(key, '1', 'EX', MEMBER_CACHE_SEC);
      return true;
    } catch (err) {
      const slackError = platformError(err);
      if (slackError === 'channel_not_found') return false;
      const e = asSurfingerError(err);
      this.deps.log.warn({ team, channel, code: e.code, slackError, reason: e.message.slice(0, 200) }, 'bot membership unknown; starting anyway');
      return true;
    }
  }
}
