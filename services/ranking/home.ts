import type { Blocks, Lang, Reply } from '../../protocol/index.ts';
import { MessageTypes } from '../../protocol/index.ts';
import { HOME_LANG_ACTIONS } from '../common/app-home.ts';
import { badgeEmoji, TEAM_BADGES, USER_BADGES } from './badges.ts';
import { badgeText, rt } from './i18n.ts';
import type { RecordEntry, UserStats } from './model.ts';
import { recordLine } from './replies.ts';
import type { Best } from './reads.ts';

/**
 * The player's App Home tab (views.publish): stats, a speed chart, recent games, badges and a
 * language toggle.
 *
 * The chart is a text sparkline (▁▂▃▄▅▆▇█ in a code span), not an image block: Slack fetches an
 * image block's URL from its own servers and renders only PNG/JPEG/GIF, so an image would need a
 * public raster endpoint — which a Socket Mode install (no public ingress) does not have — and
 * Slack caches images by URL. Unicode block characters render in every Slack client, in every
 * delivery mode, and cost nothing to draw.
 */

export interface HomeData {
  user: string;
  stats: UserStats;
  bests: { team: Best; global: Best };
  badges: ReadonlyMap<string, number>;
  teamBadges: ReadonlyMap<string, number>;
  /** Newest first, as the store keeps them. */
  recent: RecordEntry[];
}

const BARS = '▁▂▃▄▅▆▇█';
const RECENT_SHOWN = 5;
const PROMPT_SHOWN = 40;

/** One bar per value, scaled between the lowest and highest; all-equal values sit mid-height. */
export function sparkline(values: readonly number[]): string {
  if (values.length === 0) return '';
  const min = Math.min(...values);
  const max = Math.max(...values);
  const top = BARS.length - 1;
  return values.map((v) => BARS[max === min ? Math.floor(top / 2) : Math.round(((v - min) / (max - min)) * top)]).join('');
}

const section = (text: string): Record<string, unknown> => ({ type: 'section', text: { type: 'mrkdwn', text } });
const context = (text: string): Record<string, unknown> => ({ type: 'context', elements: [{ type: 'mrkdwn', text }] });
const field = (label: string, value: string): Record<string, unknown> => ({ type: 'mrkdwn', text: `*${label}*\n${value}` });

/** Slack shows `<!date^…>` in the reader's own time zone; the fallback is for clients that cannot. */
function when(at: number): string {
  return `<!date^${Math.floor(at / 1000)}^{date_short} {time}|${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC>`;
}

function short(text: string): string {
  const chars = [...text];
  return chars.length > PROMPT_SHOWN ? `${chars.slice(0, PROMPT_SHOWN - 1).join('')}…` : text;
}

export function homeView(lang: Lang, d: HomeData): Reply {
  const avg = d.stats.ranked === 0 ? 0 : Math.round(d.stats.sumAccuracy / d.stats.ranked);
  const rank = (b: Best) => (b.rank === null ? '–' : rt(lang, 'nth', { rank: b.rank }));
  const unit = rt(lang, 'perMinute');
  const toggle = (l: Lang, label: string) => ({
    type: 'button',
    action_id: HOME_LANG_ACTIONS[l],
    value: l,
    text: { type: 'plain_text', text: label },
    ...(l === lang ? { style: 'primary' } : {}),
  });
  const blocks: Blocks = [
    { type: 'header', text: { type: 'plain_text', text: rt(lang, 'homeTitle'), emoji: true } },
    section(d.stats.answers === 0 ? `${rt(lang, 'homeHello', { user: d.user })} ${rt(lang, 'homeEmpty')}` : rt(lang, 'homeHello', { user: d.user })),
    { type: 'actions', block_id: 'home-lang', elements: [toggle('ko', '한국어'), toggle('en', 'English')] },
    context(rt(lang, 'homeLang')),
    { type: 'divider' },
    {
      type: 'section',
      block_id: 'home-stats',
      text: { type: 'mrkdwn', text: `*${rt(lang, 'homeStats')}*` },
      fields: [
        field(rt(lang, 'homeGames'), String(d.stats.games)),
        field(rt(lang, 'homeAnswers'), String(d.stats.answers)),
        field(rt(lang, 'homeAvg'), `${avg}%`),
        field(rt(lang, 'homeBestScore'), `${d.stats.bestScore} ${rt(lang, 'points')}`),
        field(rt(lang, 'homeBestSpeed'), `${d.stats.bestSpeed}${unit}`),
        field(rt(lang, 'homePerfects'), String(d.stats.perfects)),
        field(rt(lang, 'homeTeamRank'), rank(d.bests.team)),
        field(rt(lang, 'homeGlobalRank'), rank(d.bests.global)),
      ],
    },
  ];
  // Oldest first, so the line reads left to right as time goes on.
  const speeds = d.recent.map((r) => r.speed).reverse();
  if (speeds.length >= 2) {
    blocks.push({ ...section(`*${rt(lang, 'homeChart', { count: speeds.length })}*\n\`${sparkline(speeds)}\``), block_id: 'home-chart' });
    blocks.push(context(rt(lang, 'homeChartRange', { min: Math.min(...speeds), max: Math.max(...speeds), last: speeds[speeds.length - 1]!, unit })));
  } else {
    blocks.push({ ...section(`*${rt(lang, 'homeChart', { count: speeds.length })}*\n${rt(lang, 'homeChartEmpty')}`), block_id: 'home-chart' });
  }
  if (d.recent.length > 0) {
    const lines = d.recent.slice(0, RECENT_SHOWN).map((r) => `• ${when(r.at)} — ${recordLine(lang, r)}\n      > ${short(r.prompt)}`);
    blocks.push({ ...section(`*${rt(lang, 'homeRecent')}*\n${lines.join('\n')}`), block_id: 'home-recent' });
  }
  const owned = [...USER_BADGES.filter((b) => d.badges.has(b.id)), ...TEAM_BADGES.filter((b) => d.teamBadges.has(b.id))];
  const total = USER_BADGES.length + TEAM_BADGES.length;
  const badgeList = owned.length === 0 ? rt(lang, 'badgeNone') : owned.map((b) => `${badgeEmoji(b.id)} ${badgeText(lang, b.id).name}`).join('  ·  ');
  blocks.push({ ...section(`*${rt(lang, 'homeBadges', { count: owned.length, total })}*\n${badgeList}`), block_id: 'home-badges' });
  return { type: MessageTypes.reply, ok: true, responseType: 'none', text: rt(lang, 'homeTitle'), blocks };
}
