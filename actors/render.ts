import { isRobot } from '../protocol/messages.ts';
import type { Blocks, Lang, ResultEntry } from '../protocol/messages.ts';
import { t } from './i18n/index.ts';
import type { MessageKey } from './i18n/index.ts';
import { fitInline, fitLines } from './fit.ts';
import { AVERAGE_GOAL, MISSION_BANNER, MISSIONS, replaceConsonant } from './missions.ts';
import type { MissionArgs, MissionId } from './missions.ts';
import type { RobotLevel, TypistProfile } from './modes/robot.ts';
import type { StartArgs } from './modes/start-args.ts';

/** Slack message bodies for every post the game makes: fallback text plus Block Kit. */
export interface Rendered {
  text: string;
  blocks: Blocks;
}

/** The robot is no Slack user, so it gets a name of its own instead of a mention. */
export const ROBOT_NAME = '🤖 SurBot';
export const mention = (user: string) => (isRobot(user) ? ROBOT_NAME : `<@${user}>`);
/** A sentence's list of people stays short: a 500-player game names the first ones and counts the rest. */
function mentions(lang: Lang, users: readonly string[]): string {
  if (users.length === 0) return t(lang, 'nobody');
  const { text, hidden } = fitInline(users.map(mention), ', ');
  return hidden === 0 ? text : `${text} ${t(lang, 'andMore', { n: hidden })}`;
}
const section = (text: string, blockId?: string) => ({ type: 'section', ...(blockId ? { block_id: blockId } : {}), text: { type: 'mrkdwn', text } });
const context = (text: string, blockId?: string) => ({ type: 'context', ...(blockId ? { block_id: blockId } : {}), elements: [{ type: 'mrkdwn', text }] });
const button = (text: string, actionId: string, value: string) => ({ type: 'button', action_id: actionId, value, text: { type: 'plain_text', text } });

const DIFFICULTY_KEY = { easy: 'difficultyEasy', normal: 'difficultyNormal', hard: 'difficultyHard' } as const satisfies Record<StartArgs['difficulty'], MessageKey>;

const ROBOT_LEVEL_KEY = { easy: 'robotLevelEasy', normal: 'robotLevelNormal', hard: 'robotLevelHard', me: 'robotLevelMe' } as const satisfies Record<RobotLevel, MessageKey>;

/** `robot` is the robot's profile in a robot battle (shown for the ghost, whose numbers are the player's). */
export function renderStarted(lang: Lang, user: string, args: StartArgs, robot: TypistProfile | null = null): string {
  const level = args.robot ?? 'normal';
  const mode =
    args.mode === 'normal'
      ? t(lang, 'modeNormal')
      : args.mode === 'round'
        ? t(lang, 'modeRound', { rounds: args.rounds })
        : args.mode === 'robot'
          ? t(lang, 'modeRobot', { level: t(lang, ROBOT_LEVEL_KEY[level], { speed: robot?.speed ?? 0, accuracy: robot?.accuracy ?? 0 }) })
          : args.mode === 'teams'
            ? t(lang, 'modeTeams', { teams: args.teams ?? 2 })
            : args.mode === 'duel'
              ? t(lang, 'modeDuel')
              : t(lang, 'modeKok');
  return t(lang, 'started', { user: mention(user), mode, difficulty: t(lang, DIFFICULTY_KEY[args.difficulty]) });
}

/** The mission as a round shows it: id plus drawn arguments (consonant-replace's X and Y). */
export interface MissionView {
  id: MissionId;
  args: MissionArgs | null;
}

export function missionText(lang: Lang, m: MissionView): string {
  const args = m.args ?? { from: '', to: '' };
  const sample = lang === 'ko' ? `${replaceConsonant('가', 'ko', { from: 'ㄱ', to: args.from })}` : args.from;
  const example = `${sample} → ${replaceConsonant(sample, lang, args)}`;
  return t(lang, MISSION_BANNER[m.id], { from: args.from, to: args.to, example, goal: AVERAGE_GOAL });
}

/**
 * The mission a banner announces, read back from its text (the inverse of `missionText`): what a
 * player — or a bot, or an end-to-end test — knows about the round from the message alone.
 */
