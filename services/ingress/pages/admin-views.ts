import type { Lang, TournamentSummary } from '../../../protocol/index.ts';
import type { TeamSummary } from '../../common/token-store.ts';
import type { JobRun } from '../../scheduler/history.ts';
import { barChart } from './chart.ts';
import { html, raw, type Html } from './html.ts';
import { pageTexts } from './i18n.ts';
import { layout } from './layout.ts';

export interface ClusterInstance {
  id: string;
  data: Record<string, unknown>;
}

export interface Dashboard {
  gamesToday: number;
  totals: Record<string, number>;
  active: { activeUsers: number; totalUsers: number; activeTeams: number; totalTeams: number };
  perDay: Array<{ day: string; games: number }>;
  topChannels: Array<{ team: string; channel: string; games: number }>;
  hosts: ClusterInstance[];
  supervisors: ClusterInstance[];
  jobs: JobRun[];
  /** Teams with an app-level token (per-workspace apps), no secrets. */
  workspaces: TeamSummary[];
  /** Every tournament the actor hosts know (empty when none answered). */
  tournaments?: TournamentSummary[];
}

export type Flash = { kind: 'ok' | 'err'; text: string } | null;

function flashBox(flash: Flash): Html | '' {
  return flash ? html`<div class="alert ${flash.kind}" role="status">${flash.text}</div>` : '';
}

function adminNav(lang: Lang, csrf: string): Html {
  const t = pageTexts(lang);
  return html`<form method="post" action="/admin/logout?lang=${lang}" class="row"><input type="hidden" name="_csrf" value="${csrf}"><button class="btn btn-ghost btn-small" type="submit" id="logout">${t('logout')}</button></form>`;
}

export function loginPage(lang: Lang, csrf: string, flash: Flash): string {
  const t = pageTexts(lang);
  const body = html`<div class="wrap"><div class="panel login">
  <h2>${t('loginTitle')}</h2>${flashBox(flash)}
  <form class="stack" method="post" action="/admin/login?lang=${lang}">
    <input type="hidden" name="_csrf" value="${csrf}">
    <label>${t('loginUser')}<input type="text" name="user" autocomplete="username" required></label>
    <label>${t('loginPassword')}<input type="password" name="password" autocomplete="current-password" required></label>
    <button class="btn btn-primary" type="submit" id="login">${t('loginButton')}</button>
  </form></div></div>`;
  return layout({ lang, title: `${t('loginTitle')} — SurFinger`, body, path: '/admin' });
}

function num(n: number | undefined): string {
  return (n ?? 0).toLocaleString();
}

function instanceTable(lang: Lang, rows: ClusterInstance[], cols: Array<[label: string, field: string]>): Html {
  const t = pageTexts(lang);
  if (rows.length === 0) return html`<p class="muted">${t('clusterUnavailable')}</p>`;
  return html`<table><thead><tr><th>${t('colInstance')}</th>${cols.map(([label]) => html`<th class="num">${label}</th>`)}</tr></thead><tbody>
${rows.map((r) => html`<tr><td class="mono">${r.id}</td>${cols.map(([, field]) => html`<td class="num">${cell(r.data[field])}</td>`)}</tr>`)}</tbody></table>`;
}

/** A stats value as a count: services report some as lists or maps (e.g. a supervisor's teams). */
function cell(value: unknown): string {
  if (typeof value === 'number') return value.toLocaleString();
  if (Array.isArray(value)) return String(value.length);
  if (typeof value === 'object' && value !== null) return String(Object.keys(value).length);
  return value === undefined ? '–' : String(value);
}

function sum(rows: ClusterInstance[], field: string): number {
  return rows.reduce((s, r) => s + (typeof r.data[field] === 'number' ? (r.data[field] as number) : 0), 0);
}

/** A job summary as one line: lists become their length, nested objects `key value` pairs. */
function summaryOf(value: unknown): string {
  if (Array.isArray(value)) return String(value.length);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value)
      .map(([k, v]) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? `${k} (${summaryOf(v)})` : `${k} ${summaryOf(v)}`))
      .join(' · ');
  }
  return String(value);
}

