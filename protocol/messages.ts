import { z } from 'zod';

/**
 * Every payload that crosses NATS. Each carries a versioned `type` id; a process validates a
 * payload with these schemas where it enters (see codec.ts) and rejects, never crashes, on a
 * mismatch. Fields are plain data so msgpack round-trips them exactly.
 */
export const MessageTypes = {
  gameCommand: 'surfinger.game.v1.command',
  gameMessage: 'surfinger.game.v1.message',
  gameClick: 'surfinger.game.v1.click',
  gameEvent: 'surfinger.game.v1.event',
  reply: 'surfinger.reply.v1',
  activate: 'surfinger.placement.v1.activate',
  activated: 'surfinger.placement.v1.activated',
  hostLoad: 'surfinger.placement.v1.load',
  rankingQuery: 'surfinger.ranking.v1.query',
  egressRequest: 'surfinger.egress.v1.request',
  egressReply: 'surfinger.egress.v1.reply',
  teamActive: 'surfinger.supervisor.v1.active',
  teamRemoved: 'surfinger.supervisor.v1.removed',
  supervisorState: 'surfinger.supervisor.v1.state',
  roundResult: 'surfinger.result.v1.round',
  gameResult: 'surfinger.result.v1.game',
  notice: 'surfinger.admin.v1.notice',
  tournamentRequest: 'surfinger.tournament.v1.request',
  tournamentReply: 'surfinger.tournament.v1.reply',
} as const;
export type MessageType = (typeof MessageTypes)[keyof typeof MessageTypes];

/** Slack ids are short uppercase alphanumerics; anything else is not an id we route on. */
export const SlackId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'not a Slack id');
export const Lang = z.enum(['ko', 'en']);
export type Lang = z.infer<typeof Lang>;
/** Block Kit is open-ended JSON; Slack validates it, we only carry it. */
export const Blocks = z.array(z.record(z.string(), z.unknown())).max(50);
export type Blocks = z.infer<typeof Blocks>;
const Millis = z.number().int().nonnegative();
/** Slack caps message text at 40,000 characters; a bigger payload is not a message. */
const Text = z.string().max(40_000);

// ---- game actor inbox: subjects.game(team, channel) -------------------------------------------

export const GameCommand = z.object({
  type: z.literal(MessageTypes.gameCommand),
  team: SlackId,
  channel: SlackId,
  user: SlackId,
  /** `duel`: `/duel @user [rounds]`, a head-to-head challenge in this channel. */
  command: z.enum(['start', 'exit', 'duel']),
  /** What followed the slash command, e.g. `round 3 hard`. */
  text: z.string().max(1_000),
  lang: Lang,
  receivedAt: Millis,
});
export type GameCommand = z.infer<typeof GameCommand>;

export const GameMessage = z.object({
  type: z.literal(MessageTypes.gameMessage),
  team: SlackId,
  channel: SlackId,
  user: SlackId,
  text: Text,
  /** Slack's message ts; with team+channel it identifies the message. */
  ts: z.string().max(32),
  /** Slack's event id (or envelope id), used to drop redeliveries. */
  eventId: z.string().max(128),
  receivedAt: Millis,
});
export type GameMessage = z.infer<typeof GameMessage>;

export const GameClick = z.object({
  type: z.literal(MessageTypes.gameClick),
  team: SlackId,
  channel: SlackId,
  user: SlackId,
  actionId: z.string().max(255),
  value: z.string().max(2_000),
  messageTs: z.string().max(32),
  receivedAt: Millis,
});
export type GameClick = z.infer<typeof GameClick>;

export const GameInbound = z.discriminatedUnion('type', [GameCommand, GameMessage, GameClick]);
export type GameInbound = z.infer<typeof GameInbound>;

// ---- game event log: subjects.gameEvents(gameId), JetStream stream `streams.events` -----------

/** The pure core's input (actors/contract.ts ActorEvent), as logged for replay. */
export const ActorEventRecord = z.discriminatedUnion('type', [
  z.object({ type: z.literal('command'), user: SlackId, command: z.enum(['start', 'exit', 'duel']), text: z.string().max(1_000), lang: Lang }),
  z.object({ type: z.literal('message'), user: SlackId, text: Text, ts: z.string().max(32), eventId: z.string().max(128) }),
  z.object({ type: z.literal('click'), user: SlackId, actionId: z.string().max(255), value: z.string().max(2_000), messageTs: z.string().max(32) }),
  z.object({ type: z.literal('tick') }),
]);

/**
 * One event a game's actor processed, with the `now` it was processed at: re-running the pure core
 * over a game's records reproduces its results (`surfinger replay`). The first record of a game
 * (seq 1) carries `base`, the actor state just before it, because the RNG seed lives in state.
 */