export function missionFromBanner(lang: Lang, text: string): MissionView | null {
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const id of MISSIONS) {
    // Each placeholder appears once per template (the i18n test keeps ko and en alike).
    const pattern = escape(t(lang, MISSION_BANNER[id], { goal: AVERAGE_GOAL, from: '\u0000F', to: '\u0000T', example: '\u0000E' }))
      .replace('\u0000F', '(?<from>.)')
      .replace('\u0000T', '(?<to>.)')
      .replace('\u0000E', '.*');
    const m = new RegExp(pattern).exec(text);
    if (m) return { id, args: m.groups?.['from'] !== undefined && m.groups['to'] !== undefined ? { from: m.groups['from'], to: m.groups['to'] } : null };
  }
  return null;
}

function banner(lang: Lang, mission: MissionView | null) {
  return mission === null ? [] : [section(`*${missionText(lang, mission)}*`, 'mission')];
}

export interface CountdownView {
  round: number;
  rounds: number;
  n: number;
  mission: MissionView | null;
  /** King of the Keyboard shows players left instead of a round count. */
  standing: number | null;
}

export function renderCountdown(lang: Lang, v: CountdownView): Rendered {
  const text =
    v.standing === null
      ? t(lang, 'countdown', { round: v.round, rounds: v.rounds, n: v.n })
      : t(lang, 'countdownKok', { round: v.round, n: v.n, players: v.standing });
  return { text, blocks: [...banner(lang, v.mission), section(`*${text}*`, 'countdown')] };
}

export interface PromptView {
  round: number;
  shown: string;
  mission: MissionView | null;
  timeLimitMs: number;
  answered: number;
}

/**
 * The prompt message. The `prompt…` block holds exactly the sentence with its markers, as
 * plain_text so Slack applies no mrkdwn to it: bots and tests find the prompt the way eyes do.
 * The context block below is the live "N answered" line, refreshed by `update`.
 */
export function renderPrompt(lang: Lang, v: PromptView): Rendered {
  return {
    text: v.shown,
    blocks: [
      ...banner(lang, v.mission),
      context(t(lang, 'timeLimit', { seconds: Math.ceil(v.timeLimitMs / 1000) }), 'time-limit'),
      { type: 'section', block_id: `prompt-${v.round}`, text: { type: 'plain_text', text: v.shown, emoji: false } },
      context(t(lang, 'answered', { n: v.answered }), 'live'),
    ],
  };
}

export interface ResultsView {
  round: number;
  mission: MissionView | null;
  /** Ranked first (by rank), then unranked, as they should be listed. */
  entries: readonly ResultEntry[];
  missed: readonly string[];
  eliminated: readonly string[];
  winners: readonly string[];
  /** A condition mission's outcome (accomplished or not, and the average accuracy). */
  condition: { met: boolean; average: number } | null;
  /** King of the Keyboard: who is still in after this round. */
  standing: readonly string[] | null;
  /** The web page with the whole table, linked when the message had to leave rows out. */
  fullTableUrl: string | null;
  /** Mode lines under the table (the duel's score, the teams' round scores), each its own block. */
  footer?: ReadonlyArray<{ blockId: string; text: string }>;
}

const fmt = (n: number) => String(Math.round(n));

function resultLine(lang: Lang, e: ResultEntry): string {
  const user = mention(e.user);
  if (e.pasted) return t(lang, 'resultPasted', { user });
  if (e.flagged) return t(lang, 'resultFlagged', { user, accuracy: e.accuracy, speed: fmt(e.speed) });
  if (e.rank === null) return t(lang, 'resultUnranked', { user, accuracy: e.accuracy, score: fmt(e.score) });
  const vars = { rank: e.rank, user, accuracy: e.accuracy, speed: fmt(e.speed), wpm: fmt(e.wpm ?? 0), score: fmt(e.score) };
  return e.wpm === null ? t(lang, 'resultRowKo', vars) : t(lang, 'resultRow', vars);
}

