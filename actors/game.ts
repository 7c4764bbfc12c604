import { isRobot, MessageTypes, ROBOT_USER } from '../protocol/messages.ts';
import type { GameResult, Lang, ResultEntry, RoundResult } from '../protocol/messages.ts';
import type { ActorEvent, ActorIdentity, Corpus, CorpusEntry, Effect, GameLogic, StepResult } from './contract.ts';
import { ActorErrorCodes } from './errors.ts';
import { t } from './i18n/index.ts';
import { insertMarkers, stripMarkers } from './markers.ts';
import { conditionOutcome, MISSIONS, missionFits, missionTarget, ranksOf, replaceableIn, replacementsFor, standings } from './missions.ts';
import type { MissionArgs, MissionId } from './missions.ts';
import { duelWinner, isDecided, parseDuelArgs, roundWinner } from './modes/duel.ts';
import { eliminate, isJoinWord } from './modes/kok.ts';
import { ghostProfile, rememberAnswer, ROBOT_LEVELS, robotAnswer } from './modes/robot.ts';
import type { TypistProfile } from './modes/robot.ts';
import { leadingTeams, splitTeams, teamRoundScores } from './modes/teams.ts';
import { DIFFICULTY_LEVELS, parseStartArgs } from './modes/start-args.ts';
import {
  DUEL_ACTIONS,
  duelScoreLine,
  KOK_JOIN_ACTION,
  mention,
  renderDuelChallenge,
  renderDuelClosed,
  renderDuelEnd,
  renderTeamsEnd,
  renderTeamsLineup,
  TEAMS_JOIN_ACTION,
  teamName,
  teamsRoundLines,
  renderCountdown,
  renderJoin,
  renderJoinClosed,
  renderPrompt,
  renderResults,
  renderStarted,
  renderTotals,
} from './render.ts';
import type { DuelView, JoinKind, MissionView, Rendered, TotalsRow } from './render.ts';
import { Rng } from './rng.ts';
import { scoreAnswer } from './scoring.ts';
import type { ClosedRound, Game, GameState, Round } from './state.ts';
import { timeLimitMs } from './timing.ts';

export interface GameOptions {
  /** First number of the countdown (3 → 3, 2, 1, prompt). */
  countdownFrom: number;
  countdownStepMs: number;
  /** King of the Keyboard and team battle join phase. */
  joinMs: number;
  /** How long a duel challenge waits for the challenged player's Accept or Decline. */
  duelChallengeMs: number;
  minPlayers: number;
  /** Between a round's result table and the next countdown, so players can read it. */
  pauseMs: number;
  /** `/start round` without N. */
  defaultRounds: number;
  /** King of the Keyboard ends after this many rounds even with several players standing. */
  kokMaxRounds: number;
  /** Chance that a round carries a mission. */
  missionProbability: number;
  /**
   * First round that may carry a mission. Default 1: as in the original (and the product brief),
   * a mission may twist any round from the very first game, normal games included.
   */
  missionFirstRound: number;
  /** Plausibility caps: faster answers are flagged and not ranked. */
  maxKoSpeed: number;
  maxEnWpm: number;
  /** At most one "N answered" update per this interval (Slack egress paces ~1 msg/s per channel). */
  liveThrottleMs: number;
  /** Longer messages are rejected with a notice, not scored, and do not use up the first answer. */
  maxAnswerChars: number;
  /**
   * The web page with a whole table (ingress `/r/…`), linked when a table is too long for one Slack
   * message. The runtime passes it in because the link is signed, and signing is I/O-free but not
   * ours (services/common/page-links.ts); it must be a pure function of its argument. Null: no link.
   */
  tableLink: ((ref: { team: string; channel: string; gameId: string; part: string }) => string) | null;
}

export const DEFAULT_GAME_OPTIONS: Readonly<GameOptions> = {
  countdownFrom: 3,
  countdownStepMs: 1_000,
  joinMs: 20_000,
  duelChallengeMs: 60_000,
  minPlayers: 2,
  pauseMs: 5_000,
  defaultRounds: 3,
  kokMaxRounds: 10,
  missionProbability: 0.3,
  missionFirstRound: 1,
  maxKoSpeed: 1_500,
  maxEnWpm: 250,
  liveThrottleMs: 1_000,
  maxAnswerChars: 4_000,
  tableLink: null,
};

/** `${team}-${channel}-${startedAt in base 36}`: deterministic, and a valid NATS subject token. */
export function makeGameId(team: string, channel: string, startedAt: number): string {
  const token = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 24) || '_';
  return `${token(team)}-${token(channel)}-${Math.max(0, Math.floor(startedAt)).toString(36)}`;
}

/** When the game with this id started (the inverse of makeGameId's last part), or null if it is no game id. */
export function gameStartedAt(gameId: string): number | null {
  const m = /-([0-9a-z]{1,12})$/.exec(gameId);
  const at = m ? parseInt(m[1]!, 36) : NaN;
  return Number.isSafeInteger(at) ? at : null;
}

/** Everything one step works on: a private draft of the state, the effects so far, the RNG cursor. */
interface Ctx {
  corpus: Corpus;
  opts: GameOptions;
  state: GameState;
  now: number;
  fx: Effect[];
  rng: Rng;
}