export function dashboardPage(lang: Lang, csrf: string, d: Dashboard, flash: Flash, draft: { text: string; teams: string }): string {
  const t = pageTexts(lang);
  const a = d.active;
  const body = html`<div class="wrap">
  <div class="page-head"><h1>${t('adminTitle')}</h1></div>
  ${flashBox(flash)}
  <div class="tiles">
    <div class="tile"><b id="games-today">${num(d.gamesToday)}</b><span>${t('tileGamesToday')}</span></div>
    <div class="tile"><b>${num(d.totals.games)}</b><span>${t('tileGamesTotal')}</span></div>
    <div class="tile"><b>${num(a.activeTeams)}</b><span>${t('tileActiveTeams')}</span><small>${t('inactive', { n: a.totalTeams - a.activeTeams })}</small></div>
    <div class="tile"><b>${num(a.activeUsers)}</b><span>${t('tileActiveUsers')}</span><small>${t('inactive', { n: a.totalUsers - a.activeUsers })}</small></div>
    <div class="tile"><b>${num(sum(d.hosts, 'games'))}</b><span>${t('colActors')}</span><small>${t('colRunning')} ${num(sum(d.hosts, 'running'))}</small></div>
    <div class="tile"><b>${num(sum(d.supervisors, 'openSockets'))}</b><span>${t('colSockets')}</span></div>
    <div class="tile"><b>${num(d.totals.pasted)}</b><span>${t('tilePasted')}</span></div>
  </div>
  <div class="panel chart" id="games-chart"><h2>${t('chartTitle')}</h2>${raw(barChart(d.perDay.map((p) => ({ label: p.day, value: p.games })), { ariaLabel: t('chartTitle') }))}</div>
  <div class="split">
    <div class="panel"><h2>${t('topChannels')}</h2>${
      d.topChannels.length === 0
        ? html`<p class="muted">${t('none')}</p>`
        : html`<table><thead><tr><th>${t('colTeam')}</th><th>${t('colChannel')}</th><th class="num">${t('colGames')}</th></tr></thead><tbody>
        ${d.topChannels.map((c) => html`<tr><td class="mono">${c.team}</td><td class="mono">${c.channel}</td><td class="num">${num(c.games)}</td></tr>`)}</tbody></table>`
    }</div>
    <div class="panel"><h2>${t('clusterTitle')}</h2>
      <h3 class="muted">${t('actorHosts')}</h3>${instanceTable(lang, d.hosts, [[t('colActors'), 'games'], [t('colRunning'), 'running']])}
      <h3 class="muted">${t('supervisors')}</h3>${instanceTable(lang, d.supervisors, [[t('colSockets'), 'openSockets'], [t('colTeamsLabel'), 'teams']])}
    </div>
  </div>
  <div class="panel" id="notice"><h2>${t('noticeTitle')}</h2>
    <form class="stack" method="post" action="/admin/notice/preview?lang=${lang}">
      <input type="hidden" name="_csrf" value="${csrf}">
      <label>${t('noticeText')}<textarea name="text" maxlength="3000" required>${draft.text}</textarea></label>
      <label>${t('noticeTeams')}<input type="text" name="teams" value="${draft.teams}" placeholder="T0123, T0456"></label>
      <div class="row"><button class="btn btn-primary" type="submit" id="notice-preview">${t('noticePreview')}</button></div>
    </form>
  </div>
  ${tournamentPanel(lang, csrf, d.tournaments ?? [])}
  <div class="panel" id="optout"><h2>${t('optoutTitle')}</h2>
    <form class="stack" method="post" action="/admin/optout?lang=${lang}">
      <input type="hidden" name="_csrf" value="${csrf}">
      <div class="split">
        <label>${t('optoutTeam')}<input type="text" name="team" required placeholder="T0123"></label>
        <label>${t('optoutUser')}<input type="text" name="user" placeholder="U0456"></label>
      </div>
      <p class="muted">${t('optoutHint')}</p>
      <div class="row">
        <button class="btn btn-primary" type="submit" name="action" value="stop" id="optout-stop">${t('optoutStop')}</button>
        <button class="btn btn-ghost" type="submit" name="action" value="resume">${t('optoutResume')}</button>
      </div>
    </form>
  </div>
  ${workspacesPanel(lang, csrf, d.workspaces)}
  <div class="panel" id="jobs"><h2>${t('jobsTitle')}</h2>${
    d.jobs.length === 0
      ? html`<p class="muted">${t('none')}</p>`
      : html`<table><thead><tr><th>${t('colJob')}</th><th class="hide-sm">${t('colPeriod')}</th><th class="hide-sm">${t('colHolder')}</th><th>${t('colStarted')}</th><th>${t('colResult')}</th></tr></thead><tbody>
      ${d.jobs.map(
        (j) =>
          html`<tr><td><b>${j.job}</b></td><td class="mono hide-sm">${j.period.slice(0, 16)}</td><td class="mono hide-sm">${j.holder}</td><td>${new Date(j.startedAt).toISOString().replace('T', ' ').slice(0, 16)}</td><td><span class="pill ${j.ok ? 'ok' : 'err'}">${j.ok ? t('ok') : t('failed')}</span> <span class="muted">${j.error ?? summaryOf(j.summary).slice(0, 300)}</span></td></tr>`,
      )}</tbody></table>`
  }</div>
</div>`;
  return layout({ lang, title: `${t('adminTitle')} — SurFinger`, body, path: '/admin', nav: adminNav(lang, csrf) });
}