/**
 * A table as sections within Slack's limits: the first block keeps `blockId` (bots and tests find
 * the table by it), further pages are `${blockId}-2`…; rows that do not fit become "… and N more",
 * linked to the full table when there is a page for it.
 */
function tableBlocks(lang: Lang, lines: readonly string[], blockId: string, fullTableUrl: string | null): Blocks {
  const { chunks, hidden } = fitLines(lines);
  const blocks: Blocks = chunks.map((chunk, i) => section(chunk, i === 0 ? blockId : `${blockId}-${i + 1}`));
  if (hidden > 0) {
    const more = t(lang, 'andMore', { n: hidden });
    blocks.push(context(fullTableUrl === null ? more : `${more} · <${fullTableUrl}|${t(lang, 'fullTable')}>`, `${blockId}-more`));
  }
  return blocks;
}

/** The fallback text (notifications, clients without blocks): headline and the table's first page only. */
function fallback(title: string, table: Blocks, outcome: string): string {
  const first = (table[0]?.text as { text?: string } | undefined)?.text ?? '';
  return [title, first, outcome].filter((part) => part !== '').join('\n');
}

function conditionLine(lang: Lang, mission: MissionView | null, c: { met: boolean; average: number }): string {
  if (mission?.id === 'all-perfect') return t(lang, c.met ? 'missionAllPerfectMet' : 'missionAllPerfectMissed');
  return t(lang, c.met ? 'missionAverageMet' : 'missionAverageMissed', { average: c.average, goal: AVERAGE_GOAL });
}

export function renderResults(lang: Lang, v: ResultsView): Rendered {
  const out = new Set(v.eliminated);
  const mark = (user: string) => (out.has(user) ? t(lang, 'eliminatedMark') : '');
  const lines = [
    ...v.entries.map((e) => resultLine(lang, e) + mark(e.user)),
    ...v.missed.map((u) => t(lang, 'resultMissed', { user: mention(u) }) + mark(u)),
  ];
  const title = t(lang, 'resultTitle', { round: v.round });
  const outcome = v.winners.length > 0 ? t(lang, 'winners', { users: mentions(lang, v.winners) }) : t(lang, 'noWinner');
  const table = lines.length > 0 ? tableBlocks(lang, lines, 'results', v.fullTableUrl) : [section(t(lang, 'noAnswers'), 'results')];
  const extra: Blocks = [];
  if (v.condition !== null) extra.push(section(`*${conditionLine(lang, v.mission, v.condition)}*`, 'mission-outcome'));
  if (v.standing !== null && v.standing.length > 0) extra.push(context(t(lang, 'kokLeft', { players: mentions(lang, v.standing) }), 'kok-left'));
  for (const f of v.footer ?? []) extra.push(section(f.text, f.blockId));
  return {
    text: fallback(title, table, outcome),
    blocks: [{ type: 'header', text: { type: 'plain_text', text: title } }, ...banner(lang, v.mission), ...table, section(`*${outcome}*`, 'outcome'), ...extra],
  };
}

export interface TotalsRow {
  user: string;
  score: number;
  rounds: number;
  avgAccuracy: number;
}

export function renderTotals(lang: Lang, totals: readonly TotalsRow[], champion: string | null, kok: boolean, fullTableUrl: string | null = null): Rendered {
  const title = t(lang, 'totalsTitle');
  const lines = totals.map((row, i) =>
    t(lang, 'totalsRow', { rank: i + 1, user: mention(row.user), score: fmt(row.score), rounds: row.rounds, accuracy: Math.floor(row.avgAccuracy) }),
  );
  // King of the Keyboard always crowns someone unless nobody answered a round (see modes/kok.ts).
  const crown =
    champion !== null ? t(lang, kok ? 'kokChampion' : 'champion', { user: mention(champion) }) : t(lang, kok ? 'kokEveryoneMissed' : 'noWinner');
  const table = lines.length > 0 ? tableBlocks(lang, lines, 'totals', fullTableUrl) : [section(t(lang, 'noAnswers'), 'totals')];
  return {
    text: fallback(crown, table, ''),
    blocks: [{ type: 'header', text: { type: 'plain_text', text: title } }, ...table, section(`*${crown}*`, 'champion')],
  };
}

