import type { NatsConnection } from 'nats';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { renderHelp, renderLangPicker, LANG_ACTIONS } from '../../actors/render.ts';
import { defineCatalog } from '../../actors/i18n/index.ts';
import {
  asSurfingerError,
  codecs,
  CommonErrorCodes,
  MessageTypes,
  PlacementErrorCodes,
  SlackId,
  type Blocks,
  type GameInbound,
  type Lang,
  type Reply,
  type Subjects,
  type TeamActive,
} from '../../protocol/index.ts';
import type { Logger } from './logger.ts';
import { t } from '../../actors/i18n/index.ts';
import { request } from './nats.ts';
import { SeenOnce } from './seen-once.ts';
import type { TeamSettingsStore } from './team-settings.ts';
import type { TokenStore } from './token-store.ts';
import { inviteHint, type BotMembership } from './bot-membership.ts';
import { homeLangKey, homeLangOf } from './app-home.ts';

/**
 * The one place that turns Slack input into NATS traffic. Ingress (HTTP) and the connection
 * supervisor (Socket Mode envelopes) both parse with these schemas and call `SlackRouter`, so a
 * slash command behaves the same whichever transport delivered it.
 */

export const RoutingErrorCodes = {
  /** A Slack payload failed its schema (malformed or not something we route). */
  MALFORMED: 'SF_ERR_SLACK_MALFORMED',
  /** The user or team is over its request budget. */
  RATE_LIMITED: 'SF_ERR_RATE_LIMITED',
} as const;

// ---- user-facing texts of the edges (the game's own texts live in actors/i18n) ---------------

export const edgeText = defineCatalog({
  ko: {
    stillWorking: '⏳ 처리 중이에요… 끝나면 여기에 답할게요.',
    tooSlow: '⌛ 시간이 너무 오래 걸렸어요. 다시 시도해 주세요.',
    rateLimited: '🐢 너무 빨라요! 잠시 후 다시 시도해 주세요.',
    unknownCommand: '`{command}` 명령은 모르겠어요. `/helpgame` 으로 명령 목록을 볼 수 있어요.',
    langChanged: '✅ 이제 이 팀의 언어는 한국어예요.',
    langNowKo: '🌐 {user}님이 팀 언어를 한국어로 바꿨어요.',
    langNowEn: '🌐 {user}님이 팀 언어를 영어로 바꿨어요.',
    unavailable: '😵 지금은 처리할 수 없어요. 잠시 후 다시 시도해 주세요.',
    busy: '🚦 지금은 게임이 너무 많아서 새 게임을 시작할 수 없어요. 1분 뒤에 다시 `/start` 해 주세요.',
    installed: '설치 완료! SurFinger가 {team} 워크스페이스에 추가되었어요. 채널에서 `/start` 로 시작하세요.',
    installFailed: '설치하지 못했어요: {reason}. 처음부터 다시 시도해 주세요.',
  },
  en: {
    stillWorking: '⏳ Working on it… I’ll answer here when it is done.',
    tooSlow: '⌛ That took too long. Please try again.',
    rateLimited: '🐢 Whoa, too fast! Please try again in a moment.',
    unknownCommand: 'I don’t know `{command}`. `/helpgame` lists every command.',
    langChanged: '✅ This team now uses English.',
    langNowKo: '🌐 {user} switched this team’s language to Korean.',
    langNowEn: '🌐 {user} switched this team’s language to English.',
    unavailable: '😵 Can’t do that right now. Please try again in a moment.',
    busy: '🚦 SurFinger is busy right now and cannot start a new game. Please try `/start` again in a minute.',
    installed: 'Installed! SurFinger was added to {team}. Type `/start` in a channel to play.',
    installFailed: 'The install did not complete: {reason}. Please start again.',
  },
});

// ---- Slack payload schemas (only the fields we route on) --------------------------------------

