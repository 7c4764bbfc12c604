import type { Lang } from '../../../protocol/index.ts';
import { html } from './html.ts';
import { pageTexts } from './i18n.ts';
import { layout } from './layout.ts';

export interface LandingCounters {
  gamesToday: number;
  teams: number;
  players: number;
}

const SLACK_MARK = html`<svg class="slack-mark" viewBox="0 0 54 54" aria-hidden="true"><g fill="none" fill-rule="evenodd"><path d="M19.7 34.1a5 5 0 1 1-5-5h5v5zm2.5 0a5 5 0 1 1 10 0v12.5a5 5 0 1 1-10 0V34.1z" fill="#E01E5A"/><path d="M27.2 19.7a5 5 0 1 1 5-5v5h-5zm0 2.5a5 5 0 1 1 0 10H14.7a5 5 0 1 1 0-10h12.5z" fill="#36C5F0"/><path d="M41.6 27.2a5 5 0 1 1 5 5h-5v-5zm-2.5 0a5 5 0 1 1-10 0V14.7a5 5 0 1 1 10 0v12.5z" fill="#2EB67D"/><path d="M34.1 41.6a5 5 0 1 1-5 5v-5h5zm0-2.5a5 5 0 1 1 0-10h12.5a5 5 0 1 1 0 10H34.1z" fill="#ECB22E"/></g></svg>`;

export function landingPage(lang: Lang, counters: LandingCounters, installUrl: string): string {
  const t = pageTexts(lang);
  const body = html`
<section class="hero"><div class="wrap">
  <div>
    <div class="eyebrow">${t('tagline')}</div>
    <h1>${t('heroTitle')}</h1>
    <p>${t('heroBody')}</p>
    <a class="btn btn-slack" id="add-to-slack" href="${installUrl}">${SLACK_MARK}${t('addToSlack')}</a>
    <div class="counters">
      <div class="counter"><b data-counter="gamesToday">${counters.gamesToday.toLocaleString()}</b><span>${t('gamesToday')}</span></div>
      <div class="counter"><b data-counter="teams">${counters.teams.toLocaleString()}</b><span>${t('teams')}</span></div>
      <div class="counter"><b data-counter="players">${counters.players.toLocaleString()}</b><span>${t('players')}</span></div>
    </div>
  </div>
  <div class="demo" aria-label="demo">
    <div class="demo-head"><span class="dots"><i></i><i></i><i></i></span>${t('demoChannel')}</div>
    <div class="demo-body">
      <div class="msg m1"><div class="avatar av-bot">⌨</div><div><div class="who">SurFinger</div><div class="text prompt-box">${t('demoPrompt')}</div></div></div>
      ${([1, 2] as const).map(
        (n, i) =>
          html`<div class="msg m${n + 1}"><div class="avatar av-${i}">${t(`demo.${n}.who`).slice(0, 1)}</div><div><div class="who">${t(`demo.${n}.who`)}</div><div class="text"><span class="typing">${t(`demo.${n}.text`)}</span><span class="tag${t(`demo.${n}.acc`) === '100%' ? '' : ' miss'}">${t(`demo.${n}.acc`)}</span></div></div></div>`,
      )}
      <div class="msg m4"><div class="avatar av-bot">⌨</div><div><div class="who">SurFinger</div><div class="text">${t('demoResult')}</div></div></div>
    </div>
  </div>
</div></section>
<section class="block"><div class="wrap">
  <h2>${t('howTitle')}</h2>
  <div class="grid grid-4">
    ${([1, 2, 3, 4] as const).map((n) => html`<div class="card"><span class="step-num">${n}</span><h3><code>${t(`how.${n}.title`)}</code></h3><p>${t(`how.${n}.text`)}</p></div>`)}
  </div>
</div></section>
<section class="block tight"><div class="wrap">
  <h2>${t('featuresTitle')}</h2>
  <div class="grid grid-2">
    ${([1, 2, 3, 4] as const).map((n) => html`<div class="card"><h3>${t(`feature.${n}.title`)}</h3><p>${t(`feature.${n}.text`)}</p></div>`)}
  </div>
</div></section>`;
  return layout({ lang, title: `SurFinger — ${t('tagline')}`, body, path: '/' });
}