function workspacesPanel(lang: Lang, csrf: string, teams: TeamSummary[]): Html {
  const t = pageTexts(lang);
  const when = (at: number | undefined) => (at === undefined ? '–' : new Date(at).toISOString().replace('T', ' ').slice(0, 16));
  return html`<div class="panel" id="workspaces"><h2>${t('wsTitle')}</h2>
    <p class="muted">${t('wsHint')}</p>
    ${
      teams.length === 0
        ? html`<p class="muted">${t('wsNone')}</p>`
        : html`<table><thead><tr><th>${t('colTeam')}</th><th>${t('colName')}</th><th class="hide-sm">${t('colExpires')}</th><th></th></tr></thead><tbody>
      ${teams.map(
        (w) =>
          html`<tr><td class="mono">${w.team}</td><td>${w.teamName}</td><td class="mono hide-sm">${when(w.tokenExpiresAt)}</td><td><form method="post" action="/admin/workspaces/remove?lang=${lang}"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="team" value="${w.team}"><button class="btn btn-ghost btn-small" type="submit">${t('wsRemove')}</button></form></td></tr>`,
      )}</tbody></table>`
    }
    <form class="stack" method="post" action="/admin/workspaces?lang=${lang}" autocomplete="off">
      <input type="hidden" name="_csrf" value="${csrf}">
      <label>${t('wsTeam')}<input type="text" name="team" required placeholder="T0123ABCD"></label>
      <label>${t('wsBotToken')}<input type="password" name="botToken" required></label>
      <label>${t('wsAppToken')}<input type="password" name="appToken" required></label>
      <div class="row"><button class="btn btn-primary" type="submit" id="workspace-add">${t('wsAdd')}</button></div>
    </form>
  </div>`;
}