export const SlashCommand = z.object({
  team_id: SlackId,
  channel_id: SlackId,
  user_id: SlackId,
  command: z.string().regex(/^\/[a-z0-9_-]{1,32}$/i, 'not a slash command'),
  /** Longer than MAX_COMMAND_TEXT is answered with the command's usage, not refused (the body limit bounds it). */
  text: z.string().default(''),
  /** Where a late answer goes (Slack: 5 uses within 30 minutes). */
  response_url: z.string().max(1_000).optional(),
});
export type SlashCommand = z.infer<typeof SlashCommand>;

export const BlockActions = z.object({
  type: z.literal('block_actions'),
  team: z.object({ id: SlackId }),
  user: z.object({ id: SlackId }),
  /** Absent for a click on a view (the App Home tab): views have no channel. */
  channel: z.object({ id: SlackId }).optional(),
  view: z.object({ type: z.string().max(32) }).passthrough().optional(),
  message: z.object({ ts: z.string().max(32) }).optional(),
  container: z.object({ message_ts: z.string().max(32).optional() }).optional(),
  /** Where an answer to the click goes (a new channel message with `response_type: in_channel`). */
  response_url: z.string().max(1_000).optional(),
  actions: z
    .array(z.object({ action_id: z.string().max(255), value: z.string().max(2_000).optional(), action_ts: z.string().max(32).optional() }))
    .min(1)
    .max(25),
});
export type BlockActions = z.infer<typeof BlockActions>;

const SlackEvent = z.object({ type: z.string().max(64) }).passthrough();

export const EventCallback = z.object({
  type: z.literal('event_callback'),
  team_id: SlackId,
  event_id: z.string().min(1).max(128),
  event: SlackEvent,
});
export type EventCallback = z.infer<typeof EventCallback>;

/** A plain human channel message; subtypes (edits, joins, bot posts) are not answers. */
const ChannelMessage = z.object({
  type: z.literal('message'),
  channel: SlackId,
  user: SlackId,
  text: z.string().max(40_000),
  ts: z.string().max(32),
});

/** The player opened the app's Home (or Messages) tab. */
const AppHomeOpened = z.object({ type: z.literal('app_home_opened'), user: SlackId, tab: z.string().max(32).optional() });

/** Slack's JSON answer to a slash command (or an empty ack). */
export interface SlackResponse {
  response_type?: 'ephemeral' | 'in_channel';
  text?: string;
  blocks?: Blocks;
}

// ---- collaborators ----------------------------------------------------------------------------

/** Fixed-window counters in Redis, shared by every ingress replica and supervisor. */
export interface RateLimits {
  /** Requests per user per minute (slash commands + button clicks). */
  userPerMinute: number;
  /** Requests per team per minute. */
  teamPerMinute: number;
}

export class RedisRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: RateLimits,
  ) {}

  /** True when the request may proceed. Counts it either way: a flood keeps itself limited. */
  async allow(team: string, user: string, now: number): Promise<boolean> {
    const window = windowOf(now);
    const userKey = `${this.prefix}:rl:u:${team}:${user}:${window}`;
    const teamKey = `${this.prefix}:rl:t:${team}:${window}`;
    const res = await this.redis.multi().incr(userKey).pexpire(userKey, 61_000).incr(teamKey).pexpire(teamKey, 61_000).exec();
    const userCount = Number(res?.[0]?.[1] ?? 0);
    const teamCount = Number(res?.[2]?.[1] ?? 0);
    return withinLimits({ userCount, teamCount }, this.limits);
  }
}

/** Pure parts of the fixed-window limiter. */
export function windowOf(now: number, windowMs = 60_000): number {
  return Math.floor(now / windowMs);
}
export function withinLimits(counts: { userCount: number; teamCount: number }, limits: RateLimits): boolean {
  return counts.userCount <= limits.userPerMinute && counts.teamCount <= limits.teamPerMinute;
}

