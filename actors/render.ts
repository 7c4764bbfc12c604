import type { Blocks, Lang, ResultEntry } from '../protocol/messages.ts';
import { t } from './i18n/index.ts';
import type { MessageKey } from './i18n/index.ts';
import { MISSION_BANNER } from './missions.ts';
import type { MissionId } from './missions.ts';
import type { StartArgs } from './modes/start-args.ts';

/** Slack message bodies for every post the game makes: fallback text plus Block Kit. */
export interface Rendered {
  text: string;
  blocks: Blocks;
}

export const mention = (user: string) => `<@${user}>`;
const mentions = (lang: Lang, users: readonly string[]) => (users.length === 0 ? t(lang, 'nobody') : users.map(mention).join(', '));
const section = (text: string, blockId?: string) => ({ type: 'section', ...(blockId ? { block_id: blockId } : {}), text: { type: 'mrkdwn', text } });
const context = (text: string, blockId?: string) => ({ type: 'context', ...(blockId ? { block_id: blockId } : {}), elements: [{ type: 'mrkdwn', text }] });
const button = (text: string, actionId: string, value: string) => ({ type: 'button', action_id: actionId, value, text: { type: 'plain_text', text } });

const DIFFICULTY_KEY = { easy: 'difficultyEasy', normal: 'difficultyNormal', hard: 'difficultyHard' } as const satisfies Record<StartArgs['difficulty'], MessageKey>;

export function renderStarted(lang: Lang, user: string, args: StartArgs): string {
  const mode =
    args.mode === 'normal' ? t(lang, 'modeNormal') : args.mode === 'round' ? t(lang, 'modeRound', { rounds: args.rounds }) : t(lang, 'modeKok');
  return t(lang, 'started', { user: mention(user), mode, difficulty: t(lang, DIFFICULTY_KEY[args.difficulty]) });
}

function banner(lang: Lang, mission: MissionId | null) {
  return mission === null ? [] : [section(`*${t(lang, MISSION_BANNER[mission])}*`, 'mission')];
}

export interface CountdownView {
  round: number;
  rounds: number;
  n: number;
  mission: MissionId | null;
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
  mission: MissionId | null;
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
  mission: MissionId | null;
  /** Ranked first (by rank), then unranked, as they should be listed. */
  entries: readonly ResultEntry[];
  missed: readonly string[];
  eliminated: readonly string[];
  winners: readonly string[];
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

export function renderResults(lang: Lang, v: ResultsView): Rendered {
  const out = new Set(v.eliminated);
  const mark = (user: string) => (out.has(user) ? t(lang, 'eliminatedMark') : '');
  const lines = [
    ...v.entries.map((e) => resultLine(lang, e) + mark(e.user)),
    ...v.missed.map((u) => t(lang, 'resultMissed', { user: mention(u) }) + mark(u)),
  ];
  const title = t(lang, 'resultTitle', { round: v.round });
  const outcome = v.winners.length > 0 ? t(lang, 'winners', { users: mentions(lang, v.winners) }) : t(lang, 'noWinner');
  const body = lines.length > 0 ? lines.join('\n') : t(lang, 'noAnswers');
  return {
    text: `${title}\n${body}\n${outcome}`,
    blocks: [{ type: 'header', text: { type: 'plain_text', text: title } }, ...banner(lang, v.mission), section(body, 'results'), section(`*${outcome}*`, 'outcome')],
  };
}

export interface TotalsRow {
  user: string;
  score: number;
  rounds: number;
  avgAccuracy: number;
}

export function renderTotals(lang: Lang, totals: readonly TotalsRow[], champion: string | null, kok: boolean): Rendered {
  const title = t(lang, 'totalsTitle');
  const lines = totals.map((row, i) =>
    t(lang, 'totalsRow', { rank: i + 1, user: mention(row.user), score: fmt(row.score), rounds: row.rounds, accuracy: Math.floor(row.avgAccuracy) }),
  );
  // King of the Keyboard always crowns someone unless nobody answered a round (see modes/kok.ts).
  const crown =
    champion !== null ? t(lang, kok ? 'kokChampion' : 'champion', { user: mention(champion) }) : t(lang, kok ? 'kokEveryoneMissed' : 'noWinner');
  const body = lines.length > 0 ? lines.join('\n') : t(lang, 'noAnswers');
  return {
    text: `${crown}\n${body}`,
    blocks: [{ type: 'header', text: { type: 'plain_text', text: title } }, section(body, 'totals'), section(`*${crown}*`, 'champion')],
  };
}

export const KOK_JOIN_ACTION = 'kok_join';

export function renderJoin(lang: Lang, players: readonly string[], seconds: number): Rendered {
  const text = t(lang, 'kokJoin', { seconds, players: mentions(lang, players) });
  return { text, blocks: [section(text, 'kok-join'), { type: 'actions', block_id: 'kok-join-actions', elements: [button(t(lang, 'kokJoinButton'), KOK_JOIN_ACTION, 'join')] }] };
}

const HELP_KEYS = ['helpHelpgame', 'helpLang', 'helpStart', 'helpExit', 'helpMyscore', 'helpRank', 'helpScore', 'helpBadge'] as const satisfies readonly MessageKey[];

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
