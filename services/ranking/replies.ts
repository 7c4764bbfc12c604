import type { Blocks, Lang, Reply } from '../../protocol/index.ts';
import { MessageTypes } from '../../protocol/index.ts';
import { ALL_BADGES, badgeEmoji, nextBadges, TEAM_BADGES, USER_BADGES, type BadgeProgress } from './badges.ts';
import { fitLines } from '../../actors/fit.ts';
import { badgeText, rt } from './i18n.ts';
import type { RecordEntry, TeamStats, UserStats } from './model.ts';
import { RECENT_DAYS, RECENT_GAMES, type DuelRow, type MyScore, type RankRow } from './reads.ts';

/**
 * Block Kit replies for /rank, /myscore, /score and /badge. Slack has no table block that every
 * client renders, so a "table" is one mrkdwn line per row with a medal or place number in front.
 */

const MEDALS = ['🥇', '🥈', '🥉'];
const SHOWN_ROWS = 15;

function place(i: number): string {
  return MEDALS[i] ?? `${i + 1}.`;
}

function header(text: string): Record<string, unknown> {
  return { type: 'header', text: { type: 'plain_text', text, emoji: true } };
}

function section(text: string): Record<string, unknown> {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function context(text: string): Record<string, unknown> {
  return { type: 'context', elements: [{ type: 'mrkdwn', text }] };
}

function reply(text: string, blocks: Blocks): Reply {
  return { type: MessageTypes.reply, ok: true, responseType: 'in_channel', text, blocks };
}

/** "512.3 pts · 98% · 320/min (64 WPM)" */
export function recordLine(lang: Lang, r: RecordEntry): string {
  const wpm = r.wpm === null ? '' : ` (${r.wpm} ${rt(lang, 'wpm')})`;
  return `*${r.score}* ${rt(lang, 'points')} · ${r.acc}% · ${r.speed}${rt(lang, 'perMinute')}${wpm}`;
}

/** Slack renders `<@U…>` as the member's display name. */
function mention(user: string): string {
  return `<@${user}>`;
}

export function rankReply(lang: Lang, rows: RankRow[], asker: string): Reply {
  if (rows.length === 0) return reply(rt(lang, 'rankEmpty'), [header(rt(lang, 'rankTitle')), section(rt(lang, 'rankEmpty'))]);
  const shown = rows.slice(0, SHOWN_ROWS).map((row, i) => `${place(i)} ${mention(row.user)} — ${recordLine(lang, row.best)}`);
  const mine = rows.findIndex((row) => row.user === asker);
  const own = rows[mine];
  if (own && mine >= SHOWN_ROWS) shown.push('…', `${place(mine)} ${mention(asker)} — ${recordLine(lang, own.best)}`);
  return reply(rt(lang, 'rankTitle'), [header(rt(lang, 'rankTitle')), section(shown.join('\n')), context(rt(lang, 'rankRule', { games: RECENT_GAMES, days: RECENT_DAYS }))]);
}

/** `/rank duel`: the team's duel ratings, the asker's own row added when it is below the shown ones. */
export function duelRankReply(lang: Lang, rows: DuelRow[], asker: string): Reply {
  const title = rt(lang, 'duelRankTitle');
  if (rows.length === 0) return reply(rt(lang, 'duelRankEmpty'), [header(title), section(rt(lang, 'duelRankEmpty'))]);
  const line = (row: DuelRow, i: number) => rt(lang, 'duelRankRow', { place: place(i), user: mention(row.user), rating: row.rating, wins: row.wins, duels: row.duels });
  const shown = rows.slice(0, SHOWN_ROWS).map(line);
  const mine = rows.findIndex((row) => row.user === asker);
  if (mine >= SHOWN_ROWS) shown.push('…', line(rows[mine]!, mine));
  return reply(`${title}\n${shown.join('\n')}`, [header(title), section(shown.join('\n')), context(rt(lang, 'duelRankRule'))]);
}

export function scoreReply(lang: Lang, records: RecordEntry[]): Reply {
  if (records.length === 0) return reply(rt(lang, 'scoreEmpty'), [header(rt(lang, 'scoreTitle')), section(rt(lang, 'scoreEmpty'))]);
  const lines = records.map((r, i) => `${place(i)} ${mention(r.u)} — ${recordLine(lang, r)}\n      > ${r.prompt}`);
  return reply(rt(lang, 'scoreTitle'), [header(rt(lang, 'scoreTitle')), section(lines.join('\n'))]);
}

function bestLine(lang: Lang, label: string, best: { score: number | null; rank: number | null }): string {
  return best.score === null ? `${label}: –` : `${label}: *${best.score}* ${rt(lang, 'points')}${best.rank === null ? '' : ` (${rt(lang, 'nth', { rank: best.rank })})`}`;
}

/** In the channel, so no personal link here: that goes to the player alone (`personalLinkText`). */
export function myScoreReply(lang: Lang, my: MyScore): Reply {
  if (my.stats.answers === 0) return reply(rt(lang, 'myNone'), [header(rt(lang, 'myTitle')), section(rt(lang, 'myNone'))]);
  const avg = my.stats.ranked === 0 ? 0 : Math.round(my.stats.sumAccuracy / my.stats.ranked);
  const blocks: Blocks = [
    header(rt(lang, 'myTitle')),
    section(my.rank === null ? rt(lang, 'myUnranked') : rt(lang, 'myRank', { rank: my.rank, of: my.of })),
    section(
      [`*${rt(lang, 'myBests')}*`, bestLine(lang, rt(lang, 'myChannel'), my.bests.channel), bestLine(lang, rt(lang, 'myTeam'), my.bests.team), bestLine(lang, rt(lang, 'myGlobal'), my.bests.global)].join('\n'),
    ),
  ];
  if (my.recent.length > 0) blocks.push(section([`*${rt(lang, 'myRecent')}*`, ...my.recent.map((r) => `• ${recordLine(lang, r)}`)].join('\n')));
  blocks.push(context(rt(lang, 'myStats', { games: my.stats.games, answers: my.stats.answers, avg, perfects: my.stats.perfects })));
  return reply(rt(lang, 'myTitle'), blocks);
}

/** The ephemeral after /myscore: the player's signed page link, seen by nobody else. */
export function personalLinkText(lang: Lang, pageUrl: string): string {
  return `<${pageUrl}|${rt(lang, 'myPage')}> · ${rt(lang, 'myPageOnlyYou')}`;
}

function progressBar(p: BadgeProgress): string {
  const filled = Math.round((p.value / p.target) * 10);
  return `${'▰'.repeat(filled)}${'▱'.repeat(10 - filled)} ${p.value}/${p.target}`;
}

export function badgeLine(lang: Lang, id: string): string {
  const { name, description } = badgeText(lang, id);
  return `${badgeEmoji(id)} *${name}* — ${description}`;
}

export function badgeReply(lang: Lang, owned: { user: Map<string, number>; team: Map<string, number> }, stats: { user: UserStats; team: TeamStats }): Reply {
  const list = (ids: string[]) => (ids.length === 0 ? rt(lang, 'badgeNone') : ids.map((id) => badgeLine(lang, id)).join('\n'));
  // Catalog order, so the list reads the same every time regardless of when each was earned.
  const mine = USER_BADGES.map((b) => b.id).filter((id) => owned.user.has(id));
  const ours = TEAM_BADGES.map((b) => b.id).filter((id) => owned.team.has(id));
  const next = [
    ...nextBadges(USER_BADGES, new Set(owned.user.keys()), stats.user, 3),
    ...nextBadges(TEAM_BADGES, new Set(owned.team.keys()), stats.team, 1),
  ].map((p) => `${p.emoji} *${badgeText(lang, p.id).name}* ${progressBar(p)}`);
  const blocks: Blocks = [
    header(rt(lang, 'badgeTitle')),
    section(`*${rt(lang, 'badgeMine', { count: mine.length, total: USER_BADGES.length })}*\n${list(mine)}`),
    section(`*${rt(lang, 'badgeTeam', { count: ours.length, total: TEAM_BADGES.length })}*\n${list(ours)}`),
  ];
  if (next.length > 0) blocks.push(section(`*${rt(lang, 'badgeNext')}*\n${next.join('\n')}`));
  blocks.push(context(rt(lang, 'badgeAll', { count: mine.length + ours.length, total: ALL_BADGES.length })));
  return reply(rt(lang, 'badgeTitle'), blocks);
}

function announcementText(lang: Lang, user: string | null, badge: string): string {
  const { name, description } = badgeText(lang, badge);
  const emoji = badgeEmoji(badge);
  return user === null ? rt(lang, 'badgeAnnounceTeam', { emoji, name, description }) : rt(lang, 'badgeAnnounce', { who: mention(user), emoji, name, description });
}

/**
 * A game's badges as one message (announcements.ts): a lone badge reads as a sentence with its
 * description; more are one line per player, within Slack's limits however many players earned one.
 */
export function gameBadgesMessage(lang: Lang, holders: ReadonlyArray<{ user: string | null; badges: readonly string[] }>): { text: string; blocks: Blocks } {
  const all = holders.flatMap((h) => h.badges.map((badge) => ({ user: h.user, badge })));
  if (all.length === 1) {
    const text = announcementText(lang, all[0]!.user, all[0]!.badge);
    return { text, blocks: [{ ...section(text), block_id: 'badges' }] };
  }
  const title = rt(lang, 'badgeAnnounceGame', { count: all.length });
  const lines = holders.map((h) => {
    const who = h.user === null ? rt(lang, 'badgeOurTeam') : mention(h.user);
    return `• ${who} — ${h.badges.map((b) => `${badgeEmoji(b)} *${badgeText(lang, b).name}*`).join(' · ')}`;
  });
  const { chunks, hidden } = fitLines(lines);
  const blocks: Blocks = [{ ...section(`*${title}*`), block_id: 'badges' }, ...chunks.map((chunk) => section(chunk))];
  if (hidden > 0) blocks.push(context(rt(lang, 'badgeMorePlayers', { n: hidden })));
  return { text: [title, chunks[0] ?? ''].join('\n'), blocks };
}
