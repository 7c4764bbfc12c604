import { MessageTypes } from '../protocol/messages.ts';
import type { GameResult, Lang, ResultEntry, RoundResult } from '../protocol/messages.ts';
import type { ActorEvent, ActorIdentity, Corpus, CorpusEntry, Effect, GameLogic, StepResult } from './contract.ts';
import { ActorErrorCodes } from './errors.ts';
import { t } from './i18n/index.ts';
import { insertMarkers, stripMarkers } from './markers.ts';
import { conditionOutcome, MISSIONS, missionFits, missionTarget, ranksOf, replaceableIn, replacementsFor, standings } from './missions.ts';
import type { MissionArgs, MissionId } from './missions.ts';
import { eliminate, isJoinWord } from './modes/kok.ts';
import { DIFFICULTY_LEVELS, parseStartArgs } from './modes/start-args.ts';
import {
  KOK_JOIN_ACTION,
  mention,
  renderCountdown,
  renderJoin,
  renderJoinClosed,
  renderPrompt,
  renderResults,
  renderStarted,
  renderTotals,
} from './render.ts';
import type { MissionView, Rendered, TotalsRow } from './render.ts';
import { Rng } from './rng.ts';
import { scoreAnswer } from './scoring.ts';
import type { Game, GameState, Round } from './state.ts';
import { timeLimitMs } from './timing.ts';

export interface GameOptions {
  /** First number of the countdown (3 → 3, 2, 1, prompt). */
  countdownFrom: number;
  countdownStepMs: number;
  /** King of the Keyboard join phase. */
  joinMs: number;
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
  if (g.phase === 'answering' && round !== null && livePending(round)) return Math.min(g.wakeAt, round.live.at + opts.liveThrottleMs);
  return g.wakeAt;
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
  return {
    ...state,
    broken: state.broken && { ...state.broken },
    game: { ...g, players: [...g.players], out: [...g.out], usedPrompts: [...g.usedPrompts], totals: g.totals.map((x) => ({ ...x })), round },
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
      return isUser(event.user) && typeof event.text === 'string' && (event.lang === 'ko' || event.lang === 'en') && (event.command === 'start' || event.command === 'exit');
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
      return event.command === 'start' ? onStart(ctx, event) : onExit(ctx, event);
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
    // The starter of King of the Keyboard is in without pressing Join.
    players: args.mode === 'kok' ? [event.user] : [],
    out: [],
    usedPrompts: [],
    round: null,
    completed: 0,
    totals: [],
  };
  ctx.state.game = game;
  ctx.state.broken = null;
  reply(ctx, 'in_channel', renderStarted(event.lang, event.user, args));
  if (args.mode === 'kok') post(ctx, `${game.id}:join`, renderJoin(game.lang, game.players, Math.ceil(ctx.opts.joinMs / 1000)));
  else beginRound(ctx, game, 1);
}

/** Only the starter stops a game (the actor has no notion of workspace admins yet). */
function onExit(ctx: Ctx, event: Command): void {
  const g = ctx.state.game;
  if (g === null) return reply(ctx, 'ephemeral', t(event.lang, 'noGame'));
  if (event.user !== g.startedBy) return reply(ctx, 'ephemeral', t(event.lang, 'exitNotStarter', { user: mention(g.startedBy) }));
  reply(ctx, 'in_channel', t(event.lang, 'exited', { user: mention(event.user) }));
  if (g.phase === 'joining') update(ctx, `${g.id}:join`, renderJoinClosed(g.lang, g.players));
  finish(ctx, g, null, event.user);
}

// ---- players' input ---------------------------------------------------------------------------

/**
 * During a round every message from a player is their answer and only the first one counts:
 * chat during a race is rare, and guessing intent would make the rules unpredictable. Edits and
 * redeliveries arrive as further messages from the same user and are ignored the same way.
 */