/**
 * The router's seam to game actors, owned here so common/ needs nothing of the actor host:
 * resolves with the actor's reply, or null when no game wanted the event. Commands and clicks
 * `activate` the actor; plain chat does not, except in a channel with a game in progress (an
 * answer sent while its game moves to another host must wait for it, not be dropped).
 */
export interface GameSender {
  send(msg: GameInbound, opts: { activate: boolean; timeoutMs: number; budgetMs: number }): Promise<Reply | null>;
}

export interface SlackRouterDeps {
  nc: NatsConnection;
  subjects: Subjects;
  redis: Redis;
  settings: TeamSettingsStore;
  tokens: TokenStore;
  log: Logger;
  limiter?: RedisRateLimiter;
  now?: () => number;
  /** Slack drops a response after 3 s; we answer "still working" before that. */
  replyBudgetMs?: number;
  /** The way to a channel's game actor (the actor host's placement client, wired by the edge). */
  games: GameSender;
  /** `/start` where the bot is not a channel member answers with an invite hint (bot-membership.ts). */
  membership?: Pick<BotMembership, 'isMember'>;
}

const RANKING_COMMANDS = { rank: 'rank', myscore: 'myscore', score: 'score', badge: 'badge' } as const;
const GAME_COMMANDS = { start: 'start', exit: 'exit', duel: 'duel' } as const;
/** Socket Mode redelivers an envelope whose ack was lost: remember command/click envelope ids this long. */
const ENVELOPE_DEDUPE_SECONDS = 3_600;
/** What a game command's text may hold (protocol GameCommand); longer text gets the usage line. */
const MAX_COMMAND_TEXT = 1_000;
/** ioredis queues commands while it reconnects; the limiter gets this long, then lets the request through. */
const LIMITER_BUDGET_MS = 300;
/**
 * How long a command's work may run. Slack gets an answer within the reply budget either way; a
 * slower answer (an actor moving hosts, a busy ranking) goes to the command's response_url.
 */
const COMMAND_WORK_MS = 10_000;
/** Per attempt to reach a game actor: several fit in the reply budget. */
const GAME_REQUEST_MS = 1_000;
/** A player's Home language choice is remembered a year (every choice renews it). */
const HOME_LANG_SECONDS = 365 * 24 * 3_600;

/** What became of an event; `no_game` = plain chat in a channel without a game (nothing was activated). */
export type EventOutcome = 'forwarded' | 'no_game' | 'ignored' | 'removed' | 'home';

export class SlackRouter {
  private readonly now: () => number;
  private readonly budgetMs: number;
  private readonly seen: SeenOnce;

  constructor(private readonly deps: SlackRouterDeps) {
    this.now = deps.now ?? Date.now;
    this.budgetMs = deps.replyBudgetMs ?? 2_500;
    this.seen = new SeenOnce(deps.redis, deps.log);
  }

  /** A slash command → the body Slack shows the user; always resolves within the reply budget. */
  async command(cmd: SlashCommand): Promise<SlackResponse> {
    const log = this.deps.log.child({ team: cmd.team_id, channel: cmd.channel_id, command: cmd.command });
    // Until the team's settings are read we do not know its language; Korean is the default.
    let lang: Lang = 'ko';
    const work = (async () => {
      lang = (await this.deps.settings.get(cmd.team_id)).lang;
      if (!(await this.allowed(cmd.team_id, cmd.user_id))) return ephemeral(edgeText(lang, 'rateLimited'));
      return this.dispatchCommand(cmd.command.slice(1).toLowerCase(), cmd, lang, log);
    })().catch((err: unknown) => {
      const e = asSurfingerError(err);
      // A full cluster is a planned refusal (admission control), not a fault: info, and its own answer.
      if (e.code === PlacementErrorCodes.CLUSTER_FULL) {
        log.info({ code: e.code }, 'command refused: no room for a new game');
        return ephemeral(edgeText(lang, 'busy'));
      }
      log.warn({ code: e.code, reason: e.message }, 'command failed');
      return ephemeral(edgeText(lang, 'unavailable'));
    });
    // The whole command, settings lookup included, races Slack's 3 s limit. A late answer is not
    // lost: it goes to the command's response_url once ready (through egress, the only Slack caller).
    return withBudget(work, this.budgetMs, () => {
      const url = cmd.response_url;
      if (!url) return ephemeral(edgeText(lang, 'tooSlow'));
      void work.then((late) => this.respondLate(cmd, url, late, log));
      return ephemeral(edgeText(lang, 'stillWorking'));
    });
  }