export const GameEvent = z.object({
  type: z.literal(MessageTypes.gameEvent),
  gameId: SlackId,
  team: SlackId,
  channel: SlackId,
  seq: z.number().int().positive(),
  now: Millis,
  event: ActorEventRecord,
  base: z.unknown().optional(),
});
export type GameEvent = z.infer<typeof GameEvent>;

/**
 * The answer to any request (game inbox, ranking query, activation failures). For slash commands
 * ingress turns it into the HTTP response body Slack shows the user.
 */
export const Reply = z.object({
  type: z.literal(MessageTypes.reply),
  ok: z.boolean(),
  /** SF_ERR_* when !ok. */
  code: z.string().optional(),
  responseType: z.enum(['ephemeral', 'in_channel', 'none']).default('none'),
  text: Text.optional(),
  blocks: Blocks.optional(),
});
export type Reply = z.input<typeof Reply>;

// ---- placement --------------------------------------------------------------------------------

export const Activate = z.object({
  type: z.literal(MessageTypes.activate),
  team: SlackId,
  channel: SlackId,
  reason: z.enum(['command', 'click', 'timer', 'restore', 'message']),
  /** Hops so far; placement forwards at most once to a less-loaded host. */
  hops: z.number().int().min(0).max(3).default(0),
});
export type Activate = z.input<typeof Activate>;

export const Activated = z.object({
  type: z.literal(MessageTypes.activated),
  ok: z.boolean(),
  hostId: z.string().max(128),
  code: z.string().optional(),
});
export type Activated = z.infer<typeof Activated>;

export const HostLoad = z.object({
  type: z.literal(MessageTypes.hostLoad),
  hostId: z.string().max(128),
  games: z.number().int().nonnegative(),
  running: z.number().int().nonnegative(),
  heapUsed: z.number().nonnegative(),
  draining: z.boolean(),
  at: Millis,
  /** The host's budget of running games (SF_HOST_MAX_GAMES); absent = no budget (placement gives it any number). */
  capacity: z.number().int().positive().optional(),
});
export type HostLoad = z.infer<typeof HostLoad>;

// ---- ranking ----------------------------------------------------------------------------------

export const RankingQuery = z.object({
  type: z.literal(MessageTypes.rankingQuery),
  /**
   * `home`: the player's App Home view (Reply.blocks); `channel` then carries the user id (a view has no channel).
   * `/rank duel` is kind `rank` with text `duel`: the team's duel ratings.
   */
  kind: z.enum(['rank', 'myscore', 'score', 'badge', 'home']),
  team: SlackId,
  channel: SlackId,
  user: SlackId,
  lang: Lang,
  text: z.string().max(1_000).default(''),
});
export type RankingQuery = z.input<typeof RankingQuery>;

// ---- egress -----------------------------------------------------------------------------------

export const EgressRequest = z.object({
  type: z.literal(MessageTypes.egressRequest),
  team: SlackId,
  channel: SlackId,
  /**
   * `respond`: a slash command's late answer, POSTed to its `responseUrl`. `publish`: `user`'s App
   * Home tab becomes `blocks` (views.publish); a view has no channel, so `channel` carries the user id.
   */
  op: z.enum(['post', 'update', 'ephemeral', 'delete', 'respond', 'publish']),
  text: Text,
  blocks: Blocks.optional(),
  /** Message to update or delete. */
  ts: z.string().max(32).optional(),
  /** Recipient of an ephemeral message; owner of a published Home tab. */
  user: SlackId.optional(),
  /** `respond`: the command's response_url (Slack's hooks host) and how the answer shows. */
  responseUrl: z.string().url().max(1_000).optional(),
  responseType: z.enum(['ephemeral', 'in_channel']).optional(),
  /** Same key = same post: a retried request never posts twice. */
  idempotencyKey: z.string().min(1).max(200),
  /**
   * Longest the caller will wait for the rate budget. Past it egress answers SF_ERR_EGRESS_BUSY
   * with `retryAfterMs` and spends nothing, so a cosmetic edit never holds up what comes after it.
   */
  maxWaitMs: z.number().int().min(0).max(60_000).optional(),
});
export type EgressRequest = z.infer<typeof EgressRequest>;

