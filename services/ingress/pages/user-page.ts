import type { Lang } from '../../../protocol/index.ts';
import { TEAM_BADGES, USER_BADGES } from '../../ranking/badges.ts';
import { badgeText } from '../../ranking/i18n.ts';
import type { HomeData } from '../../ranking/home.ts';
import type { Best } from '../../ranking/reads.ts';
import { html } from './html.ts';
import { pageTexts } from './i18n.ts';
import { layout } from './layout.ts';

/** What the player's App Home shows, plus their team: the page and the Home tab read the same records. */
export interface UserPageData extends HomeData {
  team: string;
}

function when(lang: Lang, at: number): string {
  return new Date(at).toLocaleDateString(lang === 'ko' ? 'ko-KR' : 'en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
}

export function userPage(lang: Lang, d: UserPageData): string {
  const t = pageTexts(lang);
  const avg = d.stats.ranked === 0 ? 0 : Math.round(d.stats.sumAccuracy / d.stats.ranked);
  const rank = (b: Best) => (b.rank === null ? '–' : `#${b.rank}`);
  const tiles: Array<[string, string]> = [
    [t('statGames'), String(d.stats.games)],
    [t('statAnswers'), String(d.stats.answers)],
    [t('statAvgAccuracy'), `${avg}%`],
    [t('statBestScore'), String(d.stats.bestScore)],
    [t('statBestSpeed'), `${d.stats.bestSpeed}${t('perMinute')}`],
    [t('statPerfects'), String(d.stats.perfects)],
    [t('rankTeam'), rank(d.bests.team)],
    [t('rankGlobal'), rank(d.bests.global)],
  ];
  const badge = (id: string, emoji: string, owned: boolean) => {
    const { name, description } = badgeText(lang, id);
    return html`<div class="badge${owned ? '' : ' locked'}" data-badge="${id}"><span class="emoji">${emoji}</span><div><b>${name}</b><span>${description}</span></div></div>`;
  };
  const body = html`
<div class="wrap">
  <div class="page-head"><h1>${t('userTitle', { user: d.user })}</h1><p>${t('userTeam', { team: d.team })}</p></div>
  <div class="tiles four">${tiles.map(([label, value]) => html`<div class="tile"><b>${value}</b><span>${label}</span></div>`)}</div>
  <div class="panel"><h2>${t('badgesTitle')} <span class="muted">${d.badges.size + d.teamBadges.size}/${USER_BADGES.length + TEAM_BADGES.length}</span></h2>
    <div class="badges">
      ${USER_BADGES.map((b) => badge(b.id, b.emoji, d.badges.has(b.id)))}
      ${TEAM_BADGES.map((b) => badge(b.id, b.emoji, d.teamBadges.has(b.id)))}
    </div>
  </div>
  <div class="panel"><h2>${t('recentTitle')}</h2>
    ${
      d.recent.length === 0
        ? html`<p class="muted">${t('noRecords')}</p>`
        : html`<table><thead><tr><th>${t('colWhen')}</th><th class="num">${t('colScore')}</th><th class="num">${t('colAccuracy')}</th><th class="num">${t('colSpeed')}</th><th>${t('colSentence')}</th></tr></thead><tbody>
      ${d.recent.map((r) => html`<tr><td>${when(lang, r.at)}</td><td class="num"><b>${r.score}</b></td><td class="num">${r.acc}%</td><td class="num">${r.speed}${t('perMinute')}</td><td>${r.prompt}</td></tr>`)}
      </tbody></table>`
    }
  </div>
</div>`;
  return layout({ lang, title: `${t('userTitle', { user: d.user })} — SurFinger`, body, path: `/u/${encodeURIComponent(d.team)}/${encodeURIComponent(d.user)}` });
}