  /** Posts a command's late answer to its response_url; an empty answer (ack only) posts nothing. */
  private async respondLate(cmd: SlashCommand, responseUrl: string, answer: SlackResponse, log: Logger): Promise<void> {
    if (answer.text === undefined && answer.blocks === undefined) return;
    try {
      const reply = await request(
        this.deps.nc,
        this.deps.subjects.egress('reply', cmd.team_id, cmd.channel_id),
        codecs.egressRequest,
        {
          type: MessageTypes.egressRequest,
          team: cmd.team_id,
          channel: cmd.channel_id,
          op: 'respond',
          responseUrl,
          responseType: answer.response_type ?? 'ephemeral',
          text: answer.text ?? '',
          ...(answer.blocks ? { blocks: answer.blocks } : {}),
          idempotencyKey: `respond:${responseUrl.slice(-80)}`,
        },
        codecs.egressReply,
        10_000,
      );
      if (!reply.ok) log.warn({ code: reply.code, reason: reply.error }, 'late command answer not delivered');
    } catch (err) {
      const e = asSurfingerError(err);
      log.warn({ code: e.code, reason: e.message }, 'late command answer not delivered');
    }
  }

  private async dispatchCommand(name: string, cmd: SlashCommand, lang: Lang, log: Logger): Promise<SlackResponse> {
    if (name === 'helpgame') return { response_type: 'ephemeral', ...renderHelp(lang) };
    if (name === 'lang') return { response_type: 'ephemeral', ...renderLangPicker(lang) };
    if (cmd.text.length > MAX_COMMAND_TEXT) return name === 'start' ? ephemeral(t(lang, 'usage')) : { response_type: 'ephemeral', ...renderHelp(lang) };
    if (name in GAME_COMMANDS) {
      if (name === 'start' && this.deps.membership && !(await this.deps.membership.isMember(cmd.team_id, cmd.channel_id))) return ephemeral(inviteHint(lang));
      const reply = await this.toGame(
        {
          type: MessageTypes.gameCommand,
          team: cmd.team_id,
          channel: cmd.channel_id,
          user: cmd.user_id,
          command: GAME_COMMANDS[name as keyof typeof GAME_COMMANDS],
          text: cmd.text,
          lang,
          receivedAt: this.now(),
        },
        true,
        COMMAND_WORK_MS,
      );
      return reply === null ? {} : fromReply(reply);
    }
    if (name in RANKING_COMMANDS) {
      const reply = await request(
        this.deps.nc,
        this.deps.subjects.rankingQuery(),
        codecs.rankingQuery,
        {
          type: MessageTypes.rankingQuery,
          kind: RANKING_COMMANDS[name as keyof typeof RANKING_COMMANDS],
          team: cmd.team_id,
          channel: cmd.channel_id,
          user: cmd.user_id,
          lang,
          text: cmd.text,
        },
        codecs.reply,
        COMMAND_WORK_MS,
      );
      return fromReply(reply);
    }
    log.info('unknown command');
    return ephemeral(edgeText(lang, 'unknownCommand', { command: cmd.command }));
  }