type Command = Extract<ActorEvent, { type: 'command' }>;
type Message = Extract<ActorEvent, { type: 'message' }>;
type Click = Extract<ActorEvent, { type: 'click' }>;

const round1 = (n: number) => Math.round(n * 10) / 10;

export function createGameLogic(corpus: Corpus, options: Partial<GameOptions> = {}): GameLogic<GameState> {
  const opts: GameOptions = { ...DEFAULT_GAME_OPTIONS, ...options };
  return {
    initial: (id: ActorIdentity, seed: number): GameState => ({
      v: 1,
      team: id.team,
      channel: id.channel,
      seed: seed >>> 0,
      game: null,
      lastGameId: null,
      broken: null,
    }),
    step(state, event, now) {
      try {
        if (!isWellFormed(event) || !Number.isFinite(now)) return { state, effects: [] };
        const draft = draftOf(state);
        const ctx: Ctx = { corpus, opts, state: draft, now, fx: [], rng: new Rng(draft.seed) };
        handle(ctx, event);
        draft.seed = ctx.rng.seed;
        return { state: draft, effects: ctx.fx };
      } catch (err) {
        return breakGame(state, err, now);
      }
    },
    nextDeadline: (state) => nextDeadline(state, opts),
    isIdle: (state) => state.game === null,
    gameId: (state) => state.game?.id ?? state.lastGameId,
  };
}

function nextDeadline(state: GameState, opts: GameOptions): number | null {
  const g = state.game;
  if (g === null) return null;
  const round = g.round;
  let due = g.wakeAt;
  if (g.phase === 'answering' && round !== null && livePending(round)) due = Math.min(due, round.live.at + opts.liveThrottleMs);
  const robotAt = robotDueAt(g);
  return robotAt === null ? due : Math.min(due, robotAt);
}

/** When the robot's answer of the current round is typed (prompt time + its typing time), or null. */
function robotDueAt(g: Game): number | null {
  const pending = g.robot?.pending ?? null;
  const postedAt = g.round?.postedAt ?? null;
  return g.phase === 'answering' && pending !== null && postedAt !== null ? postedAt + pending.elapsedMs : null;
}

/**
 * A private copy of everything a step may mutate, so rules mutate freely and a failure halfway
 * leaves the caller's state intact. Answers are never changed once recorded, so they are shared
 * rather than deep-cloned: a whole-state clone cost more than the rules in a busy channel. A test
 * steps deep-frozen states through whole games to keep this list honest.
 */
function draftOf(state: GameState): GameState {
  const g = state.game;
  if (g === null) return { ...state, broken: state.broken && { ...state.broken } };
  const round = g.round && { ...g.round, answers: [...g.round.answers], live: { ...g.round.live } };
  // Mode parts are copied only when present, so a snapshot of a plain game keeps its exact shape.
  const modes = {
    ...(g.duel ? { duel: { wins: [...g.duel.wins] as [number, number] } } : {}),
    ...(g.robot ? { robot: { ...g.robot } } : {}),
    ...(g.teams ? { teams: { count: g.teams.count, members: g.teams.members.map((m) => [...m]), scores: [...g.teams.scores] } } : {}),
  };
  return {
    ...state,
    broken: state.broken && { ...state.broken },
    game: { ...g, players: [...g.players], out: [...g.out], usedPrompts: [...g.usedPrompts], totals: g.totals.map((x) => ({ ...x })), round, ...modes },
  };
}

/** Same shape as protocol's SlackId: a user we could not put in a published result is not a player. */
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const isUser = (user: unknown) => typeof user === 'string' && USER_ID.test(user);

/** The runtime validates payloads at the edge; this keeps `step` total even if one slips through. */
function isWellFormed(event: ActorEvent): boolean {
  if (typeof event !== 'object' || event === null) return false;
  switch (event.type) {
    case 'command':
      return isUser(event.user) && typeof event.text === 'string' && (event.lang === 'ko' || event.lang === 'en') && (event.command === 'start' || event.command === 'exit' || event.command === 'duel');
    case 'message':
      return isUser(event.user) && typeof event.text === 'string';
    case 'click':
      return isUser(event.user) && typeof event.actionId === 'string';
    case 'tick':
      return true;
    default:
      return false;
  }
}

/** A step that failed drops the game (a phase the channel recovers from with /start) instead of throwing. */
function breakGame(state: GameState, err: unknown, now: number): StepResult<GameState> {
  const game = state?.game ?? null;
  const lang: Lang = game?.lang === 'ko' ? 'ko' : 'en';
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
  return {
    state: {
      v: 1,
      team: String(state?.team ?? ''),
      channel: String(state?.channel ?? ''),
      seed: Number(state?.seed) >>> 0,
      game: null,
      lastGameId: game?.id ?? state?.lastGameId ?? null,
      broken: { code: ActorErrorCodes.BROKEN, message, at: now },
    },
    effects: game === null ? [] : [{ type: 'post', key: `${game.id}:broken`, text: t(lang, 'broken') }],
  };
}

function handle(ctx: Ctx, event: ActorEvent): void {
  switch (event.type) {
    case 'command':
      return event.command === 'start' ? onStart(ctx, event) : event.command === 'duel' ? onDuel(ctx, event) : onExit(ctx, event);
    case 'message':
      return onMessage(ctx, event);
    case 'click':
      return onClick(ctx, event);
    case 'tick':
      return onTick(ctx);
  }
}