/** Create form (the CLI's `tournament create`, in minutes) and the list, with a cancel per running one. */
function tournamentPanel(lang: Lang, csrf: string, tournaments: TournamentSummary[]): Html {
  const t = pageTexts(lang);
  const running = (x: TournamentSummary) => x.phase !== 'finished' && x.phase !== 'cancelled';
  return html`<div class="panel" id="tournaments"><h2>${t('tournamentTitle')}</h2>
    ${
      tournaments.length === 0
        ? html`<p class="muted">${t('none')}</p>`
        : html`<table><thead><tr><th>ID</th><th>${t('tournamentName')}</th><th>${t('colTournamentPhase')}</th><th class="num">${t('colTournamentRound')}</th><th>${t('colTournamentLeader')}</th><th></th></tr></thead><tbody>
        ${tournaments.map(
          (x) => html`<tr><td class="mono">${x.id}</td><td>${x.name}</td><td>${x.phase}</td><td class="num">${x.round}/${x.rounds}</td><td class="mono">${x.standings[0] ? `${x.standings[0].user} (${x.standings[0].points})` : '-'}</td><td>${
            running(x)
              ? html`<form method="post" action="/admin/tournament/cancel?lang=${lang}"><input type="hidden" name="_csrf" value="${csrf}"><input type="hidden" name="id" value="${x.id}"><button class="btn btn-ghost" type="submit">${t('tournamentCancel')}</button></form>`
              : ''
          }</td></tr>`,
        )}</tbody></table>`
    }
    <form class="stack" method="post" action="/admin/tournament/create?lang=${lang}">
      <input type="hidden" name="_csrf" value="${csrf}">
      <div class="split">
        <label>${t('tournamentId')}<input type="text" name="id" required pattern="[a-z0-9][a-z0-9_\-]{0,39}"></label>
        <label>${t('tournamentName')}<input type="text" name="name" required maxlength="80"></label>
      </div>
      <label>${t('tournamentChannels')}<textarea name="channels" required placeholder="T0123:C0456, T0789:C0012"></textarea></label>
      <div class="split">
        <label>${t('tournamentRounds')}<input type="number" name="rounds" min="1" max="20" value="3"></label>
        <label>${t('tournamentStartsIn')}<input type="number" name="startsIn" min="0" step="any" value="5"></label>
        <label>${t('tournamentGap')}<input type="number" name="gap" min="1" step="any" value="5"></label>
        <label>${t('tournamentCollect')}<input type="number" name="collect" min="1" step="any" value="2"></label>
        <label>${t('tournamentLang')}<select name="lang"><option value="ko">한국어</option><option value="en"${lang === 'en' ? ' selected' : ''}>English</option></select></label>
      </div>
      <div class="row"><button class="btn btn-primary" type="submit" id="tournament-create">${t('tournamentCreate')}</button></div>
    </form>
  </div>`;
}

export function noticePreviewPage(lang: Lang, csrf: string, notice: { noticeId: string; text: string; teams: string[] }): string {
  const t = pageTexts(lang);
  const body = html`<div class="wrap">
  <div class="page-head"><h1>${t('noticeTitle')}</h1></div>
  <div class="panel" id="notice-preview-panel"><h2>${t('noticePreviewTitle')}</h2>
    <p class="muted">→ ${notice.teams.length === 0 ? t('noticeTargetsAll') : notice.teams.join(', ')}</p>
    <div class="preview" id="notice-preview-text"><b>${t('noticeHeader')}</b>
${notice.text}</div>
    <div class="row spaced">
      <form method="post" action="/admin/notice/send?lang=${lang}">
        <input type="hidden" name="_csrf" value="${csrf}">
        <input type="hidden" name="noticeId" value="${notice.noticeId}">
        <input type="hidden" name="text" value="${notice.text}">
        <input type="hidden" name="teams" value="${notice.teams.join(',')}">
        <button class="btn btn-primary" type="submit" id="notice-confirm">${t('noticeConfirm')}</button>
      </form>
      <form method="post" action="/admin/notice/edit?lang=${lang}">
        <input type="hidden" name="_csrf" value="${csrf}">
        <input type="hidden" name="text" value="${notice.text}">
        <input type="hidden" name="teams" value="${notice.teams.join(',')}">
        <button class="btn btn-ghost" type="submit">${t('noticeEdit')}</button>
      </form>
    </div>
  </div>
</div>`;
  return layout({ lang, title: `${t('noticeTitle')} — SurFinger`, body, path: '/admin', nav: adminNav(lang, csrf) });
}