  /**
   * A button press. The HTTP/socket ack carries nothing (Slack ignores block_actions response
   * bodies); confirmations go out through egress as ephemeral messages.
   */
  async interaction(payload: BlockActions): Promise<void> {
    if (!payload.channel) return this.viewInteraction(payload);
    const team = payload.team.id;
    const channel = payload.channel.id;
    const user = payload.user.id;
    const log = this.deps.log.child({ team, channel });
    if (!(await this.allowed(team, user))) {
      const { lang } = await this.deps.settings.get(team);
      await this.ephemeral(team, channel, user, edgeText(lang, 'rateLimited'), `rl:${team}:${user}:${windowOf(this.now())}`, log);
      return;
    }
    for (const action of payload.actions) {
      const picked = action.action_id === LANG_ACTIONS.ko ? 'ko' : action.action_id === LANG_ACTIONS.en ? 'en' : null;
      if (picked) {
        await this.deps.settings.update(team, { lang: picked });
        log.info({ lang: picked }, 'team language changed');
        await this.announceLang(payload, picked, `lang:${team}:${user}:${action.action_ts ?? this.now()}`, log);
        continue;
      }
      const reply = await this.toGame(
        {
          type: MessageTypes.gameClick,
          team,
          channel,
          user,
          actionId: action.action_id,
          value: action.value ?? '',
          messageTs: payload.message?.ts ?? payload.container?.message_ts ?? '',
          receivedAt: this.now(),
        },
        true,
        // Acked already: a click may wait for an actor that is moving hosts.
        COMMAND_WORK_MS,
      ).catch((err: unknown) => {
        const e = asSurfingerError(err);
        log.warn({ code: e.code, reason: e.message }, 'click not delivered');
        return null;
      });
      if (reply?.text && reply.responseType !== 'none') {
        await this.ephemeral(team, channel, user, reply.text, `click:${team}:${user}:${action.action_ts ?? this.now()}`, log);
      }
    }
  }

  /** A click on a view: the Home tab's language toggle re-publishes the Home in the picked language. */
  private async viewInteraction(payload: BlockActions): Promise<void> {
    const team = payload.team.id;
    const user = payload.user.id;
    const log = this.deps.log.child({ team, user });
    if (payload.view?.type !== 'home') return log.info({ view: payload.view?.type ?? null }, 'click outside a channel or the Home tab ignored');
    // Nowhere to tell a rate-limited user on a view; the click simply does nothing.
    if (!(await this.allowed(team, user))) return;
    for (const action of payload.actions) {
      const lang = homeLangOf(action.action_id);
      if (!lang) {
        log.info({ actionId: action.action_id.slice(0, 64) }, 'unknown Home tab action ignored');
        continue;
      }
      await this.deps.redis.set(homeLangKey(this.deps.subjects.prefix, team, user), lang, 'EX', HOME_LANG_SECONDS);
      await this.publishHome(team, user, log);
    }
  }

  /**
   * The player's Home tab: ranking renders it from their records, egress publishes it (views.publish).
   * Language: the player's own Home choice, else the team's.
   */
  private async publishHome(team: string, user: string, log: Logger): Promise<void> {
    try {
      const chosen = await this.deps.redis.get(homeLangKey(this.deps.subjects.prefix, team, user));
      const lang: Lang = chosen === 'ko' || chosen === 'en' ? chosen : (await this.deps.settings.get(team)).lang;
      const view = await request(
        this.deps.nc,
        this.deps.subjects.rankingQuery(),
        codecs.rankingQuery,
        // A view has no channel: the user id stands in (protocol RankingQuery `home`).
        { type: MessageTypes.rankingQuery, kind: 'home', team, channel: user, user, lang, text: '' },
        codecs.reply,
        COMMAND_WORK_MS,
      );
      if (!view.ok || !view.blocks) return log.warn({ code: view.code }, 'home view not rendered');
      const published = await request(
        this.deps.nc,
        this.deps.subjects.egress('reply', team, user),
        codecs.egressRequest,
        { type: MessageTypes.egressRequest, team, channel: user, op: 'publish', user, text: view.text ?? '', blocks: view.blocks, idempotencyKey: `home:${team}:${user}:${this.now()}` },
        codecs.egressReply,
        COMMAND_WORK_MS,
      );
      if (!published.ok) log.warn({ code: published.code, reason: published.error }, 'home view not published');
    } catch (err) {
      const e = asSurfingerError(err);
      log.warn({ code: e.code, reason: e.message }, 'home view not published');
    }
  }