function post(ctx: Ctx, key: string, r: Rendered): void {
  ctx.fx.push({ type: 'post', key, text: r.text, blocks: r.blocks });
}

function update(ctx: Ctx, key: string, r: Rendered): void {
  ctx.fx.push({ type: 'update', key, text: r.text, blocks: r.blocks });
}

function reply(ctx: Ctx, responseType: 'ephemeral' | 'in_channel', text: string): void {
  ctx.fx.push({ type: 'reply', responseType, text });
}

// ---- commands ---------------------------------------------------------------------------------

/** Command replies use the event's language: the team's setting now, which /lang may have changed. */
function onStart(ctx: Ctx, event: Command): void {
  if (ctx.state.game !== null) return reply(ctx, 'ephemeral', t(event.lang, 'alreadyRunning'));
  const args = parseStartArgs(event.text, { rounds: ctx.opts.defaultRounds, kokMaxRounds: ctx.opts.kokMaxRounds });
  if (args === null) return reply(ctx, 'ephemeral', t(event.lang, 'usage'));
  if ((ctx.corpus[event.lang] ?? []).length === 0) return reply(ctx, 'ephemeral', t(event.lang, 'noPrompts'));
  let robot: TypistProfile | null = null;
  if (args.mode === 'robot') {
    const level = args.robot ?? 'normal';
    robot = level === 'me' ? ghostProfile(ctx.state.ghosts ?? [], event.user) : ROBOT_LEVELS[level];
    if (robot === null) return reply(ctx, 'ephemeral', t(event.lang, 'robotNoGhost'));
  }
  const game: Game = {
    id: makeGameId(ctx.state.team, ctx.state.channel, ctx.now),
    mode: args.mode,
    lang: event.lang,
    difficulty: args.difficulty,
    startedBy: event.user,
    startedAt: ctx.now,
    rounds: args.rounds,
    phase: 'joining',
    wakeAt: ctx.now + ctx.opts.joinMs,
    countdown: 0,
    // The starter of King of the Keyboard and of a team battle is in without pressing Join; a
    // robot battle is the starter against the robot.
    players: args.mode === 'kok' || args.mode === 'teams' ? [event.user] : args.mode === 'robot' ? [event.user, ROBOT_USER] : [],
    out: [],
    usedPrompts: [],
    round: null,
    completed: 0,
    totals: [],
    ...(robot !== null ? { robot: { level: args.robot ?? 'normal', speed: robot.speed, accuracy: robot.accuracy, pending: null } } : {}),
    ...(args.teams !== undefined ? { teams: { count: args.teams, members: [], scores: [] } } : {}),
  };
  ctx.state.game = game;
  ctx.state.broken = null;
  reply(ctx, 'in_channel', renderStarted(event.lang, event.user, args, robot));
  if (args.mode === 'kok' || args.mode === 'teams') post(ctx, `${game.id}:join`, renderJoin(game.lang, game.players, Math.ceil(ctx.opts.joinMs / 1000), joinKind(game)));
  else beginRound(ctx, game, 1);
}

const joinKind = (g: Game): JoinKind => ({ teams: g.teams?.count ?? null });

/** Fixed players: only they answer, and a round closes early once all of them did. */
const hasFixedPlayers = (g: Game) => g.mode === 'kok' || g.mode === 'duel' || g.mode === 'robot' || g.mode === 'teams';

/**
 * `/duel @user [rounds]`: the challenge waits `duelChallengeMs` for the challenged player. The
 * robot cannot be challenged (it has its own mode), nor can oneself.
 */
function onDuel(ctx: Ctx, event: Command): void {
  if (ctx.state.game !== null) return reply(ctx, 'ephemeral', t(event.lang, 'alreadyRunning'));
  const args = parseDuelArgs(event.text);
  if (args === null) return reply(ctx, 'ephemeral', t(event.lang, 'usageDuel'));
  if (args.opponent === event.user) return reply(ctx, 'ephemeral', t(event.lang, 'duelSelf'));
  if (isRobot(args.opponent)) return reply(ctx, 'ephemeral', t(event.lang, 'duelRobot'));
  if ((ctx.corpus[event.lang] ?? []).length === 0) return reply(ctx, 'ephemeral', t(event.lang, 'noPrompts'));
  const game: Game = {
    id: makeGameId(ctx.state.team, ctx.state.channel, ctx.now),
    mode: 'duel',
    lang: event.lang,
    difficulty: 'normal',
    startedBy: event.user,
    startedAt: ctx.now,
    rounds: args.rounds,
    phase: 'challenge',
    wakeAt: ctx.now + ctx.opts.duelChallengeMs,
    countdown: 0,
    players: [event.user, args.opponent],
    out: [],
    usedPrompts: [],
    round: null,
    completed: 0,
    totals: [],
    duel: { wins: [0, 0] },
  };
  ctx.state.game = game;
  ctx.state.broken = null;
  reply(ctx, 'in_channel', renderStarted(event.lang, event.user, { mode: 'duel', difficulty: 'normal', rounds: args.rounds }));
  post(ctx, `${game.id}:duel`, renderDuelChallenge(game.lang, duelView(game), Math.ceil(ctx.opts.duelChallengeMs / 1000)));
}