function onMessage(ctx: Ctx, event: Message): void {
  const g = ctx.state.game;
  if (g === null) return;
  if (g.phase === 'joining') {
    if (isJoinWord(event.text)) join(ctx, g, event.user);
    return;
  }
  const round = g.round;
  if (g.phase !== 'answering' || round === null || round.postedAt === null) return;
  // A redelivery (Slack resends an event whose ack was lost) of an answer an earlier round counted.
  if (g.answeredThrough !== undefined && !slackTsAfter(event.ts, g.answeredThrough)) return;
  // Late: the deadline tick may not have arrived yet, but the round is over.
  if (ctx.now >= g.wakeAt) return;
  if (g.mode === 'kok' && !g.players.includes(event.user)) return;
  if (round.answers.some((a) => a.user === event.user)) return;
  if (event.text.length > ctx.opts.maxAnswerChars) {
    ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(g.lang, 'tooLong') });
    return;
  }
  const text = stripMarkers(event.text);
  if (text.trim() === '') return;
  const elapsedMs = Math.max(0, Math.round(ctx.now - round.postedAt));
  const s = scoreAnswer({ prompt: round.target, answer: event.text, elapsedMs, lang: g.lang });
  const flagged = !s.pasted && (g.lang === 'en' ? (s.wpm ?? 0) > ctx.opts.maxEnWpm : s.speed > ctx.opts.maxKoSpeed);
  round.answers.push({ user: event.user, ts: event.ts, text, elapsedMs, accuracy: s.accuracy, speed: s.speed, wpm: s.wpm, score: s.score, pasted: s.pasted, flagged });
  if (s.pasted) ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(g.lang, 'pasted') });
  if (g.mode === 'round' && !g.players.includes(event.user)) g.players.push(event.user);
  if (g.mode === 'kok' && g.players.every((p) => round.answers.some((a) => a.user === p))) return closeRound(ctx, g, round);
  if (ctx.now - round.live.at >= ctx.opts.liveThrottleMs) updateLive(ctx, g, round);
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
  if (event.actionId !== KOK_JOIN_ACTION) return;
  const g = ctx.state.game;
  if (g !== null && g.phase === 'joining') return join(ctx, g, event.user);
  ctx.fx.push({ type: 'ephemeral', user: event.user, text: t(g?.lang ?? 'ko', 'kokJoinLate') });
}

function join(ctx: Ctx, g: Game, user: string): void {
  if (g.players.includes(user)) return;
  g.players.push(user);
  update(ctx, `${g.id}:join`, renderJoin(g.lang, g.players, Math.max(0, Math.ceil((g.wakeAt - ctx.now) / 1000))));
}

// ---- time -------------------------------------------------------------------------------------

/** A tick may come late or early (restores, slow hosts): each phase checks its own due time. */
function onTick(ctx: Ctx): void {
  const g = ctx.state.game;
  if (g === null) return;
  const due = ctx.now >= g.wakeAt;
  switch (g.phase) {
    case 'joining':
      if (!due) return;
      // The Join button goes away with the join phase, whether the game starts or not.
      update(ctx, `${g.id}:join`, renderJoinClosed(g.lang, g.players));
      if (g.players.length < ctx.opts.minPlayers) {
        post(ctx, `${g.id}:cancelled`, plain(t(g.lang, 'kokCancelled', { min: ctx.opts.minPlayers })));
        return finish(ctx, g, null, null);
      }
      return beginRound(ctx, g, 1);
    case 'countdown':
      if (due) countdownStep(ctx, g);
      return;
    case 'answering':
      if (g.round === null) return;
      if (due) return closeRound(ctx, g, g.round);
      if (livePending(g.round) && ctx.now - g.round.live.at >= ctx.opts.liveThrottleMs) updateLive(ctx, g, g.round);
      return;
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
    }))
    .sort((x, y) => (x.rank ?? Infinity) - (y.rank ?? Infinity));
  const winners = groups[0] ?? [];
  const condition = conditionOutcome(round.mission, round.answers);
  const standing = kok === null ? null : g.players.filter((u) => !out.includes(u));
  post(
    ctx,
    `${g.id}:result:${round.n}`,
    renderResults(g.lang, { round: round.n, mission: missionOf(round), entries, missed, eliminated: out, winners, condition, standing, fullTableUrl: tableUrl(ctx, g, String(round.n)) }),
  );
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
  g.round = null;
  if (kok !== null) {
    g.players = g.players.filter((u) => !out.includes(u));
    g.out.push(...out);
    if (kok.everyoneMissed) return finish(ctx, g, null, null);
    if (g.players.length <= 1) return finish(ctx, g, g.players[0] ?? null, null);
    if (g.completed >= g.rounds) return finish(ctx, g, bestStanding(g), null);
  } else if (g.completed >= g.rounds) {
    return finish(ctx, g, totalsOf(g)[0]?.user ?? null, null);
  }
  g.phase = 'pause';
  g.wakeAt = ctx.now + ctx.opts.pauseMs;
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
function finish(ctx: Ctx, g: Game, champion: string | null, exitedBy: string | null): void {
  const totals = totalsOf(g);
  if (g.mode !== 'normal' && g.completed > 0 && exitedBy === null) post(ctx, `${g.id}:final`, renderTotals(g.lang, totals, champion, g.mode === 'kok', tableUrl(ctx, g, 'final')));
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
    champion,
    exitedBy,
  };
  ctx.fx.push({ type: 'publish', result });
  ctx.state.game = null;
  ctx.state.lastGameId = g.id;
}