  /**
   * An Events API callback (HTTP or a Socket Mode `events_api` envelope). Resolves once the event
   * was durably handed on — the game actor answers only after committing it — or is known to be
   * unwanted; the caller acks only then. Throws when the handoff failed: the caller must not ack
   * (socket) / must answer 5xx (HTTP), so Slack redelivers. Redeliveries are harmless: the game
   * itself recognises an answer it already has (actors/game.ts), with or without Redis.
   */
  async event(body: EventCallback): Promise<EventOutcome> {
    const team = body.team_id;
    const kind = body.event.type;
    if (kind === 'app_uninstalled' || kind === 'tokens_revoked') {
      if (kind === 'tokens_revoked' && !(await this.deps.tokens.revoke(team, body.event.tokens)).botRevoked) return 'ignored';
      await this.removeTeam(team, kind);
      return 'removed';
    }
    if (kind === 'app_home_opened') {
      const opened = AppHomeOpened.safeParse(body.event);
      if (!opened.success || opened.data.tab !== 'home') return 'ignored';
      // Nothing durable rides on this event: ack within the budget whether or not the view is out yet.
      const work = this.publishHome(team, opened.data.user, this.deps.log.child({ team, user: opened.data.user }));
      await withBudget(work, this.budgetMs, () => undefined);
      return 'home';
    }
    if (kind !== 'message' || 'subtype' in body.event || 'bot_id' in body.event) return 'ignored';
    const parsed = ChannelMessage.safeParse(body.event);
    if (!parsed.success) return 'ignored';
    const m = parsed.data;
    // Plain chat must cost almost nothing: no activation, and no responder simply means no game.
    const reply = await this.toGame(
      { type: MessageTypes.gameMessage, team, channel: m.channel, user: m.user, text: m.text, ts: m.ts, eventId: body.event_id, receivedAt: this.now() },
      false,
    );
    return reply === null ? 'no_game' : 'forwarded';
  }

  /** Marks a Socket Mode envelope id as seen; false when another delivery (or replica) got there first. */
  firstDelivery(envelopeId: string): Promise<boolean> {
    return this.seen.claim(`${this.deps.subjects.prefix}:seen-envelope:${envelopeId}`, ENVELOPE_DEDUPE_SECONDS);
  }

  async removeTeam(team: string, reason: 'app_uninstalled' | 'tokens_revoked' | 'admin'): Promise<void> {
    const existed = await this.deps.tokens.delete(team);
    this.deps.nc.publish(this.deps.subjects.teamRemoved(team), codecs.teamRemoved.encode({ type: MessageTypes.teamRemoved, team, reason, at: this.now() }));
    this.deps.log.info({ team, reason, existed }, 'team removed');
  }

  teamActive(team: string, reason: TeamActive['reason']): void {
    this.deps.nc.publish(this.deps.subjects.teamActive(team), codecs.teamActive.encode({ type: MessageTypes.teamActive, team, reason, at: this.now() }));
  }

  private async allowed(team: string, user: string): Promise<boolean> {
    if (!this.deps.limiter) return true;
    // Abuse protection, not a reason to refuse every command while Redis is briefly unreachable.
    const unreachable = (reason: string) => {
      this.deps.log.warn({ team, code: CommonErrorCodes.REDIS, reason }, 'rate limiter unreachable; allowing');
      return true;
    };
    const counted = this.deps.limiter.allow(team, user, this.now()).catch((err: unknown) => unreachable((err as Error).message));
    const ok = await withBudget(counted, LIMITER_BUDGET_MS, () => unreachable(`no answer within ${LIMITER_BUDGET_MS} ms`));
    if (!ok) this.deps.log.info({ team, user, code: RoutingErrorCodes.RATE_LIMITED }, 'rate limited');
    return ok;
  }