const duelists = (g: Game): [string, string] => [g.players[0] ?? '', g.players[1] ?? ''];
const duelView = (g: Game): DuelView => ({ challenger: duelists(g)[0], opponent: duelists(g)[1], rounds: g.rounds });

/** Only the starter stops a game (the actor has no notion of workspace admins yet). */
function onExit(ctx: Ctx, event: Command): void {
  const g = ctx.state.game;
  if (g === null) return reply(ctx, 'ephemeral', t(event.lang, 'noGame'));
  if (g.mode === 'duel' && g.players.includes(event.user)) return leaveDuel(ctx, g, event);
  if (event.user !== g.startedBy) return reply(ctx, 'ephemeral', t(event.lang, 'exitNotStarter', { user: mention(g.startedBy) }));
  reply(ctx, 'in_channel', t(event.lang, 'exited', { user: mention(event.user) }));
  if (g.phase === 'joining') update(ctx, `${g.id}:join`, renderJoinClosed(g.lang, g.players, joinKind(g)));
  finish(ctx, g, null, event.user);
}

/**
 * Either duelist may leave with /exit. Before the challenge is accepted that withdraws it (the
 * challenger) or declines it (the opponent), unrated; once accepted it is a forfeit: the other
 * duelist wins and the duel is rated.
 */
function leaveDuel(ctx: Ctx, g: Game, event: Command): void {
  reply(ctx, 'in_channel', t(event.lang, 'exited', { user: mention(event.user) }));
  const [challenger, opponent] = duelists(g);
  if (g.phase === 'challenge') {
    const withdrawn = event.user === challenger;
    update(ctx, `${g.id}:duel`, renderDuelClosed(g.lang, duelView(g), withdrawn ? 'duelWithdrawn' : 'duelDeclined'));
    return endDuel(ctx, g, null, withdrawn ? 'withdrawn' : 'declined', event.user);
  }
  endDuel(ctx, g, event.user === challenger ? opponent : challenger, 'forfeit', event.user);
}

// ---- players' input ---------------------------------------------------------------------------

/**
 * During a round every message from a player is their answer and only the first one counts:
 * chat during a race is rare, and guessing intent would make the rules unpredictable. Edits and
 * redeliveries arrive as further messages from the same user and are ignored the same way.
 */
function onMessage(ctx: Ctx, event: Message): void {
  const g = ctx.state.game;
  if (g === null) return lateDelivery(ctx, event, ctx.state.lastClosed ?? null);
  if (g.phase === 'joining') {
    if (isJoinWord(event.text)) join(ctx, g, event.user);
    return;
  }
  const round = g.round;
  if (round === null || round.postedAt === null) return lateDelivery(ctx, event, ctx.state.lastClosed ?? null);
  // Late: the round is over, though its deadline tick has not arrived yet.
  if (g.phase !== 'answering' || ctx.now >= g.wakeAt) return lateDelivery(ctx, event, closedWindow(g, round));
  // A redelivery (Slack resends an event whose ack was lost) of an answer an earlier round counted.
  if (g.answeredThrough !== undefined && !slackTsAfter(event.ts, g.answeredThrough)) return;
  if (hasFixedPlayers(g) && !g.players.includes(event.user)) return;
  if (round.answers.some((a) => a.user === event.user)) return;
  if (event.text.length > ctx.opts.maxAnswerChars) {
    ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(g.lang, 'tooLong') });
    return;
  }
  if (stripMarkers(event.text).trim() === '') return;
  const elapsedMs = Math.max(0, Math.round(ctx.now - round.postedAt));
  const pasted = recordAnswer(ctx, g, round, event.user, event.text, elapsedMs, event.ts);
  if (pasted) ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(g.lang, 'pasted') });
  if (g.mode === 'round' && !g.players.includes(event.user)) g.players.push(event.user);
  afterAnswer(ctx, g, round);
}

/**
 * A message typed while the round was open (its Slack ts says so) but delivered after it closed:
 * an outage made Slack hold it for its next retry (about a minute later). It cannot count any more,
 * but the player must not think it did — they are told privately, once (a second delivery of the
 * same message is deduplicated before it gets here).
 */
function lateDelivery(ctx: Ctx, event: Message, closed: ClosedRound | null): void {
  const typedAt = slackTsMs(event.ts);
  if (closed === null || typedAt === null || typedAt < closed.postedAt || typedAt >= closed.deadline) return;
  if (isRobot(event.user) || closed.answered.includes(event.user)) return;
  if (closed.players !== null && !closed.players.includes(event.user)) return;
  if (stripMarkers(event.text).trim() === '') return;
  ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(closed.lang, 'lateDelivery', { round: closed.n }) });
}

/** What a late delivery is judged by: when the round was open, and who it counted. */
function closedWindow(g: Game, round: Round): ClosedRound {
  return {
    n: round.n,
    lang: g.lang,
    postedAt: round.postedAt ?? 0,
    deadline: round.deadline ?? 0,
    answered: round.answers.map((a) => a.user),
    players: hasFixedPlayers(g) ? [...g.players] : null,
  };
}

/** Slack's message ts ("1700000000.000100", seconds) in ms, or null when it is not one. */
function slackTsMs(ts: string): number | null {
  return /^\d{9,11}(?:\.\d+)?$/.test(ts) ? Math.floor(Number(ts) * 1_000) : null;
}