export const KOK_JOIN_ACTION = 'kok_join';
export const TEAMS_JOIN_ACTION = 'teams_join';

/** Team battle's join message is King of the Keyboard's with its own text, block ids and action. */
export interface JoinKind {
  teams: number | null;
}

const joinIds = (k: JoinKind) => (k.teams === null ? { block: 'kok-join', action: KOK_JOIN_ACTION } : { block: 'teams-join', action: TEAMS_JOIN_ACTION });

export function renderJoin(lang: Lang, players: readonly string[], seconds: number, kind: JoinKind = { teams: null }): Rendered {
  const ids = joinIds(kind);
  const text = kind.teams === null ? t(lang, 'kokJoin', { seconds, players: mentions(lang, players) }) : t(lang, 'teamsJoin', { teams: kind.teams, seconds, players: mentions(lang, players) });
  return { text, blocks: [section(text, ids.block), { type: 'actions', block_id: `${ids.block}-actions`, elements: [button(t(lang, 'kokJoinButton'), ids.action, 'join')] }] };
}

/** The join message once the join phase is over (started or cancelled): the same list, no button. */
export function renderJoinClosed(lang: Lang, players: readonly string[], kind: JoinKind = { teams: null }): Rendered {
  const text = t(lang, kind.teams === null ? 'kokJoinClosed' : 'teamsJoinClosed', { players: mentions(lang, players) });
  return { text, blocks: [section(text, joinIds(kind).block)] };
}

// ---- duels --------------------------------------------------------------------------------------

export const DUEL_ACTIONS = { accept: 'duel_accept', decline: 'duel_decline' } as const;

export interface DuelView {
  challenger: string;
  opponent: string;
  rounds: number;
}

const duelVars = (v: DuelView) => ({ challenger: mention(v.challenger), opponent: mention(v.opponent), rounds: v.rounds });

/** The challenge with its two buttons; only the challenged player's click counts. */
export function renderDuelChallenge(lang: Lang, v: DuelView, seconds: number): Rendered {
  const text = t(lang, 'duelChallenge', { ...duelVars(v), seconds });
  return {
    text,
    blocks: [
      section(text, 'duel-challenge'),
      {
        type: 'actions',
        block_id: 'duel-actions',
        elements: [
          { ...button(t(lang, 'duelAcceptButton'), DUEL_ACTIONS.accept, 'accept'), style: 'primary' },
          { ...button(t(lang, 'duelDeclineButton'), DUEL_ACTIONS.decline, 'decline'), style: 'danger' },
        ],
      },
    ],
  };
}

/** The challenge once answered (or expired, or withdrawn): what became of it, no buttons. */
export function renderDuelClosed(lang: Lang, v: DuelView, how: 'duelAccepted' | 'duelDeclined' | 'duelExpired' | 'duelWithdrawn'): Rendered {
  const text = t(lang, how, duelVars(v));
  return { text, blocks: [section(text, 'duel-challenge')] };
}

export function duelScoreLine(lang: Lang, players: readonly [string, string], wins: readonly [number, number], tied: boolean): string {
  const score = t(lang, 'duelScore', { a: mention(players[0]), b: mention(players[1]), winsA: wins[0], winsB: wins[1] });
  return tied ? `${score}\n${t(lang, 'duelRoundTie')}` : score;
}

export interface DuelEndView {
  players: readonly [string, string];
  wins: readonly [number, number];
  winner: string | null;
  forfeitBy: string | null;
}

export function renderDuelEnd(lang: Lang, v: DuelEndView): Rendered {
  const w = v.winner === null ? -1 : v.players.indexOf(v.winner);
  const line =
    v.forfeitBy !== null && v.winner !== null
      ? t(lang, 'duelForfeit', { loser: mention(v.forfeitBy), winner: mention(v.winner) })
      : v.winner === null
        ? t(lang, 'duelDraw', { wins: v.wins[0] })
        : t(lang, 'duelWon', { winner: mention(v.winner), winsW: v.wins[w]!, winsL: v.wins[1 - w]! });
  const title = t(lang, 'duelTitle');
  return {
    text: `${title}\n${line}`,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: title } },
      section(duelScoreLine(lang, v.players, v.wins, false), 'duel-score'),
      section(`*${line}*`, 'duel-result'),
      context(t(lang, 'duelRatingNote'), 'duel-rating'),
    ],
  };
}