  /**
   * Through the game sender (the actor host's placement client): commands and clicks activate, plain chat never does.
   * Retries (an actor moving hosts) stay inside `budgetMs`: the reply budget for events, whose ack
   * waits for this, so Slack hears back within 3 s.
   */
  private toGame(msg: GameInbound, activate: boolean, budgetMs = this.budgetMs): Promise<Reply | null> {
    return this.deps.games.send(msg, { activate, timeoutMs: Math.min(GAME_REQUEST_MS, this.budgetMs), budgetMs });
  }

  /**
   * The whole channel hears of a language switch — everyone's game texts change — in both
   * languages, the new one first, so nobody is left reading a language they did not choose. It goes
   * to the click's response_url (ingress may not post in channels); without one, the clicker alone is told.
   */
  private async announceLang(payload: BlockActions, picked: Lang, idempotencyKey: string, log: Logger): Promise<void> {
    const [team, channel, user] = [payload.team.id, payload.channel?.id, payload.user.id];
    // The language buttons live on channel messages; a view (App Home) has its own toggle.
    if (channel === undefined) return;
    const url = payload.response_url;
    if (url === undefined) return this.ephemeral(team, channel, user, edgeText(picked, 'langChanged'), idempotencyKey, log);
    const key = picked === 'ko' ? 'langNowKo' : 'langNowEn';
    const text = [picked, picked === 'ko' ? 'en' : 'ko'].map((lang) => edgeText(lang as Lang, key, { user: `<@${user}>` })).join('\n');
    try {
      const reply = await request(
        this.deps.nc,
        this.deps.subjects.egress('reply', team, channel),
        codecs.egressRequest,
        { type: MessageTypes.egressRequest, team, channel, op: 'respond', responseUrl: url, responseType: 'in_channel', text, idempotencyKey },
        codecs.egressReply,
        this.budgetMs,
      );
      if (!reply.ok) log.warn({ code: reply.code, reason: reply.error }, 'language notice not delivered');
    } catch (err) {
      const e = asSurfingerError(err);
      log.warn({ code: e.code, reason: e.message }, 'language notice not delivered');
    }
  }

  private async ephemeral(team: string, channel: string, user: string, text: string, idempotencyKey: string, log: Logger): Promise<void> {
    try {
      await request(
        this.deps.nc,
        this.deps.subjects.egress('reply', team, channel),
        codecs.egressRequest,
        { type: MessageTypes.egressRequest, team, channel, op: 'ephemeral', user, text, idempotencyKey },
        codecs.egressReply,
        this.budgetMs,
      );
    } catch (err) {
      const e = asSurfingerError(err);
      log.warn({ code: e.code, reason: e.message }, 'ephemeral not delivered');
    }
  }
}

function ephemeral(text: string): SlackResponse {
  return { response_type: 'ephemeral', text };
}

/** A Reply from NATS as Slack's response body; `none` acks without showing anything. */
export function fromReply(reply: Reply): SlackResponse {
  if (reply.responseType === 'none' || reply.responseType === undefined) return {};
  return {
    response_type: reply.responseType,
    ...(reply.text === undefined ? {} : { text: reply.text }),
    ...(reply.blocks === undefined ? {} : { blocks: reply.blocks }),
  };
}

/** Resolves with `work` or, if it is slower than `ms`, with `fallback()` (work keeps running). */
export function withBudget<T>(work: Promise<T>, ms: number, fallback: () => T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback()), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Zod issues as one short line for a 400 body or a log field. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}