/** Scores and records one answer (a player's message or the robot's typing); true when it was pasted. */
function recordAnswer(ctx: Ctx, g: Game, round: Round, user: string, raw: string, elapsedMs: number, ts?: string): boolean {
  const s = scoreAnswer({ prompt: round.target, answer: raw, elapsedMs, lang: g.lang });
  const flagged = !s.pasted && (g.lang === 'en' ? (s.wpm ?? 0) > ctx.opts.maxEnWpm : s.speed > ctx.opts.maxKoSpeed);
  const text = stripMarkers(raw);
  round.answers.push({ user, ...(ts === undefined ? {} : { ts }), text, elapsedMs, accuracy: s.accuracy, speed: s.speed, wpm: s.wpm, score: s.score, pasted: s.pasted, flagged });
  return s.pasted;
}

/** A round of fixed players closes once every one of them answered; else the live count may refresh. */
function afterAnswer(ctx: Ctx, g: Game, round: Round): void {
  if (hasFixedPlayers(g) && g.players.every((p) => round.answers.some((a) => a.user === p))) return closeRound(ctx, g, round);
  if (ctx.now - round.live.at >= ctx.opts.liveThrottleMs) updateLive(ctx, g, round);
}

/**
 * The robot finishes typing: its answer, prepared when the prompt was posted, is scored like a
 * person's, with the typing time it planned (a late tick does not make it slower).
 */
function robotTypes(ctx: Ctx, g: Game, round: Round): void {
  const pending = g.robot?.pending ?? null;
  if (g.robot === undefined || pending === null) return;
  g.robot.pending = null;
  if (pending.text.trim() !== '') recordAnswer(ctx, g, round, ROBOT_USER, pending.text, pending.elapsedMs);
  afterAnswer(ctx, g, round);
}

/**
 * Slack message ts order ("1700000000.000100": seconds, then a fraction). Ts that are not numbers
 * count as later, so an unexpected format never drops an answer.
 */
export function slackTsAfter(a: string, b: string): boolean {
  const ma = /^(\d+)(?:\.(\d+))?$/.exec(a);
  const mb = /^(\d+)(?:\.(\d+))?$/.exec(b);
  if (!ma || !mb) return true;
  const [sa, sb] = [ma[1]!.replace(/^0+(?=\d)/, ''), mb[1]!.replace(/^0+(?=\d)/, '')];
  if (sa.length !== sb.length) return sa.length > sb.length;
  if (sa !== sb) return sa > sb;
  const [fa, fb] = [ma[2] ?? '', mb[2] ?? ''];
  const width = Math.max(fa.length, fb.length);
  return fa.padEnd(width, '0') > fb.padEnd(width, '0');
}

/** A Join click after the join phase (the button is removed then, but a client may lag) is answered privately. */
function onClick(ctx: Ctx, event: Click): void {
  const g = ctx.state.game;
  if (event.actionId === DUEL_ACTIONS.accept || event.actionId === DUEL_ACTIONS.decline) return answerDuel(ctx, g, event);
  if (event.actionId !== KOK_JOIN_ACTION && event.actionId !== TEAMS_JOIN_ACTION) return;
  if (g !== null && g.phase === 'joining') return join(ctx, g, event.user);
  ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(g?.lang ?? 'ko', 'kokJoinLate') });
}

function join(ctx: Ctx, g: Game, user: string): void {
  if (g.players.includes(user)) return;
  g.players.push(user);
  update(ctx, `${g.id}:join`, renderJoin(g.lang, g.players, Math.max(0, Math.ceil((g.wakeAt - ctx.now) / 1000)), joinKind(g)));
}

/** Accept or Decline on a challenge: only the challenged player's click counts; a late one is told so. */
function answerDuel(ctx: Ctx, g: Game | null, event: Click): void {
  if (g === null || g.mode !== 'duel' || g.phase !== 'challenge') return void ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(g?.lang ?? 'ko', 'duelLate') });
  const view = duelView(g);
  if (event.user !== view.opponent) return void ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(g.lang, 'duelNotYours', { opponent: mention(view.opponent) }) });
  if (event.actionId === DUEL_ACTIONS.decline) {
    update(ctx, `${g.id}:duel`, renderDuelClosed(g.lang, view, 'duelDeclined'));
    return endDuel(ctx, g, null, 'declined', null);
  }
  update(ctx, `${g.id}:duel`, renderDuelClosed(g.lang, view, 'duelAccepted'));
  beginRound(ctx, g, 1);
}

// ---- time -------------------------------------------------------------------------------------