export const EgressReply = z.object({
  type: z.literal(MessageTypes.egressReply),
  ok: z.boolean(),
  ts: z.string().max(32).optional(),
  code: z.string().optional(),
  error: z.string().max(1_000).optional(),
  /** SF_ERR_EGRESS_BUSY: when the budget would have room again. */
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type EgressReply = z.infer<typeof EgressReply>;

// ---- connection supervisor --------------------------------------------------------------------

export const TeamActive = z.object({
  type: z.literal(MessageTypes.teamActive),
  team: SlackId,
  reason: z.enum(['command', 'click', 'admin', 'schedule', 'game', 'install']),
  at: Millis,
});
export type TeamActive = z.infer<typeof TeamActive>;

/** A team uninstalled the app or revoked its tokens; its credentials are already deleted. */
export const TeamRemoved = z.object({
  type: z.literal(MessageTypes.teamRemoved),
  team: SlackId,
  reason: z.enum(['app_uninstalled', 'tokens_revoked', 'admin']),
  at: Millis,
});
export type TeamRemoved = z.infer<typeof TeamRemoved>;

/** What a supervisor replica holds: its open sockets, each unit (team id, or `slot-N` in socket mode) → when opened (ms). */
export const SupervisorState = z.object({
  type: z.literal(MessageTypes.supervisorState),
  supervisorId: z.string().max(128),
  openSockets: z.number().int().nonnegative(),
  teams: z.record(z.string(), Millis),
  reconnects: z.number().int().nonnegative(),
  members: z.array(z.string().max(128)).max(1_000),
});
export type SupervisorState = z.infer<typeof SupervisorState>;

// ---- results (JetStream, deduplicated by resultId) --------------------------------------------

export const Mode = z.enum(['normal', 'round', 'kok', 'duel', 'robot', 'teams']);
export type Mode = z.infer<typeof Mode>;

/**
 * The robot opponent of `/start robot` appears in results under this id. It is no Slack user id
 * (those start with U or W), so it can never collide with a player; consumers that keep human
 * leaderboards skip it (see `isRobot`), and its entries also carry `robot: true`.
 */
export const ROBOT_USER = 'SFROBOT';
export const isRobot = (user: string): boolean => user === ROBOT_USER;

export const ResultEntry = z.object({
  user: SlackId,
  /** What the player typed (markers stripped), capped for storage. */
  text: z.string().max(4_000),
  /** Whole percent, 0–100, rounded down. */
  accuracy: z.number().int().min(0).max(100),
  /** Jamo (keystrokes) per minute. */
  speed: z.number().nonnegative(),
  /** Words per minute (5 chars = 1 word) for English prompts, else null. */
  wpm: z.number().nonnegative().nullable(),
  score: z.number().nonnegative(),
  elapsedMs: z.number().int().nonnegative(),
  /** Carried anti-paste markers: no score, not ranked. */
  pasted: z.boolean(),
  /** Implausibly fast: not ranked. */
  flagged: z.boolean(),
  /** 1-based place among ranked entries under the round's mission rule, null when unranked. */
  rank: z.number().int().positive().nullable(),
  eliminated: z.boolean(),
  /** The robot's answer (robot battle): shown, never in human leaderboards. Absent = a person. */
  robot: z.boolean().optional(),
});
export type ResultEntry = z.infer<typeof ResultEntry>;

export const RoundResult = z.object({
  type: z.literal(MessageTypes.roundResult),
  /** `${gameId}:${round}` — the JetStream dedup id (Nats-Msg-Id). */
  resultId: z.string().max(200),
  gameId: z.string().max(128),
  team: SlackId,
  channel: SlackId,
  mode: Mode,
  round: z.number().int().positive(),
  lang: Lang,
  promptId: z.string().max(64),
  prompt: z.string().max(4_000),
  level: z.number().int().min(1).max(5),
  mission: z.string().max(64).nullable(),
  startedAt: Millis,
  deadline: Millis,
  entries: z.array(ResultEntry).max(1_000),
  /** Players expected to answer who did not (King of the Keyboard). */
  missed: z.array(SlackId).max(1_000),
  /** Users who won the round under its mission rule. */
  winners: z.array(SlackId).max(1_000),
});
export type RoundResult = z.infer<typeof RoundResult>;

export const GameResult = z.object({
  type: z.literal(MessageTypes.gameResult),
  /** `${gameId}:final`. */
  resultId: z.string().max(200),
  gameId: z.string().max(128),
  team: SlackId,
  channel: SlackId,
  mode: Mode,
  lang: Lang,
  startedBy: SlackId,
  startedAt: Millis,
  finishedAt: Millis,
  rounds: z.number().int().nonnegative(),
  totals: z
    .array(z.object({ user: SlackId, score: z.number().nonnegative(), rounds: z.number().int().nonnegative(), avgAccuracy: z.number().min(0).max(100) }))
    .max(1_000),
  /** King of the Keyboard title holder, or the top total; null when nobody played. */
  champion: SlackId.nullable(),
  exitedBy: SlackId.nullable(),
  /**
   * Duel mode: the two duelists (challenger first), rounds won by each, and how it ended. Ranking
   * rates the pair (Elo) when `outcome` is `won`, `draw` or `forfeit`; a declined or expired
   * challenge, or one the challenger withdrew, is not rated.
   */
  duel: z
    .object({
      players: z.tuple([SlackId, SlackId]),
      wins: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
      winner: SlackId.nullable(),
      outcome: z.enum(['won', 'draw', 'forfeit', 'declined', 'expired', 'withdrawn']),
    })
    .optional(),
  /** Team battle: each team's members and total (sum over rounds of the members' mean score), best first. */
  teams: z
    .array(z.object({ name: z.string().max(64), members: z.array(SlackId).max(1_000), score: z.number().nonnegative() }))
    .max(16)
    .optional(),
  /** Team battle: the best individual total (null when nobody scored). */
  mvp: SlackId.nullable().optional(),
});
export type GameResult = z.infer<typeof GameResult>;

export const ResultMessage = z.discriminatedUnion('type', [RoundResult, GameResult]);
export type ResultMessage = z.infer<typeof ResultMessage>;

// ---- admin ------------------------------------------------------------------------------------

export const Notice = z.object({
  type: z.literal(MessageTypes.notice),
  noticeId: z.string().min(1).max(128),
  text: z.string().min(1).max(3_000),
  /** Empty = every installed team. */
  teams: z.array(SlackId).max(10_000),
  requestedBy: z.string().max(128),
  at: Millis,
});
export type Notice = z.infer<typeof Notice>;

// ---- tournaments: subjects.tournamentAdmin(), subjects.tournament(id) -------------------------

/** A tournament id is a subject token and a KV key part. */
export const TournamentId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, 'tournament id: lowercase letters, digits, - and _, at most 40');

/** What an operator asks for (actors/tournament TournamentSpec; the rules check the rest). */
export const TournamentSpec = z.object({
  id: TournamentId,
  name: z.string().min(1).max(80),
  lang: Lang,
  channels: z.array(z.object({ team: SlackId, channel: SlackId })).min(2).max(50),
  rounds: z.number().int().min(1).max(20),
  startsAt: Millis,
  roundGapMs: z.number().int().min(1_000).max(86_400_000),
  collectMs: z.number().int().min(500).max(86_400_000),
  createdBy: z.string().min(1).max(128),
});
export type TournamentSpec = z.infer<typeof TournamentSpec>;

/**
 * `create` (spec), `list`, `show` (id), `cancel` (id, by) on `tournamentAdmin`; a tournament's own
 * inbox takes `cancel`, `withdraw` (id, team, user) and `show`.
 */
export const TournamentRequest = z.object({
  type: z.literal(MessageTypes.tournamentRequest),
  op: z.enum(['create', 'list', 'show', 'cancel', 'withdraw']),
  id: TournamentId.optional(),
  spec: TournamentSpec.optional(),
  by: z.string().max(128).optional(),
  team: SlackId.optional(),
  user: SlackId.optional(),
});
export type TournamentRequest = z.infer<typeof TournamentRequest>;

export const TournamentStandingRow = z.object({
  /** Null for a player who withdrew. */
  place: z.number().int().positive().nullable(),
  team: SlackId,
  user: SlackId,
  channel: SlackId,
  points: z.number(),
  played: z.number().int().nonnegative(),
});

export const TournamentSummary = z.object({
  id: TournamentId,
  name: z.string().max(80),
  phase: z.enum(['scheduled', 'collecting', 'between', 'finished', 'cancelled']),
  /** Rounds opened so far. */
  round: z.number().int().nonnegative(),
  rounds: z.number().int().positive(),
  startsAt: Millis,
  channels: z.array(z.object({ team: SlackId, channel: SlackId })).max(50),
  /** Per round: channels whose result counted and channels skipped. */
  history: z.array(z.object({ round: z.number().int().positive(), openedAt: Millis, reported: z.array(z.string().max(200)), skipped: z.array(z.string().max(200)) })).max(20),
  standings: z.array(TournamentStandingRow).max(10_000),
  winners: z.array(SlackId).max(10_000),
});
export type TournamentSummary = z.infer<typeof TournamentSummary>;

export const TournamentReply = z.object({
  type: z.literal(MessageTypes.tournamentReply),
  ok: z.literal(true),
  tournaments: z.array(TournamentSummary).max(1_000),
});
export type TournamentReply = z.infer<typeof TournamentReply>;