// ---- team battle ------------------------------------------------------------------------------

export const teamName = (lang: Lang, i: number) => t(lang, 'teamName', { n: i + 1 });

export function renderTeamsLineup(lang: Lang, teams: readonly (readonly string[])[]): Rendered {
  const lines = teams.map((members, i) => t(lang, 'teamsLineupRow', { team: teamName(lang, i), members: mentions(lang, members) }));
  const title = t(lang, 'teamsLineup');
  return { text: [title, ...lines].join('\n'), blocks: [section(`*${title}*`), section(lines.join('\n'), 'teams-lineup')] };
}

export function teamsRoundLines(lang: Lang, teams: readonly (readonly string[])[], round: readonly number[], totals: readonly number[]): string {
  return teams
    .map((members, i) => t(lang, 'teamsRoundRow', { team: teamName(lang, i), score: fmt(round[i] ?? 0), members: members.length, total: fmt(totals[i] ?? 0) }))
    .join('\n');
}

export interface TeamsEndView {
  teams: ReadonlyArray<{ index: number; members: readonly string[]; score: number }>;
  /** Indices of the winning teams (several when tied, none when nobody scored). */
  winners: readonly number[];
  mvp: { user: string; score: number } | null;
}

export function renderTeamsEnd(lang: Lang, v: TeamsEndView): Rendered {
  const title = t(lang, 'teamsTitle');
  const lines = v.teams.map((team, i) => t(lang, 'teamsFinalRow', { rank: i + 1, team: teamName(lang, team.index), score: fmt(team.score), members: mentions(lang, team.members) }));
  const crown =
    v.winners.length === 0
      ? t(lang, 'teamsNoWinner')
      : v.winners.length === 1
        ? t(lang, 'teamsWinner', { team: teamName(lang, v.winners[0]!) })
        : t(lang, 'teamsTie', { teams: v.winners.map((i) => teamName(lang, i)).join(', ') });
  const blocks: Blocks = [{ type: 'header', text: { type: 'plain_text', text: title } }, section(lines.join('\n'), 'teams-result'), section(`*${crown}*`, 'teams-winner')];
  if (v.mvp !== null) blocks.push(section(t(lang, 'teamsMvp', { user: mention(v.mvp.user), score: fmt(v.mvp.score) }), 'teams-mvp'));
  return { text: [title, crown].join('\n'), blocks };
}

const HELP_KEYS = ['helpHelpgame', 'helpLang', 'helpStart', 'helpRobot', 'helpTeams', 'helpDuel', 'helpExit', 'helpMyscore', 'helpRank', 'helpScore', 'helpBadge'] as const satisfies readonly MessageKey[];

/** /helpgame: every command with a one-line explanation (ingress calls this). */
export function renderHelp(lang: Lang): Rendered {
  const lines = HELP_KEYS.map((k) => t(lang, k));
  return {
    text: [t(lang, 'helpTitle'), ...lines, t(lang, 'helpHowTo')].join('\n'),
    blocks: [section(`*${t(lang, 'helpTitle')}*`), section(lines.join('\n'), 'help-commands'), context(t(lang, 'helpHowTo'))],
  };
}

export const LANG_ACTIONS = { ko: 'lang_ko', en: 'lang_en' } as const satisfies Record<Lang, string>;

/** /lang: the two language buttons, labelled in their own language (ingress calls this). */
export function renderLangPicker(lang: Lang): Rendered {
  return {
    text: t(lang, 'langTitle'),
    blocks: [
      section(t(lang, 'langTitle'), 'lang'),
      { type: 'actions', block_id: 'lang-actions', elements: [button('한국어', LANG_ACTIONS.ko, 'ko'), button('English', LANG_ACTIONS.en, 'en')] },
    ],
  };
}