/** A tick may come late or early (restores, slow hosts): each phase checks its own due time. */
function onTick(ctx: Ctx): void {
  const g = ctx.state.game;
  if (g === null) return;
  const due = ctx.now >= g.wakeAt;
  switch (g.phase) {
    case 'joining': {
      if (!due) return;
      // The Join button goes away with the join phase, whether the game starts or not.
      update(ctx, `${g.id}:join`, renderJoinClosed(g.lang, g.players, joinKind(g)));
      const teams = g.teams;
      // Every team needs a player, and a battle at least minPlayers.
      const min = Math.max(ctx.opts.minPlayers, teams?.count ?? 0);
      if (g.players.length < min) {
        const text = teams === undefined ? t(g.lang, 'kokCancelled', { min }) : t(g.lang, 'teamsCancelled', { teams: teams.count, min });
        post(ctx, `${g.id}:cancelled`, plain(text));
        return finish(ctx, g, null, null);
      }
      if (teams !== undefined) {
        teams.members = splitTeams(g.players, teams.count, ctx.rng);
        teams.scores = teams.members.map(() => 0);
        post(ctx, `${g.id}:teams`, renderTeamsLineup(g.lang, teams.members));
      }
      return beginRound(ctx, g, 1);
    }
    case 'challenge':
      if (!due) return;
      update(ctx, `${g.id}:duel`, renderDuelClosed(g.lang, duelView(g), 'duelExpired'));
      return endDuel(ctx, g, null, 'expired', null);
    case 'countdown':
      if (due) countdownStep(ctx, g);
      return;
    case 'answering': {
      if (g.round === null) return;
      const robotAt = robotDueAt(g);
      // The robot's answer comes first when its time is before the deadline (a late tick may carry both).
      if (robotAt !== null && ctx.now >= robotAt && robotAt < g.wakeAt) {
        robotTypes(ctx, g, g.round);
        if (ctx.state.game !== g || g.round === null) return;
      }
      if (due) return closeRound(ctx, g, g.round);
      if (livePending(g.round) && ctx.now - g.round.live.at >= ctx.opts.liveThrottleMs) updateLive(ctx, g, g.round);
      return;
    }
    case 'pause':
      if (due) beginRound(ctx, g, g.completed + 1);
      return;
  }
}

const plain = (text: string): Rendered => ({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });

function livePending(round: Round): boolean {
  return round.answers.length !== round.live.shown;
}

function updateLive(ctx: Ctx, g: Game, round: Round): void {
  round.live = { shown: round.answers.length, at: ctx.now };
  update(ctx, `${g.id}:prompt:${round.n}`, promptView(g, round));
}

const missionOf = (round: Round): MissionView | null => (round.mission === null ? null : { id: round.mission, args: round.missionArgs ?? null });

const promptView = (g: Game, round: Round) =>
  renderPrompt(g.lang, { round: round.n, shown: round.shown, mission: missionOf(round), timeLimitMs: timeLimitMs(round.target), answered: round.answers.length });

// ---- rounds -----------------------------------------------------------------------------------

function beginRound(ctx: Ctx, g: Game, n: number): void {
  const entry = pickPrompt(ctx, g);
  const { mission, args } = pickMission(ctx, n, entry.text, g.lang);
  g.usedPrompts.push(entry.id);
  g.round = {
    n,
    promptId: entry.id,
    level: entry.level,
    sentence: entry.text,
    shown: insertMarkers(entry.text, ctx.rng),
    target: missionTarget(mission, entry.text, g.lang, args),
    mission,
    missionArgs: args,
    postedAt: null,
    deadline: null,
    answers: [],
    live: { shown: 0, at: ctx.now },
  };
  g.phase = 'countdown';
  g.countdown = ctx.opts.countdownFrom;
  g.wakeAt = ctx.now + ctx.opts.countdownStepMs;
  post(ctx, `${g.id}:countdown:${n}`, renderCountdown(g.lang, countdownView(g, g.round)));
}

const countdownView = (g: Game, round: Round) => ({
  round: round.n,
  rounds: g.rounds,
  n: g.countdown,
  mission: missionOf(round),
  standing: g.mode === 'kok' ? g.players.length : null,
});

/** 3 → 2 → 1 edit one message; after 1 the prompt is posted and the clock starts. */
function countdownStep(ctx: Ctx, g: Game): void {
  const round = g.round;
  if (round === null) return;
  g.countdown -= 1;
  if (g.countdown > 0) {
    g.wakeAt = ctx.now + ctx.opts.countdownStepMs;
    return update(ctx, `${g.id}:countdown:${round.n}`, renderCountdown(g.lang, countdownView(g, round)));
  }
  round.postedAt = ctx.now;
  round.deadline = ctx.now + timeLimitMs(round.target);
  round.live = { shown: 0, at: ctx.now };
  g.phase = 'answering';
  g.wakeAt = round.deadline;
  // The robot reads the sentence (not the posted text with its markers) and starts typing now.
  if (g.robot !== undefined) g.robot.pending = robotAnswer(round.target, g.robot, timeLimitMs(round.target), ctx.rng);
  post(ctx, `${g.id}:prompt:${round.n}`, promptView(g, round));
}

/** Fresh sentences of the difficulty's levels first; reuse or other levels only when they run out. */
function pickPrompt(ctx: Ctx, g: Game): CorpusEntry {
  const all = ctx.corpus[g.lang] ?? [];
  const levels = DIFFICULTY_LEVELS[g.difficulty];
  const inLevel = all.filter((e) => levels.includes(e.level));
  const pool = inLevel.length > 0 ? inLevel : all;
  const fresh = pool.filter((e) => !g.usedPrompts.includes(e.id));
  const entry = ctx.rng.pick(fresh.length > 0 ? fresh : pool);
  if (entry === undefined) throw new Error(`no ${g.lang} prompts`);
  return entry;
}

function pickMission(ctx: Ctx, n: number, sentence: string, lang: Lang): { mission: MissionId | null; args: MissionArgs | null } {
  const none = { mission: null, args: null };
  if (n < ctx.opts.missionFirstRound || ctx.rng.next() >= ctx.opts.missionProbability) return none;
  const mission = ctx.rng.pick(MISSIONS.filter((m) => missionFits(m, sentence, lang))) ?? null;
  if (mission !== 'consonant-replace') return { mission, args: null };
  const from = ctx.rng.pick(replaceableIn(sentence, lang));
  const to = from === undefined ? undefined : ctx.rng.pick(replacementsFor(from, lang));
  return from === undefined || to === undefined ? none : { mission, args: { from, to } };
}

function closeRound(ctx: Ctx, g: Game, round: Round): void {
  for (const a of round.answers) if (a.ts !== undefined && (g.answeredThrough === undefined || slackTsAfter(a.ts, g.answeredThrough))) g.answeredThrough = a.ts;
  // The "N answered" line ends true even when the round closes early or between throttled refreshes.
  if (livePending(round)) updateLive(ctx, g, round);
  const groups = standings(
    round.mission,
    round.answers.map((a) => ({ user: a.user, score: a.score, accuracy: a.accuracy, elapsedMs: a.elapsedMs, eligible: !a.pasted && !a.flagged })),
  );
  const ranks = ranksOf(groups);
  const answered = round.answers.map((a) => a.user);
  const kok = g.mode === 'kok' ? eliminate(g.players, answered, groups) : null;
  const missed = kok?.missed ?? g.players.filter((u) => !answered.includes(u));
  const out = kok?.eliminated ?? [];
  const entries: ResultEntry[] = round.answers
    .map((a) => ({
      user: a.user,
      text: a.text,
      accuracy: a.accuracy,
      speed: round1(a.speed),
      wpm: a.wpm === null ? null : round1(a.wpm),
      score: round1(a.score),
      elapsedMs: a.elapsedMs,
      pasted: a.pasted,
      flagged: a.flagged,
      rank: ranks.get(a.user) ?? null,
      eliminated: out.includes(a.user),
      ...(isRobot(a.user) ? { robot: true } : {}),
    }))
    .sort((x, y) => (x.rank ?? Infinity) - (y.rank ?? Infinity));
  const winners = groups[0] ?? [];
  const condition = conditionOutcome(round.mission, round.answers);
  const standing = kok === null ? null : g.players.filter((u) => !out.includes(u));
  const footer = modeFooter(g, groups, round);
  post(
    ctx,
    `${g.id}:result:${round.n}`,
    renderResults(g.lang, { round: round.n, mission: missionOf(round), entries, missed, eliminated: out, winners, condition, standing, fullTableUrl: tableUrl(ctx, g, String(round.n)), footer }),
  );
  for (const a of round.answers) {
    if (!a.pasted && !a.flagged && !isRobot(a.user)) ctx.state.ghosts = rememberAnswer(ctx.state.ghosts ?? [], a.user, { speed: Math.round(a.speed), accuracy: a.accuracy });
  }
  const result: RoundResult = {
    type: MessageTypes.roundResult,
    resultId: `${g.id}:${round.n}`,
    gameId: g.id,
    team: ctx.state.team,
    channel: ctx.state.channel,
    mode: g.mode,
    round: round.n,
    lang: g.lang,
    promptId: round.promptId,
    prompt: round.sentence,
    level: round.level,
    mission: round.mission,
    startedAt: round.postedAt ?? ctx.now,
    deadline: round.deadline ?? ctx.now,
    entries,
    missed,
    winners,
  };
  ctx.fx.push({ type: 'publish', result });
  for (const e of entries) if (e.rank !== null) addTotal(g, e);
  g.completed = round.n;
  ctx.state.lastClosed = closedWindow(g, round);
  g.round = null;
  if (kok !== null) {
    g.players = g.players.filter((u) => !out.includes(u));
    g.out.push(...out);
    if (kok.everyoneMissed) return finish(ctx, g, null, null);
    if (g.players.length <= 1) return finish(ctx, g, g.players[0] ?? null, null);
    if (g.completed >= g.rounds) return finish(ctx, g, bestStanding(g), null);
  } else if (g.duel !== undefined) {
    if (isDecided(g.duel.wins, g.completed, g.rounds)) {
      const players = duelists(g);
      const winner = duelWinner(players, g.duel.wins, [totalOf(g, players[0]), totalOf(g, players[1])]);
      return endDuel(ctx, g, winner, winner === null ? 'draw' : 'won', null);
    }
  } else if (g.completed >= g.rounds) {
    return finish(ctx, g, totalsOf(g)[0]?.user ?? null, null);
  }
  g.phase = 'pause';
  g.wakeAt = ctx.now + ctx.opts.pauseMs;
}

const totalOf = (g: Game, user: string) => g.totals.find((x) => x.user === user)?.score ?? 0;

/**
 * The mode's lines under a round's table, and its bookkeeping: a duel counts the round's point
 * (modes/duel.ts), a team battle adds each team's mean (modes/teams.ts; unranked answers count 0).
 */
function modeFooter(g: Game, groups: readonly string[][], round: Round): Array<{ blockId: string; text: string }> {
  if (g.duel !== undefined) {
    const players = duelists(g);
    const w = roundWinner(players, groups);
    if (w !== null) g.duel.wins[w] += 1;
    const tied = w === null && (groups[0]?.length ?? 0) > 1;
    return [{ blockId: 'duel-score', text: duelScoreLine(g.lang, players, g.duel.wins, tied) }];
  }
  if (g.teams !== undefined && g.teams.members.length > 0) {
    const ranked = new Set(groups.flat());
    const scores = new Map(round.answers.filter((a) => ranked.has(a.user)).map((a) => [a.user, a.score] as const));
    const means = teamRoundScores(g.teams.members, scores);
    g.teams.scores = g.teams.scores.map((total, i) => total + (means[i] ?? 0));
    return [{ blockId: 'team-scores', text: teamsRoundLines(g.lang, g.teams.members, means, g.teams.scores) }];
  }
  return [];
}

type DuelOutcome = NonNullable<GameResult['duel']>['outcome'];

/** Ends a duel: the duel's own result message when it was played, and its outcome in the GameResult. */
function endDuel(ctx: Ctx, g: Game, winner: string | null, outcome: DuelOutcome, leaver: string | null): void {
  const players = duelists(g);
  const wins: [number, number] = [...(g.duel?.wins ?? [0, 0])];
  if (outcome === 'won' || outcome === 'draw' || outcome === 'forfeit') {
    post(ctx, `${g.id}:final`, renderDuelEnd(g.lang, { players, wins, winner, forfeitBy: outcome === 'forfeit' ? leaver : null }));
  }
  finish(ctx, g, winner, leaver, { duel: { players, wins, winner, outcome } });
}

/** A team battle's final standings (best total first) and its MVP, the best individual total. */
function teamsOutcome(g: Game, totals: readonly TotalsRow[]): Pick<GameResult, 'teams' | 'mvp'> & { view: Parameters<typeof renderTeamsEnd>[1] } {
  const t = g.teams!;
  const rows = t.members.map((members, index) => ({ index, members, score: round1(t.scores[index] ?? 0) })).sort((a, b) => b.score - a.score || a.index - b.index);
  const top = totals[0];
  const mvp = top !== undefined && top.score > 0 ? { user: top.user, score: top.score } : null;
  return {
    teams: rows.map((r) => ({ name: teamName(g.lang, r.index), members: r.members, score: r.score })),
    mvp: mvp?.user ?? null,
    view: { teams: rows, winners: leadingTeams(t.scores.map(round1)), mvp },
  };
}

/** The public page with a whole table (see GameOptions.tableLink); null when none is configured. */
function tableUrl(ctx: Ctx, g: Game, part: string): string | null {
  return ctx.opts.tableLink?.({ team: ctx.state.team, channel: ctx.state.channel, gameId: g.id, part }) ?? null;
}

function addTotal(g: Game, e: ResultEntry): void {
  let total = g.totals.find((x) => x.user === e.user);
  if (total === undefined) {
    total = { user: e.user, score: 0, rounds: 0, accuracySum: 0 };
    g.totals.push(total);
  }
  total.score += e.score;
  total.rounds += 1;
  total.accuracySum += e.accuracy;
}

function totalsOf(g: Game): TotalsRow[] {
  return g.totals
    .map((x) => ({ user: x.user, score: round1(x.score), rounds: x.rounds, avgAccuracy: x.rounds === 0 ? 0 : x.accuracySum / x.rounds }))
    .sort((a, b) => b.score - a.score);
}

/** Round cap reached with several standing: the best total wins; a tie goes to the earliest joiner. */
function bestStanding(g: Game): string | null {
  let best: string | null = null;
  let bestScore = -1;
  for (const user of g.players) {
    const score = g.totals.find((x) => x.user === user)?.score ?? 0;
    if (score > bestScore) [best, bestScore] = [user, score];
  }
  return best;
}

/**
 * Ends the game: totals for multi-round modes (a normal game's result table says it all), one
 * GameResult for every game — also cancelled and stopped ones, so each gameId has a final record.
 */
function finish(ctx: Ctx, g: Game, champion: string | null, exitedBy: string | null, extra: Pick<GameResult, 'duel'> = {}): void {
  const totals = totalsOf(g);
  const teams = g.teams !== undefined && g.teams.members.length > 0 ? teamsOutcome(g, totals) : null;
  // A duel posts its own result (endDuel); a team battle its teams' standings and MVP.
  if (g.mode !== 'normal' && g.mode !== 'duel' && g.completed > 0 && exitedBy === null) {
    post(ctx, `${g.id}:final`, teams !== null ? renderTeamsEnd(g.lang, teams.view) : renderTotals(g.lang, totals, champion, g.mode === 'kok', tableUrl(ctx, g, 'final')));
  }
  const result: GameResult = {
    type: MessageTypes.gameResult,
    resultId: `${g.id}:final`,
    gameId: g.id,
    team: ctx.state.team,
    channel: ctx.state.channel,
    mode: g.mode,
    lang: g.lang,
    startedBy: g.startedBy,
    startedAt: g.startedAt,
    finishedAt: ctx.now,
    rounds: g.completed,
    totals,
    champion: teams === null ? champion : (teams.mvp ?? null),
    exitedBy,
    ...extra,
    ...(teams === null ? {} : { teams: teams.teams, mvp: teams.mvp }),
  };
  ctx.fx.push({ type: 'publish', result });
  ctx.state.game = null;
  ctx.state.lastGameId = g.id;
}
